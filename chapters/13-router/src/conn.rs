//! One connection, as the event loop sees it: a small state machine in the
//! style of chapter 7, with one new state, *waiting for a worker*.
//!
//! This is chapter 12's module, unchanged apart from this header.
//!
//! ```text
//! Reading --(a whole request: hand it to a worker)--> Waiting
//! Waiting --(the worker's bytes arrive)-------------> Writing
//! Writing --(all sent, keep-alive)------------------> Reading
//! Writing --(all sent, close)-----------------------> closed
//! ```
//!
//! While `Waiting`, the connection answers one request at a time: bytes of
//! a pipelined next request are only kept in the read buffer. But it keeps
//! reading, to notice a client that hangs up while its request runs: that
//! client is gone, its connection is closed at once and the worker's answer
//! will be dropped (Go's HTTP server also treats this as "client gone").

use std::io::{self, ErrorKind, Read, Write};
use std::net::SocketAddr;

use mio::Interest;

use crate::request::{parse_request, wants_keep_alive, Parse, Request};

/// While waiting for a worker, keep at most this much of what comes next.
pub const MAX_BUFFERED: usize = 64 * 1024;

/// Where a connection is in its request/response cycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    Reading,
    /// A worker has our request.
    Waiting,
    Writing,
    Closed,
}

/// A request ready for a worker, and whether its client wants keep-alive.
pub type Ready = (Request, bool);

/// One client connection (without its socket, so it can be tested alone).
#[derive(Debug)]
pub struct Connection {
    pub phase: Phase,
    read_buf: Vec<u8>,
    out: Vec<u8>,
    sent: usize,
    keep_alive: bool,
    peer: SocketAddr,
    local: SocketAddr,
}

impl Connection {
    pub fn new(peer: SocketAddr, local: SocketAddr) -> Self {
        Connection {
            phase: Phase::Reading,
            read_buf: Vec::new(),
            out: Vec::new(),
            sent: 0,
            keep_alive: false,
            peer,
            local,
        }
    }

    /// What to wait for. While a worker runs, we stay registered for
    /// reading, to notice a client that hangs up.
    pub fn interest(&self) -> Option<Interest> {
        match self.phase {
            Phase::Reading | Phase::Waiting => Some(Interest::READABLE),
            Phase::Writing => Some(Interest::WRITABLE),
            Phase::Closed => None,
        }
    }

    /// Reads and writes as far as the socket allows. Returns a request when
    /// one is complete: the loop hands it to a worker.
    pub fn on_ready<S: Read + Write>(&mut self, io: &mut S) -> io::Result<Option<Ready>> {
        loop {
            match self.phase {
                Phase::Closed => return Ok(None),
                Phase::Waiting => {
                    if self.read_buf.len() >= MAX_BUFFERED {
                        return Ok(None); // read again once answered
                    }
                    let mut chunk = [0u8; 8192];
                    match io.read(&mut chunk) {
                        // Hung up mid-request: gone. (An error does the same.)
                        Ok(0) => self.phase = Phase::Closed,
                        Ok(n) => self.read_buf.extend_from_slice(&chunk[..n]),
                        Err(err) if err.kind() == ErrorKind::WouldBlock => return Ok(None),
                        Err(err) if err.kind() == ErrorKind::Interrupted => {}
                        Err(err) => return Err(err),
                    }
                }
                Phase::Reading => {
                    match parse_request(&self.read_buf, self.peer, self.local) {
                        Parse::Complete(request, used) => {
                            self.read_buf.drain(..used);
                            self.phase = Phase::Waiting;
                            let keep_alive = wants_keep_alive(&request.head);
                            return Ok(Some((request, keep_alive)));
                        }
                        Parse::Refused(status, why) => {
                            let refusal = format!(
                                "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{why}\n",
                                why.len() + 1
                            );
                            self.respond(refusal.into_bytes(), false);
                            continue;
                        }
                        Parse::Partial => {}
                    }
                    let mut chunk = [0u8; 8192];
                    match io.read(&mut chunk) {
                        // The client is done (perhaps mid-request): close.
                        Ok(0) => self.phase = Phase::Closed,
                        Ok(n) => self.read_buf.extend_from_slice(&chunk[..n]),
                        Err(err) if err.kind() == ErrorKind::WouldBlock => return Ok(None),
                        Err(err) if err.kind() == ErrorKind::Interrupted => {}
                        Err(err) => return Err(err),
                    }
                }
                Phase::Writing => {
                    while self.sent < self.out.len() {
                        match io.write(&self.out[self.sent..]) {
                            Ok(0) => return Err(ErrorKind::WriteZero.into()),
                            Ok(n) => self.sent += n,
                            Err(err) if err.kind() == ErrorKind::WouldBlock => return Ok(None),
                            Err(err) if err.kind() == ErrorKind::Interrupted => {}
                            Err(err) => return Err(err),
                        }
                    }
                    self.out.clear();
                    self.sent = 0;
                    // Keep-alive: the next request may already be buffered.
                    self.phase = if self.keep_alive {
                        Phase::Reading
                    } else {
                        Phase::Closed
                    };
                }
            }
        }
    }

    /// A response is ready (a worker's, or a refusal): send it next.
    pub fn respond(&mut self, bytes: Vec<u8>, keep_alive: bool) {
        self.out = bytes;
        self.sent = 0;
        self.keep_alive = keep_alive;
        self.phase = Phase::Writing;
    }
}
