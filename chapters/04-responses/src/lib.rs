//! Chapter 4: responses, framing, and keeping the connection alive.
//!
//! Until now every connection carried one request and one response, and the
//! server said where the response ended by closing the socket. That wastes a
//! TCP handshake per request. With keep-alive, one connection carries many
//! requests, so every response must say where its body ends:
//!
//! - `Content-Length` when the whole body is known up front;
//! - `Transfer-Encoding: chunked` when it is produced in pieces (a WSGI app
//!   returning an iterator, in chapter 11).
//!
//! [`encode`] is the exercise; [`handle_connection`] is the keep-alive loop.
//! Request heads are not new here: they are chapter 3's reference solution,
//! used as a library (see `Cargo.toml`).

/// Request heads (httparse, limits, latin-1 values): chapter 3's solution,
/// used from its crate.
pub use ch03_httparse::parse as head;

#[cfg_attr(not(feature = "exercise"), path = "encode.rs")]
#[cfg_attr(feature = "exercise", path = "../exercise/encode.rs")]
pub mod encode;

use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};

use encode::{encode, Body, Response};
use head::{parse_head, HeadError, Parsed, RequestHead};

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
    /// The client hung up; `received` bytes of a head were pending (0 means
    /// a clean close between requests).
    ClosedEarly { received: usize },
    /// The socket failed.
    Io(io::Error),
}

/// Reads until `buf` starts with a whole request head, then removes the head
/// from `buf` and returns it (chapter 3).
pub fn read_request_head(
    stream: &mut impl Read,
    buf: &mut Vec<u8>,
) -> Result<RequestHead, ReadError> {
    let mut chunk = [0u8; 1024];
    loop {
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

/// The value of the first header called `name`, compared without case.
pub fn header<'a>(head: &'a RequestHead, name: &str) -> Option<&'a str> {
    head.headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

// ANCHOR: wants_keep_alive
/// Does the client want the connection kept open after this response?
///
/// HTTP/1.1 keeps connections alive unless told `Connection: close`;
/// HTTP/1.0 closes them unless told `Connection: keep-alive`.
pub fn wants_keep_alive(head: &RequestHead) -> bool {
    let connection = header(head, "Connection").map(str::to_ascii_lowercase);
    match head.version {
        1 => connection.as_deref() != Some("close"),
        _ => connection.as_deref() == Some("keep-alive"),
    }
}
// ANCHOR_END: wants_keep_alive

/// Does this request carry a body? We cannot read bodies until chapter 8,
/// and without reading it we cannot find where the next request starts.
pub fn has_body(head: &RequestHead) -> bool {
    header(head, "Transfer-Encoding").is_some()
        || header(head, "Content-Length").is_some_and(|v| v.trim() != "0")
}

fn text(status: u16, body: &str) -> Response {
    Response {
        status,
        headers: vec![("Content-Type".into(), "text/plain; charset=utf-8".into())],
        body: Body::Full(body.as_bytes().to_vec()),
    }
}

// ANCHOR: route
/// The application of this chapter: a few paths to try with curl.
pub fn route(head: &RequestHead) -> Response {
    match head.path.as_str() {
        "/" => text(200, "Hello! This connection can carry more requests.\n"),
        "/chunked" => Response {
            status: 200,
            headers: vec![("Content-Type".into(), "text/plain; charset=utf-8".into())],
            body: Body::Chunked(
                [
                    "one\n",
                    "two\n",
                    "three\n",
                    "(the size of each piece comes first, in hex)\n",
                ]
                .iter()
                .map(|piece| piece.as_bytes().to_vec())
                .collect(),
            ),
        },
        _ => text(404, &format!("no page at {}\n", head.path)),
    }
}
// ANCHOR_END: route

// ANCHOR: handle_connection
/// Serves requests on one connection until either side wants to stop.
/// Returns how many responses were sent.
pub fn handle_connection<S: Read + Write>(stream: &mut S) -> io::Result<usize> {
    // One buffer for the whole connection: bytes of the next request that
    // arrived with this one must survive to the next loop.
    let mut buf = Vec::new();
    let mut served = 0;
    loop {
        let head = match read_request_head(stream, &mut buf) {
            Ok(head) => head,
            // The client closed cleanly between requests, or went away: done.
            Err(ReadError::ClosedEarly { .. }) => return Ok(served),
            Err(ReadError::Io(err)) => return Err(err),
            Err(ReadError::Head(err)) => {
                let status = if err == HeadError::TooLarge || err == HeadError::TooManyHeaders {
                    431
                } else {
                    400
                };
                stream.write_all(&encode(&text(status, &format!("{err:?}\n")), false))?;
                return Ok(served + 1);
            }
        };
        // Keep the connection only if the client wants it AND we know where
        // its next request starts (no unread body in the way).
        let keep_alive = wants_keep_alive(&head) && !has_body(&head);
        stream.write_all(&encode(&route(&head), keep_alive))?;
        served += 1;
        if !keep_alive {
            return Ok(served);
        }
    }
}
// ANCHOR_END: handle_connection

/// Accepts connections one after another (`limit` of them, or forever).
/// Note the cost of keep-alive in a one-thread server: while one client
/// keeps its connection open, nobody else is served. Chapter 5 fixes that.
pub fn serve(listener: &TcpListener, limit: Option<usize>) -> io::Result<()> {
    for stream in listener.incoming().take(limit.unwrap_or(usize::MAX)) {
        let mut stream: TcpStream = stream?;
        let peer = stream.peer_addr()?;
        match handle_connection(&mut stream) {
            Ok(n) => println!("{peer}: {n} response(s) on one connection"),
            Err(err) => println!("{peer}: error: {err}"),
        }
    }
    Ok(())
}
