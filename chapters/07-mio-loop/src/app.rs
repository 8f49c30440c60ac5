//! The application side of this chapter's server: from a request head to
//! the bytes of a response, and the keep-alive decision (chapter 4).
//!
//! The state machine in `conn.rs` calls [`respond`] and [`error_response`];
//! nothing here touches a socket.

use crate::encode::{encode, Body, Response};
use crate::head::{HeadError, RequestHead};

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

/// A plain-text response.
pub fn text(status: u16, body: &str) -> Response {
    Response {
        status,
        headers: vec![("Content-Type".into(), "text/plain; charset=utf-8".into())],
        body: Body::Full(body.as_bytes().to_vec()),
    }
}

/// The routes of this chapter.
pub fn route(head: &RequestHead) -> Response {
    match head.path.as_str() {
        "/" => text(
            200,
            "Hello from an event loop: one thread, woken only when a socket is ready.\n",
        ),
        "/big" => {
            // Bigger than a socket's send buffer: it goes out over several
            // writable events. Try `curl -s http://127.0.0.1:7878/big | wc -c`.
            let line = "All work and no play makes a state machine go round.\n";
            text(200, &line.repeat(100_000))
        }
        _ => text(404, &format!("no page at {}\n", head.path)),
    }
}

/// The bytes to send for `head`, and whether to keep the connection open
/// after sending them.
pub fn respond(head: &RequestHead) -> (Vec<u8>, bool) {
    let keep_alive = wants_keep_alive(head) && !has_body(head);
    (encode(&route(head), keep_alive), keep_alive)
}

/// The bytes to send for a head that can never be valid; the connection
/// closes after them.
pub fn error_response(err: &HeadError) -> Vec<u8> {
    let status = if matches!(err, HeadError::Invalid(_)) {
        400
    } else {
        431
    };
    encode(&text(status, &format!("{err:?}\n")), false)
}
