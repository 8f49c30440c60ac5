//! The HTTP/1.1 engine: everything between a TCP socket and a [`Handler`].
//!
//! Read it in this order, which is also the path of a request:
//!
//! | module | what it does |
//! |---|---|
//! | [`server`] | the event loop: accepts, polls, drives connections, keeps deadlines |
//! | [`connection`] | one connection's state machine: read, dispatch, write, close |
//! | [`buffer`] | the read buffer the parser consumes from |
//! | [`reader`] | bytes to requests, head then body, without I/O |
//! | [`request`] | the request head: httparse plus the framing rules |
//! | [`chunked`] | the chunked transfer coding, decoded by hand |
//! | [`body`] | where a request body is kept (memory or a temp file) |
//! | [`leader`] | which thread runs the loop and which runs the jobs (leader/followers, watchdog) |
//! | [`pool`] | the job queue, and which worker sleeps or is woken |
//! | [`handler`] | the trait a handler implements |
//! | [`responder`] | response framing and the promises a response makes |
//! | [`outbox`] | how workers hand bytes back to the loop |
//! | [`write_queue`] | bytes and file regions waiting for the socket (`writev`, `sendfile`) |
//! | [`access_log`] | one line per request, gunicorn's format atoms |
//! | [`trace`] | `--trace`: each layer of each request, printed |
//! | [`date`], [`config`], [`error`], [`listener`] | the supporting cast |

pub mod access_log;
pub mod body;
pub mod buffer;
pub mod chunked;
pub mod config;
pub mod connection;
pub mod date;
pub mod echo;
pub mod error;
pub mod handler;
pub mod leader;
pub mod listener;
pub mod outbox;
pub mod pool;
pub mod reader;
pub mod request;
pub mod responder;
pub mod server;
pub mod trace;
pub mod write_queue;

pub use body::RequestBody;
pub use config::Config;
pub use error::HttpError;
pub use handler::{Handler, Request, ResponseHead};
pub use listener::{ListenAddr, Listener, PeerAddr};
pub use outbox::ClientGone;
pub use request::{Header, RequestHead, Version};
pub use responder::Responder;
pub use server::{Server, StopHandle};
