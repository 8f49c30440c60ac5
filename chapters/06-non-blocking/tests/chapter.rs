//! The tests of chapter 6, shared by the reference and your exercise.
//!
//! Snapshots live in `tests/snapshots/`, recorded from the reference.
//! `cargo run -p course -- check 6` runs them against `exercise/step.rs`.
//!
//! The tests drive `step` themselves, on their own thread, in bounded loops:
//! "take turns until the answer is out, at most N turns". How many turns
//! that takes depends on the machine, so only what must be true is
//! snapshotted (bytes read, answers, hang-ups), never the `WouldBlock` count.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};

use ch06_non_blocking::step::step;
use ch06_non_blocking::{Conn, StepReport};

/// Shows raw HTTP bytes with every `\r\n` made visible.
fn raw(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).replace("\r\n", "\\r\\n\n")
}

/// The most turns a test waits for something. On loopback the bytes are
/// there after a turn or two; the bound only turns a bug into a failure.
const MAX_TURNS: usize = 100_000;

fn listener() -> TcpListener {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    listener
}

/// A blocking socket in `conns` would freeze the loop (and this test) on
/// its next quiet read, so check every one right after each turn.
#[cfg(unix)]
fn assert_all_non_blocking(conns: &[Conn]) {
    use std::os::fd::AsRawFd;
    for conn in conns {
        // SAFETY: F_GETFL only reads the flags of a descriptor we own.
        let flags = unsafe { libc::fcntl(conn.stream.as_raw_fd(), libc::F_GETFL) };
        assert!(
            flags & libc::O_NONBLOCK != 0,
            "an accepted socket is still blocking: call set_nonblocking(true) on it"
        );
    }
}

#[cfg(not(unix))]
fn assert_all_non_blocking(_conns: &[Conn]) {}

/// Takes turns until `done(totals)` holds; returns the totals (without the
/// timing-dependent `would_block`).
fn turn_until(
    listener: &TcpListener,
    conns: &mut Vec<Conn>,
    totals: &mut StepReport,
    done: impl Fn(&StepReport) -> bool,
) {
    for _ in 0..MAX_TURNS {
        if done(totals) {
            return;
        }
        let report = step(listener, conns).unwrap();
        assert_all_non_blocking(conns);
        totals.accepted += report.accepted;
        totals.bytes_read += report.bytes_read;
        totals.answered += report.answered;
        totals.hung_up += report.hung_up;
        std::thread::yield_now();
    }
    panic!("gave up after {MAX_TURNS} turns; totals so far: {totals:?}");
}

/// The totals that do not depend on timing.
fn counts(t: &StepReport) -> String {
    format!(
        "accepted: {}, bytes read: {}, answered: {}, hung up: {}",
        t.accepted, t.bytes_read, t.answered, t.hung_up
    )
}

#[test]
fn a_turn_with_nobody_there_returns_at_once() {
    let listener = listener();
    let mut conns = Vec::new();
    // With blocking sockets this call would never return.
    let report = step(&listener, &mut conns).unwrap();
    insta::assert_snapshot!(
        "ch06_idle_turn",
        format!("{report:#?}\nconnections: {}", conns.len())
    );
}

#[test]
fn a_client_is_accepted_read_and_answered_over_several_turns() {
    let listener = listener();
    let mut conns = Vec::new();
    let mut totals = StepReport::default();
    let mut client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    client
        .write_all(b"GET /turns HTTP/1.1\r\nHost: test\r\n\r\n")
        .unwrap();
    turn_until(&listener, &mut conns, &mut totals, |t| t.answered == 1);
    let mut response = Vec::new();
    client.read_to_end(&mut response).unwrap();
    insta::assert_snapshot!(
        "ch06_answered",
        format!(
            "{}\nconnections left: {}\n\n{}",
            counts(&totals),
            conns.len(),
            raw(&response)
        )
    );
}

#[test]
fn a_slow_client_does_not_hold_up_a_fast_one() {
    let listener = listener();
    let addr = listener.local_addr().unwrap();
    let mut conns = Vec::new();
    let mut totals = StepReport::default();
    let mut log = Vec::new();

    // The slow client sends half a head and stops.
    let mut slow = TcpStream::connect(addr).unwrap();
    slow.write_all(b"GET /slow HTTP/1.1\r\n").unwrap();
    turn_until(&listener, &mut conns, &mut totals, |t| t.bytes_read == 20);
    log.push(format!(
        "slow client's half head read; open connections: {}",
        conns.len()
    ));

    // The fast client sends a whole head and is answered, while the slow
    // one's head is still incomplete. A blocking read on `slow` would have
    // frozen the whole server here.
    let mut fast = TcpStream::connect(addr).unwrap();
    fast.write_all(b"GET /fast HTTP/1.1\r\n\r\n").unwrap();
    turn_until(&listener, &mut conns, &mut totals, |t| t.answered == 1);
    let mut fast_response = Vec::new();
    fast.read_to_end(&mut fast_response).unwrap();
    log.push(format!(
        "fast client answered; open connections: {}",
        conns.len()
    ));

    slow.write_all(b"Host: test\r\n\r\n").unwrap();
    turn_until(&listener, &mut conns, &mut totals, |t| t.answered == 2);
    let mut slow_response = Vec::new();
    slow.read_to_end(&mut slow_response).unwrap();
    log.push(format!(
        "slow client answered; open connections: {}",
        conns.len()
    ));

    let body = |r: &[u8]| {
        String::from_utf8_lossy(r)
            .rsplit("\r\n")
            .next()
            .unwrap_or_default()
            .to_string()
    };
    insta::assert_snapshot!(
        "ch06_interleaved",
        format!(
            "{}\nfast got: {}slow got: {}",
            log.join("\n"),
            body(&fast_response),
            body(&slow_response)
        )
    );
}

#[test]
fn a_client_that_hangs_up_is_forgotten() {
    let listener = listener();
    let mut conns = Vec::new();
    let mut totals = StepReport::default();
    // The client connects and hangs up before the server even accepts it:
    // the first read on the accepted socket sees the end of the stream.
    let client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    client.shutdown(Shutdown::Both).unwrap();
    drop(client);
    turn_until(&listener, &mut conns, &mut totals, |t| t.hung_up == 1);
    insta::assert_snapshot!(
        "ch06_hung_up",
        format!("{}\nconnections left: {}", counts(&totals), conns.len())
    );
}
