//! A raw HTTP/1.1 client: many assertions are about exact bytes, which a
//! real client library would hide (it decodes chunks, merges headers, retries).
//!
//! A [`Conn`] writes whatever bytes a test gives it and reads responses back
//! by their framing (Content-Length, chunked, or until close), keeping the
//! exact bytes of each in [`Response::raw`]. Every read is bounded by
//! [`PATIENCE`]: a server that neither answers nor closes fails the test.

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};

use crate::json::Json;
use crate::snapshot::render;
use crate::PATIENCE;

/// One connection to the server.
pub struct Conn {
    stream: TcpStream,
    /// Bytes received but not yet consumed by a response.
    buffer: Vec<u8>,
    /// True once the server closed its side (EOF or reset).
    closed: bool,
    /// True if the close was a reset (RST) rather than an orderly FIN.
    reset: bool,
}

/// How a body was framed on the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Framing {
    /// No body (HEAD, 204, 304).
    None,
    ContentLength(usize),
    /// The data of each chunk, in order (the last, empty chunk not included).
    Chunked(Vec<Vec<u8>>),
    /// No length: the body ended when the server closed.
    UntilClose,
}

/// A response as it arrived.
#[derive(Debug, Clone)]
pub struct Response {
    /// Every byte of this response, head and framed body.
    pub raw: Vec<u8>,
    pub status: u16,
    pub reason: String,
    /// Names as sent, values trimmed, in order, repeats kept.
    pub headers: Vec<(String, String)>,
    /// The body after undoing the framing.
    pub body: Vec<u8>,
    pub framing: Framing,
}

impl Response {
    /// The first value of a header (name case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// Every value of a header, in order.
    pub fn headers_named(&self, name: &str) -> Vec<&str> {
        self.headers.iter().filter(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str()).collect()
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The body parsed as JSON; panics (showing the response) if it is not.
    pub fn json(&self) -> Json {
        Json::parse(&self.text()).unwrap_or_else(|e| panic!("body is not JSON ({e}):\n{}", render(&self.raw)))
    }

    /// The data chunks of a chunked body.
    pub fn chunks(&self) -> &[Vec<u8>] {
        match &self.framing {
            Framing::Chunked(chunks) => chunks,
            other => panic!("not a chunked response ({other:?}):\n{}", render(&self.raw)),
        }
    }
}

impl Conn {
    pub fn open(addr: SocketAddr) -> Conn {
        let stream = TcpStream::connect(addr).unwrap_or_else(|e| panic!("connect to {addr}: {e}"));
        stream.set_read_timeout(Some(PATIENCE)).unwrap();
        stream.set_write_timeout(Some(PATIENCE)).unwrap();
        stream.set_nodelay(true).unwrap();
        Conn { stream, buffer: Vec::new(), closed: false, reset: false }
    }

    /// The client's own address (the server sees it as REMOTE_ADDR/REMOTE_PORT).
    pub fn local_addr(&self) -> SocketAddr {
        self.stream.local_addr().unwrap()
    }

    pub fn send(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).unwrap_or_else(|e| panic!("send the request: {e}"));
    }

    /// Tells the server we will send nothing more (half-close).
    pub fn shutdown_write(&mut self) {
        let _ = self.stream.shutdown(Shutdown::Write);
    }

    /// Reads more bytes into the buffer; false at EOF or reset.
    fn fill(&mut self) -> bool {
        if self.closed {
            return false;
        }
        let mut piece = [0u8; 64 * 1024];
        loop {
            match self.stream.read(&mut piece) {
                Ok(0) => {
                    self.closed = true;
                    return false;
                }
                Ok(n) => {
                    self.buffer.extend_from_slice(&piece[..n]);
                    return true;
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut) => panic!(
                    "the server sent nothing more for {PATIENCE:?} (neither the rest of a response nor a close); \
                     unread so far:\n{}",
                    render(&self.buffer)
                ),
                Err(e) if e.kind() == io::ErrorKind::ConnectionReset => {
                    self.closed = true;
                    self.reset = true;
                    return false;
                }
                Err(e) => panic!("read from the server: {e}"),
            }
        }
    }

    /// Reads until the buffered bytes contain `needle`; returns everything
    /// buffered so far (without consuming it). For watching a stream arrive.
    pub fn read_until_contains(&mut self, needle: &[u8]) -> Vec<u8> {
        while !contains(&self.buffer, needle) {
            if !self.fill() {
                panic!(
                    "the connection closed before {:?} arrived; got:\n{}",
                    String::from_utf8_lossy(needle),
                    render(&self.buffer)
                );
            }
        }
        self.buffer.clone()
    }

    /// Reads until the server closes the connection; returns the unconsumed
    /// bytes and whether the close was a reset.
    pub fn read_to_close(&mut self) -> (Vec<u8>, bool) {
        while self.fill() {}
        (std::mem::take(&mut self.buffer), self.reset)
    }

    /// True if the server has closed the connection (reads to find out: use
    /// it only where the server must close, or a response must follow).
    pub fn is_closed_by_server(&mut self) -> bool {
        self.buffer.is_empty() && !self.fill()
    }

    /// Reads one whole response; `head_request` says the request was HEAD
    /// (so no body follows whatever the headers say).
    pub fn read_response(&mut self, head_request: bool) -> Response {
        match self.try_read_response(head_request) {
            Ok(response) => response,
            Err(problem) => panic!("{problem}; received:\n{}", render(&self.buffer)),
        }
    }

    /// Like [`read_response`](Self::read_response) but a cut-off or malformed
    /// response is an error (the bytes stay in the buffer).
    pub fn try_read_response(&mut self, head_request: bool) -> Result<Response, String> {
        let head_end = loop {
            if let Some(i) = find(&self.buffer, b"\r\n\r\n") {
                break i + 4;
            }
            if !self.fill() {
                return Err("the connection closed before a whole response head arrived".into());
            }
        };
        let head = String::from_utf8_lossy(&self.buffer[..head_end - 4]).into_owned();
        let mut lines = head.split("\r\n");
        let status_line = lines.next().unwrap_or_default().to_string();
        let mut parts = status_line.splitn(3, ' ');
        if parts.next() != Some("HTTP/1.1") {
            return Err(format!("bad status line {status_line:?}"));
        }
        let status: u16 =
            parts.next().and_then(|s| s.parse().ok()).ok_or(format!("bad status line {status_line:?}"))?;
        let reason = parts.next().unwrap_or_default().to_string();
        let mut headers = Vec::new();
        for line in lines {
            let (name, value) = line.split_once(':').ok_or(format!("bad header line {line:?}"))?;
            headers.push((name.to_string(), value.trim().to_string()));
        }
        let mut response =
            Response { raw: Vec::new(), status, reason, headers, body: Vec::new(), framing: Framing::None };

        let no_body = head_request || (100..200).contains(&status) || status == 204 || status == 304;
        let chunked = response.header("Transfer-Encoding").is_some_and(|v| v.eq_ignore_ascii_case("chunked"));
        let length = response.header("Content-Length").map(|v| v.parse::<usize>());
        let end = if no_body {
            head_end
        } else if chunked {
            let mut pos = head_end;
            let mut chunks = Vec::new();
            loop {
                let line_end = loop {
                    if let Some(i) = find(&self.buffer[pos..], b"\r\n") {
                        break pos + i;
                    }
                    if !self.fill() {
                        return Err("the connection closed inside a chunked body".into());
                    }
                };
                let size_text = String::from_utf8_lossy(&self.buffer[pos..line_end]).into_owned();
                let size =
                    usize::from_str_radix(&size_text, 16).map_err(|_| format!("bad chunk size {size_text:?}"))?;
                let data_end = line_end + 2 + size;
                while self.buffer.len() < data_end + 2 {
                    if !self.fill() {
                        return Err("the connection closed inside a chunked body".into());
                    }
                }
                if &self.buffer[data_end..data_end + 2] != b"\r\n" {
                    return Err("chunk data not followed by CRLF".into());
                }
                pos = data_end + 2;
                if size == 0 {
                    break;
                }
                chunks.push(self.buffer[line_end + 2..data_end].to_vec());
            }
            response.body = chunks.concat();
            response.framing = Framing::Chunked(chunks);
            pos
        } else if let Some(length) = length {
            let length = length.map_err(|_| "bad Content-Length".to_string())?;
            while self.buffer.len() < head_end + length {
                if !self.fill() {
                    return Err(format!("the connection closed before the {length} bytes of the body arrived"));
                }
            }
            response.body = self.buffer[head_end..head_end + length].to_vec();
            response.framing = Framing::ContentLength(length);
            head_end + length
        } else {
            while self.fill() {}
            response.body = self.buffer[head_end..].to_vec();
            response.framing = Framing::UntilClose;
            self.buffer.len()
        };
        response.raw = self.buffer.drain(..end).collect();
        Ok(response)
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    find(haystack, needle).is_some()
}
