//! The tests of chapter 12, shared by the reference and your exercise.
//!
//! Snapshots live in `tests/snapshots/`, recorded from the reference.
//! `cargo run -p course -- check 12` runs them against `exercise/worker.rs`.

use std::ffi::CString;
use std::fmt::Write as _;
use std::fs::File;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::fd::FromRawFd;
use std::sync::mpsc;
use std::sync::Mutex;
use std::thread;
use std::time::Duration;

use ch12_mio_meets_python::python;
use ch12_mio_meets_python::request::{parse_request, Parse};
use ch12_mio_meets_python::worker::{worker_loop, Job};
use mio::{Events, Poll, Token, Waker};
use pyo3::prelude::*;
use pyo3::types::PyModule;

/// Shows raw HTTP bytes with every `\r\n` made visible.
fn raw(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).replace("\r\n", "\\r\\n\n")
}

/// Runs `f` attached to the interpreter, started once for the whole process.
fn with_python<R>(f: impl for<'py> FnOnce(Python<'py>) -> R) -> R {
    python::init();
    Python::attach(f)
}

/// The `application` of a module made from source text.
fn app_from(name: &str, code: &str) -> Py<PyAny> {
    with_python(|py| {
        let code = CString::new(code).unwrap();
        let file = CString::new(format!("{name}.py")).unwrap();
        let module_name = CString::new(name).unwrap();
        let module = PyModule::from_code(py, &code, &file, &module_name).unwrap();
        module.getattr("application").unwrap().unbind()
    })
}

const ECHO: &str = r#"
def application(environ, start_response):
    path = environ["PATH_INFO"]
    if path == "/fail-early":
        raise RuntimeError("broken before the head")
    if path == "/fail-late":
        start_response("200 OK", [("Content-Type", "text/plain")])
        yield b"half a body"
        raise RuntimeError("broken in the middle")
    body = f"{environ['REQUEST_METHOD']} {path}\n".encode()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    yield body
"#;

fn job(token: usize, bytes: &[u8]) -> Job {
    let peer: SocketAddr = "127.0.0.1:50000".parse().unwrap();
    let local: SocketAddr = "127.0.0.1:7878".parse().unwrap();
    match parse_request(bytes, peer, local) {
        Parse::Complete(request, _) => {
            let keep_alive = ch12_mio_meets_python::request::wants_keep_alive(&request.head);
            Job {
                token: Token(token),
                request,
                keep_alive,
            }
        }
        other => panic!("not a whole request: {other:?}"),
    }
}

#[test]
fn a_worker_runs_jobs_sends_results_and_wakes_the_loop() {
    let app = app_from("echo", ECHO);
    let mut poll = Poll::new().unwrap();
    let waker = Waker::new(poll.registry(), Token(1)).unwrap();
    let (jobs_in, jobs_out) = mpsc::channel();
    let (done_in, done_out) = mpsc::channel();
    for (token, bytes) in [
        (7, &b"GET /hello HTTP/1.1\r\nHost: t\r\n\r\n"[..]),
        (8, b"POST /fail-early HTTP/1.1\r\nHost: t\r\n\r\n"),
        (9, b"GET /fail-late HTTP/1.1\r\nHost: t\r\n\r\n"),
        (10, b"GET /old HTTP/1.0\r\n\r\n"),
    ] {
        jobs_in.send(job(token, bytes)).unwrap();
    }
    // No more jobs: the worker must return once the queue is empty.
    drop(jobs_in);
    // Run the worker right here, on the test's thread (not attached).
    let ran = worker_loop(&Mutex::new(jobs_out), &done_in, &waker, &app);

    let mut report = format!("the worker ran {ran} jobs and returned\n");
    let mut events = Events::with_capacity(8);
    poll.poll(&mut events, Some(Duration::ZERO)).unwrap();
    let woken = events.iter().any(|e| e.token() == Token(1));
    writeln!(report, "the loop's waker fired: {woken}\n").unwrap();
    while let Ok(finished) = done_out.try_recv() {
        writeln!(
            report,
            "== {:?}: {:?}, keep-alive {}\n{}\n",
            finished.token,
            finished.outcome,
            finished.keep_alive,
            raw(&finished.bytes)
        )
        .unwrap();
    }
    insta::assert_snapshot!("ch12_worker", report);
}

#[test]
fn a_worker_waiting_for_jobs_leaves_python_to_others() {
    let app = app_from("echo_waiting", ECHO);
    let poll = Poll::new().unwrap();
    let waker = Waker::new(poll.registry(), Token(1)).unwrap();
    let (jobs_in, jobs_out) = mpsc::channel();
    let (done_in, done_out) = mpsc::channel();
    let worker = thread::spawn(move || worker_loop(&Mutex::new(jobs_out), &done_in, &waker, &app));
    jobs_in
        .send(job(7, b"GET /first HTTP/1.1\r\nHost: t\r\n\r\n"))
        .unwrap();
    let first = done_out
        .recv_timeout(Duration::from_secs(30))
        .expect("the worker sends back its first job's response");
    // The worker is now waiting for a second job. Another thread wants to
    // run Python: it must get the GIL (a guard timeout reports it if not).
    let (answer_in, answer_out) = mpsc::channel();
    thread::spawn(move || {
        let sum = Python::attach(|py| py.eval(c"20 + 22", None, None)?.extract::<i32>());
        let _ = answer_in.send(sum.map_err(|e| e.to_string()));
    });
    let other = answer_out
        .recv_timeout(Duration::from_secs(30))
        .map_err(|_| "no: the GIL stayed taken while the worker waited".to_string());
    // Closing the jobs channel stops the worker (and frees the GIL if it had it).
    drop(jobs_in);
    let ran = worker.join().expect("the worker thread panicked");
    insta::assert_snapshot!(
        "ch12_waiting_worker",
        format!(
            "first job: {:?} {:?}\nanother thread ran Python while the worker waited: {:?}\nthe worker ran {ran} job(s), then returned",
            first.token, first.outcome, other.and_then(|r| r)
        )
    );
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

fn read_all(stream: &mut TcpStream) -> String {
    let mut response = Vec::new();
    stream
        .read_to_end(&mut response)
        .expect("reading the answer (a 30 s guard timeout protects against hangs)");
    raw(&response)
}

/// `/slow` blocks its worker until the test writes a byte into a pipe (or
/// 30 seconds pass, a guard against hanging forever). Waiting in `select`
/// releases the GIL, as blocking calls in Python do. The test releases it
/// without touching Python.
const BLOCKING: &str = r#"
import os, select

release_read, release_write = os.pipe()

def application(environ, start_response):
    if environ["PATH_INFO"] == "/slow":
        ready, _, _ = select.select([release_read], [], [], 30)
        if ready:
            body = b"slow: answered after the fast request\n"
        else:
            body = b"slow: the fast request was never answered\n"
    else:
        body = b"fast: answered while /slow was blocked\n"
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]
"#;

#[test]
fn a_blocking_app_does_not_block_other_connections() {
    let app = app_from("blocking", BLOCKING);
    let release: i32 = with_python(|py| {
        let module = py.import("blocking").unwrap();
        module.getattr("release_write").unwrap().extract().unwrap()
    });
    // SAFETY: the pipe's write end is ours from now on; Python never uses it.
    let mut release = unsafe { File::from_raw_fd(release) };
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let server =
        thread::spawn(move || ch12_mio_meets_python::run(listener, app, 2, Some(2), false));

    let mut slow = connect(addr);
    slow.write_all(b"GET /slow HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut fast = connect(addr);
    fast.write_all(b"GET /fast HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
        .unwrap();
    // While /slow is blocked in its worker, /fast must be answered.
    let fast_answer = read_all(&mut fast);
    // Now release /slow.
    release.write_all(b"go").unwrap();
    let slow_answer = read_all(&mut slow);

    insta::assert_snapshot!(
        "ch12_blocking",
        format!("fast client:\n{fast_answer}\n\nslow client:\n{slow_answer}")
    );
    assert_eq!(server.join().expect("server thread panicked").unwrap(), 2);
}

#[test]
fn keep_alive_pipelining_and_refusals_over_tcp() {
    let app = app_from("echo_tcp", ECHO);
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let server =
        thread::spawn(move || ch12_mio_meets_python::run(listener, app, 1, Some(3), false));

    // Two requests in one write: the second waits in the read buffer
    // until the first is answered, then gets its turn.
    let mut pipelined = connect(addr);
    pipelined
        .write_all(
            b"GET /one HTTP/1.1\r\nHost: t\r\n\r\n\
              POST /two HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\nConnection: close\r\n\r\nbody",
        )
        .unwrap();
    let pipelined_answer = read_all(&mut pipelined);

    // Refused by the loop itself: no worker is involved.
    let mut chunked = connect(addr);
    chunked
        .write_all(b"POST /up HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n")
        .unwrap();
    let chunked_answer = read_all(&mut chunked);

    // A response cut in the middle closes the connection, even with keep-alive.
    let mut broken = connect(addr);
    broken
        .write_all(b"GET /fail-late HTTP/1.1\r\nHost: t\r\n\r\n")
        .unwrap();
    let broken_answer = read_all(&mut broken);

    insta::assert_snapshot!(
        "ch12_over_tcp",
        format!(
            "pipelined, one connection:\n{pipelined_answer}\n\n\
             chunked upload:\n{chunked_answer}\n\n\
             failing in the middle:\n{broken_answer}"
        )
    );
    assert_eq!(server.join().expect("server thread panicked").unwrap(), 3);
}
