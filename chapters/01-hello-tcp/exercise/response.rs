//! Exercise, chapter 1: build the bytes of an HTTP response by hand.
//!
//! Run the check with `cargo run -p course -- check 1`.
//! Stuck? `cargo run -p course -- hint 1`.

// The starter does not use its argument yet; that is expected.
#![allow(unused_variables)]

/// Builds the complete bytes of a `200 OK` response carrying `body` as text.
pub fn hello_response(body: &str) -> Vec<u8> {
    // TODO: An HTTP response is plain text. Build it in this exact order:
    //
    // TODO: 1. The status line: `HTTP/1.1 200 OK`.
    // TODO: 2. Three header lines, in this order:
    //          `Content-Type: text/plain; charset=utf-8`
    //          `Content-Length: <number of BYTES in body>`
    //          `Connection: close`
    // TODO: 3. An empty line. It tells the client "the head is over".
    // TODO: 4. The body itself.
    //
    // TODO: Every line of the head (1 to 3) ends with "\r\n", not just "\n".
    // TODO: `body.len()` counts bytes; `body.chars().count()` would count
    //       characters and be wrong for "héllo".
    // TODO: `format!` builds the head as a String; `.into_bytes()` turns it
    //       into a Vec<u8>, and `extend_from_slice` appends the body's bytes.
    todo!("build the response bytes")
}
