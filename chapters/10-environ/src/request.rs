//! A whole request: chapter 3's head, a `Content-Length` body, and the two
//! addresses of the connection. It is everything the environ is built from.
//!
//! Bodies are read whole, before the application runs, so `wsgi.input` can
//! be a plain `io.BytesIO`. Chunked uploads (chapter 8) are refused with
//! `411 Length Required` to keep this chapter about the environ.

use std::io::{self, Read};
use std::net::SocketAddr;

use crate::head::{parse_head, Parsed, RequestHead};

/// The largest body we read: `413 Content Too Large` beyond.
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

impl Request {
    /// The value of the first header called `name`, compared without case.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.head
            .headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Why no request could be read.
#[derive(Debug)]
pub enum ReadError {
    /// The client closed before sending a whole head.
    Closed,
    /// A request we refuse: the status line and a short explanation.
    Refused(&'static str, String),
    Io(io::Error),
}

/// How many body bytes follow `head`: its `Content-Length`, or a refusal
/// (a status line and why). Chapter 12 reads bodies with it too.
pub fn body_length(head: &RequestHead) -> Result<usize, (&'static str, String)> {
    let header = |name: &str| {
        head.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.trim())
    };
    if header("Transfer-Encoding").is_some() {
        let why = "send a Content-Length (chunked uploads are chapter 8's)";
        return Err(("411 Length Required", why.into()));
    }
    match header("Content-Length") {
        None => Ok(0),
        // Digits only: `parse` alone would also take "+5".
        Some(value) if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) => {
            match value.parse::<usize>() {
                Ok(n) if n <= MAX_BODY => Ok(n),
                _ => Err(("413 Content Too Large", "body too large".into())),
            }
        }
        Some(_) => Err(("400 Bad Request", "bad Content-Length".into())),
    }
}

/// Reads one request from `stream`: the head, then `Content-Length` bytes.
pub fn read_request(
    stream: &mut impl Read,
    peer: SocketAddr,
    local: SocketAddr,
) -> Result<Request, ReadError> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let (head, len) = loop {
        match parse_head(&buf) {
            Ok(Parsed::Complete { head, len }) => break (head, len),
            Ok(Parsed::Partial) => {}
            Err(err) => return Err(ReadError::Refused("400 Bad Request", format!("{err:?}"))),
        }
        match stream.read(&mut chunk) {
            Ok(0) => return Err(ReadError::Closed),
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
            Err(err) => return Err(ReadError::Io(err)),
        }
    };
    let mut request = Request {
        head,
        body: buf.split_off(len),
        peer,
        local,
    };
    let length =
        body_length(&request.head).map_err(|(status, why)| ReadError::Refused(status, why))?;
    while request.body.len() < length {
        match stream.read(&mut chunk) {
            Ok(0) => return Err(ReadError::Closed),
            Ok(n) => request.body.extend_from_slice(&chunk[..n]),
            Err(err) => return Err(ReadError::Io(err)),
        }
    }
    request.body.truncate(length);
    Ok(request)
}
