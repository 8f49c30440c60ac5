//! The framework demo through the real `wsgi-server` binary: snapshots of
//! what `python-examples/framework_demo.py` answers, including the 404, 405
//! and 308 responses that the Dispatcher and the router produce.
//!
//! The server runs with no `VIRTUAL_ENV` and no `PYTHONPATH`, so these tests
//! also prove that `import wsgi_framework` works with nothing pip-installed:
//! the module is built into the binary.

mod support;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Child, Stdio};
use std::time::Duration;

/// The longest any single step may take before the test fails (instead of hanging).
const PATIENCE: Duration = Duration::from_secs(30);

/// The demo server, killed when dropped.
struct Demo {
    child: Child,
    addr: String,
}

impl Demo {
    fn start() -> Demo {
        let examples = concat!(env!("CARGO_MANIFEST_DIR"), "/../python-examples");
        let mut command = support::wsgi_server();
        command
            .args(["--bind", "127.0.0.1:0", "--chdir", examples, "--log-level", "warn", "framework_demo:application"])
            .env_remove("VIRTUAL_ENV")
            .env_remove("PYTHONPATH")
            .stderr(Stdio::inherit());
        let (child, address) = support::spawn_and_wait(command);
        Demo { child, addr: address.trim_start_matches("http://").to_string() }
    }

    /// Sends a raw request (with `Connection: close`) and returns the whole
    /// response, rendered for a snapshot.
    fn exchange(&self, request: &str) -> String {
        let mut stream = TcpStream::connect(&self.addr).expect("connect to the demo");
        stream.set_read_timeout(Some(PATIENCE)).unwrap();
        stream.write_all(request.as_bytes()).expect("send the request");
        let mut response = Vec::new();
        stream.read_to_end(&mut response).expect("read the response to the end");
        render(request, &response)
    }
}

impl Drop for Demo {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The request and response as text; `\r` is shown (insta would otherwise
/// hide CRLF vs LF) and the Date header, which changes every second, redacted.
fn render(request: &str, response: &[u8]) -> String {
    let response = String::from_utf8_lossy(response);
    let mut out = String::from("--- request\n");
    out.push_str(&request.replace('\r', "\\r"));
    if !out.ends_with('\n') {
        out.push_str("\n(no newline at the end of the body)\n");
    }
    out.push_str("--- response\n");
    for line in response.split_inclusive('\n') {
        if line.starts_with("Date: ") && line.ends_with(" GMT\r\n") {
            out.push_str("Date: [date]\\r\n");
        } else {
            out.push_str(&line.replace('\r', "\\r"));
        }
    }
    out
}

/// A GET with a fixed Host, so redirect URLs are the same on every run.
fn get(path: &str) -> String {
    request("GET", path, "")
}

fn request(method: &str, path: &str, extra: &str) -> String {
    format!("{method} {path} HTTP/1.1\r\nHost: demo.test\r\nConnection: close\r\n{extra}\r\n")
}

fn check(demo: &Demo, cases: &[(&str, String)]) {
    for (name, raw) in cases {
        insta::assert_snapshot!(*name, demo.exchange(raw));
    }
}

#[test]
fn demo_pages() {
    let demo = Demo::start();
    let form = "a=1&a=2&name=Ada+L";
    check(
        &demo,
        &[
            ("demo_hi", get("/hi/there")),
            ("demo_hello_query", get("/hello/?name=Ada")),
            ("demo_app_index", get("/app/")),
            ("demo_app_hello_percent_decoded", get("/app/hello/caf%C3%A9")),
            ("demo_app_user_int", get("/app/users/42")),
            ("demo_app_user_delete", request("DELETE", "/app/users/42", "")),
            ("demo_app_user_head", request("HEAD", "/app/users/42", "")),
            ("demo_app_files_path", get("/app/files/docs/guide/intro.txt")),
            ("demo_app_price_float", get("/app/price/9.99")),
            (
                "demo_app_echo_form",
                format!(
                    "POST /app/echo?q=x HTTP/1.1\r\nHost: demo.test\r\nConnection: close\r\n\
                     Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{form}",
                    form.len()
                ),
            ),
            ("demo_app_options", request("OPTIONS", "/app/users/42", "")),
        ],
    );
}

#[test]
fn not_found_responses() {
    let demo = Demo::start();
    check(
        &demo,
        &[
            ("404_no_mount", get("/nowhere")),
            ("404_whole_segments_only", get("/hix")),
            ("404_int_converter_rejects", get("/app/users/abc")),
            ("404_abort_with_description", get("/app/users/0")),
            ("404_no_route_in_app", get("/app/missing")),
        ],
    );
}

#[test]
fn method_not_allowed_responses() {
    let demo = Demo::start();
    check(
        &demo,
        &[
            ("405_post_on_get_delete_route", request("POST", "/app/users/42", "Content-Length: 0\r\n")),
            ("405_get_on_post_route", get("/app/echo")),
        ],
    );
}

#[test]
fn redirect_responses() {
    let demo = Demo::start();
    check(
        &demo,
        &[
            ("308_trailing_slash", get("/app/docs")),
            ("308_trailing_slash_keeps_query", get("/app/docs?page=2&q=a%20b")),
            ("308_mount_point_without_slash", get("/app")),
            ("308_doubled_slash_merged", get("/app/users//7")),
        ],
    );
}
