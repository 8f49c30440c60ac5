//! The contract between the engine and whatever answers requests.
//!
//! The engine knows nothing about Python. It reads a complete request, hands
//! it to a [`Handler`] on one of the worker threads, and sends whatever the
//! handler writes into the [`Responder`]. The WSGI gateway is one handler;
//! the engine's tests and demo use tiny Rust ones.

use super::body::RequestBody;
use super::listener::{ListenAddr, PeerAddr};
use super::request::{is_forbidden_in_value, is_tchar, parse_content_length, RequestHead};
use super::responder::Responder;

/// A complete request, as a handler receives it.
#[derive(Debug)]
pub struct Request {
    pub head: RequestHead,
    pub body: RequestBody,
    /// Who sent it.
    pub peer: PeerAddr,
    /// The address it arrived on.
    pub local: ListenAddr,
}

/// Something that answers requests. It runs on a worker thread and may block
/// (that is why worker threads exist): the event loop keeps serving others.
pub trait Handler: Send + Sync + 'static {
    /// Answers one request by writing into `response`, which the handler owns
    /// (so it can hand it to whatever writes the body, such as Python's `write()`).
    ///
    /// A handler that drops the responder without finishing the response gets
    /// the engine's safety net: a `500` if nothing was sent yet, otherwise the connection is
    /// closed so the client can tell the body is incomplete.
    fn handle(&self, request: Request, response: Responder);

    /// Runs a worker thread's whole life (`run` returns when the pool shuts
    /// down). A handler that needs per-thread set-up wraps it here: the WSGI
    /// gateway gives each thread one Python thread state for its lifetime,
    /// instead of creating and destroying one per request.
    fn run_worker(&self, run: &mut dyn FnMut()) {
        run()
    }

    /// Runs a batch of [`handle`](Self::handle) calls that come back to back.
    /// The WSGI gateway takes the GIL once for the batch, not once per request.
    fn run_batch(&self, run: &mut dyn FnMut()) {
        run()
    }
}

/// A response head: status, reason phrase and the handler's own headers.
/// The engine adds `Date`, `Server`, framing and `Connection` itself.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ResponseHead {
    pub status: u16,
    pub reason: String,
    /// The headers that go out as they are, in wire form: `Name: value\r\n`
    /// each, in order. One buffer rather than a String per name and a Vec
    /// per value: every response has a head, so its allocations are paid on
    /// every request, and the buffer is written out in one piece.
    fields: Vec<u8>,
    /// The first valid `Content-Length`, kept aside (see [`push_header`](Self::push_header)).
    content_length: Option<u64>,
    /// A `Content-Length` that was not a number, or came twice.
    bad_content_length: bool,
    /// The handler said `Connection: close`.
    asks_to_close: bool,
    has_date: bool,
    has_server: bool,
    /// Why the headers cannot be sent, if they cannot: the first name that is
    /// not a token, or value with a control character (a CR LF in a value
    /// would end the field and start one of the value's choosing).
    problem: Option<&'static str>,
}

impl ResponseHead {
    pub fn new(status: u16, reason: impl Into<String>) -> Self {
        ResponseHead { status, reason: reason.into(), ..ResponseHead::default() }
    }

    /// Adds a header (builder style).
    pub fn header(mut self, name: &str, value: impl AsRef<[u8]>) -> Self {
        self.push_header(name, value.as_ref());
        self
    }

    /// Adds a header. A name that is not a token, or a value with a control
    /// character, makes the head invalid: the engine then answers 500 (see
    /// [`problem`](Self::problem)) rather than send it.
    pub fn push_header(&mut self, name: &str, value: &[u8]) {
        if self.problem.is_none() {
            if name.is_empty() || !name.bytes().all(is_tchar) {
                self.problem = Some("header name is not a token");
            } else if value.iter().any(|b| is_forbidden_in_value(*b)) {
                self.problem = Some("control character in a header value");
            }
        }
        // ANCHOR: app_headers
        // The headers that describe the framing or this one connection are
        // the server's to write, since only it knows how it frames the body
        // and whether the connection stays open. What they ask is noted,
        // and they are not copied.
        if name.eq_ignore_ascii_case("content-length") {
            match parse_content_length(value.trim_ascii()).ok() {
                Some(length) if self.content_length.is_none() => self.content_length = Some(length),
                _ => self.bad_content_length = true,
            }
            return;
        }
        if name.eq_ignore_ascii_case("connection") {
            // Honoured: the server closes after this response.
            self.asks_to_close |= value.split(|b| *b == b',').any(|t| t.trim_ascii().eq_ignore_ascii_case(b"close"));
            return;
        }
        if name.eq_ignore_ascii_case("transfer-encoding") || name.eq_ignore_ascii_case("keep-alive") {
            return;
        }
        self.has_date |= name.eq_ignore_ascii_case("date");
        self.has_server |= name.eq_ignore_ascii_case("server");
        // ANCHOR_END: app_headers
        self.fields.reserve(name.len() + value.len() + 4);
        self.fields.extend_from_slice(name.as_bytes());
        self.fields.extend_from_slice(b": ");
        self.fields.extend_from_slice(value);
        self.fields.extend_from_slice(b"\r\n");
    }

    /// Room for `bytes` more of headers, when their size is known up front.
    pub fn reserve(&mut self, bytes: usize) {
        self.fields.reserve(bytes);
    }

    /// The header lines to send as they are, in one piece.
    pub fn field_bytes(&self) -> &[u8] {
        &self.fields
    }

    /// The handler's `Content-Length`, if it sent one valid one.
    pub fn content_length(&self) -> Option<u64> {
        self.content_length
    }

    /// Whether a `Content-Length` was dropped: not a number, or a second one.
    pub fn had_bad_content_length(&self) -> bool {
        self.bad_content_length
    }

    /// Whether the handler asked for `Connection: close`.
    pub fn asks_to_close(&self) -> bool {
        self.asks_to_close
    }

    /// Whether the handler set `Date` / `Server` itself.
    pub fn has_date(&self) -> bool {
        self.has_date
    }

    pub fn has_server(&self) -> bool {
        self.has_server
    }

    /// Why the headers cannot be sent as they are (see [`push_header`](Self::push_header)).
    pub fn problem(&self) -> Option<&'static str> {
        self.problem
    }
}

#[cfg(test)]
mod tests {
    use super::ResponseHead;

    #[test]
    fn framing_headers_are_kept_aside_and_the_rest_go_out_as_they_are() {
        let head = ResponseHead::new(200, "OK")
            .header("Content-Type", "text/plain")
            .header("content-length", " 13 ")
            .header("Connection", "keep-alive, Close")
            .header("Transfer-Encoding", "chunked")
            .header("Date", "Fri, 04 Dec 2026 17:00:00 GMT")
            .header("Content-Length", "14");
        assert_eq!(head.field_bytes(), b"Content-Type: text/plain\r\nDate: Fri, 04 Dec 2026 17:00:00 GMT\r\n");
        assert_eq!(head.content_length(), Some(13), "the first valid one wins");
        assert!(head.had_bad_content_length(), "a second one is dropped, and said so");
        assert!(head.asks_to_close());
        assert!(head.has_date() && !head.has_server());
        assert_eq!(head.problem(), None);
    }

    #[test]
    fn a_header_that_would_break_the_framing_makes_the_head_invalid() {
        let injected = ResponseHead::new(200, "OK").header("X-Evil", "a\r\nSet-Cookie: stolen=1");
        assert_eq!(injected.problem(), Some("control character in a header value"));
        let bad_name = ResponseHead::new(200, "OK").header("Bad Name", "x");
        assert_eq!(bad_name.problem(), Some("header name is not a token"));
        let nonsense = ResponseHead::new(200, "OK").header("Content-Length", "12abc");
        assert_eq!((nonsense.content_length(), nonsense.had_bad_content_length()), (None, true));
    }
}
