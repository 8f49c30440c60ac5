//! A whole request out of a read buffer, for a non-blocking connection,
//! from chapter 12. This is chapter 12's module, unchanged apart from this
//! header.
//!
//! Chapter 10 read a request with blocking reads. An event loop cannot
//! wait, so this is the same work in chapter 8's style: look at the bytes
//! received so far and say "not yet" ([`Parse::Partial`]), "here is a
//! request, it used N bytes" or "refused". Bodies need a `Content-Length`;
//! chunked uploads are chapter 8's, refused here with `411`.

use std::net::SocketAddr;

use crate::head::{parse_head, Parsed, RequestHead};

/// The largest body we accept: `413 Content Too Large` beyond.
pub const MAX_BODY: usize = 1024 * 1024;

/// A request as the server received it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub head: RequestHead,
    pub body: Vec<u8>,
    /// The client's address (`REMOTE_ADDR`, `REMOTE_PORT`).
    pub peer: SocketAddr,
    /// The address it connected to (`SERVER_NAME`, `SERVER_PORT`).
    pub local: SocketAddr,
}

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

/// Looks for one whole request (head and body) at the start of `buf`.
pub fn parse_request(buf: &[u8], peer: SocketAddr, local: SocketAddr) -> Parse {
    let (head, head_len) = match parse_head(buf) {
        Ok(Parsed::Partial) => return Parse::Partial,
        Ok(Parsed::Complete { head, len }) => (head, len),
        Err(err) => return Parse::Refused("400 Bad Request", format!("{err:?}")),
    };
    if header(&head, "Transfer-Encoding").is_some() {
        let why = "send a Content-Length (chunked uploads are chapter 8's)";
        return Parse::Refused("411 Length Required", why.into());
    }
    let body_len = match header(&head, "Content-Length").map(str::trim) {
        None => 0,
        Some(value) if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) => {
            match value.parse::<usize>() {
                Ok(n) if n <= MAX_BODY => n,
                _ => return Parse::Refused("413 Content Too Large", "body too large".into()),
            }
        }
        Some(_) => return Parse::Refused("400 Bad Request", "bad Content-Length".into()),
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
