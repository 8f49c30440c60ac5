//! A read buffer that is consumed from the front and refilled at the back.
//!
//! Bytes arrive from the socket at the end; the parser consumes complete
//! requests from the start. Instead of shifting the remaining bytes after every
//! request (a `memmove` per pipelined request), we move a start index, and only
//! compact when we need room at the end.
//!
//! `read(2)` wants an initialised slice to write into, and zeroing memory is
//! not free: an earlier version zeroed 64 KiB before every read, which was
//! half of all the instructions the server spent on a "hello" request (two
//! reads per request: the one that gets the bytes, the one that says
//! `WouldBlock`). Now the storage is zeroed once, when it grows, and reused.

#[derive(Debug, Default)]
pub struct ReadBuffer {
    /// Initialised storage; only `start..end` holds unread bytes.
    data: Vec<u8>,
    start: usize,
    end: usize,
}

/// The largest piece read at once: enough for a burst of pipelined requests.
const MAX_READ: usize = 64 * 1024;

impl ReadBuffer {
    pub fn with_capacity(capacity: usize) -> Self {
        ReadBuffer { data: vec![0; capacity], start: 0, end: 0 }
    }

    /// The bytes not yet consumed.
    pub fn as_slice(&self) -> &[u8] {
        &self.data[self.start..self.end]
    }

    pub fn len(&self) -> usize {
        self.end - self.start
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Drops `n` bytes from the front.
    pub fn consume(&mut self, n: usize) {
        self.start += n.min(self.len());
        if self.start == self.end {
            // Empty: rewind for free.
            self.start = 0;
            self.end = 0;
        }
    }

    pub fn extend_from_slice(&mut self, bytes: &[u8]) {
        self.compact();
        self.data.truncate(self.end);
        self.data.extend_from_slice(bytes);
        self.end = self.data.len();
    }

    /// Moves the unread bytes to the front, making the room behind them usable.
    fn compact(&mut self) {
        if self.start > 0 {
            self.data.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
    }

    /// Appends up to `limit - len()` bytes produced by `fill`, which gets a
    /// slice to read into and returns how many bytes it wrote.
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
        if self.end == self.data.len() {
            self.compact();
        }
        if self.end == self.data.len() {
            // Still full: grow (doubling, so a big head costs few copies),
            // zeroing only the new part, once.
            let grown = (self.data.len() * 2).max(4096).min(self.end + room.min(MAX_READ));
            self.data.resize(grown, 0);
        }
        let want = room.min(MAX_READ).min(self.data.len() - self.end);
        let result = fill(&mut self.data[self.end..self.end + want]);
        let got = *result.as_ref().unwrap_or(&0);
        self.end += got.min(want);
        result.map(Some)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fill_from(buffer: &mut ReadBuffer, limit: usize, bytes: &[u8]) -> Option<usize> {
        buffer
            .fill_with(limit, |space| -> Result<usize, ()> {
                let n = space.len().min(bytes.len());
                space[..n].copy_from_slice(&bytes[..n]);
                Ok(n)
            })
            .unwrap()
    }

    #[test]
    fn keeps_unread_bytes_across_consume_and_refill() {
        let mut buffer = ReadBuffer::with_capacity(8);
        assert_eq!(fill_from(&mut buffer, 100, b"abcdefgh"), Some(8));
        buffer.consume(3);
        assert_eq!(buffer.as_slice(), b"defgh");
        // Full at the back: compacts, then reads behind the unread bytes.
        assert_eq!(fill_from(&mut buffer, 100, b"XYZ"), Some(3));
        assert_eq!(buffer.as_slice(), b"defghXYZ");
        // Full again with nothing consumed: grows.
        assert_eq!(fill_from(&mut buffer, 100, b"0123456789"), Some(10));
        assert_eq!(buffer.as_slice(), b"defghXYZ0123456789");
        buffer.consume(18);
        assert!(buffer.is_empty());
    }

    #[test]
    fn never_holds_more_than_the_limit() {
        let mut buffer = ReadBuffer::with_capacity(4);
        let big = vec![7u8; 10_000];
        let mut total = 0;
        while let Some(n) = fill_from(&mut buffer, 5000, &big) {
            total += n;
        }
        assert_eq!(total, 5000);
        assert_eq!(buffer.len(), 5000);
        buffer.extend_from_slice(b"!");
        assert_eq!(buffer.len(), 5001);
        assert_eq!(buffer.as_slice().last(), Some(&b'!'));
    }
}
