//! The tests of chapter 14, shared by the reference and your exercise.
//!
//! Snapshots live in `tests/snapshots/`, recorded from the reference.
//! `cargo run -p course -- check 14` runs them against `exercise/mount.rs`.

use std::ffi::CString;
use std::fmt::Write as _;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::thread;
use std::time::Duration;

use ch14_dispatcher::dispatcher::{mount_table, normalize_prefix, Dispatcher, NotFound};
use ch14_dispatcher::environ::build_environ;
use ch14_dispatcher::gateway::run_app;
use ch14_dispatcher::mount::dispatch;
use ch14_dispatcher::python::{self, load_app};
use ch14_dispatcher::request::{parse_request, Parse};
use ch14_dispatcher::response::ResponseState;
use ch14_dispatcher::worker::Buffer;
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

/// Text as the environ holds it: its UTF-8 bytes read as latin-1.
fn wsgi(text: &str) -> String {
    text.bytes().map(char::from).collect()
}

/// The mounts of the shift snapshot, each app a label.
const MOUNTS: &[(&str, &str)] = &[
    ("/api", "api"),
    ("/api/v2", "v2"),
    ("/hello", "hello"),
    ("/a/b/c", "deep"),
    ("/café", "cafe"),
];

#[test]
fn mounts_shift_the_path() {
    let mounts = mount_table(MOUNTS.to_vec()).unwrap();
    let requests = [
        ("", "/api"),
        ("", "/api/"),
        ("", "/api/users/42"),
        ("", "/apix"),
        ("", "/ap"),
        ("", "/API"),
        ("", "/api/v2"),
        ("", "/api/v2/x"),
        ("", "/api/v2x"),
        ("", "/api/v3/x"),
        ("", "/api//x"),
        ("", "/hello"),
        ("", "/helloworld"),
        ("", "/hello/world/"),
        ("", "/a/b"),
        ("", "/a/b/c/d"),
        ("", "/café/menu"),
        ("", "/"),
        ("", ""),
        ("/site", "/api/x"),
        ("/site", "/nowhere"),
        ("/site/blog", "/hello"),
    ];
    let mut report =
        "SCRIPT_NAME PATH_INFO        -> the app, and the two keys it sees\n".to_string();
    for (script_name, path) in requests {
        let path = wsgi(path);
        let answer = match dispatch(&mounts, script_name, &path) {
            Some(routed) => format!(
                "-> {:<6} SCRIPT_NAME={:?} PATH_INFO={:?}",
                routed.app, routed.script_name, routed.path_info
            ),
            None => "-> the fallback".to_string(),
        };
        let (script_name, path) = (format!("{script_name:?}"), format!("{path:?}"));
        writeln!(report, "{script_name:<11} {path:<16} {answer}").unwrap();
    }
    insta::assert_snapshot!("ch14_shifts", report);
}

#[test]
fn mount_prefixes_are_normalized() {
    let mut report = String::new();
    for prefix in [
        "/api", "api", "/api/", "/a/b", "/café", "/", "", "//", "/a//b",
    ] {
        let verdict = match normalize_prefix(prefix) {
            Ok(normal) => format!("{normal:?}"),
            Err(err) => format!("refused: {err}"),
        };
        writeln!(report, "{:<10} {verdict}", format!("{prefix:?}")).unwrap();
    }
    let twice = mount_table(vec![("/api", 1), ("api/", 2)]).unwrap_err();
    writeln!(report, "\"/api\" and \"api/\" together: refused: {twice}").unwrap();
    insta::assert_snapshot!("ch14_prefixes", report);
}

/// Python apps that show where they were mounted.
const ECHO: &str = r#"
def make(label):
    def app(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain; charset=utf-8")])
        text = f"{label}: SCRIPT_NAME={environ['SCRIPT_NAME']!r} PATH_INFO={environ['PATH_INFO']!r}"
        return [text.encode("latin-1")]
    return app

api = make("api")
v2 = make("v2")
cafe = make("cafe")
"#;

/// The environ the server would build for `GET <target>`.
fn environ_for<'py>(py: Python<'py>, target: &str) -> Bound<'py, PyDict> {
    let bytes = format!("GET {target} HTTP/1.1\r\nHost: test\r\n\r\n");
    let peer: SocketAddr = "127.0.0.1:50000".parse().unwrap();
    let local: SocketAddr = "127.0.0.1:7878".parse().unwrap();
    let Parse::Complete(request, _) = parse_request(bytes.as_bytes(), peer, local) else {
        panic!("not a whole request: {bytes:?}");
    };
    build_environ(py, &request).unwrap()
}

/// Calls `app` as a worker does (the gateway, writing into a buffer) and
/// gives back its status and body. The response is framed as for an
/// HTTP/1.0 client that closes: the body as the app gave it, not chunked.
fn call(py: Python<'_>, app: &Bound<'_, PyAny>, environ: Bound<'_, PyDict>) -> (String, Vec<u8>) {
    let buffer = Buffer::default();
    let state = ResponseState::new(Box::new(buffer.clone()), false, false);
    run_app(py, app, environ, &state);
    let bytes = buffer.take();
    let end = bytes
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a response head");
    let head = String::from_utf8_lossy(&bytes[..end]);
    let status_line = head.lines().next().unwrap_or_default();
    let status = status_line.strip_prefix("HTTP/1.1 ").unwrap_or(status_line);
    (status.to_string(), bytes[end + 4..].to_vec())
}

#[test]
fn the_dispatcher_is_a_wsgi_app() {
    let report = with_python(|py| {
        let code = CString::new(ECHO).unwrap();
        let echo = PyModule::from_code(py, &code, c"echo.py", c"echo").unwrap();
        let app = |name: &str| echo.getattr(name).unwrap().unbind();
        let inner = Dispatcher {
            mounts: mount_table(vec![("/api", app("api")), ("/api/v2", app("v2"))]).unwrap(),
            fallback: Bound::new(py, NotFound).unwrap().into_any().unbind(),
        };
        let inner = Bound::new(py, inner).unwrap().into_any().unbind();
        let outer = Dispatcher {
            mounts: mount_table(vec![("/site", inner), ("/café", app("cafe"))]).unwrap(),
            fallback: Bound::new(py, NotFound).unwrap().into_any().unbind(),
        };
        let outer = Bound::new(py, outer).unwrap();
        let mut report = String::new();
        for target in [
            "/site/api/users",
            "/site/api/v2/x",
            "/site/api",
            "/site/apix",
            "/caf%C3%A9/menu",
            "/nowhere",
        ] {
            let environ = environ_for(py, target);
            let keys = |environ: &Bound<'_, PyDict>| -> (String, String) {
                let get = |key| environ.get_item(key).unwrap().unwrap().extract().unwrap();
                (get("SCRIPT_NAME"), get("PATH_INFO"))
            };
            let before = keys(&environ);
            let (status, body) = call(py, outer.as_any(), environ.clone());
            let untouched = if keys(&environ) == before {
                "untouched"
            } else {
                "CHANGED"
            };
            writeln!(
                report,
                "GET {target:<18} {} | {} | caller's environ {untouched}",
                status,
                String::from_utf8_lossy(&body).trim_end()
            )
            .unwrap();
        }
        report
    });
    insta::assert_snapshot!("ch14_wsgi_app", report);
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

/// Serves `app` for one connection per target, and shows each exchange.
fn serve_and_fetch(app: Py<PyAny>, targets: &[&str]) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let count = targets.len();
    let server = thread::spawn(move || ch14_dispatcher::run(listener, app, 2, Some(count), false));
    let mut transcript = String::new();
    for target in targets {
        let mut client = connect(addr);
        // `Connection: close`: one request per connection, then the server
        // closes it (HTTP/1.1 would keep it alive otherwise).
        write!(
            client,
            "GET {target} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut response = Vec::new();
        client.read_to_end(&mut response).unwrap();
        writeln!(transcript, ">>> GET {target}\n{}\n", raw(&response)).unwrap();
    }
    assert_eq!(
        server.join().expect("server thread panicked").unwrap(),
        count
    );
    transcript
}

#[test]
fn dispatcher_py_over_tcp() {
    let app = with_python(|py| load_app(py, "dispatcher:application").unwrap());
    let targets = [
        "/hi/there",
        "/hi/",
        "/hi",
        "/hello/?name=Ada",
        "/hello/",
        "/nowhere",
    ];
    insta::assert_snapshot!("ch14_dispatcher_py", serve_and_fetch(app, &targets));
}

#[test]
fn python_apps_mounted_over_tcp() {
    let mounts = [
        ("/hello", "hello:application"),
        ("/api", "dispatcher:application"),
        ("/api/v2", "dispatcher:application"),
    ];
    let app = with_python(|py| {
        let dispatcher = Dispatcher::load(py, &mounts, None).unwrap();
        // The exercise runs once on this thread first: an unfinished one
        // fails here at once, not in a worker while the client waits.
        assert!(dispatch(&dispatcher.mounts, "", "/api/v2/hi").is_some());
        Bound::new(py, dispatcher).unwrap().into_any().unbind()
    });
    let targets = [
        "/api/v2/hi/there",
        "/api/hi/there",
        "/api/v2x/hi/",
        "/api/v2/hello/?name=Ada",
        "/api/v2/hi",
        "/hello",
        "/hellothere",
        "/",
    ];
    insta::assert_snapshot!("ch14_mounted", serve_and_fetch(app, &targets));
}

/// Does the mount at `prefix` take `path`? Said differently from the
/// exercise, to check it.
fn takes(prefix: &str, path: &str) -> bool {
    path == prefix || path.starts_with(&format!("{prefix}/"))
}

proptest! {
    // No regression files: a failing exercise must not litter the chapter.
    #![proptest_config(ProptestConfig { failure_persistence: None, ..ProptestConfig::default() })]

    /// Whatever the mounts and the path: SCRIPT_NAME + PATH_INFO after the
    /// dispatch is SCRIPT_NAME + PATH_INFO before, the prefix moved is a
    /// whole-segment prefix of the path, and no longer one was mounted.
    #[test]
    fn dispatch_keeps_the_whole_path(
        prefixes in proptest::collection::btree_set("(/(a|b|api|v2|é)){1,3}", 0..6),
        path in "(/(a|b|api|v2|apix|é|)){0,4}",
        script_name in "(/(site|x)){0,2}",
    ) {
        // Each app is its prefix in the environ's form, to check against.
        let mounts = mount_table(prefixes.iter().map(|p| (p.as_str(), wsgi(p))).collect()).unwrap();
        let path = wsgi(&path);
        let longest = mounts.iter().map(|m| &m.app).filter(|p| takes(p, &path)).map(String::len).max();
        match dispatch(&mounts, &script_name, &path) {
            Some(routed) => {
                prop_assert_eq!(
                    format!("{}{}", routed.script_name, routed.path_info),
                    format!("{script_name}{path}")
                );
                prop_assert_eq!(&routed.script_name, &format!("{script_name}{}", routed.app));
                prop_assert!(takes(routed.app, &path));
                prop_assert_eq!(Some(routed.app.len()), longest);
            }
            None => prop_assert_eq!(longest, None),
        }
    }
}
