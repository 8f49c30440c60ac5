//! The exercise of chapter 8: decoding a chunked request body.
//!
//! A client that does not know its body's size up front sends it chunked,
//! the same framing as chapter 4's responses:
//!
//! ```text
//! 5\r\n            <- size of the next chunk, in hex (maybe with ";extensions")
//! hello\r\n        <- that many bytes, then CRLF
//! 0\r\n            <- the last chunk: size zero
//! \r\n             <- an empty line ends the (optional) trailer lines
//! ```
//!
//! The decoder is *incremental*: it is handed whatever bytes have arrived,
//! consumes as much as it can, and says how much it used. A size line or a
//! CRLF cut in half by the network stays unconsumed in the caller's buffer
//! until the rest arrives. Bytes after the end belong to the next request
//! and are never consumed.

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

    // ANCHOR: decode
    /// Consumes as much of `input` as possible, appending body bytes to
    /// `body`. Returns how many bytes of `input` were used; the caller drops
    /// those and calls again with the rest plus whatever arrives next.
    pub fn decode(&mut self, input: &[u8], body: &mut Vec<u8>) -> Result<usize, ChunkedError> {
        let mut pos = 0;
        loop {
            let rest = &input[pos..];
            match self.step {
                Step::Size => {
                    let Some(end) = line_end(rest) else {
                        // Half a line: wait for more, but not forever.
                        return if rest.len() > MAX_LINE {
                            Err(ChunkedError::LineTooLong)
                        } else {
                            Ok(pos)
                        };
                    };
                    let line = &rest[..end - 2];
                    // Chunk extensions (";name=value") are allowed and ignored.
                    let digits = line.split(|&b| b == b';').next().unwrap_or_default();
                    let text = String::from_utf8_lossy(digits).trim().to_string();
                    // Only hex digits: `from_str_radix` alone would also take "+5".
                    let bad_size =
                        || ChunkedError::BadSize(String::from_utf8_lossy(line).into_owned());
                    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
                        return Err(bad_size());
                    }
                    let size = usize::from_str_radix(&text, 16).map_err(|_| bad_size())?;
                    pos += end;
                    self.step = if size == 0 {
                        Step::Trailers
                    } else {
                        Step::Data { remaining: size }
                    };
                }
                Step::Data { remaining } => {
                    if rest.is_empty() {
                        return Ok(pos);
                    }
                    // Take what is here, up to the end of this chunk.
                    let take = remaining.min(rest.len());
                    body.extend_from_slice(&rest[..take]);
                    pos += take;
                    self.step = if take == remaining {
                        Step::DataEnd
                    } else {
                        Step::Data {
                            remaining: remaining - take,
                        }
                    };
                }
                Step::DataEnd => {
                    if rest.len() < 2 {
                        return Ok(pos);
                    }
                    if &rest[..2] != b"\r\n" {
                        return Err(ChunkedError::MissingCrlf);
                    }
                    pos += 2;
                    self.step = Step::Size;
                }
                Step::Trailers => {
                    let Some(end) = line_end(rest) else {
                        return if rest.len() > MAX_LINE {
                            Err(ChunkedError::LineTooLong)
                        } else {
                            Ok(pos)
                        };
                    };
                    pos += end;
                    // Trailer fields are skipped; the empty line ends the body.
                    if end == 2 {
                        self.step = Step::Done;
                    }
                }
                Step::Done => return Ok(pos),
            }
        }
    }
    // ANCHOR_END: decode
}
