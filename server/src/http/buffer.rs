//! A read buffer that is consumed from the front and refilled at the back.
//!
//! Bytes arrive from the socket at the end; the parser consumes complete
//! requests from the start. Instead of shifting the remaining bytes after every
//! request (a `memmove` per pipelined request), we move a start index, and only
//! compact when we need room at the end.

#[derive(Debug, Default)]
pub struct ReadBuffer {
    data: Vec<u8>,
    start: usize,
}

impl ReadBuffer {
    pub fn with_capacity(capacity: usize) -> Self {
        ReadBuffer { data: Vec::with_capacity(capacity), start: 0 }
    }

    /// The bytes not yet consumed.
    pub fn as_slice(&self) -> &[u8] {
        &self.data[self.start..]
    }

    pub fn len(&self) -> usize {
        self.data.len() - self.start
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Drops `n` bytes from the front.
    pub fn consume(&mut self, n: usize) {
        self.start += n.min(self.len());
        if self.start == self.data.len() {
            // Empty: rewind for free.
            self.data.clear();
            self.start = 0;
        }
    }

    pub fn extend_from_slice(&mut self, bytes: &[u8]) {
        self.data.extend_from_slice(bytes);
    }

    /// Appends up to `limit - len()` bytes produced by `fill`, which gets a
    /// zeroed slice to read into and returns how many bytes it wrote.
    /// Returns `Ok(None)` when the buffer already holds `limit` bytes.
    pub fn fill_with<E>(
        &mut self,
        limit: usize,
        fill: impl FnOnce(&mut [u8]) -> Result<usize, E>,
    ) -> Result<Option<usize>, E> {
        let room = limit.saturating_sub(self.len());
        if room == 0 {
            return Ok(None);
        }
        if self.start > 0 {
            // Compact: move the unread bytes to the front.
            self.data.drain(..self.start);
            self.start = 0;
        }
        let old_len = self.data.len();
        // Read in pieces of at most 64 KiB: enough for a burst of pipelined
        // requests, small enough not to zero megabytes for nothing.
        let want = room.min(64 * 1024);
        self.data.resize(old_len + want, 0);
        let result = fill(&mut self.data[old_len..]);
        let got = *result.as_ref().unwrap_or(&0);
        self.data.truncate(old_len + got);
        result.map(Some)
    }
}
