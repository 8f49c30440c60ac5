//! Responses, from chapter 4: `Content-Length` or chunked framing, and the
//! `Connection` header.
//!
//! This is chapter 4's solution, unchanged apart from this header.

/// A response body: complete, or produced in pieces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Body {
    /// All bytes known up front: framed by `Content-Length`.
    Full(Vec<u8>),
    /// Pieces, e.g. produced over time: framed by `Transfer-Encoding: chunked`.
    Chunked(Vec<Vec<u8>>),
}

/// What an application hands to the server: a status, its own headers, a body.
/// The framing headers (`Content-Length`, `Transfer-Encoding`, `Connection`)
/// are the server's job, added by [`encode`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Body,
}

/// The reason phrase for the status codes this course uses. Clients ignore
/// it, humans read it.
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
///
/// `keep_alive` is the server's decision (see `wants_keep_alive` in lib.rs):
/// it becomes `Connection: keep-alive` or `Connection: close`.
pub fn encode(response: &Response, keep_alive: bool) -> Vec<u8> {
    let mut out = Vec::new();
    // The status line: version, code, reason.
    let reason = reason_phrase(response.status);
    out.extend_from_slice(format!("HTTP/1.1 {} {reason}\r\n", response.status).as_bytes());
    // The application's headers, in its order.
    for (name, value) in &response.headers {
        out.extend_from_slice(format!("{name}: {value}\r\n").as_bytes());
    }
    // The framing header: how the client finds the end of the body.
    match &response.body {
        Body::Full(bytes) => {
            out.extend_from_slice(format!("Content-Length: {}\r\n", bytes.len()).as_bytes())
        }
        Body::Chunked(_) => out.extend_from_slice(b"Transfer-Encoding: chunked\r\n"),
    }
    let connection = if keep_alive { "keep-alive" } else { "close" };
    out.extend_from_slice(format!("Connection: {connection}\r\n").as_bytes());
    // The blank line ends the head.
    out.extend_from_slice(b"\r\n");
    match &response.body {
        Body::Full(bytes) => out.extend_from_slice(bytes),
        Body::Chunked(chunks) => {
            // An empty chunk would read as "the end", so skip empty pieces.
            for chunk in chunks.iter().filter(|c| !c.is_empty()) {
                out.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
                out.extend_from_slice(chunk);
                out.extend_from_slice(b"\r\n");
            }
            // The last chunk: size zero, then the (empty) trailer section.
            out.extend_from_slice(b"0\r\n\r\n");
        }
    }
    out
}
