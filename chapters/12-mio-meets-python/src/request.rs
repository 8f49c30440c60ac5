//! A whole request out of a read buffer, for a non-blocking connection.
//!
//! Chapter 10 read a request with blocking reads. An event loop cannot
//! wait, so this is the same work in chapter 8's style: look at the bytes
//! received so far and say "not yet" ([`Parse::Partial`]), "here is a
//! request, it used N bytes" or "refused". Bodies need a `Content-Length`;
//! chunked uploads are chapter 8's, refused here with `411`. The request
//! type and the body's length are chapter 10's, through chapter 11's crate.

use std::net::SocketAddr;

use crate::head::{parse_head, Parsed};
/// Chapter 7's keep-alive rule, from its crate.
pub use ch07_mio_loop::app::wants_keep_alive;
/// A request as the server received it: chapter 10's type, so chapter 10's
/// `build_environ` takes it; its `body_length` reads `Content-Length`.
pub use ch11_start_response::request::{body_length, Request};

/// The three answers to "is there a request in these bytes?".
#[derive(Debug)]
pub enum Parse {
    /// Not yet: read more.
    Partial,
    /// A whole request, which used the first `usize` bytes.
    Complete(Request, usize),
    /// A request we refuse: its status line and why.
    Refused(&'static str, String),
}

/// Looks for one whole request (head and body) at the start of `buf`.
pub fn parse_request(buf: &[u8], peer: SocketAddr, local: SocketAddr) -> Parse {
    let (head, head_len) = match parse_head(buf) {
        Ok(Parsed::Partial) => return Parse::Partial,
        Ok(Parsed::Complete { head, len }) => (head, len),
        Err(err) => return Parse::Refused("400 Bad Request", format!("{err:?}")),
    };
    let body_len = match body_length(&head) {
        Ok(n) => n,
        Err((status, why)) => return Parse::Refused(status, why),
    };
    let end = head_len + body_len;
    if buf.len() < end {
        return Parse::Partial;
    }
    let body = buf[head_len..end].to_vec();
    let request = Request {
        head,
        body,
        peer,
        local,
    };
    Parse::Complete(request, end)
}
