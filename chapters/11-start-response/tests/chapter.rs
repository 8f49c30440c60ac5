//! The tests of chapter 11, shared by the reference and your exercise.
//!
//! Snapshots live in `tests/snapshots/`, recorded from the reference.
//! `cargo run -p course -- check 11` runs them against
//! `exercise/start_response.rs`.
//!
//! Well-behaved applications run inside `wsgiref.validate.validator`, the
//! standard library's PEP 3333 checker: it wraps the application, the
//! `start_response` we pass, `write()` and the returned iterable, and raises
//! at the first broken rule on either side. Its warnings are made errors,
//! and a body iterable that is never closed is reported too.

use std::ffi::CString;
use std::fmt::Write as _;
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Once};
use std::thread;
use std::time::Duration;

use ch11_start_response::environ::build_environ;
use ch11_start_response::gateway::{run_app, Outcome};
use ch11_start_response::python::{self, load_app};
use ch11_start_response::request::read_request;
use ch11_start_response::response::ResponseState;
use pyo3::prelude::*;
use pyo3::types::PyModule;

/// Shows raw HTTP bytes with every `\r\n` made visible.
fn raw(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).replace("\r\n", "\\r\\n\n")
}

/// Strictness for the whole test process: validator warnings are errors,
/// and "exceptions ignored" (such as the validator's complaint that an
/// iterable was never closed) are collected in `checks.complaints`.
const CHECKS: &str = r#"
import gc, sys, warnings
from wsgiref.validate import WSGIWarning, validator

warnings.simplefilter("error", WSGIWarning)
complaints = []
sys.unraisablehook = lambda u: complaints.append(f"{u.exc_type.__name__}: {u.exc_value}")

def complaints_so_far():
    gc.collect()
    return list(complaints)
"#;

fn module<'py>(py: Python<'py>, name: &str, code: &str) -> Bound<'py, PyModule> {
    let code = CString::new(code).unwrap();
    let file = CString::new(format!("{name}.py")).unwrap();
    let name = CString::new(name).unwrap();
    PyModule::from_code(py, &code, &file, &name).expect("the test module compiles")
}

/// Runs `f` attached to the interpreter, started once for the whole process.
fn with_python<R>(f: impl for<'py> FnOnce(Python<'py>) -> R) -> R {
    static CHECKS_ON: Once = Once::new();
    python::init();
    CHECKS_ON.call_once(|| Python::attach(|py| drop(module(py, "checks", CHECKS))));
    Python::attach(f)
}

/// `app` wrapped in `wsgiref.validate.validator`.
fn validated<'py>(app: &Bound<'py, PyAny>) -> Bound<'py, PyAny> {
    let py = app.py();
    let validator = py.import("checks").unwrap().getattr("validator").unwrap();
    validator.call1((app,)).unwrap()
}

fn complaints(py: Python<'_>) -> Vec<String> {
    let checks = py.import("checks").unwrap();
    checks
        .call_method0("complaints_so_far")
        .unwrap()
        .extract()
        .unwrap()
}

/// Where a response goes in these tests: a buffer we can look at later.
/// It also counts the writes made while holding the GIL, which should be
/// none: a socket write may wait, and nobody must wait holding the GIL.
#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>, Arc<AtomicUsize>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        // SAFETY: PyGILState_Check only reads the current thread's state.
        if unsafe { pyo3::ffi::PyGILState_Check() } == 1 {
            self.1.fetch_add(1, Ordering::SeqCst);
        }
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// A client that hangs up: every write fails.
struct HungUp;

impl Write for HungUp {
    fn write(&mut self, _: &[u8]) -> io::Result<usize> {
        Err(io::ErrorKind::BrokenPipe.into())
    }
    fn flush(&mut self) -> io::Result<()> {
        Err(io::ErrorKind::BrokenPipe.into())
    }
}

/// Serves one `GET /` (HTTP/1.1 unless `http11` is false) with `app`,
/// the way the server does, into a buffer.
fn serve(py: Python<'_>, app: &Bound<'_, PyAny>, http11: bool) -> (Outcome, Vec<u8>) {
    let line: &[u8] = if http11 {
        b"GET / HTTP/1.1\r\nHost: test\r\n\r\n"
    } else {
        b"GET / HTTP/1.0\r\n\r\n"
    };
    let peer: SocketAddr = "127.0.0.1:50000".parse().unwrap();
    let local: SocketAddr = "127.0.0.1:7878".parse().unwrap();
    let request = read_request(&mut &line[..], peer, local).unwrap();
    let capture = Capture::default();
    let state = ResponseState::new(Box::new(capture.clone()), http11, false);
    let environ = build_environ(py, &request).unwrap();
    let outcome = run_app(py, app, environ, &state);
    let bytes = capture.0.lock().unwrap().clone();
    let held = capture.1.load(Ordering::SeqCst);
    assert_eq!(held, 0, "{held} writes to the client were made holding the GIL");
    (outcome, bytes)
}

const APPS: &str = r#"
import sys

def no_length(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"Hello, ", b"", b"chunked world!\n"]

def empty(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return []

def lazy(environ, start_response):
    # A generator: this runs at the first next(), when the server is
    # already iterating. Fine, since the head waits for the first byte.
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "6")])
    yield b""
    yield b"lazy!\n"

def uses_write(environ, start_response):
    write = start_response("200 OK", [("Content-Type", "text/plain")])
    write(b"written, ")
    write(b"")
    return [b"then returned\n"]

def changes_its_mind(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/html")])
    try:
        raise KeyError("no such user")
    except KeyError:
        # Nothing was sent yet: the 500 replaces the 200.
        start_response("500 Internal Server Error", [("Content-Type", "text/plain")], sys.exc_info())
        return [b"sorry, no such user\n"]

def too_late(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    yield b"the first half, "
    try:
        raise ConnectionError("the database went away")
    except ConnectionError:
        # The 200 is on the wire: this call raises the error again.
        start_response("500 Internal Server Error", [], sys.exc_info())
        yield b"never sent"
"#;

#[test]
fn validated_apps_stream_with_lazy_heads() {
    let report = with_python(|py| {
        let apps = module(py, "apps", APPS);
        let hello = load_app(py, "hello:application").unwrap();
        let mut report = String::new();
        let mut run = |name: &str, app: &Bound<'_, PyAny>, http11: bool| {
            let (outcome, bytes) = serve(py, &validated(app), http11);
            let version = if http11 { "HTTP/1.1" } else { "HTTP/1.0" };
            writeln!(
                report,
                "== {name} ({version} client): {outcome:?}\n{}\n",
                raw(&bytes)
            )
            .unwrap();
        };
        run("hello.py", hello.bind(py), true);
        for name in ["no_length", "empty", "lazy", "uses_write"] {
            run(name, &apps.getattr(name).unwrap(), true);
        }
        run("no_length", &apps.getattr("no_length").unwrap(), false);
        writeln!(report, "validator complaints: {:?}", complaints(py)).unwrap();
        report
    });
    insta::assert_snapshot!("ch11_validated_apps", report);
}

#[test]
fn exc_info_replaces_the_head_only_before_it_is_sent() {
    let report = with_python(|py| {
        let apps = module(py, "exc_apps", APPS);
        let mut report = String::new();
        for name in ["changes_its_mind", "too_late"] {
            let (outcome, bytes) = serve(py, &validated(&apps.getattr(name).unwrap()), true);
            writeln!(report, "== {name}: {outcome:?}\n{}\n", raw(&bytes)).unwrap();
        }
        writeln!(report, "validator complaints: {:?}", complaints(py)).unwrap();
        report
    });
    insta::assert_snapshot!("ch11_exc_info", report);
}

const BROKEN_APPS: &str = r#"
def twice(environ, start_response):
    start_response("200 OK", [])
    start_response("404 Not Found", [])
    return [b"which one?"]

def body_before_head(environ, start_response):
    yield b"body first"
    start_response("200 OK", [])

def no_head(environ, start_response):
    return []

def bad_status(environ, start_response):
    start_response("OK", [])
    return [b"no code"]

def header_injection(environ, start_response):
    start_response("200 OK", [("X-Name", "a\r\nSet-Cookie: admin=1")])
    return [b"gotcha"]

def hop_by_hop(environ, start_response):
    start_response("200 OK", [("Connection", "keep-alive")])
    return [b"the server decides that"]

def not_latin1(environ, start_response):
    start_response("200 OK", [("X-City", "\u6771\u4eac")])
    return [b"headers are latin-1"]

def write_str(environ, start_response):
    write = start_response("200 OK", [])
    write("text")
    return []

def yields_str(environ, start_response):
    start_response("200 OK", [])
    return ["text"]

def returns_bytes(environ, start_response):
    start_response("200 OK", [])
    return b"bare bytes"
"#;

#[test]
fn broken_promises_become_500s() {
    let report = with_python(|py| {
        let apps = module(py, "broken_apps", BROKEN_APPS);
        let mut report = String::new();
        for name in [
            "twice",
            "body_before_head",
            "no_head",
            "bad_status",
            "header_injection",
            "hop_by_hop",
            "not_latin1",
            "write_str",
            "yields_str",
            "returns_bytes",
        ] {
            let (outcome, bytes) = serve(py, &apps.getattr(name).unwrap(), true);
            let text = String::from_utf8_lossy(&bytes);
            let first_line = text.lines().next().unwrap_or("(nothing sent)");
            writeln!(report, "{name:>16}: {outcome:?}, {first_line}").unwrap();
        }
        report
    });
    insta::assert_snapshot!("ch11_broken_apps", report);
}

const CLOSING_APPS: &str = r#"
closed = []

class Body:
    def __init__(self, name, fail=False):
        self.name, self.fail = name, fail
    def __iter__(self):
        yield b"one, "
        if self.fail:
            raise OSError("the disk is on fire")
        yield b"two"
    def close(self):
        closed.append(self.name)

def fine(environ, start_response):
    start_response("200 OK", [])
    return Body("fine")

def failing(environ, start_response):
    start_response("200 OK", [])
    return Body("failing", fail=True)

def hung_up(environ, start_response):
    start_response("200 OK", [])
    return Body("hung up")
"#;

#[test]
fn close_is_called_exactly_once_whatever_happens() {
    let report = with_python(|py| {
        let apps = module(py, "closing_apps", CLOSING_APPS);
        let mut report = String::new();
        for name in ["fine", "failing"] {
            let (outcome, bytes) = serve(py, &apps.getattr(name).unwrap(), true);
            writeln!(report, "== {name}: {outcome:?}\n{}\n", raw(&bytes)).unwrap();
        }
        // A client that hung up: writing the first piece fails.
        let request = read_request(
            &mut &b"GET / HTTP/1.1\r\n\r\n"[..],
            "127.0.0.1:50000".parse().unwrap(),
            "127.0.0.1:7878".parse().unwrap(),
        )
        .unwrap();
        let state = ResponseState::new(Box::new(HungUp), true, true);
        let environ = build_environ(py, &request).unwrap();
        let outcome = run_app(py, &apps.getattr("hung_up").unwrap(), environ, &state);
        writeln!(report, "== hung_up: {outcome:?}\n").unwrap();
        let closed: Vec<String> = apps.getattr("closed").unwrap().extract().unwrap();
        writeln!(report, "close() was called for: {closed:?}").unwrap();
        report
    });
    insta::assert_snapshot!("ch11_close", report);
}

/// A client socket with a generous read timeout: if the server is broken,
/// the test fails instead of hanging.
fn fetch(addr: SocketAddr, request: &str) -> String {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    stream.write_all(request.as_bytes()).unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).unwrap();
    raw(&response)
}

#[test]
fn dispatcher_and_clock_over_tcp_inside_the_validator() {
    let mut report = String::new();
    for (spec, targets) in [
        (
            "dispatcher:application",
            &["GET /hi/there", "GET /hello/?name=Ada", "GET /nowhere"][..],
        ),
        ("clock:application", &["GET /elsewhere", "POST /"][..]),
    ] {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let app = with_python(|py| {
            let app = load_app(py, spec).unwrap();
            validated(app.bind(py)).unbind()
        });
        let limit = targets.len();
        let server = thread::spawn(move || ch11_start_response::serve(listener, app, Some(limit)));
        for target in targets {
            let response = fetch(addr, &format!("{target} HTTP/1.1\r\nHost: test\r\n\r\n"));
            writeln!(report, "== {spec}: {target}\n{response}\n").unwrap();
        }
        assert_eq!(
            server.join().expect("server thread panicked").unwrap(),
            limit
        );
    }
    let complaints = with_python(complaints);
    writeln!(report, "validator complaints: {complaints:?}").unwrap();
    insta::assert_snapshot!("ch11_over_tcp", report);
}
