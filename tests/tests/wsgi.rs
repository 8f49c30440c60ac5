//! The WSGI gateway (issue 3), end to end: the real `wsgi-server` binary
//! hosting the small apps in `tests/apps/`, driven with raw HTTP/1.1.
//!
//! | section | what it proves |
//! |---|---|
//! | environ | every key PEP 3333 and CGI require, with the right types; latin-1 paths; header names; nothing from `os.environ` |
//! | request body | `wsgi.input` method mixes (against `io.BytesIO` as the oracle), chunked uploads, 413, spooling |
//! | start_response | misuse, `exc_info` before and after the headers, header checks, lazy headers, `write()` |
//! | response body | streaming, backpressure, Content-Length enforcement, `close()` exactly once, `wsgi.file_wrapper` |
//! | faults | each way an app can fail, and the server serving on; `wsgi.errors` in the log |
//!
//! Each test starts its own server (so counters and logs are its own) and
//! every wait is bounded: a read with a timeout, or an app-side wait on a
//! condition variable with a timeout. Nothing sleeps.

use end_to_end_tests::{apps_dir, assert_raw_snapshot, crc32, hex, Json, ServerBuilder, WsgiServer};

fn app(spec: &str) -> ServerBuilder {
    ServerBuilder::new(spec, apps_dir())
}

fn start(spec: &str) -> WsgiServer {
    app(spec).start()
}

/// `environ[key]` of an environ report: `[type, value]`.
fn entry<'a>(report: &'a Json, key: &str) -> &'a Json {
    &report["environ"][key]
}

fn assert_entry(report: &Json, key: &str, kind: &str, value: Json) {
    let found = entry(report, key);
    assert_eq!(found, &Json::Array(vec![Json::String(kind.into()), value]), "environ[{key:?}] in {report}");
}

fn s(text: &str) -> Json {
    Json::String(text.to_string())
}

// ------------------------------------------------------------------ environ

#[test]
fn what_the_environ_reuses_between_requests_never_goes_stale() {
    // The gateway keeps the last Host's SERVER_NAME/SERVER_PORT, and one
    // shared wsgi.input for requests without a body: requests that differ
    // in exactly those must still each get their own values.
    let server = app("environ_report:application").start();
    let mut conn = server.connect();
    let port = server.port().to_string();
    let mut ask = |request: String| {
        conn.send(request.as_bytes());
        let response = conn.read_response(false);
        assert_eq!(response.status, 200);
        response.json()
    };
    let get = |host: &str| format!("GET /?only=SERVER_,wsgi.input HTTP/1.1\r\nHost: {host}\r\n\r\n");
    let first = ask(get("one.test:8001"));
    assert_entry(&first, "SERVER_NAME", "str", s("one.test"));
    assert_entry(&first, "SERVER_PORT", "str", s("8001"));
    let second = ask(get("two.test"));
    assert_entry(&second, "SERVER_NAME", "str", s("two.test"));
    assert_entry(&second, "SERVER_PORT", "str", s(&port));
    let again = ask(get("one.test:8001"));
    assert_entry(&again, "SERVER_NAME", "str", s("one.test"));
    assert_entry(&again, "SERVER_PORT", "str", s("8001"));
    assert_eq!(again["body"], s(""));
    // A body in between, then none again: the shared empty stream is still empty.
    let post = "POST /?only=CONTENT_ HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello";
    assert_eq!(ask(post.to_string())["body"], s("hello"));
    assert_eq!(ask(get("x"))["body"], s(""));
}

#[test]
fn environ_of_a_typical_get() {
    // Variables of the server's own process must never reach environ (a
    // process variable named HTTP_HOST once overrode real requests).
    let server = app("environ_report:application")
        .env("E2E_FROM_OS_ENVIRON", "leaked")
        .env("HTTP_HOST", "from-os-environ")
        .env("HTTP_X_FROM_OS", "leaked")
        .start();
    let mut conn = server.connect();
    let host = server.addr.to_string();
    conn.send(
        format!(
            "GET /path/to%20x?x=1&y=%2F HTTP/1.1\r\nHost: {host}\r\nUser-Agent: end-to-end-tests\r\nAccept: */*\r\n\r\n"
        )
        .as_bytes(),
    );
    let response = conn.read_response(false);
    assert_eq!(response.status, 200);
    assert_eq!(response.header("Content-Length"), Some(response.body.len().to_string().as_str()));
    let report = response.json();

    assert_entry(&report, "REQUEST_METHOD", "str", s("GET"));
    assert_entry(&report, "SCRIPT_NAME", "str", s(""));
    assert_entry(&report, "PATH_INFO", "str", s("/path/to x"));
    assert_entry(&report, "QUERY_STRING", "str", s("x=1&y=%2F"));
    assert_entry(&report, "SERVER_NAME", "str", s("127.0.0.1"));
    assert_entry(&report, "SERVER_PORT", "str", s(&server.port().to_string()));
    assert_entry(&report, "SERVER_PROTOCOL", "str", s("HTTP/1.1"));
    assert_entry(&report, "REMOTE_ADDR", "str", s("127.0.0.1"));
    assert_entry(&report, "REMOTE_PORT", "str", s(&conn.local_addr().port().to_string()));
    assert_entry(&report, "HTTP_HOST", "str", s(&host));
    assert_entry(&report, "HTTP_USER_AGENT", "str", s("end-to-end-tests"));
    assert_entry(&report, "wsgi.version", "tuple", Json::expect("[1, 0]"));
    assert_entry(&report, "wsgi.url_scheme", "str", s("http"));
    assert_entry(&report, "wsgi.multithread", "bool", Json::Bool(true)); // 8 threads by default
    assert_entry(&report, "wsgi.multiprocess", "bool", Json::Bool(false));
    assert_entry(&report, "wsgi.run_once", "bool", Json::Bool(false));
    assert_entry(&report, "wsgi.input_terminated", "bool", Json::Bool(true));
    assert_eq!(
        entry(&report, "wsgi.input")[1],
        Json::expect(r#"{"methods": ["read", "readline", "readlines", "__iter__"]}"#)
    );
    assert_eq!(entry(&report, "wsgi.errors")[1], Json::expect(r#"{"methods": ["write", "writelines", "flush"]}"#));
    assert_eq!(entry(&report, "wsgi.file_wrapper")[1], Json::expect(r#"{"callable": true}"#));
    let environ = report["environ"].as_object().expect("an environ object");
    for key in ["CONTENT_LENGTH", "CONTENT_TYPE", "E2E_FROM_OS_ENVIRON", "HTTP_X_FROM_OS"] {
        assert!(!environ.contains_key(key), "{key} must not be in a GET's environ: {report}");
    }
    // CGI keys (no dot) are all native strings.
    for (key, value) in environ.iter().filter(|(k, _)| !k.contains('.')) {
        assert_eq!(value[0].as_str(), Some("str"), "{key} is not a str");
    }
    assert_eq!(report["body"], s(""));
    assert_raw_snapshot!("environ_typical_get", response, redact_length);
}

#[test]
fn concurrent_requests_each_get_their_own_environ_and_body() {
    // Eight clients at once, on eight app threads: every answer is about its
    // own request (the environ is a fresh dict, wsgi.input its own body).
    let server = start("environ_report:application");
    std::thread::scope(|scope| {
        for client in 0..8 {
            let server = &server;
            scope.spawn(move || {
                for round in 0..10 {
                    let id = format!("{client}-{round}");
                    let body = format!("body of {id}");
                    let target = format!("/{id}?only=HTTP_X_ID,PATH_INFO,CONTENT_LENGTH");
                    let report = server.request("POST", &target, &[("X-Id", &id)], body.as_bytes()).json();
                    assert_eq!(report["body"], s(&body), "{report}");
                    assert_entry(&report, "HTTP_X_ID", "str", s(&id));
                    assert_entry(&report, "PATH_INFO", "str", s(&format!("/{id}")));
                    assert_entry(&report, "CONTENT_LENGTH", "str", s(&body.len().to_string()));
                }
            });
        }
    });
}

#[test]
fn wsgi_multithread_tells_the_truth() {
    let server = app("environ_report:application").arg("--threads").arg("1").start();
    let report = server.get("/?only=wsgi.multi").json();
    assert_entry(&report, "wsgi.multithread", "bool", Json::Bool(false));
    assert_entry(&report, "wsgi.multiprocess", "bool", Json::Bool(false));
}

#[test]
fn path_info_is_percent_decoded_once_to_latin1() {
    let server = start("environ_report:application");
    let path_info = |target: &str| entry(&server.get(target).json(), "PATH_INFO")[1].clone();

    // UTF-8 bytes arrive as one code point per byte: "é" is C3 A9, so "Ã©".
    let utf8 = server.get("/caf%C3%A9?only=PATH_INFO");
    assert_eq!(entry(&utf8.json(), "PATH_INFO")[1], s("/caf\u{c3}\u{a9}"));
    assert_raw_snapshot!("environ_latin1_path_utf8", utf8);
    // A byte that is not UTF-8 at all is still one code point.
    let ff = server.get("/%FF?only=PATH_INFO");
    assert_eq!(entry(&ff.json(), "PATH_INFO")[1], s("/\u{ff}"));
    assert_raw_snapshot!("environ_latin1_path_ff", ff);
    // Decoded exactly once; the query string is left alone.
    assert_eq!(path_info("/a%2Fb/%2541"), s("/a/b/%41"));
    assert_eq!(path_info("/plus+stays"), s("/plus+stays"));
    let report = server.get("/x?q=%C3%A9+%2B&only=QUERY_STRING").json();
    assert_entry(&report, "QUERY_STRING", "str", s("q=%C3%A9+%2B&only=QUERY_STRING"));
}

#[test]
fn header_names_with_underscores_are_dropped() {
    let server = start("environ_report:application");
    let response = server.request("GET", "/?only=HTTP_", &[("X_Auth", "x"), ("X-Auth", "y")], b"");
    let report = response.json();
    // X_Auth would also map to HTTP_X_AUTH: it must not pose as X-Auth.
    assert_entry(&report, "HTTP_X_AUTH", "str", s("y"));
    assert_raw_snapshot!("environ_underscore_header_dropped", response, redact_length);
}

#[test]
fn repeated_headers_are_joined() {
    let server = start("environ_report:application");
    let response = server.request(
        "GET",
        "/?only=HTTP_X_TAG,HTTP_COOKIE",
        &[("X-Tag", "a"), ("x-tag", "b"), ("X-TAG", "c, d"), ("Cookie", "one=1"), ("Cookie", "two=2")],
        b"",
    );
    let report = response.json();
    assert_entry(&report, "HTTP_X_TAG", "str", s("a, b, c, d"));
    // Cookies are a "; "-separated list (RFC 6265), not ", ".
    assert_entry(&report, "HTTP_COOKIE", "str", s("one=1; two=2"));
    assert_raw_snapshot!("environ_repeated_headers_joined", response);
}

#[test]
fn content_type_and_length_keep_their_cgi_names() {
    let server = start("environ_report:application");
    let post = server.request(
        "POST",
        "/?only=CONTENT_,HTTP_CONTENT",
        &[("Content-Type", "text/plain; charset=latin-1")],
        b"hello",
    );
    let report = post.json();
    assert_entry(&report, "CONTENT_TYPE", "str", s("text/plain; charset=latin-1"));
    assert_entry(&report, "CONTENT_LENGTH", "str", s("5"));
    assert_eq!(report["body"], s("hello"));
    assert_eq!(report["environ"].as_object().unwrap().len(), 2, "no HTTP_CONTENT_*: {report}");
    assert_raw_snapshot!("environ_post_content_headers", post);

    // A GET without a body has neither.
    let get = server.get("/?only=CONTENT_,HTTP_CONTENT");
    assert_eq!(get.json()["environ"], Json::expect("{}"));
    assert_raw_snapshot!("environ_get_no_content_length", get);
}

#[test]
fn chunked_upload_is_read_fully() {
    let server = start("environ_report:application");
    let mut conn = server.connect();
    conn.send(
        format!(
            "POST /?only=CONTENT_,HTTP_TRANSFER,wsgi.input_terminated HTTP/1.1\r\nHost: {}\r\n\
             Transfer-Encoding: chunked\r\nContent-Type: text/plain\r\n\r\n\
             5\r\nhello\r\n7;ext=1\r\n, world\r\n1\r\n!\r\n0\r\n\r\n",
            server.addr
        )
        .as_bytes(),
    );
    let response = conn.read_response(false);
    let report = response.json();
    assert_eq!(report["body"], s("hello, world!"), "the body arrives decoded: {report}");
    assert_entry(&report, "wsgi.input_terminated", "bool", Json::Bool(true));
    // Decoded and read whole before the app runs, the body has a length, and
    // CGI says CONTENT_LENGTH must give it; the transfer coding is gone.
    assert_entry(&report, "CONTENT_LENGTH", "str", s("13"));
    assert!(!report["environ"].has("HTTP_TRANSFER_ENCODING"), "{report}");
    assert_raw_snapshot!("environ_chunked_upload", response);

    // An empty chunked body: length 0.
    let report = server.request_chunked("POST", "/?only=CONTENT_LENGTH", &[], &[]).json();
    assert_entry(&report, "CONTENT_LENGTH", "str", s("0"));
}

#[test]
fn body_over_max_body_gets_413_before_the_app_runs() {
    let server = app("lifecycle:application").arg("--max-body").arg("1000").start();

    // Announced too large: refused from the head alone (the body is never sent).
    let mut conn = server.connect();
    conn.send(format!("POST /normal HTTP/1.1\r\nHost: {}\r\nContent-Length: 1001\r\n\r\n", server.addr).as_bytes());
    let response = conn.read_response(false);
    assert_eq!(response.status, 413);
    assert!(conn.is_closed_by_server(), "after a 413 the connection closes");
    assert_raw_snapshot!("max_body_413", response);

    // Chunked: refused once the decoded body passes the limit.
    let mut conn = server.connect();
    let chunk = vec![b'x'; 600];
    let mut request =
        format!("POST /normal HTTP/1.1\r\nHost: {}\r\nTransfer-Encoding: chunked\r\n\r\n", server.addr).into_bytes();
    for _ in 0..2 {
        request.extend_from_slice(b"258\r\n");
        request.extend_from_slice(&chunk);
        request.extend_from_slice(b"\r\n");
    }
    request.extend_from_slice(b"0\r\n\r\n");
    conn.send(&request);
    assert_eq!(conn.read_response(false).status, 413);

    let stats = server.get("/stats").json();
    assert_eq!(stats["calls"], Json::Number(0.0), "the app ran for a refused body: {stats}");

    // Exactly the limit is fine.
    let response = server.request("POST", "/normal", &[], &[b'y'; 1000]);
    assert_eq!(response.status, 200);
    assert_eq!(server.get("/stats").json()["calls"], Json::Number(1.0));
}

#[test]
fn spooled_body_is_read_correctly() {
    let server = app("environ_report:application").arg("--spool-threshold").arg("1024").start();
    let big: Vec<u8> = (0..200_000u32).map(|i| (i * 7 % 256) as u8).collect();

    let response = server.request("POST", "/?only=CONTENT_LENGTH&fds=1", &[], &big);
    let report = response.json();
    assert_eq!(report["body"]["length"], Json::Number(big.len() as f64));
    assert_eq!(report["body"]["crc32"], Json::Number(f64::from(crc32(&big))));
    if cfg!(target_os = "linux") {
        // The body is in an (unlinked) temporary file, not in memory.
        assert_eq!(report["deleted_files_open"], Json::Number(1.0), "{report}");
    }
    assert_raw_snapshot!("spooled_body", response);

    // Chunked and spooled.
    let mut conn = server.connect();
    let mut request =
        format!("POST /?fds=1&only=CONTENT_ HTTP/1.1\r\nHost: {}\r\nTransfer-Encoding: chunked\r\n\r\n", server.addr)
            .into_bytes();
    for piece in big.chunks(30_000) {
        request.extend_from_slice(format!("{:x}\r\n", piece.len()).as_bytes());
        request.extend_from_slice(piece);
        request.extend_from_slice(b"\r\n");
    }
    request.extend_from_slice(b"0\r\n\r\n");
    conn.send(&request);
    let report = conn.read_response(false).json();
    assert_eq!(report["body"]["crc32"], Json::Number(f64::from(crc32(&big))), "{report}");

    // Under the threshold: in memory, same answer.
    let small = &big[..1000];
    let report = server.request("POST", "/?fds=1&only=CONTENT_LENGTH", &[], small).json();
    assert_eq!(report["body"]["crc32"], Json::Number(f64::from(crc32(small))), "{report}");
    if cfg!(target_os = "linux") {
        assert_eq!(report["deleted_files_open"], Json::Number(0.0), "{report}");
    }
    let tiny = &big[..150];
    let report = server.request("POST", "/", &[], tiny).json();
    assert_eq!(report["body"], Json::String(tiny.iter().map(|b| char::from(*b)).collect::<String>()), "{report}");
}

// -------------------------------------------------------------- wsgi.input

/// POSTs `body` to input_mix with `ops`; returns (wsgi.input results, io.BytesIO results).
fn input_mix(server: &WsgiServer, body: &[u8], ops: &[String]) -> (Json, Json) {
    let target = format!("/?ops={}&ref={}", ops.join(","), hex(body));
    let response = server.request("POST", &target, &[], body);
    assert_eq!(response.status, 200, "{}", response.text());
    let answer = response.json();
    (answer["input"].clone(), answer["reference"].clone())
}

#[test]
fn wsgi_input_methods_mix() {
    let server = start("input_mix:application");
    let body = b"line one\nline two\nline three\nfour\nfive\nsix\nno newline at the end";
    let ops: Vec<String> =
        "read:3,readline,readline:4,readline,next,readlines:1,read:0,readline:0,iter,read,readline,next,readlines"
            .split(',')
            .map(str::to_string)
            .collect();
    let target = format!("/?ops={}&ref={}", ops.join(","), hex(body));
    let response = server.request("POST", &target, &[], body);
    let answer = response.json();
    assert_eq!(answer["input"], answer["reference"], "wsgi.input differs from io.BytesIO");
    assert_eq!(
        answer["input"],
        Json::expect(
            r#"[["read:3", "lin"], ["readline", "e one\n"], ["readline:4", "line"], ["readline", " two\n"],
                ["next", "line three\n"], ["readlines:1", ["four\n"]], ["read:0", ""], ["readline:0", ""],
                ["iter", ["five\n", "six\n", "no newline at the end"]], ["read", ""], ["readline", ""],
                ["next", null], ["readlines", []]]"#
        )
    );
    assert_raw_snapshot!("wsgi_input_mix", response);

    // read(-1) and readlines with a hint larger than the body.
    let (input, reference) = input_mix(&server, b"a\nb\n", &["read:-1".into(), "read:-1".into()]);
    assert_eq!(input, reference);
    assert_eq!(input, Json::expect(r#"[["read:-1", "a\nb\n"], ["read:-1", ""]]"#));
    let (input, reference) = input_mix(&server, b"a\nb\nc", &["readlines:100".into(), "readline:-1".into()]);
    assert_eq!(input, reference);
}

/// Every mix of reads, on random bodies, returns what `io.BytesIO` returns.
fn input_mixes_match_bytesio(server: &WsgiServer) {
    use proptest::prelude::*;
    use proptest::test_runner::{Config, TestCaseError, TestRunner};

    let op = prop_oneof![
        Just("read".to_string()),
        (-1i32..40).prop_map(|n| format!("read:{n}")),
        Just("readline".to_string()),
        (-1i32..40).prop_map(|n| format!("readline:{n}")),
        Just("readlines".to_string()),
        (-1i32..60).prop_map(|n| format!("readlines:{n}")),
        Just("next".to_string()),
        Just("iter".to_string()),
    ];
    let byte = prop_oneof![Just(b'a'), Just(b'b'), Just(b' '), Just(b'\n'), Just(b'\r'), Just(0xffu8)];
    let strategy = (prop::collection::vec(byte, 0..160), prop::collection::vec(op, 1..8));
    // Config::default() honours PROPTEST_CASES (the test command sets it).
    let mut runner = TestRunner::new(Config::default());
    let result = runner.run(&strategy, |(body, ops)| {
        let (input, reference) = input_mix(server, &body, &ops);
        if input != reference {
            return Err(TestCaseError::fail(format!("wsgi.input: {input}\nio.BytesIO: {reference}")));
        }
        Ok(())
    });
    if let Err(error) = result {
        panic!("{error}");
    }
}

#[test]
fn wsgi_input_matches_bytesio_in_memory() {
    input_mixes_match_bytesio(&start("input_mix:application"));
}

#[test]
fn wsgi_input_matches_bytesio_when_spooled() {
    // Bodies over 8 bytes are read from a temporary file.
    input_mixes_match_bytesio(&app("input_mix:application").arg("--spool-threshold").arg("8").start());
}

// ------------------------------------------------------------ start_response

#[test]
fn a_second_start_response_without_exc_info_raises() {
    let server = start("start_response_misuse:application");
    let response = server.get("/twice");
    assert_eq!(response.status, 200, "the first call's status stands");
    assert_eq!(response.header("X-Call"), Some("first"));
    assert!(response.text().starts_with("AssertionError: "), "the second call must raise: {}", response.text());
    assert_raw_snapshot!("start_response_twice", response);
}

#[test]
fn exc_info_before_the_headers_replaces_them() {
    let server = start("start_response_misuse:application");
    let response = server.get("/exc-before-headers");
    assert_eq!(response.status, 503);
    assert_eq!(response.header("X-Second"), Some("1"));
    assert_eq!(response.header("X-First"), None);
    assert_eq!(response.body, b"replaced\n");
    assert_raw_snapshot!("start_response_exc_info_before_headers", response);
}

#[test]
fn exc_info_after_the_headers_reraises_that_exception() {
    let server = start("start_response_misuse:application");
    let response = server.get("/exc-after-headers");
    assert_eq!(response.status, 200);
    assert_eq!(response.text(), "sent\nreraised ValueError same=True\n");
    assert_raw_snapshot!("start_response_exc_info_after_headers", response);
}

/// Requests `target`, expects a 500 with the short error body, and a log line containing `logged`.
fn expect_500(server: &WsgiServer, target: &str, logged: &str) -> end_to_end_tests::Response {
    let response = server.get(target);
    assert_eq!(response.status, 500, "{target}: {}", response.text());
    assert_eq!(response.text(), "500 Internal Server Error: the application failed\n", "{target}");
    server.wait_log(logged);
    response
}

#[test]
fn header_injection_is_a_500_not_a_split_response() {
    let server = start("start_response_misuse:application");
    let response = expect_500(&server, "/header?name=X-Evil&value=a%0D%0AX-Injected:%20yes", "control character");
    assert!(!String::from_utf8_lossy(&response.raw).contains("X-Injected"));
    assert_raw_snapshot!("start_response_crlf_header", response);
    for value in ["a%0Ab", "a%0Db", "a%00b", "a%7Fb"] {
        expect_500(&server, &format!("/header?name=X-Evil&value={value}"), "control character");
    }
    expect_500(&server, "/header?name=X-Evil%0D%0AX-Injected&value=v", "invalid header name");
    expect_500(&server, "/header?name=X%20Space&value=v", "invalid header name");
    // Not latin-1 (the euro sign is U+20AC).
    expect_500(&server, "/header?name=X-Price&value=%E2%82%AC", "not latin-1");
    // A tab is allowed inside a value, and latin-1 text goes out as latin-1 bytes.
    let fine = server.get("/header?name=X-Fine&value=a%09b%20%C3%A9");
    assert_eq!(fine.status, 200);
    assert!(fine.raw.windows(15).any(|w| w == b"X-Fine: a\tb \xe9\r\n"), "latin-1 value bytes");
}

#[test]
fn hop_by_hop_headers_from_the_app_are_refused() {
    let server = start("start_response_misuse:application");
    for name in [
        "Connection",
        "keep-alive",
        "Proxy-Authenticate",
        "Proxy-Authorization",
        "TE",
        "Trailers",
        "Transfer-Encoding",
        "Upgrade",
    ] {
        expect_500(&server, &format!("/header?name={name}&value=x"), &format!("hop-by-hop header \"{name}\""));
    }
}

#[test]
fn headers_and_status_must_be_str_and_well_formed() {
    let server = start("start_response_misuse:application");
    expect_500(&server, "/non-str-value", "header values must be str");
    expect_500(&server, "/non-str-name", "header names must be str");
    expect_500(&server, "/bytes-value", "header values must be str");
    expect_500(&server, "/not-a-tuple", "(name, value) tuple");
    for status in ["200", "OK", "200OK", "2000%20OK", "abc%20OK", "200%20OK%0D%0AX:%20y", "099%20Low"] {
        expect_500(&server, &format!("/status?s={status}"), "status");
    }
    let custom = server.get("/status?s=299%20Custom%20Reason");
    assert_eq!((custom.status, custom.reason.as_str()), (299, "Custom Reason"));
}

#[test]
fn headers_wait_for_the_first_non_empty_chunk() {
    let server = start("lazy_headers:application");
    let response = server.get("/");
    assert_eq!(response.status, 500);
    assert_eq!(response.header("X-Phase"), Some("second"));
    assert_eq!(response.text(), "second thoughts\n");
    assert_raw_snapshot!("lazy_headers_change_of_mind", response);

    let response = server.get("/empty-chunks");
    assert_eq!((response.status, response.text().as_str()), (200, "data\n"));
    // Empty strings are not chunks: an empty chunk would end a chunked body.
    assert_eq!(response.chunks(), [b"data\n".to_vec()]);

    let response = server.get("/only-empty");
    assert_eq!(response.status, 200);
    assert_eq!(response.header("Content-Length"), Some("0"));
    assert_raw_snapshot!("lazy_headers_only_empty", response);
}

#[test]
fn write_callable_sends_before_the_iterable() {
    let server = start("write_callable:application");
    let response = server.get("/write-only");
    assert_eq!(response.chunks(), [b"hello ".to_vec(), b"world\n".to_vec()]);
    assert_raw_snapshot!("write_only", response);

    let response = server.get("/write-then-list");
    assert_eq!(response.text(), "abc\n");
    let response = server.get("/write-then-generator");
    assert_eq!(response.chunks(), [b"a".to_vec(), b"b".to_vec(), b"c\n".to_vec()]);

    let response = server.get("/write-with-length");
    assert_eq!(response.header("Content-Length"), Some("12"));
    assert_eq!(response.text(), "hello world\n");

    // HTTP/1.0 has no chunked coding: the body ends with the connection.
    let mut conn = server.connect();
    conn.send(b"GET /write-only HTTP/1.0\r\n\r\n");
    let response = conn.read_response(false);
    assert_eq!(response.text(), "hello world\n");
    assert_raw_snapshot!("write_only_http10", response);
    drop(conn); // the server lingers until the client closes too

    expect_500(&server, "/write-str", "write() takes bytes");
    let log = server.stop();
    assert!(!log.contains("twice"), "a write() then a list must not start the response twice:\n{log}");
}

// ------------------------------------------------------------ response body

#[test]
fn generator_chunks_leave_before_the_generator_ends() {
    let server = start("streaming:application");
    let mut stream = server.connect();
    stream.send(format!("GET /stream HTTP/1.1\r\nHost: {}\r\n\r\n", server.addr).as_bytes());
    // The generator is now blocked until /release: "first" must already be here.
    let so_far = stream.read_until_contains(b"first\n");
    assert!(String::from_utf8_lossy(&so_far).starts_with("HTTP/1.1 200 OK\r\n"));
    // ...and the server serves another request while that app thread waits.
    let release = server.get("/release");
    assert_eq!(release.text(), "released\n");
    let response = stream.read_response(false);
    assert_eq!(response.chunks(), [b"first\n".to_vec(), b"second\n".to_vec(), b"third\n".to_vec()]);
    assert_raw_snapshot!("streaming", response);
}

#[test]
fn a_slow_client_holds_the_generator_back() {
    // 1024 chunks of 64 KiB: far more than socket buffers and the server's
    // output limit can hold, so a client that reads nothing stops production.
    let server = start("lifecycle:application");
    let mut conn = server.connect();
    conn.send(format!("GET /endless?n=1024 HTTP/1.1\r\nHost: {}\r\n\r\n", server.addr).as_bytes());
    conn.read_until_contains(b"xxxx");
    // The one deliberate wait: two seconds in which production must stall.
    // (That /stats is answered at all shows the blocked worker waits for the
    // client without holding the GIL: /stats runs Python too.)
    let stats = server.get("/stats?produced=1024&timeout=2").json();
    assert_eq!(
        stats["timed_out"],
        Json::Bool(true),
        "the whole response was produced for a client that reads nothing: {stats}"
    );
    let produced = stats["produced"].as_f64().unwrap();
    assert!(produced < 512.0, "produced {produced} chunks of 64 KiB for a client that reads nothing");
    drop(conn);
    let stats = server.get("/stats?closed=1").json();
    assert_eq!(stats["closes"], Json::expect("[1]"), "{stats}");
}

#[test]
fn content_length_too_long_is_cut_and_the_connection_stays_in_sync() {
    let server = start("content_length:application");
    for path in ["/list-long", "/gen-long"] {
        let mut conn = server.connect();
        conn.send(format!("GET {path} HTTP/1.1\r\nHost: {}\r\n\r\n", server.addr).as_bytes());
        let response = conn.read_response(false);
        assert_eq!((response.header("Content-Length"), response.text().as_str()), (Some("5"), "01234"), "{path}");
        if path == "/list-long" {
            assert_raw_snapshot!("content_length_too_long", response);
        }
        // The extra bytes were not sent: the next response parses cleanly.
        conn.send(format!("GET /exact HTTP/1.1\r\nHost: {}\r\n\r\n", server.addr).as_bytes());
        let next = conn.read_response(false);
        assert_eq!((next.status, next.text().as_str()), (200, "01234"), "{path}");
    }
    server.wait_log("longer than its Content-Length");
}

#[test]
fn content_length_too_short_closes_the_connection() {
    let server = start("content_length:application");
    for path in ["/list-short", "/gen-short"] {
        let mut conn = server.connect();
        conn.send(format!("GET {path} HTTP/1.1\r\nHost: {}\r\n\r\n", server.addr).as_bytes());
        let (bytes, _) = conn.read_to_close();
        let text = String::from_utf8_lossy(&bytes);
        assert!(text.starts_with("HTTP/1.1 200 OK\r\n") && text.contains("Content-Length: 10\r\n"), "{text}");
        assert!(text.ends_with("\r\n\r\n01234"), "{path}: the 5 bytes, then the close: {text:?}");
    }
    server.wait_log("shorter than its Content-Length");
}

#[test]
fn close_is_called_once_after_a_normal_end() {
    let server = start("lifecycle:application");
    let response = server.get("/normal");
    assert_eq!(response.text(), "one\ntwo\n");
    let stats = server.get("/stats?closed=1").json();
    assert_eq!((&stats["calls"], &stats["closes"]), (&Json::Number(1.0), &Json::expect("[1]")), "{stats}");
    // Later requests do not close it again.
    server.get("/normal");
    assert_eq!(server.get("/stats?closed=2").json()["closes"], Json::expect("[1, 1]"));
}

#[test]
fn close_is_called_once_after_an_exception() {
    let server = start("lifecycle:application");
    // Before anything was sent: a 500.
    assert_eq!(server.get("/raise-first").status, 500);
    // After the first chunk: the connection is cut.
    let mut conn = server.connect();
    conn.send(format!("GET /raise-mid HTTP/1.1\r\nHost: {}\r\n\r\n", server.addr).as_bytes());
    let (bytes, _) = conn.read_to_close();
    assert!(bytes.ends_with(b"\r\n\r\n4\r\none\n\r\n"), "{}", String::from_utf8_lossy(&bytes));
    let stats = server.get("/stats?closed=2").json();
    assert_eq!(stats["closes"], Json::expect("[1, 1]"), "{stats}");
    let log = server.wait_log("raised after the first item was sent");
    assert!(log.contains("raised before the first item"), "{log}");
}

#[test]
fn close_is_called_once_for_head() {
    let server = start("lifecycle:application");
    let response = server.request("HEAD", "/normal", &[], b"");
    assert_eq!(response.status, 200);
    assert!(response.body.is_empty());
    let stats = server.get("/stats?closed=1").json();
    assert_eq!(stats["closes"], Json::expect("[1]"), "{stats}");
    assert_raw_snapshot!("head_response", response);
}

#[test]
fn close_is_called_once_when_the_client_disconnects() {
    let server = start("lifecycle:application");
    let mut conn = server.connect();
    conn.send(format!("GET /endless HTTP/1.1\r\nHost: {}\r\n\r\n", server.addr).as_bytes());
    conn.read_until_contains(b"xxxx");
    drop(conn); // mid-response
    let stats = server.get("/stats?closed=1").json();
    assert_eq!(stats["closes"], Json::expect("[1]"), "{stats}");
    assert!(stats["produced"].as_f64().unwrap() < 1024.0, "the generator ran to its end: {stats}");
    // The server is fine afterwards.
    assert_eq!(server.get("/normal").text(), "one\ntwo\n");
    assert_eq!(server.get("/stats?closed=2").json()["closes"], Json::expect("[1, 1]"));
}

fn pattern(size: usize) -> Vec<u8> {
    (0..size).map(|i| (i % 251) as u8).collect()
}

#[test]
fn file_wrapper_sends_files_and_closes_them() {
    let server = start("file_wrapper:application");
    let response = server.get("/file?size=100000&block=4096");
    assert_eq!(response.status, 200);
    assert!(response.body == pattern(100_000), "the file's bytes");
    assert!(response.chunks().iter().all(|c| c.len() <= 4096), "blocks of at most block_size");

    let response = server.get("/file-with-length?size=300000");
    assert_eq!(response.header("Content-Length"), Some("300000"));
    assert!(response.body == pattern(300_000));

    let response = server.get("/bytesio?size=70000");
    assert!(response.body == pattern(70_000));

    let response = server.get("/file?size=0");
    assert_eq!((response.status, response.body.len()), (200, 0));

    let stats = server.get("/stats?closed=4").json();
    assert_eq!(stats["closed"], Json::expect("[true, true, true, true]"), "{stats}");
}

// ------------------------------------------------------------------- faults

#[test]
fn faults_before_the_headers_give_a_500_and_the_server_serves_on() {
    let server = start("faults:application");
    let cases = [
        ("/raise-before", "AppError: raised before start_response"),
        ("/raise-after-start", "AppError: raised after start_response"),
        ("/return-str", "returned a str"),
        ("/return-bytes", "returned a bytes"),
        ("/yield-str", "yielded a str"),
        ("/list-with-str", "yielded a str"),
        ("/non-iterable", "returned int, which is not iterable"),
        ("/no-start-response", "without calling start_response()"),
        ("/no-start-response-gen", "before start_response() was called"),
        ("/no-start-response-empty", "without calling start_response()"),
    ];
    for (path, logged) in cases {
        let response = expect_500(&server, path, logged);
        assert!(response.body.len() < 100, "a short body, no traceback: {}", response.text());
        if path == "/raise-before" {
            assert_raw_snapshot!("fault_500", response);
        }
        let ok = server.get("/ok");
        assert_eq!((ok.status, ok.text().as_str()), (200, "ok\n"), "after {path}");
    }
    let log = server.stop();
    // The traceback of a raise is in the log.
    assert!(log.contains("Traceback (most recent call last)"), "{log}");
    for (path, logged) in cases {
        assert!(log.contains(&format!("GET {path}: ")), "the log names the request {path}:\n{log}");
        assert!(log.contains(logged), "{path}: {logged:?} not in the log:\n{log}");
    }
}

#[test]
fn a_fault_after_the_headers_aborts_the_connection() {
    let server = start("faults:application");
    let mut conn = server.connect();
    conn.send(format!("GET /raise-after-headers HTTP/1.1\r\nHost: {}\r\n\r\n", server.addr).as_bytes());
    let (bytes, _) = conn.read_to_close();
    let text = String::from_utf8_lossy(&bytes);
    assert!(text.starts_with("HTTP/1.1 200 OK\r\n"), "{text}");
    assert!(text.ends_with("\r\n\r\n8\r\npartial\n\r\n"), "the chunk, then a cut (no last chunk): {text:?}");
    assert!(!text.contains("500"), "never a 500 inside a body: {text}");
    server.wait_log("AppError: raised after the headers were sent");
    assert_eq!(server.get("/ok").status, 200);
}

#[test]
fn wsgi_errors_writes_reach_the_log() {
    let server = start("errors_stream:application");
    assert_eq!(server.get("/").text(), "logged\n");
    let log = server.stop();
    let lines: Vec<&str> =
        log.lines().filter_map(|line| line.split_once("[wsgi.errors] ").map(|(_, text)| text)).collect();
    assert_eq!(
        lines,
        [
            "errors: one line",
            "errors: in two pieces",
            "errors: lines a",
            "errors: lines b",
            "errors: no newline, flushed"
        ],
        "{log}"
    );
}

// ------------------------------------------------------------- command line

#[test]
fn an_app_that_cannot_be_loaded_is_a_clear_error_with_status_1() {
    let cases = [
        ("no_such_module:application", "ModuleNotFoundError: No module named 'no_such_module'"),
        ("environ_report:no_such_name", "AttributeError"),
        ("broken_import:application", "RuntimeError: this module cannot be imported"),
        ("content_length:ROUTES", "is not callable"),
        ("nothing_after_the_colon:", "expected MODULE:CALLABLE"),
    ];
    for (spec, expected) in cases {
        let exit = app(spec).run_to_exit();
        assert_eq!(exit.code, Some(1), "{spec}: {exit:?}");
        assert!(exit.stderr.contains(expected), "{spec}: {expected:?} not in:\n{}", exit.stderr);
        assert!(exit.stderr.contains(&format!("cannot load the application \"{spec}\"")), "{}", exit.stderr);
        assert!(!exit.stderr.contains("panicked"), "{spec}: a Rust panic:\n{}", exit.stderr);
        assert!(!exit.stdout.contains(" serving "), "{spec}: {exit:?}");
    }
    // An exception at import time comes with its traceback, down to the line.
    let exit = app("broken_import:application").run_to_exit();
    assert!(exit.stderr.contains("Traceback (most recent call last)"), "{}", exit.stderr);
    assert!(exit.stderr.contains("broken_import.py\", line "), "{}", exit.stderr);
    assert!(exit.stderr.contains("    raise RuntimeError(\"this module cannot be imported\")"), "{}", exit.stderr);
}

#[test]
fn app_names_follow_gunicorn() {
    // MODULE alone means MODULE:application; MODULE:factory() calls the factory
    // (the validated:wrap() of tests/frameworks.rs).
    let server = start("errors_stream");
    assert_eq!(server.get("/").text(), "logged\n");
}

#[test]
fn help_explains_the_options() {
    let exit = ServerBuilder::new("--help", apps_dir()).run_to_exit();
    assert_eq!(exit.code, Some(0), "{exit:?}");
    for option in
        ["--bind", "--threads", "--chdir", "--pythonpath", "--max-body", "--spool-threshold", "MODULE:CALLABLE"]
    {
        assert!(exit.stdout.contains(option), "{option} not in --help:\n{}", exit.stdout);
    }
}
