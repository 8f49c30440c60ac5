//! The tests of chapter 10, shared by the reference and your exercise.
//!
//! Snapshots live in `tests/snapshots/`, recorded from the reference.
//! `cargo run -p course -- check 10` runs them against `exercise/environ.rs`.

use std::ffi::CString;
use std::fmt::Write as _;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::thread;
use std::time::Duration;

use ch10_environ::environ::{build_environ, cgi_key, percent_decode};
use ch10_environ::python::{self, load_app};
use ch10_environ::request::{read_request, Request};
use proptest::prelude::*;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyModule};

/// Shows raw HTTP bytes with every `\r\n` made visible.
fn raw(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).replace("\r\n", "\\r\\n\n")
}

/// Runs `f` attached to the interpreter, started once for the whole process.
fn with_python<R>(f: impl for<'py> FnOnce(Python<'py>) -> R) -> R {
    python::init();
    Python::attach(f)
}

/// A request as the server would read it, from a client at
/// 127.0.0.1:50000 to a server at 127.0.0.1:7878.
fn request(bytes: &[u8]) -> Request {
    let peer: SocketAddr = "127.0.0.1:50000".parse().unwrap();
    let local: SocketAddr = "127.0.0.1:7878".parse().unwrap();
    read_request(&mut &bytes[..], peer, local).expect("a whole request")
}

/// Python code that prints an environ, one sorted `key = repr(value)` per
/// line; `wsgi.input` shows what reading it gives.
const SHOW: &str = r#"
def show(environ, prefixes=("",)):
    lines = []
    for key in sorted(environ):
        if not key.startswith(prefixes):
            continue
        value = environ[key]
        if key == "wsgi.input":
            value = f"<{type(value).__name__} containing {value.read()!r}>"
        elif key == "wsgi.errors":
            value = "<a text stream>" if callable(getattr(value, "write", None)) else value
        else:
            value = repr(value)
        lines.append(f"{key} = {value}")
    return "\n".join(lines)
"#;

fn show(py: Python<'_>, environ: &Bound<'_, PyDict>, prefixes: &[&str]) -> String {
    let code = CString::new(SHOW).unwrap();
    let module = PyModule::from_code(py, &code, c"show.py", c"show").unwrap();
    let prefixes = pyo3::types::PyTuple::new(py, prefixes).unwrap();
    module
        .getattr("show")
        .unwrap()
        .call1((environ, prefixes))
        .unwrap()
        .extract()
        .unwrap()
}

#[test]
fn the_environ_of_a_simple_get() {
    let text = with_python(|py| {
        let environ = build_environ(
            py,
            &request(
                b"GET /hello/world?x=1&y=two HTTP/1.1\r\nHost: example.com\r\n\
                  User-Agent: curl/8.5.0\r\nAccept: */*\r\n\r\n",
            ),
        )
        .unwrap();
        show(py, &environ, &[""])
    });
    insta::assert_snapshot!("ch10_get", text);
}

#[test]
fn headers_become_cgi_keys() {
    let text = with_python(|py| {
        let environ = build_environ(
            py,
            &request(
                b"POST /form HTTP/1.1\r\n\
                  Host: example.com\r\n\
                  Content-Type: application/x-www-form-urlencoded\r\n\
                  Content-Length: 8\r\n\
                  X-Forwarded-For: 203.0.113.7\r\n\
                  X_Forwarded_For: 10.0.0.1\r\n\
                  accept: text/html\r\n\
                  Accept: text/plain\r\n\
                  Cookie: theme=dark\r\n\
                  Cookie: lang=fr\r\n\
                  X-Latin-1: caf\xe9\r\n\
                  \r\n\
                  name=Ada",
            ),
        )
        .unwrap();
        show(py, &environ, &["HTTP_", "CONTENT_", "wsgi.input"])
    });
    insta::assert_snapshot!("ch10_headers", text);
}

/// Request targets worth a look: escapes, raw UTF-8, double escapes, `%2F`.
const TARGETS: &[&[u8]] = &[
    b"/a%20b",
    b"/caf%C3%A9",
    "/café".as_bytes(),
    b"/%2541",
    b"/a%2Fb",
    b"/bad%zz%4",
    b"/plus+sign",
    b"/%FF%00",
    b"/?q=caf%C3%A9&x=a+b",
    "/search?q=café".as_bytes(),
];

#[test]
fn paths_are_decoded_once_as_latin1() {
    let report = with_python(|py| {
        let mut report = String::new();
        for target in TARGETS {
            let mut bytes = b"GET ".to_vec();
            bytes.extend_from_slice(target);
            bytes.extend_from_slice(b" HTTP/1.1\r\n\r\n");
            let environ = build_environ(py, &request(&bytes)).unwrap();
            let path = environ.get_item("PATH_INFO").unwrap().unwrap();
            let query = environ.get_item("QUERY_STRING").unwrap().unwrap();
            // What an application that knows its URLs are UTF-8 does.
            let as_utf8 = path
                .call_method1("encode", ("latin-1",))
                .and_then(|b| b.call_method1("decode", ("utf-8", "replace")))
                .map(|s| s.repr().unwrap().to_string())
                .unwrap_or_else(|err| format!("cannot encode: {err}"));
            writeln!(
                report,
                "{:<22} PATH_INFO={:<16} as UTF-8={:<14} QUERY_STRING={}",
                String::from_utf8_lossy(target),
                path.repr().unwrap().to_string(),
                as_utf8,
                query.repr().unwrap()
            )
            .unwrap();
        }
        report
    });
    insta::assert_snapshot!("ch10_paths", report);
}

#[test]
fn wsgiref_validate_accepts_every_environ() {
    let requests: Vec<Vec<u8>> = [
        &b"GET / HTTP/1.1\r\n\r\n"[..],
        b"GET /hello/world?x=1 HTTP/1.0\r\nHost: example.com\r\n\r\n",
        b"POST /form HTTP/1.1\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nhi",
        b"DELETE /caf%C3%A9 HTTP/1.1\r\nX-Thing: 1\r\nX-Thing: 2\r\n\r\n",
    ]
    .iter()
    .map(|r| r.to_vec())
    .collect();
    let report = with_python(|py| {
        let code = CString::new(
            "import warnings\nfrom wsgiref.validate import check_environ\n\
             def check(environ):\n    with warnings.catch_warnings():\n        \
             warnings.simplefilter('error')\n        check_environ(environ)\n",
        )
        .unwrap();
        let module = PyModule::from_code(py, &code, c"check.py", c"check").unwrap();
        let mut report = String::new();
        for bytes in &requests {
            let environ = build_environ(py, &request(bytes)).unwrap();
            let verdict = match module.getattr("check").unwrap().call1((environ,)) {
                Ok(_) => "valid".to_string(),
                Err(err) => format!("REJECTED: {err}"),
            };
            let line = String::from_utf8_lossy(bytes);
            let line = line.lines().next().unwrap_or_default();
            writeln!(report, "{line:<36} {verdict}").unwrap();
        }
        report
    });
    insta::assert_snapshot!("ch10_validate", report);
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
fn environ_dump_over_tcp() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let app = with_python(|py| load_app(py, "environ_dump:application").unwrap());
    let server = thread::spawn(move || ch10_environ::serve(listener, app, Some(1)));
    let mut client = connect(addr);
    client
        .write_all(
            b"POST /caf%C3%A9?x=1 HTTP/1.1\r\nHost: test\r\nX-Demo: yes\r\n\
              Content-Length: 5\r\n\r\nhello",
        )
        .unwrap();
    let mut response = Vec::new();
    client.read_to_end(&mut response).unwrap();
    insta::with_settings!({filters => vec![
        (r"'(REMOTE|SERVER)_PORT': '\d+'", "'${1}_PORT': '[PORT]'"),
        (r"Content-Length: \d+", "Content-Length: [LENGTH]"),
        (r"'wsgi\.errors': <.*>,", "'wsgi.errors': [STDERR],"),
        (r"0x[0-9a-f]+", "0x[ADDRESS]"),
    ]}, {
        insta::assert_snapshot!("ch10_environ_dump", raw(&response));
    });
    assert_eq!(server.join().expect("server thread panicked").unwrap(), 1);
}

/// Percent-encodes every byte: the most escaped way to send `bytes`.
fn encode_all(bytes: &[u8]) -> Vec<u8> {
    bytes
        .iter()
        .flat_map(|b| format!("%{b:02X}").into_bytes())
        .collect()
}

proptest! {
    // No regression files: a failing exercise must not litter the chapter.
    #![proptest_config(ProptestConfig { failure_persistence: None, ..ProptestConfig::default() })]

    /// Escaping any bytes and decoding them gives the bytes back, once.
    #[test]
    fn percent_decoding_undoes_percent_encoding(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
        prop_assert_eq!(percent_decode(&encode_all(&bytes)), bytes.clone());
        // Decoding is done once: an escaped escape stays an escape.
        let twice = encode_all(&encode_all(&bytes));
        prop_assert_eq!(percent_decode(&twice), encode_all(&bytes));
    }

    /// Without a `%`, nothing changes.
    #[test]
    fn text_without_percent_is_left_alone(text in "[a-zA-Z0-9/+._~-]{0,40}") {
        prop_assert_eq!(percent_decode(text.as_bytes()), text.as_bytes().to_vec());
    }

    /// Header names become upper-case keys without dashes; `_` drops them.
    #[test]
    fn header_names_become_cgi_keys(name in "[a-zA-Z0-9_-]{1,20}") {
        match cgi_key(&name) {
            None => prop_assert!(name.contains('_')),
            Some(key) => {
                prop_assert!(!name.contains('_'));
                let plain = name.to_ascii_uppercase().replace('-', "_");
                if plain == "CONTENT_TYPE" || plain == "CONTENT_LENGTH" {
                    prop_assert_eq!(key, plain);
                } else {
                    prop_assert_eq!(key, format!("HTTP_{plain}"));
                }
            }
        }
    }
}
