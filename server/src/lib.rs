//! `wsgi-server`: a WSGI server built from scratch.
//!
//! - [`http`] is the HTTP/1.1 engine: a mio event loop, hand-written framing
//!   on top of httparse, worker threads, and a [`http::Handler`] trait.
//! - [`logging`] prints the server's log lines.
//! - The WSGI gateway (a handler that runs Python apps) builds on the engine.

pub mod http;
pub mod logging;
