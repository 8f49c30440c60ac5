//! Exercise, chapter 3: turn a partial read into a request head with httparse.
//!
//! Run the check with `cargo run -p course -- check 3`.
//! Stuck? `cargo run -p course -- hint 3`.

// The starter does not use its arguments yet; that is expected.
#![allow(unused_variables)]

/// How many headers we make room for.
pub const MAX_HEADERS: usize = 32;

/// The largest head we wait for.
pub const MAX_HEAD_BYTES: usize = 8 * 1024;

/// A request head that owns its data, so it outlives the read buffer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestHead {
    pub method: String,
    /// The request target as sent: path and query, not yet decoded.
    pub path: String,
    /// The minor version: `0` for HTTP/1.0, `1` for HTTP/1.1.
    pub version: u8,
    /// Names as sent; values decoded as Latin-1 with [`latin1`].
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
/// (Given: use it for header values.)
pub fn latin1(bytes: &[u8]) -> String {
    bytes.iter().map(|&b| char::from(b)).collect()
}

/// Looks for a complete request head at the start of `buf`.
pub fn parse_head(buf: &[u8]) -> Result<Parsed, HeadError> {
    // TODO: 1. Lend httparse somewhere to put headers:
    //          `let mut slots = [httparse::EMPTY_HEADER; MAX_HEADERS];`
    //          then `let mut request = httparse::Request::new(&mut slots);`
    // TODO: 2. Call `request.parse(buf)` and match on all its outcomes:
    //
    // TODO: `Ok(httparse::Status::Partial)`: the bytes are a valid beginning.
    //       Return `Ok(Parsed::Partial)`, UNLESS the buffer already holds
    //       MAX_HEAD_BYTES or more: then waiting longer is pointless, return
    //       `Err(HeadError::TooLarge)`.
    //
    // TODO: `Ok(httparse::Status::Complete(len))`: a whole head in `buf[..len]`.
    //       If `len > MAX_HEAD_BYTES`, that is `TooLarge` too. Otherwise copy
    //       the borrowed parts into an owned RequestHead:
    //         method and path: `request.method` / `request.path` are
    //           `Option<&str>`, always `Some` after Complete;
    //         version: `request.version` is `Option<u8>`;
    //         headers: `request.headers` now holds exactly the headers that
    //           were found; map each to `(h.name.to_string(), latin1(h.value))`.
    //       Return `Ok(Parsed::Complete { head, len })`.
    //
    // TODO: `Err(httparse::Error::TooManyHeaders)`: `Err(HeadError::TooManyHeaders)`.
    // TODO: any other error `e`: `Err(HeadError::Invalid(e.to_string()))`.
    todo!("parse the head with httparse")
}
