//! Real clients that nobody here wrote, talking to the engine.
//!
//! Our own test client could share our misreadings of RFC 9112; Python's
//! `http.client` and `curl` do not. Both must reuse one connection for
//! several requests (keep-alive), which they only do when every response was
//! framed exactly right.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use wsgi_server::http::Config;

use crate::common::TestServer;

/// Makes several requests over one `HTTPConnection` and prints, per request:
/// a label, the status, the client's local port (the same port on every line
/// means the same TCP connection), a few response headers and echo lines.
const PYTHON_CLIENT: &str = r#"
import http.client, sys

conn = http.client.HTTPConnection(sys.argv[1], int(sys.argv[2]), timeout=30)

def run(label, method, path, body=None, headers={}):
    conn.request(method, path, body=body, headers=headers)
    response = conn.getresponse()
    data = response.read()
    port = conn.sock.getsockname()[1] if conn.sock else "closed"
    echo = [line for line in data.decode("latin-1").splitlines()
            if line.startswith(("method:", "path:", "body:", "body-length:",
                                "header: Transfer-Encoding", "header: Expect"))]
    print("\t".join(str(field) for field in [
        label, response.status, port,
        response.getheader("Content-Length"), response.getheader("Transfer-Encoding"),
        len(data), repr(data) if label == "stream" else " | ".join(echo)]))

run("get", "GET", "/first?x=1")
# An iterator body without a length: http.client sends it chunked.
run("chunked-post", "POST", "/upload", body=iter([b"hello ", b"chunked ", b"world"]))
run("head", "HEAD", "/first?x=1")
run("stream", "GET", "/stream")
# http.client sends the body at once and skips the interim 100 Continue.
run("expect", "POST", "/expect", body=b"12345", headers={"Expect": "100-continue"})
run("no-content", "GET", "/status/204")
run("latin1-post", "POST", "/latin1", body=b"caf\xe9")
run("last", "GET", "/last")
conn.close()
"#;

struct Line {
    label: String,
    status: u16,
    port: String,
    content_length: String,
    transfer_encoding: String,
    body_len: usize,
    echo: String,
}

fn run(command: &mut Command) -> Output {
    let output = command
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("could not run {command:?} (is it installed?): {e}"));
    assert!(
        output.status.success(),
        "{command:?} failed: {}\nstdout:\n{}\nstderr:\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

#[test]
fn python_http_client_reuses_one_connection_for_every_request() {
    let server = TestServer::echo(Config::default());
    let output = run(Command::new("python3").args([
        "-c",
        PYTHON_CLIENT,
        &server.addr.ip().to_string(),
        &server.addr.port().to_string(),
    ]));
    let stdout = String::from_utf8(output.stdout).expect("utf-8 output");
    let lines: Vec<Line> = stdout
        .lines()
        .map(|line| {
            let f: Vec<&str> = line.splitn(7, '\t').collect();
            assert_eq!(f.len(), 7, "unexpected line {line:?}");
            Line {
                label: f[0].into(),
                status: f[1].parse().unwrap(),
                port: f[2].into(),
                content_length: f[3].into(),
                transfer_encoding: f[4].into(),
                body_len: f[5].parse().unwrap(),
                echo: f[6].into(),
            }
        })
        .collect();
    let by = |label: &str| lines.iter().find(|l| l.label == label).unwrap_or_else(|| panic!("no {label} in\n{stdout}"));
    assert_eq!(lines.len(), 8, "{stdout}");

    // One connection for everything: the client's port never changes.
    let port = &lines[0].port;
    assert!(port.parse::<u16>().is_ok(), "{stdout}");
    assert!(lines.iter().all(|l| &l.port == port), "the connection was not reused:\n{stdout}");

    assert!(lines.iter().all(|l| l.status == if l.label == "no-content" { 204 } else { 200 }), "{stdout}");
    assert!(by("get").echo.contains("path: /first"));
    let chunked = by("chunked-post");
    assert!(chunked.echo.contains("header: Transfer-Encoding: chunked"), "{stdout}");
    assert!(chunked.echo.contains("body: hello chunked world"), "{stdout}");
    // HEAD: the length a GET would have, no body.
    let head = by("head");
    assert_eq!(head.body_len, 0);
    assert_eq!(head.content_length, (by("get").body_len + 1).to_string(), "HEAD says one more byte: 'HEAD' vs 'GET'");
    let stream = by("stream");
    assert_eq!(stream.transfer_encoding, "chunked");
    assert_eq!(stream.echo, r"b'one\ntwo\nthree\n'");
    assert!(by("expect").echo.contains("body: 12345"), "{stdout}");
    assert_eq!(by("no-content").body_len, 0);
    assert!(by("latin1-post").echo.contains("body-length: 4"), "{stdout}");
}

#[test]
fn curl_reuses_the_connection_for_two_urls() {
    let server = TestServer::echo(Config::default());
    let base = format!("http://{}", server.addr);
    let output = run(Command::new("curl").args([
        "-sS",
        "-v",
        "--http1.1",
        "--noproxy",
        "*",
        "--max-time",
        "30",
        "-w",
        "[connects=%{num_connects} status=%{http_code}]\n",
        &format!("{base}/first"),
        &format!("{base}/second?x=1"),
    ]));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stdout.contains("path: /first") && stdout.contains("path: /second"), "{stdout}");
    // curl counts the connections each transfer opened: 1, then 0 (reused).
    assert!(stdout.contains("[connects=1 status=200]\n"), "{stdout}");
    assert!(
        stdout.contains("[connects=0 status=200]\n"),
        "the second URL did not reuse the connection:\n{stdout}\n{stderr}"
    );
    let stderr_lower = stderr.to_lowercase();
    assert!(
        stderr_lower.contains("re-using existing connection") || stderr_lower.contains("reusing existing connection"),
        "curl -v did not report reuse:\n{stderr}"
    );
}

#[test]
fn curl_uploads_chunked_after_100_continue() {
    let server = TestServer::echo(Config::default());
    let mut child = Command::new("curl")
        .args([
            "-sS",
            "-v",
            "--http1.1",
            "--noproxy",
            "*",
            "--max-time",
            "30",
            "-H",
            "Transfer-Encoding: chunked",
            "-H",
            "Expect: 100-continue",
            "--data-binary",
            "@-",
            &format!("http://{}/upload", server.addr),
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run curl (is it installed?)");
    child.stdin.take().unwrap().write_all(b"hello from curl").unwrap();
    let output = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "curl failed:\n{stderr}");
    assert!(stderr.contains("< HTTP/1.1 100 Continue"), "no interim response:\n{stderr}");
    assert!(stdout.contains("header: Transfer-Encoding: chunked"), "{stdout}");
    assert!(stdout.contains("body: hello from curl"), "{stdout}");
}
