//! The tests of chapter 4, shared by the reference and your exercise.
//!
//! Snapshots live in `tests/snapshots/`, recorded from the reference.
//! `cargo run -p course -- check 4` runs them against `exercise/encode.rs`.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::thread;

use ch04_responses::encode::{encode, Body, Response};
use proptest::prelude::*;

/// Shows raw HTTP bytes with every `\r\n` made visible.
fn raw(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).replace("\r\n", "\\r\\n\n")
}

fn plain(status: u16, body: Body) -> Response {
    Response {
        status,
        headers: vec![("Content-Type".into(), "text/plain".into())],
        body,
    }
}

#[test]
fn a_full_body_is_framed_by_content_length() {
    let response = plain(200, Body::Full(b"Hello, world!\n".to_vec()));
    insta::assert_snapshot!("ch04_full_keep_alive", raw(&encode(&response, true)));
}

#[test]
fn closing_the_connection_is_announced() {
    let response = Response {
        status: 404,
        headers: vec![],
        body: Body::Full(b"nothing here\n".to_vec()),
    };
    insta::assert_snapshot!("ch04_full_close", raw(&encode(&response, false)));
}

#[test]
fn a_chunked_body_sends_hex_sizes_and_a_zero_chunk() {
    // The empty piece in the middle must not be sent: "0" means "the end".
    let pieces = vec![
        b"Hello, ".to_vec(),
        Vec::new(),
        b"chunked world! It is 31 bytes.\n".to_vec(),
    ];
    let response = plain(200, Body::Chunked(pieces));
    insta::assert_snapshot!("ch04_chunked", raw(&encode(&response, true)));
}

#[test]
fn an_empty_chunked_body_is_just_the_last_chunk() {
    let response = Response {
        status: 200,
        headers: vec![],
        body: Body::Chunked(vec![]),
    };
    insta::assert_snapshot!("ch04_chunked_empty", raw(&encode(&response, false)));
}

#[test]
fn status_lines_carry_their_reason_phrase() {
    let lines: Vec<String> = [200, 201, 400, 404, 405, 431, 500, 299]
        .into_iter()
        .map(|status| {
            let bytes = encode(
                &Response {
                    status,
                    headers: vec![],
                    body: Body::Full(vec![]),
                },
                true,
            );
            let text = String::from_utf8_lossy(&bytes).into_owned();
            text.lines().next().unwrap_or_default().to_string()
        })
        .collect();
    insta::assert_snapshot!("ch04_status_lines", lines.join("\n"));
}

#[test]
fn one_connection_carries_several_requests() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let server = thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        ch04_responses::handle_connection(&mut stream)
    });
    let mut client = TcpStream::connect(addr).unwrap();
    // Three requests; the last asks the server to close afterwards, so
    // reading to the end returns exactly three responses.
    client
        .write_all(
            b"GET / HTTP/1.1\r\nHost: x\r\n\r\n\
              GET /chunked HTTP/1.1\r\nHost: x\r\n\r\n\
              GET /missing HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        )
        .unwrap();
    let mut responses = Vec::new();
    client.read_to_end(&mut responses).unwrap();
    insta::assert_snapshot!("ch04_keep_alive_over_tcp", raw(&responses));
    let served = server.join().expect("server thread panicked").unwrap();
    assert_eq!(served, 3);
}

/// Decodes a chunked body the simple way: size line, data, CRLF, until 0.
fn decode_chunked(mut body: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let line_end = body.windows(2).position(|w| w == b"\r\n")?;
        let size = usize::from_str_radix(std::str::from_utf8(&body[..line_end]).ok()?, 16).ok()?;
        body = &body[line_end + 2..];
        if size == 0 {
            return (body == b"\r\n").then_some(out);
        }
        out.extend_from_slice(body.get(..size)?);
        if body.get(size..size + 2)? != b"\r\n" {
            return None;
        }
        body = &body[size + 2..];
    }
}

/// The body that follows the head of an encoded response.
fn after_head(bytes: &[u8]) -> &[u8] {
    let end = bytes
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a head")
        + 4;
    &bytes[end..]
}

proptest! {
    // No regression files: a failing exercise must not litter the chapter.
    #![proptest_config(ProptestConfig { failure_persistence: None, ..ProptestConfig::default() })]

    /// Whatever the pieces, a client decoding the chunks gets the whole body back.
    #[test]
    fn chunked_pieces_decode_to_the_whole_body(pieces in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..40), 0..10)) {
        let whole: Vec<u8> = pieces.concat();
        let bytes = encode(&plain(200, Body::Chunked(pieces)), true);
        prop_assert_eq!(decode_chunked(after_head(&bytes)), Some(whole));
    }

    /// A full body is sent as is, and Content-Length counts exactly its bytes.
    #[test]
    fn content_length_matches_the_body(body in proptest::collection::vec(any::<u8>(), 0..300)) {
        let bytes = encode(&plain(200, Body::Full(body.clone())), false);
        let header = format!("Content-Length: {}\r\n", body.len());
        prop_assert!(String::from_utf8_lossy(&bytes).contains(&header));
        prop_assert_eq!(after_head(&bytes), &body[..]);
    }
}
