//! The exercise of chapter 7: a connection as a state machine.
//!
//! In an event loop, no code may wait. So a connection cannot be a function
//! that reads, then writes, then reads again: it is a value that remembers
//! where it stands ([`State`]), and a method ([`Connection::on_ready`]) that
//! the loop calls whenever the kernel says the socket is ready. Each call
//! makes all the progress it can and stops at the first `WouldBlock`,
//! leaving the state ready for the next call.
//!
//! mio's readiness is *edge-triggered*: an event means "something changed",
//! not "there is data". A handler that reads once and returns may leave
//! bytes in the socket that no further event will announce. So `on_ready`
//! reads and writes until `WouldBlock`.

use std::io::{self, ErrorKind, Read, Write};

use mio::Interest;

use crate::app::{error_response, respond};
use crate::head::{parse_head, Parsed};

/// Where a connection stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum State {
    /// Collecting a request head in `buf`.
    Reading { buf: Vec<u8> },
    /// Sending `out`, of which `written` bytes are already sent. `leftover`
    /// holds bytes read past the request (a pipelined next request).
    Writing {
        out: Vec<u8>,
        written: usize,
        keep_alive: bool,
        leftover: Vec<u8>,
    },
    /// Finished: the loop deregisters and drops the socket.
    Closed,
}

/// One client connection's state and a count of responses sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Connection {
    pub state: State,
    pub served: usize,
}

impl Default for Connection {
    fn default() -> Self {
        Connection {
            state: State::Reading { buf: Vec::new() },
            served: 0,
        }
    }
}

impl Connection {
    // ANCHOR: interest
    /// What the loop should ask the kernel to wake us for: readable while
    /// reading, writable while writing, nothing once closed.
    pub fn interest(&self) -> Option<Interest> {
        match self.state {
            State::Reading { .. } => Some(Interest::READABLE),
            State::Writing { .. } => Some(Interest::WRITABLE),
            State::Closed => None,
        }
    }
    // ANCHOR_END: interest

    // ANCHOR: on_ready
    /// Makes all the progress possible without blocking: reads, answers,
    /// writes, and goes back to reading for the next request, until the
    /// socket says `WouldBlock` or the connection is closed.
    ///
    /// An `Err` means the socket failed; the loop then drops the connection.
    pub fn on_ready<S: Read + Write>(&mut self, io: &mut S) -> io::Result<()> {
        loop {
            match &mut self.state {
                State::Reading { buf } => {
                    // A whole head may already be buffered: a pipelined
                    // request that arrived with the previous one. No event
                    // will announce it, so look before reading.
                    match parse_head(buf) {
                        Ok(Parsed::Complete { head, len }) => {
                            let leftover = buf.split_off(len);
                            let (out, keep_alive) = respond(&head);
                            self.state = State::Writing {
                                out,
                                written: 0,
                                keep_alive,
                                leftover,
                            };
                            continue;
                        }
                        Err(err) => {
                            let out = error_response(&err);
                            self.state = State::Writing {
                                out,
                                written: 0,
                                keep_alive: false,
                                leftover: Vec::new(),
                            };
                            continue;
                        }
                        Ok(Parsed::Partial) => {}
                    }
                    let mut chunk = [0u8; 4096];
                    match io.read(&mut chunk) {
                        // End of stream: the client is done with us.
                        Ok(0) => self.state = State::Closed,
                        Ok(n) => buf.extend_from_slice(&chunk[..n]),
                        // Drained: wait for the next readable event.
                        Err(err) if err.kind() == ErrorKind::WouldBlock => return Ok(()),
                        // A signal interrupted the call: just try again.
                        Err(err) if err.kind() == ErrorKind::Interrupted => {}
                        Err(err) => return Err(err),
                    }
                }
                State::Writing {
                    out,
                    written,
                    keep_alive,
                    leftover,
                } => {
                    if *written == out.len() {
                        // The whole response is out.
                        self.served += 1;
                        self.state = if *keep_alive {
                            State::Reading {
                                buf: std::mem::take(leftover),
                            }
                        } else {
                            State::Closed
                        };
                        continue;
                    }
                    match io.write(&out[*written..]) {
                        Ok(0) => return Err(ErrorKind::WriteZero.into()),
                        // A partial write is normal: remember how far we got.
                        Ok(n) => *written += n,
                        // The send buffer is full: wait for a writable event.
                        Err(err) if err.kind() == ErrorKind::WouldBlock => return Ok(()),
                        Err(err) if err.kind() == ErrorKind::Interrupted => {}
                        Err(err) => return Err(err),
                    }
                }
                State::Closed => return Ok(()),
            }
        }
    }
    // ANCHOR_END: on_ready
}
