//! The exercise of chapter 1: an HTTP response is a few lines of text.
//!
//! ```text
//! HTTP/1.1 200 OK\r\n                          <- status line
//! Content-Type: text/plain; charset=utf-8\r\n  <- headers, one per line
//! Content-Length: 14\r\n
//! Connection: close\r\n
//! \r\n                                         <- an empty line ends the head
//! Hello, world!\n                              <- the body, exactly 14 bytes
//! ```

// ANCHOR: hello_response
/// Builds the complete bytes of a `200 OK` response carrying `body` as text.
///
/// Every line of the head ends with `\r\n` (carriage return, line feed), as
/// HTTP requires. `Content-Length` counts *bytes*, not characters, so a body
/// with "é" or an emoji is longer than its `chars().count()`.
pub fn hello_response(body: &str) -> Vec<u8> {
    let head = format!(
        "HTTP/1.1 200 OK\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\
         Content-Length: {}\r\n\
         Connection: close\r\n\
         \r\n",
        body.len()
    );
    let mut response = head.into_bytes();
    response.extend_from_slice(body.as_bytes());
    response
}
// ANCHOR_END: hello_response
