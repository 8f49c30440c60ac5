//! Exercise, chapter 4: encode a response with Content-Length or chunked
//! framing, and say whether the connection stays open.
//!
//! Run the check with `cargo run -p course -- check 4`.
//! Stuck? `cargo run -p course -- hint 4`.

// The starter does not use its arguments yet; that is expected.
#![allow(unused_variables)]

/// A response body: complete, or produced in pieces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Body {
    /// All bytes known up front: framed by `Content-Length`.
    Full(Vec<u8>),
    /// Pieces, e.g. produced over time: framed by `Transfer-Encoding: chunked`.
    Chunked(Vec<Vec<u8>>),
}

/// What an application hands to the server: a status, its own headers, a body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Body,
}

/// The reason phrase for the status codes this course uses. (Given.)
pub fn reason_phrase(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        204 => "No Content",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        411 => "Length Required",
        413 => "Content Too Large",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Unknown",
    }
}

/// Encodes `response` as the exact bytes to write to the socket.
pub fn encode(response: &Response, keep_alive: bool) -> Vec<u8> {
    // TODO: Build a Vec<u8> in this order; every head line ends with "\r\n".
    //
    // TODO: 1. The status line: `HTTP/1.1 <status> <reason>`, the reason
    //          from `reason_phrase`. Example: `HTTP/1.1 404 Not Found`.
    // TODO: 2. The application's headers, in order: `<name>: <value>`.
    // TODO: 3. The framing header, depending on the body:
    //          Body::Full(bytes)   -> `Content-Length: <bytes.len()>`
    //          Body::Chunked(_)    -> `Transfer-Encoding: chunked`
    // TODO: 4. `Connection: keep-alive` if keep_alive, else `Connection: close`.
    // TODO: 5. The blank line: "\r\n".
    // TODO: 6. The body:
    //          Full: the bytes as they are.
    //          Chunked: for every NON-EMPTY chunk: its length in lowercase hex
    //          (`format!("{:x}", len)`), "\r\n", the bytes, "\r\n".
    //          An empty chunk would mean "the end", so skip empty ones.
    //          Finish with the last chunk and empty trailers: "0\r\n\r\n".
    //
    // TODO: `out.extend_from_slice(format!(...).as_bytes())` appends text;
    //       `out.extend_from_slice(bytes)` appends raw bytes.
    todo!("encode the response")
}
