//! Exercise, chapter 7: a connection as a state machine, driven by
//! readiness events.
//!
//! Run the check with `cargo run -p course -- check 7`.
//! Stuck? `cargo run -p course -- hint 7`.

// The starter does not use its arguments yet; that is expected.
#![allow(unused_variables, unused_imports)]

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
    /// What the loop should ask the kernel to wake us for: readable while
    /// reading, writable while writing, nothing once closed.
    pub fn interest(&self) -> Option<Interest> {
        match self.state {
            State::Reading { .. } => Some(Interest::READABLE),
            State::Writing { .. } => Some(Interest::WRITABLE),
            State::Closed => None,
        }
    }

    /// Makes all the progress possible without blocking: reads, answers,
    /// writes, and goes back to reading for the next request, until the
    /// socket says `WouldBlock` or the connection is closed.
    ///
    /// An `Err` means the socket failed; the loop then drops the connection.
    pub fn on_ready<S: Read + Write>(&mut self, io: &mut S) -> io::Result<()> {
        // TODO: Loop until you must wait (`WouldBlock`: return Ok(())) or the
        //       state is `Closed` (return Ok(())). Each turn, `match &mut self.state`:
        //
        // TODO: State::Reading { buf }:
        //   1. FIRST look at what is already buffered: `parse_head(buf)`.
        //      (A pipelined request may have arrived with the previous one,
        //      and mio is edge-triggered: no new event will announce it.)
        //      - Ok(Parsed::Complete { head, len }): the bytes after the head
        //        are the next request's: `let leftover = buf.split_off(len);`.
        //        `let (out, keep_alive) = respond(&head);` then switch to
        //        `State::Writing { out, written: 0, keep_alive, leftover }`
        //        and `continue` (try writing right away).
        //      - Err(err): switch to Writing `error_response(&err)` with
        //        keep_alive false and no leftover; `continue`.
        //      - Ok(Parsed::Partial): go on to step 2.
        //   2. Read into a `[0u8; 4096]` chunk:
        //      Ok(0): the client closed: `self.state = State::Closed`.
        //      Ok(n): append `&chunk[..n]` to `buf` (and loop: parse again).
        //      Err with kind WouldBlock: drained, `return Ok(())`.
        //      Err with kind Interrupted: just loop again.
        //      any other Err: return it.
        //
        // TODO: State::Writing { out, written, keep_alive, leftover }:
        //   1. If `*written == out.len()` the response is out: add 1 to
        //      `self.served`, then switch to `State::Reading { buf: leftover }`
        //      (use `std::mem::take(leftover)`) if keep_alive, else `Closed`.
        //      `continue`.
        //   2. Otherwise `io.write(&out[*written..])`:
        //      Ok(0): return `Err(ErrorKind::WriteZero.into())`.
        //      Ok(n): `*written += n` (partial writes are normal).
        //      WouldBlock: the send buffer is full, `return Ok(())`.
        //      Interrupted: loop again. Any other Err: return it.
        //
        // TODO: State::Closed: return Ok(()).
        //
        // TODO: Borrowing tip: inside `match &mut self.state { ... }` you may
        //       assign `self.state = ...` once you no longer use `buf`/`out`.
        todo!("the state machine's transition on readiness")
    }
}
