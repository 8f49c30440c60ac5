//! Chapter 8: partial I/O, done properly.
//!
//! Chapter 7's connection read one head, wrote one response, and refused
//! request bodies. Real clients are messier: bodies arrive in pieces, some
//! chunked; requests are pipelined; responses are bigger than the socket's
//! send buffer; and some clients send faster than they read. This chapter's
//! [`conn::Connection`] handles all of it with three buffers (read buffer,
//! body, write queue) and backpressure.
//!
//! The event loop itself is chapter 7's, used from its crate: this file
//! only tells it how to drive our connection ([`ch07_mio_loop::Machine`]).
//! Request heads (chapter 3) and responses (chapter 4) come the same way.
//!
//! The exercise is the incremental chunked decoder, [`chunked`].

pub mod app;
pub mod conn;

#[cfg_attr(not(feature = "exercise"), path = "chunked.rs")]
#[cfg_attr(feature = "exercise", path = "../exercise/chunked.rs")]
pub mod chunked;

/// Request heads and responses, from chapters 3 and 4 (through chapter 7).
pub use ch07_mio_loop::{encode, head};
pub use ch07_mio_loop::{listen_addr, DEFAULT_PORT};

use std::io::{self, Read, Write};

use ch07_mio_loop::Machine;
use mio::Interest;

use conn::Connection;

/// How chapter 7's loop drives this chapter's connection.
impl Machine for Connection {
    fn on_ready<S: Read + Write>(&mut self, io: &mut S) -> io::Result<()> {
        Connection::on_ready(self, io)
    }
    fn interest(&self) -> Option<Interest> {
        Connection::interest(self)
    }
    fn describe(&self) -> String {
        let queued = self.queue.queued();
        format!("{} responses so far, {queued} bytes queued", self.served)
    }
}

/// Runs chapter 7's event loop with this chapter's connections until
/// `limit` connections have closed (or forever). With `trace`, prints every
/// event and how far the connection got.
pub fn run(
    listener: std::net::TcpListener,
    limit: Option<usize>,
    trace: bool,
) -> io::Result<usize> {
    ch07_mio_loop::run_loop::<Connection>(listener, limit, trace)
}
