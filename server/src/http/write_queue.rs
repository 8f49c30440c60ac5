//! Response bytes waiting for the socket.
//!
//! Chunks of memory leave with one vectored write (`writev`), so a head and
//! its body go out in a single syscall even though they were produced
//! separately. File regions leave with `sendfile`, straight from the page
//! cache. Either way a write may be partial: the queue remembers how far it got.

use std::collections::VecDeque;
use std::io::{self, IoSlice, Write};
use std::os::fd::AsRawFd;

use super::listener::Stream;
use super::outbox::OutChunk;

/// At most this many chunks per `writev` (the kernel caps it at 1024).
const MAX_IOVECS: usize = 32;

#[derive(Default)]
pub struct WriteQueue {
    chunks: VecDeque<OutChunk>,
    /// How much of the front chunk is already sent.
    offset: u64,
    /// Bytes waiting in memory (what backpressure counts).
    pub bytes: usize,
}

impl WriteQueue {
    pub fn push(&mut self, chunk: OutChunk) {
        if chunk.is_empty() {
            return;
        }
        if let OutChunk::Bytes(bytes) = &chunk {
            self.bytes += bytes.len();
        }
        self.chunks.push_back(chunk);
    }

    pub fn push_bytes(&mut self, bytes: Vec<u8>) {
        self.push(OutChunk::Bytes(bytes));
    }

    pub fn is_empty(&self) -> bool {
        self.chunks.is_empty()
    }

    // ANCHOR: write_to
    /// One `writev` or one `sendfile`; returns how many bytes went out.
    pub fn write_to(&mut self, stream: &mut Stream) -> io::Result<usize> {
        let written = match self.chunks.front() {
            None => return Ok(0),
            Some(OutChunk::File(region)) => {
                let mut offset = (region.offset + self.offset) as libc::off_t;
                let count = (region.len - self.offset).min(1 << 30) as usize;
                // SAFETY: both descriptors are open for the duration of the call,
                // and `offset` is a valid pointer to a local variable.
                let sent = unsafe {
                    libc::sendfile(stream.as_raw_fd(), region.file.as_raw_fd(), &mut offset, count)
                };
                if sent < 0 {
                    return Err(io::Error::last_os_error());
                }
                if sent == 0 {
                    // The file is shorter than promised (truncated meanwhile):
                    // the response cannot be completed honestly.
                    return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "file shrank while being sent"));
                }
                sent as usize
            }
            Some(OutChunk::Bytes(_)) => {
                let mut slices: [IoSlice<'_>; MAX_IOVECS] = [IoSlice::new(&[]); MAX_IOVECS];
                let mut count = 0;
                for chunk in self.chunks.iter().take(MAX_IOVECS) {
                    let OutChunk::Bytes(bytes) = chunk else { break };
                    let skip = if count == 0 { self.offset as usize } else { 0 };
                    slices[count] = IoSlice::new(&bytes[skip..]);
                    count += 1;
                }
                stream.write_vectored(&slices[..count])?
            }
        };
        self.advance(written as u64);
        Ok(written)
    }
    // ANCHOR_END: write_to

    /// Drops `written` bytes from the front.
    fn advance(&mut self, mut written: u64) {
        while written > 0 {
            let Some(front) = self.chunks.front() else { break };
            let front_left = front.len() - self.offset;
            let is_memory = matches!(front, OutChunk::Bytes(_));
            let step = written.min(front_left);
            if is_memory {
                self.bytes -= step as usize;
            }
            written -= step;
            if step == front_left {
                self.chunks.pop_front();
                self.offset = 0;
            } else {
                self.offset += step;
            }
        }
    }
}
