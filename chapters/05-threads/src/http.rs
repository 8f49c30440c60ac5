//! Serving one connection, from chapter 4: read heads, answer, keep alive.
//!
//! New in this chapter: the routes know about the server's shared state
//! ([`Shared`]), so `/stop` can ask for a graceful stop, and every
//! connection stops keeping alive once a stop was asked for.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crate::encode::{encode, Body, Response};
use crate::head::{parse_head, HeadError, Parsed, RequestHead};

/// What every connection handler can see, shared between threads.
#[derive(Debug)]
pub struct Shared {
    /// Set once a stop was asked for: accept no more, finish what runs.
    pub stop: AtomicBool,
    /// Our own address, so `/stop` can wake the blocked `accept`.
    pub addr: SocketAddr,
}

/// Why no request head could be read.
#[derive(Debug)]
pub enum ReadError {
    Head(HeadError),
    ClosedEarly { received: usize },
    Io(io::Error),
}

/// Reads until `buf` starts with a whole request head (chapter 3).
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

/// HTTP/1.1 keeps alive unless `Connection: close`; HTTP/1.0 the reverse.
pub fn wants_keep_alive(head: &RequestHead) -> bool {
    let connection = header(head, "Connection").map(str::to_ascii_lowercase);
    match head.version {
        1 => connection.as_deref() != Some("close"),
        _ => connection.as_deref() == Some("keep-alive"),
    }
}

/// Does this request carry a body we cannot read yet (chapter 8)?
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
/// The application: `/sleep` is slow on purpose, `/stop` asks for a
/// graceful stop.
pub fn route(head: &RequestHead, shared: &Shared) -> Response {
    match head.path.as_str() {
        "/" => text(
            200,
            &format!(
                "Hello from {}!\n",
                std::thread::current().name().unwrap_or("a thread")
            ),
        ),
        "/sleep" => {
            // A slow handler. With one thread, everyone waits behind it.
            std::thread::sleep(Duration::from_secs(2));
            text(200, "Slept 2 seconds.\n")
        }
        "/stop" => {
            shared.stop.store(true, Ordering::SeqCst);
            // The accept loop is blocked in `accept()`. Connecting to
            // ourselves wakes it up so it can see the flag.
            let _ = TcpStream::connect(shared.addr);
            text(200, "Stopping: finishing the requests in flight.\n")
        }
        _ => text(404, &format!("no page at {}\n", head.path)),
    }
}
// ANCHOR_END: route

/// How long an idle keep-alive connection may hold a thread. Without it, one
/// silent client could keep a worker (and a graceful stop) waiting forever.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(5);

/// Serves requests on one connection until either side wants to stop, or
/// the server is stopping. Returns how many responses were sent.
pub fn handle_connection(stream: &mut TcpStream, shared: &Shared) -> io::Result<usize> {
    stream.set_read_timeout(Some(IDLE_TIMEOUT))?;
    let mut buf = Vec::new();
    let mut served = 0;
    loop {
        let head = match read_request_head(stream, &mut buf) {
            Ok(head) => head,
            // A clean close, an idle timeout, or a vanished client: done.
            Err(ReadError::ClosedEarly { .. } | ReadError::Io(_)) => return Ok(served),
            Err(ReadError::Head(err)) => {
                let status = if matches!(err, HeadError::Invalid(_)) {
                    400
                } else {
                    431
                };
                stream.write_all(&encode(&text(status, &format!("{err:?}\n")), false))?;
                return Ok(served + 1);
            }
        };
        let response = route(&head, shared);
        // Once stopping, every response closes its connection.
        let keep_alive =
            wants_keep_alive(&head) && !has_body(&head) && !shared.stop.load(Ordering::SeqCst);
        stream.write_all(&encode(&response, keep_alive))?;
        served += 1;
        if !keep_alive {
            return Ok(served);
        }
    }
}
