//! The response of one request while it is being produced, from chapter 11:
//! what `start_response` recorded, whether the head has gone out, and how
//! the body is framed on the wire.
//!
//! This is chapter 11's module as chapter 12's server carries it,
//! unchanged apart from this header. Here the
//! "wire" is a worker's buffer: only the event loop touches sockets.
//!
//! The head is sent **lazily**, with the first non-empty piece of body (or
//! at the end). Until then an application may still change its mind: call
//! `start_response` again, with `exc_info`, to replace a `200` by a `500`.
//! Once the head is out, the status is history.
//!
//! The framing is decided when the head goes out: the application's own
//! `Content-Length` if it gave one; otherwise chunked (chapter 4) for an
//! HTTP/1.1 client, or "the body ends when the connection closes" for an
//! HTTP/1.0 one. A response that ends before any body byte was sent gets
//! `Content-Length: 0`: lazy headers know more.

use std::io::Write;
use std::sync::{Arc, Mutex, MutexGuard};

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

/// A status line and headers, as the application gave them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponseHead {
    pub status: String,
    pub headers: Vec<(String, String)>,
}

/// Everything about one response in progress, shared by `start_response`,
/// `write()` and the gateway.
pub struct ResponseState {
    /// Where the bytes go: the socket (or, in tests, a buffer).
    pub out: Box<dyn Write + Send>,
    /// What `start_response` recorded last; `None` until it is called.
    pub head: Option<ResponseHead>,
    /// The head is on the wire: the status can no longer change.
    pub head_sent: bool,
    /// The client speaks HTTP/1.1, so it can read a chunked body.
    pub http11: bool,
    /// The server would like to keep the connection open afterwards.
    pub keep_alive: bool,
    /// The body is being sent chunked (decided with the head).
    pub chunked: bool,
}

/// The state is shared between the gateway and the Python objects.
pub type Shared = Arc<Mutex<ResponseState>>;

impl ResponseState {
    pub fn new(out: Box<dyn Write + Send>, http11: bool, keep_alive: bool) -> Shared {
        Arc::new(Mutex::new(ResponseState {
            out,
            head: None,
            head_sent: false,
            http11,
            keep_alive,
            chunked: false,
        }))
    }

    /// The bytes of the recorded head, deciding the framing on the way.
    /// `body_is_empty`: the response is ending before any body byte.
    /// Call it once, just before the head goes out.
    pub fn head_bytes(&mut self, body_is_empty: bool) -> Vec<u8> {
        let head = self.head.as_ref().expect("a head was recorded");
        let mut text = format!("HTTP/1.1 {}\r\n", head.status);
        for (name, value) in &head.headers {
            text.push_str(&format!("{name}: {value}\r\n"));
        }
        let has_length = head
            .headers
            .iter()
            .any(|(name, _)| name.eq_ignore_ascii_case("Content-Length"));
        if !has_length {
            if body_is_empty {
                text.push_str("Content-Length: 0\r\n");
            } else if self.http11 {
                self.chunked = true;
                text.push_str("Transfer-Encoding: chunked\r\n");
            } else {
                // HTTP/1.0 without a length: the end of the body is the
                // end of the connection.
                self.keep_alive = false;
            }
        }
        let connection = if self.keep_alive {
            "keep-alive"
        } else {
            "close"
        };
        text.push_str(&format!("Connection: {connection}\r\n\r\n"));
        // Latin-1, one byte per character: `check_head` let no other through.
        text.chars()
            .map(|c| u8::try_from(c).unwrap_or(b'?'))
            .collect()
    }

    /// One piece of body as it goes on the wire.
    pub fn frame(&self, data: &[u8]) -> Vec<u8> {
        if self.chunked {
            let mut out = format!("{:x}\r\n", data.len()).into_bytes();
            out.extend_from_slice(data);
            out.extend_from_slice(b"\r\n");
            out
        } else {
            data.to_vec()
        }
    }
}

/// Locks the state; a panic elsewhere does not make it unusable.
pub fn lock(state: &Shared) -> MutexGuard<'_, ResponseState> {
    state.lock().unwrap_or_else(|e| e.into_inner())
}

/// Headers that describe one connection, which only the server knows:
/// PEP 3333 forbids an application to set them.
const HOP_BY_HOP: [&str; 8] = [
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailers",
    "transfer-encoding",
    "upgrade",
];

/// Refuses a head that would break HTTP. Above all: a value containing
/// `\r\n` would let whoever controls it write headers of their own, or a
/// whole second response (header injection).
pub fn check_head(status: &str, headers: &[(String, String)]) -> PyResult<()> {
    let code = status.as_bytes();
    let well_formed = code.len() >= 4
        && code[..3].iter().all(u8::is_ascii_digit)
        && code[0] != b'0'
        && code[3] == b' '
        && !status
            .chars()
            .any(|c| c.is_control() || u32::from(c) > 0xff);
    if !well_formed {
        return Err(PyValueError::new_err(format!(
            "the status must look like '200 OK', got {status:?}"
        )));
    }
    for (name, value) in headers {
        let token = |b: u8| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b);
        if name.is_empty() || !name.bytes().all(token) {
            return Err(PyValueError::new_err(format!("bad header name {name:?}")));
        }
        if HOP_BY_HOP.iter().any(|h| name.eq_ignore_ascii_case(h)) {
            return Err(PyValueError::new_err(format!(
                "{name} is a hop-by-hop header: only the server may set it"
            )));
        }
        if value
            .chars()
            .any(|c| (c.is_control() && c != '\t') || u32::from(c) > 0xff)
        {
            return Err(PyValueError::new_err(format!(
                "header {name} must be latin-1 text without control characters, got {value:?}"
            )));
        }
    }
    Ok(())
}
