//! The fixture table: raw requests in, raw responses out.
//!
//! Each `fixtures/requests/NAME.http` holds the exact bytes a client sends
//! (CRLFs and all). The test sends them on a fresh connection, shuts down its
//! sending side, reads until the server closes, and compares what came back
//! with `fixtures/responses/NAME.snap`. The snapshot's header repeats the
//! request (its `description`), so each `.snap` file reads as one exchange.
//!
//! Files named `limit-*` are sent to a server with tight limits (see
//! [`limits_config`]) so the limit rules can be shown with small files; every
//! other fixture goes to a server with `Config::default()`.
//!
//! To add a fixture: write the `.http` file (with `printf` or Python, so the
//! bytes are exact), run
//! `INSTA_UPDATE=always cargo test -p wsgi-server --test engine fixtures`,
//! read the new `.snap` against RFC 9112, and commit both.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use wsgi_server::http::Config;

use crate::common::{exchange, render, try_parse_responses, TestServer};

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// The server for `limit-*` fixtures: a 64-byte request line, a 2 KiB header
/// section and a 64-byte body. (The 100-field cap is fixed, not configurable.)
pub fn limits_config() -> Config {
    Config { max_request_line: 64, max_head: 2048, max_body: 64, ..Config::default() }
}

/// Fixtures whose response is deliberately cut short: the engine closes the
/// connection so the client can tell the body is incomplete.
const TRUNCATED_ON_PURPOSE: &[&str] = &["short-body-closes"];

fn fixture_names() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(fixtures_dir().join("requests"))
        .expect("the fixtures folder")
        .map(|entry| entry.expect("a directory entry").file_name().to_string_lossy().into_owned())
        .filter_map(|file| file.strip_suffix(".http").map(str::to_string))
        .collect();
    names.sort();
    names
}

#[test]
fn every_fixture_gets_its_snapshot_response() {
    let default_server = TestServer::echo(Config::default());
    let limits_server = TestServer::echo(limits_config());
    let names = fixture_names();
    assert!(names.len() >= 150, "the fixture table went missing ({} files)", names.len());

    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("../fixtures/responses");
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    // IMF-fixdate exactly: a malformed Date would not be redacted, so the
    // snapshot would fail the next second.
    settings.add_filter(
        r"Date: (Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d\d:\d\d:\d\d GMT\\r",
        r"Date: [date]\r",
    );

    let mut failures = Vec::new();
    for name in &names {
        let path = fixtures_dir().join("requests").join(format!("{name}.http"));
        let request = std::fs::read(&path).expect("read the fixture");
        let addr = if name.starts_with("limit-") { limits_server.addr } else { default_server.addr };
        let response = exchange(addr, &request);

        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            check_invariants(name, &request, &response);
            let mut settings = settings.clone();
            settings.set_input_file(&path);
            settings.bind(|| insta::assert_snapshot!(name.as_str(), exchange_text(&request, &response)));
        }));
        if outcome.is_err() {
            failures.push(name.clone());
        }
    }
    assert!(failures.is_empty(), "{} fixture(s) failed: {failures:?}", failures.len());
}

/// The snapshot text: the request, then everything the server sent.
fn exchange_text(request: &[u8], response: &[u8]) -> String {
    let block = |bytes: &[u8]| {
        let mut text = render(bytes);
        if !text.is_empty() && !text.ends_with('\n') {
            text.push('\n'); // layout only: a real LF shows as `\n`
        }
        text
    };
    format!(
        "=== request ({} bytes)\n{}=== response ({} bytes)\n{}",
        request.len(),
        block(request),
        response.len(),
        block(response)
    )
}

/// Rules every exchange obeys, whatever its snapshot says.
fn check_invariants(name: &str, request: &[u8], response: &[u8]) {
    let text = String::from_utf8_lossy(response);
    // Requests hidden behind a refused one, or after a closing one, are never answered.
    for never in ["/smuggled", "/never-answered"] {
        assert!(!text.contains(never), "{name}: {never} was answered");
    }
    let heads = [request.starts_with(b"HEAD ")];
    let responses = match try_parse_responses(response, &heads) {
        Ok(responses) => responses,
        Err((_, error)) if TRUNCATED_ON_PURPOSE.contains(&name) => {
            assert_eq!(error.kind(), std::io::ErrorKind::UnexpectedEof, "{name}");
            return;
        }
        Err((_, error)) => panic!("{name}: the response is not well-formed HTTP/1.1: {error}"),
    };
    for (index, response) in responses.iter().enumerate() {
        assert!(response.header("date").is_some() || response.status < 200, "{name}: no Date");
        let last = index + 1 == responses.len();
        if response.body.starts_with(format!("{} ", response.status).as_bytes()) {
            // The engine's own error responses (`400 Bad Request: detail`) end
            // the connection: nothing after a refused request is trusted.
            assert!(last, "{name}: a response followed a {}", response.status);
            assert_eq!(response.header("connection"), Some("close"), "{name}: error without close");
        }
        if response.header("connection") == Some("close") {
            assert!(last, "{name}: a response followed Connection: close");
        }
    }
}

#[test]
fn every_snapshot_has_its_fixture() {
    let names: BTreeSet<String> = fixture_names().into_iter().collect();
    let stale: Vec<String> = std::fs::read_dir(fixtures_dir().join("responses"))
        .expect("the responses folder")
        .map(|entry| entry.expect("a directory entry").file_name().to_string_lossy().into_owned())
        .filter(|file| file.ends_with(".snap"))
        .filter(|file| !names.contains(file.trim_end_matches(".snap")))
        .collect();
    assert!(stale.is_empty(), "snapshots without a fixture: {stale:?}");
}
