//! Chapter 3: let httparse tokenise, and keep the framing to ourselves.
//!
//! Chapter 2 parsed heads by hand, and a hand parser accepts far too much.
//! Here `httparse` does the tokenising, strictly and without allocating, and
//! we keep what a server must decide for itself:
//!
//! - when to read more (`Status::Partial`) and when to give up (limits);
//! - how many bytes the head used, so the rest of the buffer (a body, the
//!   next request) stays in place;
//! - which status code each failure deserves (`400` or `431`).
//!
//! [`parse`] is the exercise; [`read_request_head`] is the loop around it.

#[cfg_attr(not(feature = "exercise"), path = "parse.rs")]
#[cfg_attr(feature = "exercise", path = "../exercise/parse.rs")]
pub mod parse;

use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};

use parse::{parse_head, HeadError, Parsed, RequestHead};

/// The port every chapter listens on unless `PORT` says otherwise.
pub const DEFAULT_PORT: u16 = 7878;

/// `127.0.0.1:7878`, or `127.0.0.1:$PORT` when `PORT` is set.
pub fn listen_addr() -> String {
    let port = std::env::var("PORT").unwrap_or_else(|_| DEFAULT_PORT.to_string());
    format!("127.0.0.1:{port}")
}

/// Why no request head could be read.
#[derive(Debug)]
pub enum ReadError {
    /// The bytes can never be a valid head.
    Head(HeadError),
    /// The client hung up; `received` bytes of a head were pending.
    ClosedEarly { received: usize },
    /// The socket failed.
    Io(io::Error),
}

// ANCHOR: read_request_head
/// Reads until `buf` starts with a whole request head, then removes the head
/// from `buf` and returns it.
///
/// `buf` belongs to the connection, not to one request: bytes that arrive
/// after the head stay in it for whoever reads next (a body reader, or the
/// next call for a pipelined request).
pub fn read_request_head(
    stream: &mut impl Read,
    buf: &mut Vec<u8>,
) -> Result<RequestHead, ReadError> {
    let mut chunk = [0u8; 1024];
    loop {
        // Parse everything we have so far. Re-parsing from the start after
        // every read is simple and, thanks to the size limit, cheap enough.
        match parse_head(buf).map_err(ReadError::Head)? {
            Parsed::Complete { head, len } => {
                buf.drain(..len);
                return Ok(head);
            }
            Parsed::Partial => {
                let n = stream.read(&mut chunk).map_err(ReadError::Io)?;
                if n == 0 {
                    return Err(ReadError::ClosedEarly {
                        received: buf.len(),
                    });
                }
                buf.extend_from_slice(&chunk[..n]);
            }
        }
    }
}
// ANCHOR_END: read_request_head

/// A complete response with a text body; still `Connection: close` (keep-alive
/// arrives in chapter 4).
pub fn text_response(status: &str, body: &str) -> Vec<u8> {
    let mut response = format!(
        "HTTP/1.1 {status}\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\
         Content-Length: {}\r\n\
         Connection: close\r\n\
         \r\n",
        body.len()
    )
    .into_bytes();
    response.extend_from_slice(body.as_bytes());
    response
}

// ANCHOR: respond_to
/// The answer for a parsed head or a failure: each failure gets the status
/// code that tells the client what went wrong.
pub fn respond_to(result: &Result<RequestHead, ReadError>) -> Option<Vec<u8>> {
    let response = match result {
        Ok(head) => {
            let mut body = format!("{} {} HTTP/1.{}\n", head.method, head.path, head.version);
            for (name, value) in &head.headers {
                body.push_str(&format!("{name}: {value}\n"));
            }
            text_response("200 OK", &body)
        }
        Err(ReadError::Head(HeadError::Invalid(why))) => {
            text_response("400 Bad Request", &format!("bad request: {why}\n"))
        }
        Err(ReadError::Head(HeadError::TooLarge | HeadError::TooManyHeaders)) => text_response(
            "431 Request Header Fields Too Large",
            "request head too large\n",
        ),
        // Nobody is listening any more: there is no one to answer.
        Err(ReadError::ClosedEarly { .. } | ReadError::Io(_)) => return None,
    };
    Some(response)
}
// ANCHOR_END: respond_to

/// Serves one connection: one head, one answer, close.
pub fn handle_connection(mut stream: TcpStream) -> Result<RequestHead, ReadError> {
    let mut buf = Vec::new();
    let result = read_request_head(&mut stream, &mut buf);
    if let Some(response) = respond_to(&result) {
        stream.write_all(&response).map_err(ReadError::Io)?;
    }
    result
}

/// Accepts connections one after another (`limit` of them, or forever).
pub fn serve(listener: &TcpListener, limit: Option<usize>) -> io::Result<()> {
    for stream in listener.incoming().take(limit.unwrap_or(usize::MAX)) {
        let stream = stream?;
        let peer = stream.peer_addr()?;
        match handle_connection(stream) {
            Ok(head) => println!("{peer}: {} {}", head.method, head.path),
            Err(err) => println!("{peer}: rejected: {err:?}"),
        }
    }
    Ok(())
}
