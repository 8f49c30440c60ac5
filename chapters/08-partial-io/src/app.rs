//! The application side of this chapter's server: routes, keep-alive, and
//! how each request's body is framed. Nothing here touches a socket.
//!
//! `header`, `wants_keep_alive` and `text` are chapter 7's, used from its
//! crate; what is new is [`body_framing`].

use crate::encode::{encode, Body, Response};
use crate::head::{HeadError, RequestHead};

pub use ch07_mio_loop::app::{header, text, wants_keep_alive};

/// The largest request body we accept: `413 Content Too Large` beyond.
pub const MAX_BODY: usize = 1024 * 1024;

/// How the body of a request is delimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyFraming {
    /// No body.
    None,
    /// Exactly this many bytes follow the head.
    Length(usize),
    /// `Transfer-Encoding: chunked`.
    Chunked,
}

// ANCHOR: body_framing
/// Decides how the request's body is framed, or which error response to
/// send. Ambiguity is refused: a request with both `Content-Length` and
/// `Transfer-Encoding` is how request smuggling attacks start, because two
/// servers in a chain may disagree on where it ends.
pub fn body_framing(head: &RequestHead) -> Result<BodyFraming, Response> {
    let length = header(head, "Content-Length");
    match header(head, "Transfer-Encoding") {
        Some(_) if length.is_some() => {
            Err(text(400, "both Content-Length and Transfer-Encoding\n"))
        }
        Some(te) if te.eq_ignore_ascii_case("chunked") => Ok(BodyFraming::Chunked),
        Some(te) => Err(text(400, &format!("unsupported Transfer-Encoding: {te}\n"))),
        None => match length {
            None => Ok(BodyFraming::None),
            Some(value) => {
                let value = value.trim();
                if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(text(400, "bad Content-Length\n"));
                }
                match value.parse::<usize>() {
                    Ok(0) => Ok(BodyFraming::None),
                    Ok(n) if n <= MAX_BODY => Ok(BodyFraming::Length(n)),
                    _ => Err(text(413, "body too large\n")),
                }
            }
        },
    }
}
// ANCHOR_END: body_framing

/// The routes of this chapter.
pub fn route(head: &RequestHead, body: &[u8]) -> Response {
    match (head.method.as_str(), head.path.as_str()) {
        ("GET", "/") => text(200, "Hello! Try POSTing a body to /echo.\n"),
        ("POST", "/echo") => Response {
            status: 200,
            headers: vec![("Content-Type".into(), "application/octet-stream".into())],
            body: Body::Full(body.to_vec()),
        },
        ("GET", "/big") => text(
            200,
            &"Bytes wait in the write queue until the socket takes them.\n".repeat(100_000),
        ),
        (_, "/" | "/echo" | "/big") => text(405, "method not allowed\n"),
        _ => text(404, &format!("no page at {}\n", head.path)),
    }
}

/// The bytes to send for a complete request, and whether to keep the
/// connection open afterwards. Unlike chapter 7, a request with a body can
/// keep the connection alive: we read the body, so we know where the next
/// request starts.
pub fn respond(head: &RequestHead, body: &[u8]) -> (Vec<u8>, bool) {
    let keep_alive = wants_keep_alive(head);
    (encode(&route(head, body), keep_alive), keep_alive)
}

/// The bytes for an error found while reading a request; the connection
/// closes after them.
pub fn error_bytes(response: &Response) -> Vec<u8> {
    encode(response, false)
}

/// The response for a head that can never be valid.
pub fn head_error(err: &HeadError) -> Response {
    let status = if matches!(err, HeadError::Invalid(_)) {
        400
    } else {
        431
    };
    text(status, &format!("{err:?}\n"))
}
