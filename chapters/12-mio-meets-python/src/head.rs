//! Request heads, from chapter 3: httparse tokenises, we frame and limit.
//!
//! This is chapter 3's solution, unchanged apart from this header. It is
//! here so this chapter stands on its own.

/// How many headers we make room for. httparse writes into a fixed array
/// that we provide, so it never allocates; more headers is an error.
pub const MAX_HEADERS: usize = 32;

/// The largest head we wait for. Without a limit, a client that never sends
/// the blank line would make us buffer forever.
pub const MAX_HEAD_BYTES: usize = 8 * 1024;

/// A request head that owns its data, so it outlives the read buffer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestHead {
    pub method: String,
    /// The request target as sent: path and query, not yet decoded.
    pub path: String,
    /// The minor version: `0` for HTTP/1.0, `1` for HTTP/1.1.
    pub version: u8,
    /// Names as sent; values decoded as Latin-1 (one byte, one char), the
    /// traditional reading that never fails and loses nothing.
    pub headers: Vec<(String, String)>,
}

/// The three answers to "is there a request head in these bytes?".
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Parsed {
    /// A valid beginning: read more bytes and call again.
    Partial,
    /// A whole head, which used the first `len` bytes of the buffer.
    Complete { head: RequestHead, len: usize },
}

/// Heads that can never be served. Each maps to a status code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HeadError {
    /// More than [`MAX_HEAD_BYTES`]: `431 Request Header Fields Too Large`.
    TooLarge,
    /// More than [`MAX_HEADERS`] headers: also `431`.
    TooManyHeaders,
    /// Not HTTP: `400 Bad Request`, with httparse's description.
    Invalid(String),
}

/// Latin-1 decoding: every byte becomes the char with the same number.
pub fn latin1(bytes: &[u8]) -> String {
    bytes.iter().map(|&b| char::from(b)).collect()
}

/// Looks for a complete request head at the start of `buf`.
pub fn parse_head(buf: &[u8]) -> Result<Parsed, HeadError> {
    // httparse fills slots we lend it: no allocation while parsing.
    let mut slots = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut request = httparse::Request::new(&mut slots);
    match request.parse(buf) {
        Ok(httparse::Status::Partial) => {
            // Valid so far, but a head this big is not worth waiting for.
            if buf.len() >= MAX_HEAD_BYTES {
                Err(HeadError::TooLarge)
            } else {
                Ok(Parsed::Partial)
            }
        }
        Ok(httparse::Status::Complete(len)) => {
            if len > MAX_HEAD_BYTES {
                return Err(HeadError::TooLarge);
            }
            // On Complete, httparse guarantees method, path and version are set.
            let head = RequestHead {
                method: request.method.unwrap_or_default().to_string(),
                path: request.path.unwrap_or_default().to_string(),
                version: request.version.unwrap_or_default(),
                headers: request
                    .headers
                    .iter()
                    .map(|h| (h.name.to_string(), latin1(h.value)))
                    .collect(),
            };
            Ok(Parsed::Complete { head, len })
        }
        Err(httparse::Error::TooManyHeaders) => Err(HeadError::TooManyHeaders),
        Err(other) => Err(HeadError::Invalid(other.to_string())),
    }
}
