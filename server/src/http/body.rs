//! Where a request body is kept while the application reads it.
//!
//! The engine reads the whole body before the application runs, so a slow
//! upload ties up a socket, not an application thread. Small bodies stay in
//! memory; a body larger than `spool_threshold` is moved to an anonymous
//! temporary file, so a 200 MiB upload costs disk space, not RAM.

use std::fs::File;
use std::io::{self, Seek, SeekFrom, Write};

/// A complete request body, ready to be read by the application.
#[derive(Debug, Default)]
pub enum RequestBody {
    #[default]
    Empty,
    Memory(Vec<u8>),
    /// A body spooled to a temporary file (already unlinked), rewound to the start.
    File { file: File, len: u64 },
}

impl RequestBody {
    pub fn len(&self) -> u64 {
        match self {
            RequestBody::Empty => 0,
            RequestBody::Memory(bytes) => bytes.len() as u64,
            RequestBody::File { len, .. } => *len,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Collects body bytes as they arrive, spilling to disk past a threshold.
#[derive(Debug)]
pub struct BodyCollector {
    memory: Vec<u8>,
    file: Option<File>,
    len: u64,
    spool_threshold: usize,
}

impl BodyCollector {
    pub fn new(spool_threshold: usize, expected_len: Option<u64>) -> Self {
        // Reserve up front when the length is known and small: one allocation.
        let reserve = expected_len.map_or(0, |len| len.min(spool_threshold as u64) as usize);
        BodyCollector { memory: Vec::with_capacity(reserve), file: None, len: 0, spool_threshold }
    }

    // ANCHOR: spool
    pub fn push(&mut self, data: &[u8]) -> io::Result<()> {
        self.len += data.len() as u64;
        if let Some(file) = &mut self.file {
            return file.write_all(data);
        }
        if self.memory.len() + data.len() <= self.spool_threshold {
            self.memory.extend_from_slice(data);
            return Ok(());
        }
        // Crossing the threshold: move what we have to a temporary file.
        let mut file = tempfile::tempfile()?;
        file.write_all(&self.memory)?;
        file.write_all(data)?;
        self.memory = Vec::new();
        self.file = Some(file);
        Ok(())
    }
    // ANCHOR_END: spool

    pub fn finish(self) -> io::Result<RequestBody> {
        match self.file {
            Some(mut file) => {
                file.flush()?;
                file.seek(SeekFrom::Start(0))?;
                Ok(RequestBody::File { file, len: self.len })
            }
            None if self.memory.is_empty() => Ok(RequestBody::Empty),
            None => Ok(RequestBody::Memory(self.memory)),
        }
    }
}
