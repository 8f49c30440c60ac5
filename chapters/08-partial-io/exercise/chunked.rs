//! Exercise, chapter 8: an incremental decoder for chunked request bodies.
//!
//! ```text
//! 5\r\n            <- size of the next chunk, in hex (maybe with ";extensions")
//! hello\r\n        <- that many bytes, then CRLF
//! 0\r\n            <- the last chunk: size zero
//! \r\n             <- an empty line ends the (optional) trailer lines
//! ```
//!
//! Run the check with `cargo run -p course -- check 8`.
//! Stuck? `cargo run -p course -- hint 8`.

// The starter does not use its arguments yet; that is expected.
#![allow(unused_variables)]

/// The longest size or trailer line we wait for; a client that never ends
/// its line must not make us buffer forever.
pub const MAX_LINE: usize = 1024;

/// What the decoder expects next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// A size line: hex digits, optional `;extension`, CRLF.
    Size,
    /// `remaining` more bytes of chunk data.
    Data { remaining: usize },
    /// The CRLF that follows every chunk's data.
    DataEnd,
    /// Trailer lines after the last chunk, until an empty line.
    Trailers,
    /// The body is complete.
    Done,
}

/// Why a chunked body is malformed. The server answers `400` and closes:
/// once framing is lost, nothing after it can be trusted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChunkedError {
    /// The size line is not a hex number that fits in a `usize`.
    BadSize(String),
    /// Chunk data was not followed by CRLF.
    MissingCrlf,
    /// A size or trailer line is longer than [`MAX_LINE`].
    LineTooLong,
}

/// An incremental decoder for one chunked body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChunkedDecoder {
    pub step: Step,
}

impl Default for ChunkedDecoder {
    fn default() -> Self {
        ChunkedDecoder { step: Step::Size }
    }
}

/// The position just past the first CRLF in `input`, if there is one.
/// (Given: a small helper for the line-based steps.)
pub fn line_end(input: &[u8]) -> Option<usize> {
    input.windows(2).position(|w| w == b"\r\n").map(|i| i + 2)
}

impl ChunkedDecoder {
    /// True once the last chunk and the trailers have been consumed.
    pub fn is_done(&self) -> bool {
        self.step == Step::Done
    }

    /// Consumes as much of `input` as possible, appending body bytes to
    /// `body`. Returns how many bytes of `input` were used; the caller drops
    /// those and calls again with the rest plus whatever arrives next.
    pub fn decode(&mut self, input: &[u8], body: &mut Vec<u8>) -> Result<usize, ChunkedError> {
        // TODO: Keep `let mut pos = 0;`, the number of bytes of `input` used
        //       so far, and `loop` over `self.step`, looking at
        //       `let rest = &input[pos..];` each turn:
        //
        // TODO: Step::Size: find the end of the line with `line_end(rest)`.
        //   - None: the line is incomplete. If `rest.len() > MAX_LINE`, return
        //     `Err(ChunkedError::LineTooLong)`; otherwise return `Ok(pos)` and
        //     wait for more bytes.
        //   - Some(end): the line is `&rest[..end - 2]` (without CRLF). Keep
        //     only what is before a ';' (extensions are ignored), trim spaces.
        //     It must be non-empty and all hex digits (`is_ascii_hexdigit`),
        //     and fit in a usize: `usize::from_str_radix(text, 16)`. If not:
        //     `Err(ChunkedError::BadSize(<the whole line as text>))`.
        //     Consume the line (`pos += end`). Size 0 means the last chunk:
        //     go to `Step::Trailers`; otherwise to `Step::Data { remaining: size }`.
        //
        // TODO: Step::Data { remaining }: if `rest` is empty, return Ok(pos).
        //   Otherwise copy `min(remaining, rest.len())` bytes into `body`,
        //   consume them, and go to `Step::DataEnd` if the chunk is complete,
        //   or stay in Data with the smaller `remaining`.
        //
        // TODO: Step::DataEnd: fewer than 2 bytes? Return Ok(pos) and wait.
        //   The 2 bytes must be "\r\n" (else `Err(ChunkedError::MissingCrlf)`);
        //   consume them and go back to `Step::Size`.
        //
        // TODO: Step::Trailers: like Size, find a whole line (same MAX_LINE
        //   rule) and consume it. An EMPTY line (`end == 2`) ends the body:
        //   go to `Step::Done`. Other trailer lines are simply skipped.
        //
        // TODO: Step::Done: return Ok(pos). Never consume past the end: those
        //   bytes are the next request's.
        todo!("the chunked decoder")
    }
}
