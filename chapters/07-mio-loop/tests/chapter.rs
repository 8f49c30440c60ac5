//! The tests of chapter 7, shared by the reference and your exercise.
//!
//! Snapshots live in `tests/snapshots/`, recorded from the reference.
//! `cargo run -p course -- check 7` runs them against `exercise/conn.rs`.
//!
//! Most tests drive the state machine with a scripted fake socket, so every
//! `WouldBlock` and every partial write happens exactly where the test says.
//! One test runs the real mio loop over TCP.

use std::collections::VecDeque;
use std::fmt::Write as _;
use std::io::{self, ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::thread;
use std::time::Duration;

use ch07_mio_loop::conn::{Connection, State};
use proptest::prelude::*;

/// Shows raw HTTP bytes with every `\r\n` made visible.
fn raw(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).replace("\r\n", "\\r\\n\n")
}

/// A fake non-blocking socket. Reads hand out the queued pieces one per
/// call (an empty piece is the end of the stream), then `WouldBlock`.
/// Writes accept up to `room` bytes in all, then `WouldBlock`: raising
/// `room` plays the kernel draining its send buffer.
#[derive(Default)]
struct FakeSocket {
    incoming: VecDeque<Vec<u8>>,
    room: usize,
    sent: Vec<u8>,
}

impl Read for FakeSocket {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let Some(mut piece) = self.incoming.pop_front() else {
            return Err(ErrorKind::WouldBlock.into());
        };
        let n = piece.len().min(buf.len());
        buf[..n].copy_from_slice(&piece[..n]);
        if n < piece.len() {
            self.incoming.push_front(piece.split_off(n));
        }
        Ok(n)
    }
}

impl Write for FakeSocket {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let free = self.room - self.sent.len().min(self.room);
        if free == 0 {
            return Err(ErrorKind::WouldBlock.into());
        }
        let n = free.min(buf.len());
        self.sent.extend_from_slice(&buf[..n]);
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// One line per state: what the connection is doing and what it waits for.
fn describe(conn: &Connection) -> String {
    let state = match &conn.state {
        State::Reading { buf } => format!("Reading, {} bytes buffered", buf.len()),
        State::Writing { out, written, keep_alive, leftover } => format!(
            "Writing, {written} of {} bytes sent, keep_alive={keep_alive}, {} bytes of the next request held",
            out.len(),
            leftover.len()
        ),
        State::Closed => "Closed".to_string(),
    };
    format!(
        "{state}; served {}; waits for {:?}",
        conn.served,
        conn.interest()
    )
}

const GET: &[u8] = b"GET / HTTP/1.1\r\nHost: test\r\n\r\n";

#[test]
fn each_readiness_event_moves_the_machine_as_far_as_it_can() {
    let mut socket = FakeSocket::default();
    let mut conn = Connection::default();
    let mut trace = String::new();
    writeln!(trace, "new:                         {}", describe(&conn)).unwrap();

    // Half a head arrives.
    socket.incoming.push_back(GET[..10].to_vec());
    conn.on_ready(&mut socket).unwrap();
    writeln!(trace, "readable (10 bytes):         {}", describe(&conn)).unwrap();

    // The rest arrives, but the send buffer has room for only 40 bytes.
    socket.incoming.push_back(GET[10..].to_vec());
    socket.room = 40;
    conn.on_ready(&mut socket).unwrap();
    writeln!(trace, "readable (rest, 40 room):    {}", describe(&conn)).unwrap();

    // The kernel drained the send buffer: writable.
    socket.room = usize::MAX;
    conn.on_ready(&mut socket).unwrap();
    writeln!(trace, "writable:                    {}", describe(&conn)).unwrap();

    // A spurious wake-up: nothing to read. Nothing changes.
    conn.on_ready(&mut socket).unwrap();
    writeln!(trace, "spurious:                    {}", describe(&conn)).unwrap();

    // The client closes its side.
    socket.incoming.push_back(Vec::new());
    conn.on_ready(&mut socket).unwrap();
    writeln!(trace, "readable (end of stream):    {}", describe(&conn)).unwrap();

    writeln!(trace, "\nsent:\n{}", raw(&socket.sent)).unwrap();
    insta::assert_snapshot!("ch07_transitions", trace);
}

#[test]
fn pipelined_requests_in_one_read_are_all_answered() {
    // Two requests in one read: after the first answer, the second is
    // already in the buffer, and no event will ever announce it.
    let mut socket = FakeSocket {
        room: usize::MAX,
        ..FakeSocket::default()
    };
    socket
        .incoming
        .push_back([GET, b"GET /missing HTTP/1.1\r\nConnection: close\r\n\r\n"].concat());
    let mut conn = Connection::default();
    conn.on_ready(&mut socket).unwrap();
    insta::assert_snapshot!(
        "ch07_pipelined",
        format!("{}\n\n{}", describe(&conn), raw(&socket.sent))
    );
}

#[test]
fn a_malformed_head_gets_a_400_and_the_connection_closes() {
    let mut socket = FakeSocket {
        room: usize::MAX,
        ..FakeSocket::default()
    };
    socket.incoming.push_back(b"HELLO THERE\r\n\r\n".to_vec());
    let mut conn = Connection::default();
    conn.on_ready(&mut socket).unwrap();
    insta::assert_snapshot!(
        "ch07_bad_request",
        format!("{}\n\n{}", describe(&conn), raw(&socket.sent))
    );
}

#[test]
fn http_1_0_closes_after_one_response() {
    let mut socket = FakeSocket {
        room: usize::MAX,
        ..FakeSocket::default()
    };
    socket
        .incoming
        .push_back(b"GET / HTTP/1.0\r\n\r\n".to_vec());
    let mut conn = Connection::default();
    conn.on_ready(&mut socket).unwrap();
    insta::assert_snapshot!("ch07_http10", describe(&conn));
}

/// A client socket with a generous read timeout: if the server is broken,
/// the test fails instead of hanging.
fn connect(addr: SocketAddr) -> TcpStream {
    let stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    stream
}

#[test]
fn the_mio_loop_serves_real_clients() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    // The loop returns after two connections have closed.
    let server = thread::spawn(move || ch07_mio_loop::run(listener, Some(2), false));

    let mut first = connect(addr);
    let mut second = connect(addr);
    // Both are open at once on one server thread; the second is answered
    // while the first is still mid-conversation.
    first
        .write_all(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n")
        .unwrap();
    second.write_all(b"GET /nothing HTTP/1.0\r\n\r\n").unwrap();
    let mut second_response = Vec::new();
    second.read_to_end(&mut second_response).unwrap();
    first
        .write_all(b"GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut first_responses = Vec::new();
    first.read_to_end(&mut first_responses).unwrap();

    insta::assert_snapshot!(
        "ch07_over_tcp",
        format!(
            "--- second:\n{}\n--- first:\n{}",
            raw(&second_response),
            raw(&first_responses)
        )
    );
    assert_eq!(server.join().expect("server thread panicked").unwrap(), 2);
}

proptest! {
    // No regression files: a failing exercise must not litter the chapter.
    #![proptest_config(ProptestConfig { failure_persistence: None, ..ProptestConfig::default() })]

    /// However the bytes are cut into reads and however little the send
    /// buffer takes at a time, the client receives exactly the bytes of the
    /// simple case: one read, unlimited room.
    #[test]
    fn readiness_in_any_pieces_sends_the_same_bytes(cuts in proptest::collection::vec(1usize..40, 1..20), room_steps in proptest::collection::vec(1usize..200, 1..20)) {
        let input = [GET, b"GET /x HTTP/1.1\r\n\r\n", b"GET / HTTP/1.1\r\nConnection: close\r\n\r\n"].concat();

        let mut simple = FakeSocket { room: usize::MAX, ..FakeSocket::default() };
        simple.incoming.push_back(input.clone());
        let mut conn = Connection::default();
        conn.on_ready(&mut simple).unwrap();

        let mut socket = FakeSocket::default();
        let mut pos = 0;
        for cut in cuts.iter().cycle() {
            let end = (pos + cut).min(input.len());
            socket.incoming.push_back(input[pos..end].to_vec());
            pos = end;
            if pos == input.len() {
                break;
            }
        }
        let mut chopped = Connection::default();
        // Each event: the kernel makes a little more room, then we are woken.
        for step in room_steps.iter().cycle().take(10_000) {
            socket.room = socket.sent.len() + step;
            chopped.on_ready(&mut socket).unwrap();
            if chopped.state == State::Closed {
                break;
            }
        }
        prop_assert_eq!(chopped.state, State::Closed);
        prop_assert_eq!(chopped.served, 3);
        prop_assert_eq!(raw(&socket.sent), raw(&simple.sent));
    }
}
