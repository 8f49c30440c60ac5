//! Reliability (issue 9), the fast and deterministic parts: the long runs are
//! the scripts in `tests/reliability/` (`run.sh`), and these tests pin down
//! what those runs depend on, against the real binary.
//!
//! | test | what it proves |
//! |---|---|
//! | clients vanishing mid-request | the app is never called, no fd is left |
//! | clients vanishing mid-response | every body's `close()` is called (FIN or RST), no fd is left |
//! | fault apps, many times | 500s and cut connections, no fd left, the same process serves on |
//! | `--spool-threshold` | a body of exactly the threshold stays in memory, one byte more is spooled (both framings) |
//! | `--header-timeout`, `--keepalive` | a trickled head gets a 408 at the deadline (trickling does not extend it), an idle connection is closed |
//! | `os._exit` with `--workers 2` | the dying worker's request gets no answer, the other worker's connection is untouched, a new worker answers |
//! | TERM with a request in flight | new clients are refused at once, the request in flight still gets its answer |
//!
//! They serve `tests/reliability/apps.py`, which counts app calls and
//! `close()` calls and reports its own open fds (`/stats`). Every wait is a
//! bounded loop or a read with [`PATIENCE`]; nothing sleeps to make a test pass.

use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::time::{Duration, Instant};

use end_to_end_tests::{crc32, repo_root, Conn, Json, ServerBuilder, WsgiServer, PATIENCE};

fn app() -> ServerBuilder {
    ServerBuilder::new("apps:application", repo_root().join("tests").join("reliability"))
}

/// `/stats` of the app (on a connection the server closes): calls, created,
/// closed, fds, pid. `query` may ask it to wait: `closed=N&timeout=S`.
fn stats(server: &WsgiServer, query: &str) -> Json {
    let response = server.request("GET", &format!("/stats?{query}"), &[("Connection", "close")], b"");
    assert_eq!(response.status, 200, "{}", response.text());
    response.json()
}

fn number(json: &Json, key: &str) -> u64 {
    json[key].as_f64().unwrap_or_else(|| panic!("no number {key:?} in {json}")) as u64
}

/// The server process's open fds once it is idle: the least of a few
/// readings (a connection the client just closed may not be closed yet).
fn idle_fds(server: &WsgiServer) -> u64 {
    (0..5)
        .map(|_| {
            std::thread::sleep(Duration::from_millis(50));
            number(&stats(server, ""), "fds")
        })
        .min()
        .unwrap()
}

/// Waits (at most 100 readings, 10 s) until the open fds are back to `baseline`.
fn assert_fds_back(server: &WsgiServer, baseline: u64, after: &str) {
    let mut now = 0;
    for _ in 0..100 {
        now = number(&stats(server, ""), "fds");
        if now <= baseline {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("after {after}: {now} fds open, {baseline} before (a leak)");
}

// ------------------------------------------------------------- disconnects

#[test]
fn clients_vanishing_mid_request_never_reach_the_app_and_leave_no_fd() {
    let server = app().start();
    let baseline = idle_fds(&server);
    let requests: [&[u8]; 3] = [
        b"GET /stream HTTP/1.1\r\nHost: x\r\nX-Half: ",
        b"POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 1048576\r\n\r\nonly this much",
        b"POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n4000\r\nnot 16 KiB",
    ];
    for round in 0..10 {
        for request in requests {
            let mut stream = TcpStream::connect(server.addr).unwrap();
            stream.write_all(request).unwrap();
            if round % 2 == 0 {
                let _ = stream.shutdown(Shutdown::Both);
            }
            drop(stream);
        }
    }
    assert_fds_back(&server, baseline, "30 clients vanished mid-request");
    let after = stats(&server, "");
    assert_eq!(number(&after, "calls"), 0, "a cut request reached the app: {after}");
    // And the server is fine.
    assert_eq!(server.get("/hello").text(), "Hello, world!");
}

#[test]
fn clients_vanishing_mid_response_get_every_body_closed_and_leave_no_fd() {
    let server = app().start();
    let baseline = idle_fds(&server);
    let mut vanished = 0;
    for round in 0..6 {
        // A big stream read a little, then gone. Closing with unread data
        // sends an RST; half of the rounds send a FIN first (shutdown).
        let mut conn = TcpStream::connect(server.addr).unwrap();
        conn.set_read_timeout(Some(PATIENCE)).unwrap();
        conn.write_all(b"GET /big?mb=64 HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
        let mut first = [0u8; 1024];
        assert!(conn.read(&mut first).unwrap() > 0, "the stream must start");
        if round % 2 == 0 {
            let _ = conn.shutdown(Shutdown::Write);
        }
        drop(conn);
        // A request sent, the client gone before any answer.
        let mut conn = TcpStream::connect(server.addr).unwrap();
        conn.write_all(b"GET /stream?n=1000&size=65536 HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
        drop(conn);
        vanished += 2;
    }
    // The client leaves while the app is still running.
    let mut conn = TcpStream::connect(server.addr).unwrap();
    conn.write_all(b"GET /slow?ms=300 HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    drop(conn);
    vanished += 1;

    // Every body the app returned is closed (the server may still be finding
    // out that some clients left: wait, bounded, on the app's condition).
    let mut after = stats(&server, "");
    for _ in 0..20 {
        after = stats(&server, &format!("closed={}&timeout=1", number(&after, "created")));
        if number(&after, "calls") == vanished && number(&after, "closed") == number(&after, "created") {
            break;
        }
    }
    assert_eq!(number(&after, "closed"), number(&after, "created"), "a body was never closed: {after}");
    assert!(number(&after, "created") >= 12, "the streams were created: {after}");
    assert_fds_back(&server, baseline, "13 clients vanished mid-response");
    assert_eq!(server.get("/hello").text(), "Hello, world!");
}

// ------------------------------------------------------------------ faults

#[test]
fn faults_many_times_leave_no_fd_and_the_same_process_serves_on() {
    let server = app().start();
    let pid = server.get("/pid").text();
    let baseline = idle_fds(&server);
    for _ in 0..25 {
        for path in ["/error", "/str", "/no-start"] {
            let response = server.request("GET", path, &[("Connection", "close")], b"");
            assert_eq!(response.status, 500, "{path}: {}", response.text());
        }
        // Headers and a first chunk went out: the connection is cut, no 500.
        let mut conn = server.connect();
        conn.send(b"GET /gen-raise HTTP/1.1\r\nHost: x\r\n\r\n");
        let (bytes, _) = conn.read_to_close();
        let text = String::from_utf8_lossy(&bytes);
        assert!(text.starts_with("HTTP/1.1 200 OK\r\n") && text.ends_with("partial\n\r\n"), "{text:?}");
    }
    let after = stats(&server, "closed=25&timeout=10");
    assert_eq!(number(&after, "closed"), 25, "every /gen-raise generator closed: {after}");
    assert_fds_back(&server, baseline, "100 faults");
    assert_eq!(server.get("/pid").text(), pid, "the same process serves on");
    let log = server.stop();
    assert!(log.contains("raised half-way through the body (on purpose)"), "{log}");
}

// ---------------------------------------------------------------- spooling

/// POSTs `size` bytes to /upload (chunked in 1000-byte pieces, or with a
/// Content-Length); returns the app's answer after checking length and CRC.
fn upload(server: &WsgiServer, size: usize, chunked: bool) -> Json {
    let body: Vec<u8> = (0..size).map(|i| (i % 251) as u8).collect();
    let response = if chunked {
        let pieces: Vec<&[u8]> = body.chunks(1000).collect();
        server.request_chunked("POST", "/upload", &[], &pieces)
    } else {
        server.request("POST", "/upload", &[], &body)
    };
    let report = response.json();
    assert_eq!(number(&report, "length"), size as u64, "{report}");
    assert_eq!(number(&report, "crc32"), u64::from(crc32(&body)), "{report}");
    report
}

#[test]
fn spool_threshold_is_exact_for_both_framings() {
    let server = app().arg("--spool-threshold").arg("4096").start();
    let baseline = idle_fds(&server);
    for chunked in [false, true] {
        let at = upload(&server, 4096, chunked);
        assert_eq!(number(&at, "spooled"), 0, "exactly the threshold stays in memory (chunked: {chunked}): {at}");
        let over = upload(&server, 4097, chunked);
        assert_eq!(number(&over, "spooled"), 1, "one byte more is spooled (chunked: {chunked}): {over}");
        let big = upload(&server, 3 * 1024 * 1024, chunked);
        assert_eq!(number(&big, "spooled"), 1, "{big}");
    }
    // The temporary files are gone with their requests.
    assert_fds_back(&server, baseline, "spooled uploads");
}

// --------------------------------------------------------------- deadlines

#[test]
fn a_trickled_head_gets_408_at_the_header_deadline_and_idle_connections_close() {
    let server = app().arg("--header-timeout").arg("0.5").arg("--keepalive").arg("0.5").start();
    let mut stream = TcpStream::connect(server.addr).unwrap();
    stream.set_read_timeout(Some(PATIENCE)).unwrap();
    let started = Instant::now();
    stream.write_all(b"GET /hello HTTP/1.1\r\n").unwrap();
    // One header line every 100 ms, for at most 10 s: if trickling extended
    // the deadline, the server would answer only after all of them.
    let mut writer = stream.try_clone().unwrap();
    let trickler = std::thread::spawn(move || {
        for i in 0..100 {
            std::thread::sleep(Duration::from_millis(100));
            if writer.write_all(format!("X-Trickle-{i}: y\r\n").as_bytes()).is_err() {
                return i;
            }
        }
        100
    });
    // Meanwhile a normal client is served at once.
    assert_eq!(server.get("/hello").text(), "Hello, world!");
    let mut answer = Vec::new();
    let _ = (&stream).read_to_end(&mut answer);
    let elapsed = started.elapsed();
    let text = String::from_utf8_lossy(&answer);
    assert!(text.starts_with("HTTP/1.1 408 "), "a 408 before the close: {text:?}");
    assert!(elapsed >= Duration::from_millis(450), "closed before the deadline: {elapsed:?}");
    assert!(elapsed < Duration::from_secs(8), "trickling extended the header deadline: {elapsed:?}");
    drop(stream);
    let _ = trickler.join();

    // An idle keep-alive connection is closed after --keepalive.
    let mut conn = Conn::open(server.addr);
    conn.send(b"GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_eq!(conn.read_response(false).text(), "Hello, world!");
    let idle = Instant::now();
    assert!(conn.is_closed_by_server(), "the idle connection must be closed");
    assert!(idle.elapsed() >= Duration::from_millis(400), "closed too early: {:?}", idle.elapsed());
}

// ----------------------------------------------------------------- workers

/// Opens keep-alive connections until two are served by different workers;
/// returns them with their workers' pids. The connections come in bursts of
/// ten, opened at once: which worker accepts a connection is a race between
/// their loops, and one at a time, on a busy machine, the worker that has
/// just answered tends to win it every time (its thread is the one running).
fn one_connection_per_worker(server: &WsgiServer) -> [(Conn, String); 2] {
    let mut first: Option<(Conn, String)> = None;
    let mut spare = Vec::new();
    for _burst in 0..30 {
        let burst: Vec<Conn> = (0..10).map(|_| server.connect()).collect();
        for mut conn in burst {
            conn.send(b"GET /pid HTTP/1.1\r\nHost: x\r\n\r\n");
            let pid = conn.read_response(false).text();
            match &first {
                None => first = Some((conn, pid)),
                Some((_, p)) if *p != pid => return [first.unwrap(), (conn, pid)],
                Some(_) => spare.push(conn), // kept open
            }
        }
    }
    panic!("300 connections all went to one worker");
}

#[test]
fn os_exit_in_a_worker_spares_the_other_and_the_worker_is_replaced() {
    let server = app().arg("--workers").arg("2").arg("--threads").arg("2").start();
    let [(mut dying, victim), (mut other, survivor)] = one_connection_per_worker(&server);

    dying.send(b"GET /exit HTTP/1.1\r\nHost: x\r\n\r\n");
    assert!(dying.try_read_response(false).is_err(), "a worker that called os._exit cannot answer");

    // The other worker's connection is untouched.
    for _ in 0..3 {
        other.send(b"GET /pid HTTP/1.1\r\nHost: x\r\n\r\n");
        assert_eq!(other.read_response(false).text(), survivor);
    }
    // A new worker appears (it starts Python first: asked every 10 ms, at
    // most 3000 times), and no request in between fails (read_response
    // panics on a cut response).
    let mut replacement = None;
    for _ in 0..3000 {
        let pid = server.request("GET", "/pid", &[("Connection", "close")], b"").text();
        if pid != victim && pid != survivor {
            replacement = Some(pid);
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(replacement.is_some(), "no new worker answered after {victim} exited");
    server.wait_log(&format!("worker {victim} exited (status 1); starting another"));
}

/// The master's pid: the parent of the worker that answers /pid.
fn master_pid(server: &WsgiServer) -> String {
    let worker = server.get("/pid").text();
    let stat = std::fs::read_to_string(format!("/proc/{worker}/stat")).unwrap();
    stat.rsplit(')').next().unwrap().split_whitespace().nth(1).unwrap().to_string()
}

#[test]
#[cfg(target_os = "linux")]
fn after_term_new_clients_are_refused_while_the_request_in_flight_finishes() {
    let server = app().arg("--workers").arg("1").start();
    let master = master_pid(&server);
    let addr = server.addr;
    let in_flight = std::thread::spawn(move || {
        let mut conn = Conn::open(addr);
        conn.send(b"GET /slow?ms=3000 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        conn.read_response(false)
    });
    // Bounded wait until the slow request is inside the app (/pid and
    // /stats are not counted as calls; /slow is).
    let entered = (0..500).any(|_| {
        std::thread::sleep(Duration::from_millis(10));
        number(&stats(&server, ""), "calls") == 1
    });
    assert!(entered, "the slow request never reached the app");
    let signalled = Instant::now();
    let status = std::process::Command::new("kill").arg("-TERM").arg(&master).status().unwrap();
    assert!(status.success());
    // Within the 3 s the request still runs, new clients must be refused
    // (not left in a backlog nobody accepts from, then reset at the exit).
    let mut refused = false;
    while signalled.elapsed() < Duration::from_millis(2500) {
        match TcpStream::connect(addr) {
            Err(e) if e.kind() == ErrorKind::ConnectionRefused => {
                refused = true;
                break;
            }
            Err(e) => panic!("connect after TERM: {e}"),
            Ok(stream) => drop(stream),
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let response = in_flight.join().expect("the in-flight client");
    assert!(refused, "2.5 s after TERM a new connection was still accepted by the kernel");
    assert_eq!((response.status, response.text().as_str()), (200, "slept"), "the request in flight finishes");
    server.stop();
}
