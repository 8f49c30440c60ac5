//! The default limits at their exact boundaries, over real sockets.
//!
//! The fixture table shows each limit with a small server config; these tests
//! check the numbers the issue names (8 KiB request line, 64 KiB header
//! section, 100 fields) with `Config::default()`, one byte either side.

use std::io::{BufReader, Read, Write};
use std::time::Duration;

use wsgi_server::http::Config;

use crate::common::{connect, exchange, parse_responses, read_response, read_to_close, TestServer};

/// A GET whose request line (without CRLF) is exactly `len` bytes.
fn request_line_of(len: usize) -> Vec<u8> {
    let fixed = "GET / HTTP/1.1".len();
    let path = format!("/{}", "a".repeat(len - fixed));
    format!("GET {path} HTTP/1.1\r\nHost: example.test\r\n\r\n").into_bytes()
}

/// A GET whose whole head (request line to the final CRLF) is exactly `len` bytes.
fn head_of(len: usize) -> Vec<u8> {
    let start = b"GET / HTTP/1.1\r\nHost: example.test\r\nX-Pad: ";
    let end = b"\r\n\r\n";
    let mut head = start.to_vec();
    head.resize(len - end.len(), b'p');
    head.extend_from_slice(end);
    assert_eq!(head.len(), len);
    head
}

fn status_of(bytes: &[u8]) -> u16 {
    parse_responses(bytes, &[false]).first().expect("a response").status
}

#[test]
fn request_line_of_8_kib_is_served_and_one_byte_more_is_414() {
    let server = TestServer::echo(Config::default());
    assert_eq!(status_of(&exchange(server.addr, &request_line_of(8192))), 200);
    assert_eq!(status_of(&exchange(server.addr, &request_line_of(8193))), 414);
    // A request line that never ends is refused as soon as it is too long.
    let mut endless = b"GET /".to_vec();
    endless.resize(9000, b'a');
    assert_eq!(status_of(&exchange(server.addr, &endless)), 414);
}

#[test]
fn header_section_of_64_kib_is_served_and_one_byte_more_is_431() {
    let server = TestServer::echo(Config::default());
    assert_eq!(status_of(&exchange(server.addr, &head_of(64 * 1024))), 200);
    assert_eq!(status_of(&exchange(server.addr, &head_of(64 * 1024 + 1))), 431);
}

#[test]
fn a_header_line_that_never_ends_is_431_without_buffering_it_all() {
    let server = TestServer::echo(Config::default());
    let mut stream = connect(server.addr);
    stream.write_all(b"GET / HTTP/1.1\r\nHost: example.test\r\nX-Endless: ").unwrap();
    // Send far more than the limit, in pieces, never a line end. The server
    // answers once it holds 64 KiB; later pieces may find it gone.
    let piece = vec![b'v'; 16 * 1024];
    for _ in 0..16 {
        if stream.write_all(&piece).is_err() {
            break;
        }
    }
    let response = read_to_close(&mut stream);
    let responses = parse_responses(&response, &[false]);
    assert_eq!(responses.len(), 1);
    assert_eq!(responses[0].status, 431);
    assert_eq!(responses[0].header("connection"), Some("close"));
}

#[test]
fn exactly_100_fields_are_served_and_101_are_431() {
    let server = TestServer::echo(Config::default());
    let with_fields = |count: usize| {
        let mut head = b"GET / HTTP/1.1\r\nHost: example.test\r\n".to_vec();
        for i in 1..count {
            head.extend_from_slice(format!("X-Field-{i}: {i}\r\n").as_bytes());
        }
        head.extend_from_slice(b"\r\n");
        head
    };
    assert_eq!(status_of(&exchange(server.addr, &with_fields(100))), 200);
    assert_eq!(status_of(&exchange(server.addr, &with_fields(101))), 431);
}

/// The 413 comes before the body: the client sent none and still gets it,
/// on a connection it keeps open (so the server cannot be waiting for EOF).
#[test]
fn content_length_over_max_body_is_413_before_any_body_byte() {
    let server = TestServer::echo(Config::default());
    for expect in ["", "Expect: 100-continue\r\n"] {
        let mut stream = connect(server.addr);
        let head =
            format!("PUT /upload HTTP/1.1\r\nHost: example.test\r\nContent-Length: {}\r\n{expect}\r\n", 2u64 << 30);
        stream.write_all(head.as_bytes()).unwrap();
        let mut reader = BufReader::new(stream);
        let response = read_response(&mut reader, false).unwrap().expect("a response");
        // No "100 Continue" first: the client must not be invited to send 2 GiB.
        assert_eq!(response.status, 413, "with {expect:?}");
        assert_eq!(response.header("connection"), Some("close"));
        let mut rest = Vec::new();
        reader.read_to_end(&mut rest).unwrap();
        assert!(rest.is_empty(), "bytes after the 413: {rest:?}");
    }
}

#[test]
fn bodies_over_the_spool_threshold_go_through_a_temporary_file() {
    let server = TestServer::echo(Config { spool_threshold: 1024, ..Config::default() });
    let body: Vec<u8> = (0..100_000u32).map(|i| b'a' + (i % 26) as u8).collect();
    let mut request =
        format!("POST /upload HTTP/1.1\r\nHost: example.test\r\nContent-Length: {}\r\n\r\n", body.len()).into_bytes();
    request.extend_from_slice(&body);
    // The same body chunked, in uneven chunks.
    request.extend_from_slice(b"POST /chunked HTTP/1.1\r\nHost: example.test\r\nTransfer-Encoding: chunked\r\n\r\n");
    for piece in body.chunks(7919) {
        wsgi_server::http::chunked::encode_chunk(piece, &mut request);
    }
    request.extend_from_slice(wsgi_server::http::chunked::LAST_CHUNK);
    let responses = parse_responses(&exchange(server.addr, &request), &[]);
    assert_eq!(responses.len(), 2);
    for response in &responses {
        assert_eq!(response.status, 200);
        assert_eq!(response.echo("body-length").as_deref(), Some("100000"));
        // The echo shows the first 200 bytes of what it read back.
        let shown = response.echo("body").unwrap();
        assert_eq!(shown.as_bytes(), &body[..200]);
    }
}

/// `max_connections`: past the cap, a client waits in the listen backlog and
/// is served as soon as a slot frees up.
#[test]
fn connections_over_the_cap_wait_for_a_free_slot() {
    let server = TestServer::echo(Config { max_connections: 2, ..Config::default() });
    let mut first = connect(server.addr);
    let mut second = connect(server.addr);
    // Both slots are taken once each connection has been answered.
    for stream in [&mut first, &mut second] {
        stream.write_all(&crate::common::get("/held")).unwrap();
        let response = read_response(&mut BufReader::new(&*stream), false).unwrap().unwrap();
        assert_eq!(response.status, 200);
    }
    let mut third = connect(server.addr); // completes in the kernel's backlog
    third.write_all(&crate::common::get("/third")).unwrap();
    // Not served while both slots are held. (This read can only wrongly pass,
    // never wrongly fail: a server that ignored the cap answers within it.)
    third.set_read_timeout(Some(Duration::from_millis(300))).unwrap();
    let mut byte = [0u8; 1];
    let early = third.read(&mut byte);
    assert!(early.is_err(), "served past the cap: {early:?}");
    // Free a slot: the third client is accepted and answered.
    drop(first);
    third.set_read_timeout(Some(crate::common::PATIENCE)).unwrap();
    let response = read_response(&mut BufReader::new(&third), false).unwrap().unwrap();
    assert_eq!(response.echo("path").as_deref(), Some("/third"));
}

/// A client whose own request said `Connection: close` is closed at once,
/// without the lingering close (shutdown, then wait up to 2 s for its FIN)
/// that protects clients who may still be sending: it frees its slot at once.
#[test]
fn a_client_that_asked_to_close_frees_its_slot_at_once() {
    let server = TestServer::echo(Config { max_connections: 1, ..Config::default() });
    let mut first = connect(server.addr);
    first.write_all(b"GET /last HTTP/1.1\r\nHost: example.test\r\nConnection: close\r\n\r\n").unwrap();
    let answer = read_to_close(&mut first);
    assert_eq!(parse_responses(&answer, &[false])[0].status, 200);
    // `first` stays open and sends no FIN. A lingering server would hold the
    // only slot for two seconds; this one has closed it already.
    let mut second = connect(server.addr);
    second.write_all(&crate::common::get("/next")).unwrap();
    second.set_read_timeout(Some(Duration::from_secs(1))).unwrap();
    let response = read_response(&mut BufReader::new(&second), false)
        .expect("answered within a second: the first connection's slot was freed at once")
        .unwrap();
    assert_eq!(response.echo("path").as_deref(), Some("/next"));
    drop(first);
}
