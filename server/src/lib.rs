//! `wsgi-server`: a WSGI server built from scratch.
//!
//! - [`http`] is the HTTP/1.1 engine: a mio event loop, hand-written framing
//!   on top of httparse, worker threads, and a [`http::Handler`] trait.
//! - [`wsgi`] is the gateway: a handler that runs Python applications
//!   (PEP 3333) in an embedded CPython.
//! - [`cli`] is the command line; [`logging`] prints the log; [`signals`]
//!   turns TERM, INT and QUIT into orderly stops.

pub mod cli;
pub mod handoff;
pub mod http;
pub mod listen;
pub mod logging;
pub mod master;
pub mod signals;
pub mod wsgi;
