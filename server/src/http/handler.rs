//! The contract between the engine and whatever answers requests.
//!
//! The engine knows nothing about Python. It reads a complete request, hands
//! it to a [`Handler`] on one of the worker threads, and sends whatever the
//! handler writes into the [`Responder`]. The WSGI gateway is one handler;
//! the engine's tests and demo use tiny Rust ones.

use super::body::RequestBody;
use super::listener::{ListenAddr, PeerAddr};
use super::request::RequestHead;
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
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponseHead {
    pub status: u16,
    pub reason: String,
    /// Names and raw (latin-1) values.
    pub headers: Vec<(String, Vec<u8>)>,
}

impl ResponseHead {
    pub fn new(status: u16, reason: impl Into<String>) -> Self {
        ResponseHead { status, reason: reason.into(), headers: Vec::new() }
    }

    pub fn header(mut self, name: &str, value: impl Into<Vec<u8>>) -> Self {
        self.headers.push((name.to_string(), value.into()));
        self
    }
}
