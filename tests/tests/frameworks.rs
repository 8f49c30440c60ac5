//! Every app of `python-examples/` under the real `wsgi-server`, wrapped in
//! `wsgiref.validate.validator` (issue 3: "Every example app runs wrapped in
//! wsgiref.validate.validator in the tests with no assertion from it").
//!
//! The server runs `validated:wrap()` (`tests/apps/validated.py`) with
//! `TARGET_APP` naming the example; the validator checks both sides of every
//! call (our environ, `wsgi.input`, `start_response`, `close()`; the app's
//! headers and body) and every warning is an error. A breach raises inside
//! the request, which puts a traceback in the server's log: each test stops
//! its server at the end and checks that the log has none (except the
//! traceback the `/error` route logs on purpose).
//!
//! The five framework apps (Flask, Django, Bottle, Werkzeug, WebOb) share one
//! contract (see their docstrings), driven here over real HTTP with the raw
//! client: query strings, forms, JSON, multipart uploads (one big enough to
//! be spooled to disk by the server and by the framework), a redirect,
//! cookies, a streamed response, 404, 405 and an error route.

use end_to_end_tests::{apps_dir, examples_dir, Json, Response, ServerBuilder, WsgiServer};

/// `TARGET_APP` wrapped in the validator, served from `tests/apps/` with
/// `python-examples/` on the path.
fn validated(target: &str) -> WsgiServer {
    ServerBuilder::new("validated:wrap()", apps_dir()).pythonpath(&examples_dir()).env("TARGET_APP", target).start()
}

/// Stops the server and checks its log: no validator assertion, no warning,
/// and no traceback beyond the `expected_errors` tracebacks that end in
/// `RuntimeError: boom` (the /error route).
fn assert_clean_log(server: WsgiServer, expected_errors: usize) -> String {
    let log = server.stop();
    for bad in ["AssertionError", "Warning", "Exception ignored", "[WARN]"] {
        assert!(!log.contains(bad), "{bad:?} in the server log:\n{log}");
    }
    let tracebacks = log.matches("Traceback (most recent call last)").count();
    let booms = log.matches("RuntimeError: boom").count();
    assert_eq!(tracebacks, expected_errors, "tracebacks in the server log:\n{log}");
    assert_eq!(booms, expected_errors, "the /error route's exception in the server log:\n{log}");
    log
}

fn assert_status(response: &Response, status: u16, what: &str) {
    assert_eq!(response.status, status, "{what}: {} {}\n{}", response.status, response.reason, response.text());
}

// ----------------------------------------------------------- plain WSGI apps

#[test]
fn hello_under_the_validator() {
    let server = validated("hello:application");
    let response = server.get("/");
    assert_status(&response, 200, "GET /");
    assert_eq!(response.text(), "Hello, World!\n");
    assert_eq!(response.header("Content-Length"), Some("14"));
    let response =
        server.request("POST", "/anything", &[("Content-Type", "application/x-www-form-urlencoded")], b"x=1");
    assert_eq!(response.text(), "Hello, World!\n");
    let response = server.request("HEAD", "/", &[], b"");
    assert_eq!((response.status, response.header("Content-Length")), (200, Some("14")));
    assert_clean_log(server, 0);
}

#[test]
fn environ_dump_under_the_validator() {
    let server = validated("environ_dump:application");
    let response = server.request("GET", "/dump/me?x=1", &[("X-Demo", "yes")], b"");
    assert_status(&response, 200, "GET /dump/me");
    let text = response.text();
    for expected in [
        "'PATH_INFO': '/dump/me'",
        "'QUERY_STRING': 'x=1'",
        "'HTTP_X_DEMO': 'yes'",
        "'wsgi.url_scheme': 'http'",
        "'REQUEST_METHOD': 'GET'",
    ] {
        assert!(text.contains(expected), "{expected} not in:\n{text}");
    }
    // Latin-1 PATH_INFO must not crash the dump.
    let response = server.get("/caf%C3%A9");
    assert_status(&response, 200, "GET /caf%C3%A9");
    assert!(response.text().contains("'PATH_INFO': '/cafÃ©'"), "{}", response.text());
    assert_clean_log(server, 0);
}

#[test]
fn clock_under_the_validator() {
    let server = validated("clock:application");
    let response = server.get("/?x=1");
    assert_status(&response, 200, "GET /");
    let text = response.text();
    // time.ctime(): "Sun Nov 22 04:24:35 2026\n"
    assert!(text.len() == 25 && text.ends_with('\n') && text.as_bytes()[3] == b' ', "{text:?}");
    assert_status(&server.get("/elsewhere"), 404, "GET /elsewhere");
    assert_status(&server.request("POST", "/", &[], b"x"), 501, "POST /");
    assert_status(&server.request("DELETE", "/x", &[], b""), 501, "DELETE /x");
    assert_clean_log(server, 0);
}

#[test]
fn dispatcher_under_the_validator() {
    let server = validated("dispatcher:application");
    let response = server.get("/hi/there");
    assert_status(&response, 200, "GET /hi/there");
    let text = response.text();
    assert!(text.starts_with("Hi!\n") && text.contains("SCRIPT_NAME='/hi'") && text.contains("PATH_INFO='/there'"));
    assert_eq!(server.get("/hello/?name=Zo%C3%AB").text(), "Hello, Zoë!\n");
    assert_eq!(server.get("/hello/").text(), "Hello, stranger!\n");
    let response = server.get("/nowhere");
    assert_eq!((response.status, response.text().as_str()), (404, "Page does not exist\n"));
    assert_clean_log(server, 0);
}

#[test]
fn the_validator_harness_catches_breaches() {
    // The checks above are only worth something if a breach really shows:
    // an app that sends an int header value trips the validator's assertion,
    // and an unknown method trips a WSGIWarning (an error here).
    let server = validated("start_response_misuse:application");
    assert_status(&server.get("/non-str-value"), 500, "int header value");
    let log = server.wait_log("AssertionError");
    assert!(log.contains("Traceback (most recent call last)"), "{log}");
    assert_status(&server.request("PROPFIND", "/", &[], b""), 500, "PROPFIND");
    server.wait_log("WSGIWarning: Unknown REQUEST_METHOD: 'PROPFIND'");
}

// -------------------------------------------------------- the framework apps

/// What the contract's multipart test uploads: every byte value, CR LF pairs
/// and a line that looks like a boundary (as in tests/python/).
fn file_data() -> Vec<u8> {
    let mut data: Vec<u8> = (0..300).flat_map(|_| 0..=255u8).collect();
    data.extend_from_slice(b"\r\n--not-the-boundary\r\n");
    data.extend_from_slice(b"end");
    data
}

/// SHA-256 of [`file_data`], and of 40 copies of it (3 MB).
const FILE_SHA256: &str = "0f2175f933f51921f6d8d1a02ba67d73621908f9ce85c5b5668a65f8d28ad82c";
const BIG_FILE_SHA256: &str = "4b38f2bbd8accb8775b4b5620fee059ded932da2c3ff313331579c24dfe1faed";

const BOUNDARY: &str = "----wsgi-from-scratch-boundary-7MA4YWxkTrZu0gW";

enum Part<'a> {
    Field(&'a str, &'a str),
    File(&'a str, &'a str, &'a [u8]),
}

/// A multipart/form-data body and its Content-Type.
fn multipart(parts: &[Part<'_>]) -> (Vec<u8>, String) {
    let mut out = Vec::new();
    for part in parts {
        out.extend_from_slice(format!("--{BOUNDARY}\r\n").as_bytes());
        match part {
            Part::Field(name, value) => {
                out.extend_from_slice(format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes());
                out.extend_from_slice(value.as_bytes());
            }
            Part::File(name, filename, data) => {
                out.extend_from_slice(
                    format!(
                        "Content-Disposition: form-data; name=\"{name}\"; filename=\"{filename}\"\r\n\
                         Content-Type: application/octet-stream\r\n\r\n"
                    )
                    .as_bytes(),
                );
                out.extend_from_slice(data);
            }
        }
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    (out, format!("multipart/form-data; boundary={BOUNDARY}"))
}

fn post(server: &WsgiServer, path: &str, content_type: &str, body: &[u8]) -> Response {
    server.request("POST", path, &[("Content-Type", content_type)], body)
}

fn assert_json(response: &Response, expected: &str, what: &str) {
    assert_status(response, 200, what);
    let content_type = response.header("Content-Type").unwrap_or_default();
    assert!(content_type.starts_with("application/json"), "{what}: Content-Type {content_type:?}");
    assert_eq!(response.json(), Json::expect(expected), "{what}");
}

/// How the framework answers `GET /`.
enum Index {
    Greeting(&'static str),
    Clock,
}

/// The framework contract, then the log check.
fn contract(target: &str, index: Index) {
    let server = validated(target);

    let response = server.get("/");
    assert_status(&response, 200, "GET /");
    assert!(response.header("Content-Type").unwrap_or_default().starts_with("text/plain"));
    match index {
        Index::Greeting(text) => assert_eq!(response.text(), text),
        Index::Clock => assert_eq!(response.body.len(), 25, "a ctime() line: {:?}", response.text()),
    }

    // GET /query
    assert_json(&server.get("/query?name=Ada&tag=a&tag=b"), r#"{"name": "Ada", "tags": ["a", "b"]}"#, "query");
    assert_json(&server.get("/query"), r#"{"name": "world", "tags": []}"#, "query defaults");
    assert_json(
        &server.get("/query?name=Zo%C3%AB&tag=%E2%9C%93"),
        r#"{"name": "Zoë", "tags": ["✓"]}"#,
        "query in UTF-8",
    );
    let head = server.request("HEAD", "/query?name=Ada", &[], b"");
    assert!(head.status == 200 && head.body.is_empty(), "HEAD /query: {}", head.status);

    // POST /form
    let form = "application/x-www-form-urlencoded";
    assert_json(
        &post(&server, "/form", form, b"a=1&b=2&b=3&empty=&city=K%C3%B6ln&sp=x+y"),
        r#"{"fields": {"a": ["1"], "b": ["2", "3"], "empty": [""], "city": ["Köln"], "sp": ["x y"]}}"#,
        "form",
    );
    assert_json(&post(&server, "/form", form, b""), r#"{"fields": {}}"#, "empty form");

    // POST /json
    let sent = r#"{"a": 1, "b": [true, null, 2.5], "s": "é", "nested": {"x": []}}"#;
    assert_json(
        &post(&server, "/json", "application/json", sent.as_bytes()),
        &format!(r#"{{"received": {sent}}}"#),
        "json",
    );
    assert_status(&post(&server, "/json", "application/json", b"{not json"), 400, "invalid JSON");
    // Chunked uploads arrive decoded, with a CONTENT_LENGTH, for every framework.
    assert_json(
        &server.request_chunked("POST", "/json", &[("Content-Type", "application/json")], &[b"{\"a\": ", b"[1, 2]}"]),
        r#"{"received": {"a": [1, 2]}}"#,
        "chunked json",
    );
    assert_json(
        &server.request_chunked("POST", "/form", &[("Content-Type", form)], &[b"a=1&b=", b"2"]),
        r#"{"fields": {"a": ["1"], "b": ["2"]}}"#,
        "chunked form",
    );

    // POST /upload
    let data = file_data();
    let (body, content_type) =
        multipart(&[Part::Field("note", "first draft ✓"), Part::File("file", "notes.txt", &data)]);
    assert_json(
        &post(&server, "/upload", &content_type, &body),
        &format!(
            r#"{{"filename": "notes.txt", "size": {}, "sha256": "{FILE_SHA256}", "note": "first draft ✓"}}"#,
            data.len()
        ),
        "upload",
    );
    // 3 MB: spooled to a temporary file by the server (over 1 MiB) and by
    // the framework (Django keeps at most 2.5 MB in memory).
    let big = data.repeat(40);
    let (body, content_type) = multipart(&[Part::File("file", "big.bin", &big)]);
    let response = post(&server, "/upload", &content_type, &body);
    assert_status(&response, 200, "big upload");
    let answer = response.json();
    assert_eq!(answer["size"], Json::Number(big.len() as f64), "big upload");
    assert_eq!(answer["sha256"].as_str(), Some(BIG_FILE_SHA256), "big upload");
    let pieces: Vec<&[u8]> = body.chunks(100_000).collect();
    let response = server.request_chunked("POST", "/upload", &[("Content-Type", &content_type)], &pieces);
    assert_status(&response, 200, "big chunked upload");
    assert_eq!(response.json()["sha256"].as_str(), Some(BIG_FILE_SHA256), "big chunked upload");
    let (body, content_type) = multipart(&[Part::Field("note", "no file here")]);
    assert_status(&post(&server, "/upload", &content_type, &body), 400, "upload without a file");

    // GET /redirect
    let response = server.get("/redirect");
    assert_status(&response, 302, "redirect");
    let location = response.header("Location").unwrap_or_default();
    assert!(location.ends_with("/query?name=redirected"), "Location: {location}");

    // Cookies: set, then send back what was set.
    let response = server.get("/cookie/set");
    assert_status(&response, 200, "cookie/set");
    let set_cookies = response.headers_named("Set-Cookie");
    assert_eq!(set_cookies.len(), 1, "{set_cookies:?}");
    let mut attributes = set_cookies[0].split(';').map(str::trim);
    let pair = attributes.next().unwrap_or_default();
    assert_eq!(pair, "flavour=oatmeal");
    assert!(attributes.any(|a| a.eq_ignore_ascii_case("Path=/")), "{set_cookies:?}");
    let cookie = format!("other=1; {pair}");
    assert_json(
        &server.request("GET", "/cookie/get", &[("Cookie", &cookie)], b""),
        r#"{"flavour": "oatmeal"}"#,
        "cookie/get",
    );
    assert_json(&server.get("/cookie/get"), r#"{"flavour": null}"#, "cookie/get without the cookie");

    // GET /stream: chunked, one chunk per item the generator yields.
    let response = server.get("/stream");
    assert_status(&response, 200, "stream");
    assert_eq!(response.header("Content-Length"), None);
    let expected: Vec<Vec<u8>> = (0..5).map(|i| format!("chunk {i}\n").into_bytes()).collect();
    assert_eq!(response.chunks(), expected.as_slice(), "five chunks");

    // 404, 405.
    assert_status(&server.get("/nope"), 404, "GET /nope");
    assert_status(&post(&server, "/nope", form, b"x=1"), 404, "POST /nope");
    assert_status(&post(&server, "/query", form, b"x=1"), 405, "POST /query");
    assert_status(&server.get("/upload"), 405, "GET /upload");

    // GET /error: a 500 page without the exception, which goes to the log.
    let response = server.get("/error");
    assert_status(&response, 500, "error");
    assert!(!response.text().contains("boom"), "the error page shows the exception: {}", response.text());
    // The server goes on serving.
    assert_status(&server.get("/query"), 200, "after /error");

    assert_clean_log(server, 1);
}

#[test]
fn flask_contract() {
    contract("flask_app:application", Index::Greeting("Hello from Flask!\n"));
}

#[test]
fn django_contract() {
    contract("django_app:application", Index::Greeting("Hello from Django!\n"));
}

#[test]
fn bottle_contract() {
    contract("bottle_app:application", Index::Greeting("Hello from Bottle!\n"));
}

#[test]
fn werkzeug_contract() {
    contract("werkzeug_app:application", Index::Clock);
}

#[test]
fn webob_contract() {
    contract("webob_app:application", Index::Clock);
}
