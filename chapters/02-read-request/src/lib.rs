//! Chapter 2: read until the blank line, then parse the head by hand.
//!
//! Chapter 1 read a request with one `read` call and hoped it was all there.
//! TCP makes no such promise: it delivers a stream of bytes, cut wherever the
//! network, the kernel or the client happened to cut it. A request head may
//! arrive one byte at a time. So we *frame* it: keep reading into a buffer
//! until the blank line (`\r\n\r\n`) shows up, then parse what we have.
//!
//! - [`head`] finds the end of the head and splits the request line (the
//!   exercise).
//! - [`read_head`] is the read loop, with a size limit so a client cannot make
//!   us buffer forever.
//! - [`parse_head`] splits the head into a request line and headers.
//! - [`handle_connection`] answers with a description of what it parsed.

#[cfg_attr(not(feature = "exercise"), path = "head.rs")]
#[cfg_attr(feature = "exercise", path = "../exercise/head.rs")]
pub mod head;

use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};

use head::{find_head_end, parse_request_line, RequestLine, RequestLineError};

/// The port every chapter listens on unless `PORT` says otherwise.
pub const DEFAULT_PORT: u16 = 7878;

/// The largest head we accept. Real servers use 8 to 64 KiB; without *some*
/// limit, a client that never sends the blank line makes us buffer forever.
pub const MAX_HEAD_BYTES: usize = 8 * 1024;

/// `127.0.0.1:7878`, or `127.0.0.1:$PORT` when `PORT` is set.
pub fn listen_addr() -> String {
    let port = std::env::var("PORT").unwrap_or_else(|_| DEFAULT_PORT.to_string());
    format!("127.0.0.1:{port}")
}

/// Everything that can go wrong between "connection accepted" and "request
/// understood".
#[derive(Debug)]
pub enum RequestError {
    /// The client hung up before the head was complete.
    ClosedEarly { received: usize },
    /// The head grew past [`MAX_HEAD_BYTES`] without a blank line.
    TooLarge,
    /// The head is not valid UTF-8 (real servers accept Latin-1; chapter 10).
    NotText,
    /// The request line is malformed.
    BadRequestLine(RequestLineError),
    /// A header line has no `:`.
    BadHeader(String),
    /// The socket failed.
    Io(io::Error),
}

impl From<io::Error> for RequestError {
    fn from(err: io::Error) -> Self {
        RequestError::Io(err)
    }
}

/// A parsed request head.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub line: RequestLine,
    /// Header names and values, in the order the client sent them. Names keep
    /// their case: HTTP says they are case-insensitive, so compare with
    /// `eq_ignore_ascii_case`.
    pub headers: Vec<(String, String)>,
}

// ANCHOR: read_head
/// Reads from `stream` until a whole head has arrived.
///
/// Returns the head (including its blank line) and the bytes that arrived
/// after it in the same reads: the start of a body or of a next request.
/// Throwing those away would corrupt whatever comes next; keeping them is
/// what "framing" means.
pub fn read_head(stream: &mut impl Read) -> Result<(Vec<u8>, Vec<u8>), RequestError> {
    let mut buffer = Vec::new();
    // A small chunk size makes the loop visible: a head bigger than 512 bytes
    // needs several reads, even on a fast network.
    let mut chunk = [0u8; 512];
    loop {
        if let Some(end) = find_head_end(&buffer) {
            let rest = buffer.split_off(end);
            return Ok((buffer, rest));
        }
        if buffer.len() > MAX_HEAD_BYTES {
            return Err(RequestError::TooLarge);
        }
        let n = stream.read(&mut chunk)?;
        if n == 0 {
            // `read` returning 0 means end of stream: the client closed its
            // side of the connection.
            return Err(RequestError::ClosedEarly {
                received: buffer.len(),
            });
        }
        buffer.extend_from_slice(&chunk[..n]);
    }
}
// ANCHOR_END: read_head

// ANCHOR: parse_head
/// Splits a complete head into the request line and the header lines.
pub fn parse_head(head: &[u8]) -> Result<Request, RequestError> {
    let text = std::str::from_utf8(head).map_err(|_| RequestError::NotText)?;
    // The head ends with "\r\n\r\n"; dropping it leaves lines separated by "\r\n".
    let text = text.strip_suffix("\r\n\r\n").unwrap_or(text);
    let mut lines = text.split("\r\n");
    let first = lines.next().unwrap_or("");
    let line = parse_request_line(first).map_err(RequestError::BadRequestLine)?;
    let mut headers = Vec::new();
    for header in lines {
        let (name, value) = header
            .split_once(':')
            .ok_or_else(|| RequestError::BadHeader(header.to_string()))?;
        // Spaces around the value are optional whitespace, not part of it.
        headers.push((name.to_string(), value.trim().to_string()));
    }
    Ok(Request { line, headers })
}
// ANCHOR_END: parse_head

/// Builds a complete response with a text body (chapter 1's exercise, now
/// with any status line).
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

/// What the server answers: a description of the request it understood, so
/// `curl` shows the parse, or a `400 Bad Request` saying what was wrong.
pub fn respond_to(result: &Result<Request, RequestError>) -> Vec<u8> {
    match result {
        Ok(request) => {
            let mut body = format!(
                "method:  {}\ntarget:  {}\nversion: {}\n",
                request.line.method, request.line.target, request.line.version
            );
            for (name, value) in &request.headers {
                body.push_str(&format!("header:  {name} = {value}\n"));
            }
            text_response("200 OK", &body)
        }
        Err(err) => text_response("400 Bad Request", &format!("bad request: {err:?}\n")),
    }
}

/// Serves one connection: frame the head, parse it, answer, hang up.
pub fn handle_connection(mut stream: TcpStream) -> Result<Request, RequestError> {
    let result = read_head(&mut stream).and_then(|(head, _rest)| parse_head(&head));
    // A client that already hung up cannot read an answer; ignore that error.
    if !matches!(
        result,
        Err(RequestError::ClosedEarly { .. }) | Err(RequestError::Io(_))
    ) {
        stream.write_all(&respond_to(&result))?;
    }
    result
}

// ANCHOR: serve
/// Accepts connections one after another (`limit` of them, or forever).
pub fn serve(listener: &TcpListener, limit: Option<usize>) -> io::Result<()> {
    for stream in listener.incoming().take(limit.unwrap_or(usize::MAX)) {
        let stream = stream?;
        let peer = stream.peer_addr()?;
        match handle_connection(stream) {
            Ok(request) => println!("{peer}: {} {}", request.line.method, request.line.target),
            Err(err) => println!("{peer}: rejected: {err:?}"),
        }
    }
    Ok(())
}
// ANCHOR_END: serve
