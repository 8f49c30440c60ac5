//! The tests of chapter 9, shared by the reference and your exercise.
//!
//! Snapshots live in `tests/snapshots/`, recorded from the reference.
//! `cargo run -p course -- check 9` runs them against `exercise/call.rs`.
//!
//! Every test attaches to the one interpreter of the test process; tests run
//! on several threads, and the GIL lets one of them run Python at a time.

use std::ffi::CString;
use std::fmt::Write as _;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::thread;
use std::time::Duration;

use ch09_embed_python::call::{call_app, run_app};
use ch09_embed_python::head::{parse_head, Parsed, RequestHead};
use ch09_embed_python::python::{self, load_app};
use ch09_embed_python::wsgi::{encode, minimal_environ, WsgiResponse};
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

/// A Python module made from source text, for apps that exist only here.
fn module<'py>(py: Python<'py>, name: &str, code: &str) -> Bound<'py, PyModule> {
    let code = CString::new(code).unwrap();
    let file = CString::new(format!("{name}.py")).unwrap();
    let name = CString::new(name).unwrap();
    PyModule::from_code(py, &code, &file, &name).expect("the test module compiles")
}

fn head(request: &str) -> RequestHead {
    match parse_head(request.as_bytes()) {
        Ok(Parsed::Complete { head, .. }) => head,
        other => panic!("not a whole head: {other:?}"),
    }
}

/// Calls `app` for `GET /` the way the server does.
fn call(py: Python<'_>, app: &Bound<'_, PyAny>) -> WsgiResponse {
    let environ = minimal_environ(py, &head("GET / HTTP/1.1\r\n\r\n"), 7878).unwrap();
    call_app(py, app, environ)
}

fn one_line(response: &WsgiResponse) -> String {
    format!(
        "{:?} {:?} {:?}",
        response.status,
        response.headers,
        String::from_utf8_lossy(&response.body)
    )
}

#[test]
fn hello_py_answers_through_call_app() {
    let bytes = with_python(|py| {
        let app = load_app(py, "hello:application").unwrap();
        encode(&call(py, app.bind(py)))
    });
    insta::assert_snapshot!("ch09_hello", raw(&bytes));
}

const GOOD_APPS: &str = r#"
def a_list(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"one ", b"two"]

def a_generator(environ, start_response):
    start_response("201 Created", [("X-Made-By", "a generator")])
    yield b"made "
    yield b""
    yield b"on demand"

def a_tuple(environ, start_response):
    start_response("200 OK", [])
    return (b"tuples ", b"iterate too")

def empty(environ, start_response):
    start_response("204 No Content", [])
    return []

def echo(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    text = f"{environ['REQUEST_METHOD']} {environ['PATH_INFO']} query={environ['QUERY_STRING']!r}"
    return [text.encode()]

def changes_mind(environ, start_response):
    start_response("418 I'm a teapot", [("X-Short", "and stout")])
    start_response("200 OK", [("X-Changed", "my mind")])
    return [b"the latest call wins"]
"#;

#[test]
fn what_the_app_returns_becomes_the_response() {
    let report = with_python(|py| {
        let apps = module(py, "good_apps", GOOD_APPS);
        let mut report = String::new();
        for name in ["a_list", "a_generator", "a_tuple", "empty", "changes_mind"] {
            let response = call(py, &apps.getattr(name).unwrap());
            writeln!(report, "{name:>12}: {}", one_line(&response)).unwrap();
        }
        let environ =
            minimal_environ(py, &head("POST /some/where?x=1&y=2 HTTP/1.1\r\n\r\n"), 7878).unwrap();
        let response = call_app(py, &apps.getattr("echo").unwrap(), environ);
        writeln!(report, "{:>12}: {}", "echo", one_line(&response)).unwrap();
        report
    });
    insta::assert_snapshot!("ch09_good_apps", report);
}

const BAD_APPS: &str = r#"
def raises(environ, start_response):
    return 1 / 0

def raises_while_iterating(environ, start_response):
    start_response("200 OK", [])
    yield b"half a page"
    raise ValueError("the database went away")

def never_starts(environ, start_response):
    return [b"no status line"]

def returns_bytes(environ, start_response):
    start_response("200 OK", [])
    return b"a bare bytes iterates as integers"

def yields_str(environ, start_response):
    start_response("200 OK", [])
    return ["str has no encoding"]

def returns_none(environ, start_response):
    start_response("200 OK", [])

def headers_as_dict(environ, start_response):
    start_response("200 OK", {"Content-Type": "text/plain"})
    return [b"headers must be a list of tuples"]
"#;

#[test]
fn exceptions_and_broken_promises_become_500s() {
    let report = with_python(|py| {
        let apps = module(py, "bad_apps", BAD_APPS);
        let mut report = String::new();
        for name in [
            "raises",
            "raises_while_iterating",
            "never_starts",
            "returns_bytes",
            "yields_str",
            "returns_none",
            "headers_as_dict",
        ] {
            let app = apps.getattr(name).unwrap();
            let environ = minimal_environ(py, &head("GET / HTTP/1.1\r\n\r\n"), 7878).unwrap();
            // run_app reports the exception; call_app turns it into a 500.
            let raised = match run_app(py, &app, environ) {
                Ok(response) => format!("no exception?! {}", one_line(&response)),
                Err(err) => err.get_type(py).name().unwrap().to_string(),
            };
            let response = call(py, &app);
            writeln!(report, "{name:>22}: {raised:<17} -> {}", response.status).unwrap();
        }
        report
    });
    insta::assert_snapshot!("ch09_bad_apps", report);
}

const CLOSING_APPS: &str = r#"
closed = []

class Body:
    """An iterable with a close() method, like a file or a template stream."""
    def __init__(self, name, fail):
        self.name, self.fail = name, fail
    def __iter__(self):
        yield b"first piece, "
        if self.fail:
            raise OSError("the disk is on fire")
        yield b"second piece"
    def close(self):
        closed.append(self.name)

def fine(environ, start_response):
    start_response("200 OK", [])
    return Body("fine", fail=False)

def failing(environ, start_response):
    start_response("200 OK", [])
    return Body("failing", fail=True)
"#;

#[test]
fn close_is_called_once_whatever_happens() {
    let report = with_python(|py| {
        let apps = module(py, "closing_apps", CLOSING_APPS);
        let mut report = String::new();
        for name in ["fine", "failing"] {
            let response = call(py, &apps.getattr(name).unwrap());
            writeln!(report, "{name:>7}: {}", one_line(&response)).unwrap();
        }
        let closed: Vec<String> = apps.getattr("closed").unwrap().extract().unwrap();
        writeln!(report, "close() was called for: {closed:?}").unwrap();
        report
    });
    insta::assert_snapshot!("ch09_close", report);
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
fn a_slow_client_does_not_hold_up_the_others() {
    // The server reads requests without holding the GIL. Client A connects
    // and says nothing yet; client B is served meanwhile; then A is served.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let app = with_python(|py| load_app(py, "hello:application").unwrap());
    let server = thread::spawn(move || ch09_embed_python::serve(listener, app, Some(3)));

    let mut slow = connect(addr);
    let mut quick = connect(addr);
    quick
        .write_all(b"GET / HTTP/1.1\r\nHost: t\r\n\r\n")
        .unwrap();
    let mut quick_answer = Vec::new();
    quick.read_to_end(&mut quick_answer).unwrap();

    slow.write_all(b"GET /late HTTP/1.1\r\nHost: t\r\n\r\n")
        .unwrap();
    let mut slow_answer = Vec::new();
    slow.read_to_end(&mut slow_answer).unwrap();

    let mut garbage = connect(addr);
    garbage.write_all(b"NOT HTTP AT ALL\r\n\r\n").unwrap();
    let mut garbage_answer = Vec::new();
    garbage.read_to_end(&mut garbage_answer).unwrap();

    insta::assert_snapshot!(
        "ch09_over_tcp",
        format!(
            "quick client:\n{}\n\nslow client:\n{}\n\nnot HTTP:\n{}",
            raw(&quick_answer),
            raw(&slow_answer),
            raw(&garbage_answer)
        )
    );
    assert_eq!(server.join().expect("server thread panicked").unwrap(), 3);
}
