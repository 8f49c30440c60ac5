//! Exercise, chapter 2: find where a request head ends, and split its first
//! line into method, target and version.
//!
//! Run the check with `cargo run -p course -- check 2`.
//! Stuck? `cargo run -p course -- hint 2`.

// The starter does not use its arguments yet; that is expected.
#![allow(unused_variables)]

/// The blank line that ends every request head.
pub const HEAD_END: &[u8] = b"\r\n\r\n";

/// Returns the position just past the blank line that ends the head, or
/// `None` if the head has not fully arrived yet.
pub fn find_head_end(buf: &[u8]) -> Option<usize> {
    // TODO: Search `buf` for the four bytes `HEAD_END` ("\r\n\r\n").
    // TODO: `buf.windows(4)` yields every run of 4 consecutive bytes, in order;
    //       `.position(...)` gives the index of the first one that matches.
    // TODO: Return the index just PAST the match (start + 4): then `buf[..end]`
    //       is the head and `buf[end..]` is what came after it.
    // TODO: No match yet means "keep reading": return `None`. Mind buffers
    //       shorter than 4 bytes: `windows` simply yields nothing for them.
    todo!("find the end of the head")
}

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

/// Splits a request line (without its `\r\n`) into method, target and
/// version.
pub fn parse_request_line(line: &str) -> Result<RequestLine, RequestLineError> {
    // TODO: Split the line on single spaces: `line.split(' ')`. Collect the
    //       parts into a Vec<&str>.
    // TODO: Anything other than exactly three parts is `WrongShape`.
    //       (Two spaces in a row produce an empty part, and so a 4th part.)
    // TODO: An empty method or target is also `WrongShape`.
    // TODO: A version that does not start with "HTTP/" is `NotHttp(version)`,
    //       carrying the offending text.
    // TODO: Otherwise return the three parts as owned Strings in a RequestLine.
    todo!("split the request line")
}
