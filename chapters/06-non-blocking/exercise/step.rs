//! Exercise, chapter 6: one turn of a non-blocking server loop.
//!
//! Run the check with `cargo run -p course -- check 6`.
//! Stuck? `cargo run -p course -- hint 6`.

// The starter does not use its arguments yet; that is expected.
#![allow(unused_variables, unused_imports)]

use std::io::{self, ErrorKind, Read};
use std::net::TcpListener;

use crate::{try_answer, Conn, StepReport};

/// One turn: accept every waiting client, then try one read on every
/// connection. Never blocks. Connections that are finished (answered or
/// hung up) are removed from `conns`.
pub fn step(listener: &TcpListener, conns: &mut Vec<Conn>) -> io::Result<StepReport> {
    // TODO: Start with `let mut report = StepReport::default();` and count
    //       what happens in it as you go.
    //
    // TODO: 1. Accept in a loop until there is nobody left to accept:
    //   `listener.accept()` returns
    //     Ok((stream, _)): call `stream.set_nonblocking(true)?` (accepted
    //        sockets start out blocking!), push
    //        `Conn { stream, buf: Vec::new(), finished: false }`, and count
    //        `report.accepted`;
    //     Err(e) with `e.kind() == ErrorKind::WouldBlock`: nobody is
    //        waiting. Count `report.would_block` and leave the loop;
    //     any other Err: return it.
    //
    // TODO: 2. For each connection (`conns.iter_mut()`), ONE read into a
    //   `[0u8; 1024]` chunk:
    //     Ok(0): the client hung up: set `conn.finished = true`, count
    //        `report.hung_up`;
    //     Ok(n): append `&chunk[..n]` to `conn.buf`, add n to
    //        `report.bytes_read`, then call `try_answer(conn)`; if it
    //        returns true, count `report.answered` (it has already written
    //        the response and marked the connection finished);
    //     Err(e) with WouldBlock: nothing has arrived yet; count
    //        `report.would_block` and move on to the next connection;
    //     any other Err: treat like a hang-up (finished, `hung_up`).
    //
    // TODO: 3. Remove finished connections: `conns.retain(|c| !c.finished)`.
    //   Dropping a TcpStream closes the socket.
    //
    // TODO: Return `Ok(report)`.
    todo!("one turn of the non-blocking loop")
}
