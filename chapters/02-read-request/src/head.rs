//! The exercise of chapter 2: where does the request head end, and what does
//! its first line say?
//!
//! TCP delivers a stream of bytes, not messages. A request can arrive in one
//! read or in twenty, and the only way to know that the head is complete is
//! to find the blank line that ends it: the four bytes `\r\n\r\n`. That
//! search, "framing", is the whole problem of reading HTTP.

/// The blank line that ends every request head: the `\r\n` of the last
/// header line followed by an empty line's `\r\n`.
pub const HEAD_END: &[u8] = b"\r\n\r\n";

// ANCHOR: find_head_end
/// Returns the position just past the blank line that ends the head, or
/// `None` if the head has not fully arrived yet.
///
/// The returned index splits the buffer in two: `buf[..end]` is the head,
/// `buf[end..]` is whatever came after it (the start of a body, or of the
/// next request).
pub fn find_head_end(buf: &[u8]) -> Option<usize> {
    buf.windows(HEAD_END.len())
        .position(|window| window == HEAD_END)
        .map(|start| start + HEAD_END.len())
}
// ANCHOR_END: find_head_end

/// The three parts of a request line such as `GET /index.html HTTP/1.1`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestLine {
    /// What the client wants to do: `GET`, `POST`, ...
    pub method: String,
    /// What it wants to do it to: usually a path with an optional query.
    pub target: String,
    /// The protocol version, `HTTP/1.0` or `HTTP/1.1`.
    pub version: String,
}

/// Why a request line was rejected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RequestLineError {
    /// Not exactly three non-empty parts separated by single spaces.
    WrongShape,
    /// The third part does not start with `HTTP/`.
    NotHttp(String),
}

// ANCHOR: parse_request_line
/// Splits a request line (without its `\r\n`) into method, target and
/// version.
///
/// The grammar is strict on purpose: exactly one space between the parts.
/// Being lenient in a parser is how request smuggling bugs are born.
pub fn parse_request_line(line: &str) -> Result<RequestLine, RequestLineError> {
    let parts: Vec<&str> = line.split(' ').collect();
    let [method, target, version] = parts.as_slice() else {
        return Err(RequestLineError::WrongShape);
    };
    if method.is_empty() || target.is_empty() {
        return Err(RequestLineError::WrongShape);
    }
    if !version.starts_with("HTTP/") {
        return Err(RequestLineError::NotHttp(version.to_string()));
    }
    Ok(RequestLine {
        method: method.to_string(),
        target: target.to_string(),
        version: version.to_string(),
    })
}
// ANCHOR_END: parse_request_line
