//! Deadlines, backpressure and stopping, without depending on timing to pass.
//!
//! Each test shrinks one timeout to a fraction of a second and then *blocks*
//! on what the server must do (a response, an EOF, a handler's signal) with
//! [`PATIENCE`] as the upper bound. A slow machine only makes them slower.
//! The few checks that something does *not* happen can only wrongly pass on
//! a slow machine, never wrongly fail.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use wsgi_server::http::echo::EchoHandler;
use wsgi_server::http::{Config, Handler, Request, Responder, ResponseHead};

use crate::common::{connect, get, parse_responses, read_response, read_to_close, TestServer, PATIENCE};

const SHORT: Duration = Duration::from_millis(200);
const LONG: Duration = Duration::from_secs(3600);

/// No timeout fires unless a test shortens it.
fn patient_config() -> Config {
    Config {
        header_timeout: LONG,
        body_timeout: LONG,
        keepalive_timeout: LONG,
        write_timeout: LONG,
        graceful_timeout: LONG,
        ..Config::default()
    }
}

/// Reads the response head (up to the blank line) and nothing more.
fn read_head(stream: &TcpStream) -> String {
    let mut reader = BufReader::with_capacity(1, stream); // never read past the head
    let mut head = String::new();
    loop {
        let before = head.len();
        reader.read_line(&mut head).expect("read the response head");
        assert!(head.len() > before, "EOF inside the head: {head:?}");
        if head.ends_with("\r\n\r\n") {
            return head;
        }
    }
}

// ---------------------------------------------------------------- timeouts

#[test]
fn half_a_head_gets_408_and_a_close() {
    let server = TestServer::echo(Config { header_timeout: SHORT, ..patient_config() });
    let mut stream = connect(server.addr);
    stream.write_all(b"GET /slow HTTP/1.1\r\nHost: exa").unwrap();
    let responses = parse_responses(&read_to_close(&mut stream), &[false]);
    assert_eq!(responses.len(), 1);
    assert_eq!(responses[0].status, 408);
    assert_eq!(responses[0].header("connection"), Some("close"));
}

/// The header deadline counts from the first byte: trickling bytes does not
/// extend it (slowloris).
#[test]
fn trickling_a_head_does_not_extend_the_header_deadline() {
    let server = TestServer::echo(Config { header_timeout: Duration::from_millis(300), ..patient_config() });
    let mut stream = connect(server.addr);
    stream.set_nonblocking(true).unwrap();
    stream.write_all(b"GET / HTTP/1.1\r\nHost: example.test\r\nX-Slow: ").unwrap();
    // One byte every 20 ms: the server must answer while bytes still come
    // (if each byte extended the deadline, it would only answer once they
    // stop). Bounded: at most 1,000 bytes, 20 s, for a 300 ms deadline.
    let mut got = Vec::new();
    let mut answered_while_trickling = false;
    for _ in 0..1_000 {
        match stream.write(b"z") {
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
            Err(_) => {
                answered_while_trickling = true; // the server closed on us
                break;
            }
        }
        let mut piece = [0u8; 4096];
        match stream.read(&mut piece) {
            Ok(n) => {
                got.extend_from_slice(&piece[..n]);
                answered_while_trickling = true;
                break;
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
            Err(_) => {
                answered_while_trickling = true;
                break;
            }
        }
        std::thread::sleep(Duration::from_millis(20)); // pacing the trickle, not waiting
    }
    assert!(answered_while_trickling, "each byte extended the header deadline");
    stream.set_nonblocking(false).unwrap();
    got.extend(read_to_close(&mut stream));
    let responses = parse_responses(&got, &[false]);
    assert_eq!(responses.len(), 1);
    assert_eq!(responses[0].status, 408);
}

#[test]
fn a_body_that_stops_coming_gets_408() {
    let server = TestServer::echo(Config { body_timeout: SHORT, ..patient_config() });
    let mut stream = connect(server.addr);
    stream.write_all(b"POST / HTTP/1.1\r\nHost: example.test\r\nContent-Length: 10\r\n\r\nhello").unwrap();
    let responses = parse_responses(&read_to_close(&mut stream), &[false]);
    assert_eq!(responses.len(), 1);
    assert_eq!(responses[0].status, 408);
}

#[test]
fn an_idle_keep_alive_connection_is_closed() {
    let server = TestServer::echo(Config { keepalive_timeout: SHORT, ..patient_config() });
    let mut stream = connect(server.addr);
    stream.write_all(&get("/once")).unwrap();
    let mut reader = BufReader::new(&stream);
    let response = read_response(&mut reader, false).unwrap().expect("a response");
    assert_eq!(response.status, 200);
    assert!(response.header("connection").is_none(), "kept alive at first");
    // Then nothing: the server closes, without a word.
    let mut rest = Vec::new();
    reader.read_to_end(&mut rest).expect("an EOF, not a read timeout");
    assert!(rest.is_empty(), "bytes after the response: {rest:?}");
}

#[test]
fn a_connection_that_never_sends_a_byte_is_closed() {
    let server = TestServer::echo(Config { header_timeout: SHORT, ..patient_config() });
    let mut stream = connect(server.addr);
    assert!(read_to_close(&mut stream).is_empty());
}

// ---------------------------------------------------------------- backpressure

/// Serves `/big/N` like the echo handler, counting what the outbox accepted,
/// and reporting when the response is finished or the client is gone.
struct CountingBig {
    produced: Arc<AtomicU64>,
    progress: Mutex<Sender<Progress>>,
}

#[derive(Debug, PartialEq)]
enum Progress {
    Megabyte,
    Finished,
    ClientGone,
}

impl CountingBig {
    fn new() -> (Arc<Self>, Arc<AtomicU64>, Receiver<Progress>) {
        let produced = Arc::new(AtomicU64::new(0));
        let (tx, rx) = mpsc::channel();
        let handler = Arc::new(CountingBig { produced: Arc::clone(&produced), progress: Mutex::new(tx) });
        (handler, produced, rx)
    }

    fn report(&self, progress: Progress) {
        let _ = self.progress.lock().unwrap().send(progress);
    }
}

impl Handler for CountingBig {
    fn handle(&self, request: Request, mut response: Responder) {
        let Some(size) = request.head.path.strip_prefix(b"/big/") else {
            return EchoHandler.handle(request, response);
        };
        let size: u64 = String::from_utf8_lossy(size).parse().unwrap();
        response.start(ResponseHead::new(200, "OK").header("Content-Length", size.to_string()));
        let piece = vec![b'x'; 64 * 1024];
        let mut left = size;
        while left > 0 {
            let n = left.min(piece.len() as u64) as usize;
            if response.send_body(&piece[..n]).is_err() {
                return self.report(Progress::ClientGone);
            }
            let before = self.produced.fetch_add(n as u64, Ordering::SeqCst);
            if (before + n as u64) >> 20 > before >> 20 {
                self.report(Progress::Megabyte);
            }
            left -= n as u64;
        }
        let _ = response.finish();
        self.report(Progress::Finished);
    }
}

const BIG: u64 = 50_000_000;

/// How the handler's response ended (skipping progress reports), within [`PATIENCE`].
fn outcome(progress: &Receiver<Progress>) -> Progress {
    loop {
        match progress.recv_timeout(PATIENCE).expect("the handler neither finished nor gave up") {
            Progress::Megabyte => continue,
            other => return other,
        }
    }
}

/// The most a sending and a receiving TCP socket buffer can hold together
/// (Linux autotuning maxima), or a generous guess elsewhere.
fn kernel_socket_buffers() -> u64 {
    let max =
        |file: &str| -> Option<u64> { std::fs::read_to_string(file).ok()?.split_whitespace().nth(2)?.parse().ok() };
    match (max("/proc/sys/net/ipv4/tcp_wmem"), max("/proc/sys/net/ipv4/tcp_rmem")) {
        (Some(send), Some(receive)) => send + receive,
        _ => 16 * 1024 * 1024,
    }
}

/// A client that never reads a 50 MB response holds up neither the server
/// nor its memory: the handler is paused by backpressure, others are served,
/// and the whole body still arrives intact once the client reads.
#[test]
fn a_client_that_does_not_read_pauses_its_handler_and_nobody_else() {
    let (handler, produced, progress) = CountingBig::new();
    let server = TestServer::start(patient_config(), handler);
    let mut slow = connect(server.addr);
    slow.write_all(format!("GET /big/{BIG} HTTP/1.1\r\nHost: example.test\r\n\r\n").as_bytes()).unwrap();
    let head = read_head(&slow);
    assert!(head.starts_with("HTTP/1.1 200 OK\r\n"), "{head}");
    assert!(head.contains(&format!("Content-Length: {BIG}\r\n")), "{head}");

    // Others are served while the slow client's handler is stuck.
    for round in 0..5 {
        let mut other = connect(server.addr);
        other.write_all(&get(&format!("/other/{round}"))).unwrap();
        let response = read_response(&mut BufReader::new(&other), false).unwrap().unwrap();
        assert_eq!(response.echo("path"), Some(format!("/other/{round}")));
    }

    // Wait until the handler stops making progress (no new megabyte for a
    // while). On a slow machine this may stop waiting too early, which can
    // only make the check below pass, never fail.
    for _ in 0..1000 {
        match progress.recv_timeout(Duration::from_millis(300)) {
            Ok(Progress::Megabyte) => continue,
            Ok(other) => panic!("the handler did not block: {other:?}"),
            Err(RecvTimeoutError::Timeout) => break,
            Err(RecvTimeoutError::Disconnected) => unreachable!("the handler lives in the server"),
        }
    }
    // What left the handler is bounded by the pending-output cap (256 KiB in
    // the outbox, as much in the write queue, a 64 KiB piece each) plus what
    // the kernel's socket buffers hold; nowhere near the 50 MB it wants to send.
    let bound = kernel_socket_buffers() + 4 * 256 * 1024 + 1024 * 1024;
    let stuck_at = produced.load(Ordering::SeqCst);
    assert!(
        stuck_at < bound && stuck_at < BIG / 2,
        "the server took {stuck_at} bytes from a handler whose client reads nothing (bound {bound})"
    );

    // Now read it all: every byte arrives, in order, and the handler finishes.
    let mut body = Vec::with_capacity(BIG as usize);
    (&slow).take(BIG).read_to_end(&mut body).unwrap();
    assert_eq!(body.len() as u64, BIG);
    assert!(body.iter().all(|b| *b == b'x'));
    assert_eq!(outcome(&progress), Progress::Finished);
    assert_eq!(produced.load(Ordering::SeqCst), BIG);
}

/// A client that stops reading for longer than the write timeout is dropped,
/// and the paused handler learns it (instead of waiting forever).
#[test]
fn a_client_that_stops_reading_is_dropped_after_the_write_timeout() {
    let (handler, _, progress) = CountingBig::new();
    let server = TestServer::start(Config { write_timeout: SHORT, ..patient_config() }, handler);
    let mut slow = connect(server.addr);
    slow.write_all(format!("GET /big/{BIG} HTTP/1.1\r\nHost: example.test\r\n\r\n").as_bytes()).unwrap();
    let head = read_head(&slow);
    assert!(head.starts_with("HTTP/1.1 200 OK\r\n"), "{head}");
    assert_eq!(outcome(&progress), Progress::ClientGone);
    // What was already in flight drains, then the connection ends early.
    let (rest, _reset) = crate::common::read_to_close_or_reset(&mut slow);
    assert!((rest.len() as u64) < BIG, "the whole body arrived after the server gave up");
}

// ---------------------------------------------------------------- stopping

/// Holds requests for `/gated/...` until the test opens the gate, then
/// answers them as the echo handler would answer `/...`.
struct Gated {
    entered: Mutex<Sender<()>>,
    gate: Mutex<Receiver<()>>,
}

impl Gated {
    fn new() -> (Arc<Self>, Receiver<()>, Sender<()>) {
        let (entered_tx, entered_rx) = mpsc::channel();
        let (gate_tx, gate_rx) = mpsc::channel();
        (Arc::new(Gated { entered: Mutex::new(entered_tx), gate: Mutex::new(gate_rx) }), entered_rx, gate_tx)
    }
}

impl Handler for Gated {
    fn handle(&self, mut request: Request, response: Responder) {
        if let Some(rest) = request.head.path.strip_prefix(b"/gated") {
            request.head.path = rest.to_vec();
            let _ = self.entered.lock().unwrap().send(());
            let _ = self.gate.lock().unwrap().recv_timeout(PATIENCE);
        }
        EchoHandler.handle(request, response)
    }
}

#[test]
fn stop_closes_idle_connections_at_once_and_finishes_the_request_in_flight() {
    let (handler, entered, gate) = Gated::new();
    let server = TestServer::start(patient_config(), handler);
    let addr = server.addr;

    // An idle keep-alive connection, and one that never sent a byte.
    let mut idle = connect(addr);
    idle.write_all(&get("/before")).unwrap();
    let mut idle_reader = BufReader::new(idle.try_clone().unwrap());
    assert_eq!(read_response(&mut idle_reader, false).unwrap().unwrap().status, 200);
    let mut silent = connect(addr);
    // A request in flight: its handler is inside, behind the gate.
    let mut busy = connect(addr);
    busy.write_all(&get("/gated/stream")).unwrap();
    entered.recv_timeout(PATIENCE).expect("the gated request reached the handler");

    let stop = server.stop_handle();
    stop.stop();

    // Idle connections close at once (every timeout here is an hour).
    let mut rest = Vec::new();
    idle_reader.read_to_end(&mut rest).expect("EOF on the idle connection");
    assert!(rest.is_empty());
    assert!(read_to_close(&mut silent).is_empty());

    // The request in flight finishes, streamed, and then the connection closes.
    gate.send(()).unwrap();
    let responses = parse_responses(&read_to_close(&mut busy), &[false]);
    assert_eq!(responses.len(), 1);
    assert_eq!(responses[0].status, 200);
    assert_eq!(responses[0].header("transfer-encoding"), Some("chunked"));
    assert_eq!(responses[0].header("connection"), Some("close"), "no keep-alive while stopping");
    assert_eq!(responses[0].body_text(), "one\ntwo\nthree\n");

    // With no connection left, the loop returns; new clients are refused.
    server.stop();
    assert!(TcpStream::connect(addr).is_err(), "still accepting after stop");
}

#[test]
fn stop_gives_up_on_a_request_still_running_at_the_graceful_deadline() {
    let (handler, entered, gate) = Gated::new();
    let server = TestServer::start(Config { graceful_timeout: SHORT, ..patient_config() }, handler);
    let mut busy = connect(server.addr);
    busy.write_all(&get("/gated/stream")).unwrap();
    entered.recv_timeout(PATIENCE).expect("the gated request reached the handler");
    server.stop_handle().stop();
    // The deadline passes with the handler still behind the gate: the
    // connection is closed without a response and the loop returns.
    assert!(read_to_close(&mut busy).is_empty());
    server.stop();
    gate.send(()).ok(); // let the worker go; its client is long gone
}

#[test]
fn stop_now_closes_everything_at_once() {
    let (handler, entered, gate) = Gated::new();
    let server = TestServer::start(patient_config(), handler);
    let mut busy = connect(server.addr);
    busy.write_all(&get("/gated/stream")).unwrap();
    entered.recv_timeout(PATIENCE).expect("the gated request reached the handler");
    server.stop_handle().stop_now();
    assert!(read_to_close(&mut busy).is_empty());
    server.stop();
    gate.send(()).ok();
}
