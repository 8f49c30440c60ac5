//! The exercise of chapter 6: one turn of a non-blocking server loop.
//!
//! A blocking `accept` or `read` parks the thread until something happens.
//! After `set_nonblocking(true)`, they return at once instead, and when
//! nothing is there they fail with `io::ErrorKind::WouldBlock`: "not an
//! error, just nothing to do right now". One thread can then take turns:
//! accept whoever is waiting, read whatever has arrived on each connection,
//! answer whoever has sent a whole head, and go round again.

use std::io::{self, ErrorKind, Read};
use std::net::TcpListener;

use crate::{try_answer, Conn, StepReport};

// ANCHOR: step
/// One turn: accept every waiting client, then try one read on every
/// connection. Never blocks. Connections that are finished (answered or
/// hung up) are removed from `conns`.
pub fn step(listener: &TcpListener, conns: &mut Vec<Conn>) -> io::Result<StepReport> {
    let mut report = StepReport::default();

    // 1. Accept until the kernel's queue of new connections is empty.
    loop {
        match listener.accept() {
            Ok((stream, _peer)) => {
                // Accepted sockets do not inherit non-blocking mode: without
                // this, the first read on a quiet client freezes the loop.
                stream.set_nonblocking(true)?;
                conns.push(Conn {
                    stream,
                    buf: Vec::new(),
                    finished: false,
                });
                report.accepted += 1;
            }
            Err(err) if err.kind() == ErrorKind::WouldBlock => {
                report.would_block += 1;
                break;
            }
            Err(err) => return Err(err),
        }
    }

    // 2. One read per connection: whatever has arrived, or nothing.
    let mut chunk = [0u8; 1024];
    for conn in conns.iter_mut() {
        match conn.stream.read(&mut chunk) {
            Ok(0) => {
                // End of stream: the client hung up before finishing.
                conn.finished = true;
                report.hung_up += 1;
            }
            Ok(n) => {
                conn.buf.extend_from_slice(&chunk[..n]);
                report.bytes_read += n;
                if try_answer(conn) {
                    report.answered += 1;
                }
            }
            Err(err) if err.kind() == ErrorKind::WouldBlock => report.would_block += 1,
            // Reset by the peer and friends: give up on this connection.
            Err(_) => {
                conn.finished = true;
                report.hung_up += 1;
            }
        }
    }

    // 3. Forget finished connections; dropping a TcpStream closes it.
    conns.retain(|conn| !conn.finished);
    Ok(report)
}
// ANCHOR_END: step
