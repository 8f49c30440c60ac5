//! The `wsgi-server` command line, tested the way an operator uses it: the
//! real binary, real sockets, real signals.
//!
//! - the access log writes one combined-format line per request (snapshot,
//!   with the time and the duration redacted);
//! - `--bind unix:PATH` serves on a Unix socket and removes the file on exit;
//! - an application that cannot be imported exits with status 1 and the
//!   Python traceback, never a Rust panic.

mod support;

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

fn examples_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../python-examples")
}

/// Starts the server (log discarded) and waits until it listens.
fn start(args: &[&str]) -> (Child, String) {
    let mut command = support::wsgi_server();
    command.args(args).stderr(Stdio::null());
    support::spawn_and_wait(command)
}

/// TERM, then wait for the exit (graceful stop).
fn stop(mut child: Child) -> std::process::ExitStatus {
    unsafe {
        libc::kill(child.id() as libc::pid_t, libc::SIGTERM);
    }
    child.wait().expect("wait for wsgi-server")
}

/// One request on its own connection; returns the whole response.
fn exchange(mut stream: impl Read + Write, request: &str) -> String {
    stream.write_all(request.as_bytes()).unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).unwrap();
    String::from_utf8_lossy(&response).into_owned()
}

fn tcp(address: &str) -> std::net::TcpStream {
    let stream = std::net::TcpStream::connect(address.trim_start_matches("http://")).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(30))).unwrap(); // a guard, not a wait
    stream
}

#[test]
fn access_log_has_one_combined_line_per_request() {
    let dir = tempfile::tempdir().unwrap();
    let log_path = dir.path().join("access.log");
    let examples = examples_dir();
    let (child, address) = start(&[
        "--chdir",
        examples.to_str().unwrap(),
        "--bind",
        "127.0.0.1:0",
        "--access-log",
        log_path.to_str().unwrap(),
        "hello:application",
    ]);
    let get = "GET /greet?name=Ada HTTP/1.1\r\nHost: x\r\nReferer: http://example.test/\r\nUser-Agent: test-client/1.0\r\nConnection: close\r\n\r\n";
    let head = "HEAD / HTTP/1.0\r\nUser-Agent: test-client/1.0\r\n\r\n";
    let post = "POST /form HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello";
    for request in [get, head, post] {
        assert!(exchange(tcp(&address), request).starts_with("HTTP/1.1 200 OK"));
    }
    assert!(stop(child).success());

    let log = std::fs::read_to_string(&log_path).unwrap();
    insta::with_settings!({filters => vec![
        (r"\[\d{2}/\w{3}/\d{4}:\d{2}:\d{2}:\d{2} \+0000\]", "[TIME]"),
        (r" \d+\n", " DURATION_US\n"),
    ]}, {
        insta::assert_snapshot!("access_log_combined", log);
    });
}

#[test]
fn serves_on_a_unix_socket_and_removes_it_on_exit() {
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("app.sock");
    let bind = format!("unix:{}", socket.display());
    let examples = examples_dir();
    let (child, address) = start(&["--chdir", examples.to_str().unwrap(), "--bind", &bind, "hello"]);
    assert_eq!(address, bind);
    let stream = UnixStream::connect(&socket).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let response = exchange(stream, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    assert!(response.starts_with("HTTP/1.1 200 OK"), "{response}");
    assert!(response.ends_with("Hello, World!\n"), "{response}");
    assert!(stop(child).success());
    assert!(!socket.exists(), "the socket file must be removed on exit");
}

#[test]
fn an_app_that_cannot_be_imported_exits_1_with_the_traceback() {
    let examples = examples_dir();
    let output = Command::new(env!("CARGO_BIN_EXE_wsgi-server"))
        .args(["--chdir", examples.to_str().unwrap(), "--bind", "127.0.0.1:0", "no_such_module:app"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("ModuleNotFoundError: No module named 'no_such_module'"), "{stderr}");
    assert!(stderr.contains("cannot load the application"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

/// Runs `environ_dump` with extra options and returns the environ it printed
/// for one request.
fn environ_for(options: &[&str], request: &str) -> String {
    let examples = examples_dir();
    let mut args = vec!["--chdir", examples.to_str().unwrap(), "--bind", "127.0.0.1:0"];
    args.extend_from_slice(options);
    args.push("environ_dump:application");
    let (child, address) = start(&args);
    let response = exchange(tcp(&address), request);
    assert!(stop(child).success());
    response
}

const FORWARDED_REQUEST: &str = "GET /app/users?id=7 HTTP/1.1\r\nHost: example.test\r\n\
    X-Forwarded-For: 6.6.6.6, 203.0.113.9\r\nX-Forwarded-Proto: https\r\nConnection: close\r\n\r\n";

#[test]
fn a_trusted_proxy_sets_the_client_address_and_scheme() {
    // The test connects from 127.0.0.1, which is trusted by default.
    let environ = environ_for(&[], FORWARDED_REQUEST);
    assert!(environ.contains("'REMOTE_ADDR': '203.0.113.9'"), "{environ}");
    assert!(environ.contains("'wsgi.url_scheme': 'https'"), "{environ}");
}

#[test]
fn forwarded_headers_from_an_untrusted_peer_are_ignored() {
    let environ = environ_for(&["--forwarded-allow-ips", "192.0.2.1"], FORWARDED_REQUEST);
    assert!(environ.contains("'REMOTE_ADDR': '127.0.0.1'"), "{environ}");
    assert!(environ.contains("'wsgi.url_scheme': 'http'"), "{environ}");
    // The headers themselves still reach the app, as any header does.
    assert!(environ.contains("'HTTP_X_FORWARDED_FOR': '6.6.6.6, 203.0.113.9'"), "{environ}");
}

#[test]
fn root_path_moves_the_mount_prefix_into_script_name() {
    let environ = environ_for(&["--root-path", "/app"], FORWARDED_REQUEST);
    assert!(environ.contains("'SCRIPT_NAME': '/app'"), "{environ}");
    assert!(environ.contains("'PATH_INFO': '/users'"), "{environ}");
}

#[test]
fn trace_shows_every_layer_of_a_request() {
    let examples = examples_dir();
    let mut command = support::wsgi_server();
    command
        .args(["--chdir", examples.to_str().unwrap(), "--bind", "127.0.0.1:0", "--trace", "hello"])
        .stderr(Stdio::piped());
    let (child, address) = support::spawn_and_wait(command);
    let request = "GET /greet?name=Ada HTTP/1.1\r\nHost: example.test\r\nUser-Agent: test-client/1.0\r\nConnection: close\r\n\r\n";
    assert!(exchange(tcp(&address), request).starts_with("HTTP/1.1 200 OK"));
    unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGTERM) };
    let output = child.wait_with_output().unwrap();
    // Keep the trace, drop the ordinary log lines (they start with a timestamp).
    let trace: String = String::from_utf8_lossy(&output.stderr)
        .lines()
        .filter(|line| !line.starts_with('['))
        .map(|line| format!("{line}\n"))
        .collect();
    insta::with_settings!({filters => vec![
        (r"Date: .*", "Date: DATE"),
        (r"REMOTE_PORT = '\d+'", "REMOTE_PORT = 'PORT'"),
        (r"SERVER_PORT = '\d+'", "SERVER_PORT = 'PORT'"),
        (r" at 0x[0-9a-f]+>", " at ADDRESS>"),
        (r"wsgi-server/\d+\.\d+\.\d+", "wsgi-server/VERSION"),
    ]}, {
        insta::assert_snapshot!("trace_hello", trace);
    });
}
