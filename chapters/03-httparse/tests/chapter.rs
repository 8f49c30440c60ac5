//! The tests of chapter 3, shared by the reference and your exercise.
//!
//! Snapshots live in `tests/snapshots/`, recorded from the reference.
//! `cargo run -p course -- check 3` runs them against `exercise/parse.rs`.

use std::fmt::Write as _;
use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::thread;

use ch03_httparse::parse::{parse_head, Parsed, MAX_HEAD_BYTES};
use ch03_httparse::{read_request_head, respond_to};
use proptest::prelude::*;

/// Shows raw HTTP bytes with every `\r\n` made visible.
fn raw(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).replace("\r\n", "\\r\\n\n")
}

/// A reader that hands out at most `step` bytes per `read`, like a slow network.
struct Trickle {
    data: Vec<u8>,
    pos: usize,
    step: usize,
}

impl Read for Trickle {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.step.min(buf.len()).min(self.data.len() - self.pos);
        buf[..n].copy_from_slice(&self.data[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

const CURL: &[u8] = b"GET /hello?x=1 HTTP/1.1\r\nHost: 127.0.0.1:7878\r\nUser-Agent: curl/8.5.0\r\nAccept: */*\r\n\r\n";

#[test]
fn a_complete_head_becomes_an_owned_request_head() {
    insta::assert_snapshot!("ch03_complete_head", format!("{:#?}", parse_head(CURL)));
}

#[test]
fn a_prefix_of_a_head_is_partial_until_the_blank_line() {
    let mut report = String::new();
    for cut in [0, 3, 4, 14, 24, 25, CURL.len() - 2, CURL.len() - 1] {
        let prefix = &CURL[..cut];
        writeln!(
            report,
            "{:>3} bytes {:?} -> {:?}",
            cut,
            String::from_utf8_lossy(prefix),
            parse_head(prefix)
        )
        .unwrap();
    }
    insta::assert_snapshot!("ch03_partial_head", report);
}

#[test]
fn the_head_reports_how_many_bytes_it_used() {
    let mut bytes = CURL.to_vec();
    bytes.extend_from_slice(b"GET /next HTTP/1.1\r\n");
    let Ok(Parsed::Complete { len, .. }) = parse_head(&bytes) else {
        panic!("expected a complete head")
    };
    insta::assert_snapshot!(
        "ch03_head_len",
        format!(
            "head used {len} of {} bytes; left: {:?}",
            bytes.len(),
            String::from_utf8_lossy(&bytes[len..])
        )
    );
}

#[test]
fn broken_and_oversized_heads_are_errors() {
    let too_many: String = (0..40).map(|i| format!("X-{i}: 1\r\n")).collect();
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("space in method", b"GE T / HTTP/1.1\r\n\r\n".to_vec()),
        ("unknown version", b"GET / HTTP/9.9\r\n\r\n".to_vec()),
        (
            "header without colon",
            b"GET / HTTP/1.1\r\nHost\r\n\r\n".to_vec(),
        ),
        (
            "40 headers",
            format!("GET / HTTP/1.1\r\n{too_many}\r\n").into_bytes(),
        ),
        (
            "8 KiB without a blank line",
            [
                b"GET / HTTP/1.1\r\nX-Big: ".as_slice(),
                &[b'a'; MAX_HEAD_BYTES],
            ]
            .concat(),
        ),
        (
            "latin-1 value",
            b"GET / HTTP/1.1\r\nX-Name: caf\xe9\r\n\r\n".to_vec(),
        ),
        ("HTTP/1.0", b"GET / HTTP/1.0\r\n\r\n".to_vec()),
    ];
    let mut report = String::new();
    for (name, bytes) in cases {
        writeln!(report, "{name}: {:?}", parse_head(&bytes)).unwrap();
    }
    insta::assert_snapshot!("ch03_errors", report);
}

#[test]
fn two_pipelined_heads_come_out_one_after_the_other() {
    let mut data = CURL.to_vec();
    data.extend_from_slice(b"POST /second HTTP/1.1\r\nContent-Length: 0\r\n\r\n");
    let mut stream = Trickle {
        data,
        pos: 0,
        step: 5,
    };
    let mut buf = Vec::new();
    let first = read_request_head(&mut stream, &mut buf).unwrap();
    let second = read_request_head(&mut stream, &mut buf).unwrap();
    let end = read_request_head(&mut stream, &mut buf).unwrap_err();
    insta::assert_snapshot!("ch03_pipelined", format!("{first:?}\n{second:?}\n{end:?}"));
}

#[test]
fn each_failure_gets_its_status_code() {
    let mut report = String::new();
    for bytes in [&b"BAD\x01 / HTTP/1.1\r\n\r\n"[..], &[b'x'; 9000][..]] {
        let mut stream = Trickle {
            data: bytes.to_vec(),
            pos: 0,
            step: 4096,
        };
        let result = read_request_head(&mut stream, &mut Vec::new());
        let response = respond_to(&result).expect("a response");
        report.push_str(&raw(&response));
        report.push_str("\n---\n");
    }
    insta::assert_snapshot!("ch03_error_responses", report);
}

#[test]
fn a_real_client_gets_its_head_echoed() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let server = thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        ch03_httparse::handle_connection(stream).map(|head| head.path)
    });
    let mut client = TcpStream::connect(addr).unwrap();
    client
        .write_all(b"GET /over/tcp HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .unwrap();
    client.shutdown(Shutdown::Write).unwrap();
    let mut response = Vec::new();
    client.read_to_end(&mut response).unwrap();
    insta::assert_snapshot!("ch03_over_tcp", raw(&response));
    assert_eq!(
        server.join().expect("server thread panicked").unwrap(),
        "/over/tcp"
    );
}

/// Heads with arbitrary paths and headers, always valid HTTP.
fn any_head() -> impl Strategy<Value = Vec<u8>> {
    let header = ("[A-Za-z][A-Za-z0-9-]{0,10}", "[!-~]([ -~]{0,15}[!-~])?");
    (
        "/[a-z0-9/._~-]{0,20}",
        proptest::collection::vec(header, 0..8),
    )
        .prop_map(|(path, headers)| {
            let mut head = format!("GET {path} HTTP/1.1\r\n");
            for (name, value) in headers {
                head.push_str(&format!("{name}: {value}\r\n"));
            }
            head.push_str("\r\n");
            head.into_bytes()
        })
}

proptest! {
    // No regression files: a failing exercise must not litter the chapter.
    #![proptest_config(ProptestConfig { failure_persistence: None, ..ProptestConfig::default() })]

    /// Feed the bytes in any chunk sizes, parsing after each read: the answer
    /// is `Partial` until the whole head is there, then the very same head
    /// that one big read gives.
    #[test]
    fn any_split_of_the_bytes_parses_to_the_same_head(head in any_head(), sizes in proptest::collection::vec(1usize..16, 1..64)) {
        let whole = parse_head(&head).unwrap();
        let used_all = matches!(&whole, Parsed::Complete { len, .. } if *len == head.len());
        prop_assert!(used_all, "the head should use all {} bytes", head.len());
        let mut buf = Vec::new();
        let mut pos = 0;
        for size in sizes.iter().cycle() {
            let end = (pos + size).min(head.len());
            buf.extend_from_slice(&head[pos..end]);
            pos = end;
            let parsed = parse_head(&buf).unwrap();
            if pos < head.len() {
                prop_assert_eq!(parsed, Parsed::Partial);
            } else {
                prop_assert_eq!(parsed, whole);
                break;
            }
        }
    }
}
