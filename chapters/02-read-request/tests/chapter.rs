//! The tests of chapter 2, shared by the reference and your exercise.
//!
//! Snapshots live in `tests/snapshots/`, recorded from the reference.
//! `cargo run -p course -- check 2` runs them against `exercise/head.rs`.

use std::fmt::Write as _;
use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::thread;

use ch02_read_request::head::{find_head_end, parse_request_line};
use ch02_read_request::{parse_head, read_head};
use proptest::prelude::*;

/// Shows raw HTTP bytes with every `\r\n` made visible.
fn raw(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).replace("\r\n", "\\r\\n\n")
}

/// A reader that hands out at most `step` bytes per `read`, like a slow
/// network: the honest way to test framing without real sockets or timing.
struct Trickle {
    data: Vec<u8>,
    pos: usize,
    step: usize,
    reads: usize,
}

impl Read for Trickle {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.step.min(buf.len()).min(self.data.len() - self.pos);
        buf[..n].copy_from_slice(&self.data[self.pos..self.pos + n]);
        self.pos += n;
        self.reads += 1;
        Ok(n)
    }
}

#[test]
fn the_head_ends_just_after_the_blank_line() {
    let cases: &[&[u8]] = &[
        b"",
        b"GET / HTTP/1.1\r\n",
        b"GET / HTTP/1.1\r\nHost: x\r\n",
        b"GET / HTTP/1.1\r\nHost: x\r\n\r",
        b"GET / HTTP/1.1\r\nHost: x\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: x\r\n\r\nbody bytes",
        b"GET / HTTP/1.1\n\n",
        b"\r\n\r\n",
        b"\r\n\r",
    ];
    let mut report = String::new();
    for case in cases {
        writeln!(
            report,
            "{:?} -> {:?}",
            String::from_utf8_lossy(case),
            find_head_end(case)
        )
        .unwrap();
    }
    insta::assert_snapshot!("ch02_find_head_end", report);
}

#[test]
fn a_request_line_has_exactly_three_parts() {
    let cases = [
        "GET / HTTP/1.1",
        "POST /submit?x=1 HTTP/1.0",
        "OPTIONS * HTTP/1.1",
        "GET /",
        "GET  / HTTP/1.1",
        "GET / HTTP/1.1 extra",
        " / HTTP/1.1",
        "GET / SPDY/3",
        "",
    ];
    let mut report = String::new();
    for case in cases {
        writeln!(report, "{case:?} -> {:?}", parse_request_line(case)).unwrap();
    }
    insta::assert_snapshot!("ch02_request_lines", report);
}

#[test]
fn read_head_waits_for_the_blank_line_even_one_byte_at_a_time() {
    let request = b"GET /slow HTTP/1.1\r\nHost: example\r\n\r\nHELLO".to_vec();
    let mut trickle = Trickle {
        data: request,
        pos: 0,
        step: 1,
        reads: 0,
    };
    let (head, rest) = read_head(&mut trickle).expect("a complete head");
    // One read per byte of the head, and not one more: the loop stops as soon
    // as the blank line is there, leaving "HELLO" unread.
    let report = format!(
        "reads: {}\nhead:\n{}\nrest: {:?}\nparsed: {:#?}",
        trickle.reads,
        raw(&head),
        String::from_utf8_lossy(&rest),
        parse_head(&head).unwrap()
    );
    insta::assert_snapshot!("ch02_trickled_head", report);
}

#[test]
fn bytes_after_the_head_are_kept_not_thrown_away() {
    let data =
        b"POST /form HTTP/1.1\r\nContent-Length: 5\r\n\r\nHELLOGET /next HTTP/1.1\r\n".to_vec();
    let mut all_at_once = Trickle {
        data,
        pos: 0,
        step: 4096,
        reads: 0,
    };
    let (head, rest) = read_head(&mut all_at_once).unwrap();
    let report = format!(
        "head:\n{}\nrest: {:?}",
        raw(&head),
        String::from_utf8_lossy(&rest)
    );
    insta::assert_snapshot!("ch02_leftover_bytes", report);
}

#[test]
fn a_client_that_hangs_up_early_is_an_error_not_a_hang() {
    let mut cut_short = Trickle {
        data: b"GET / HTTP/1.1\r\nHost:".to_vec(),
        pos: 0,
        step: 7,
        reads: 0,
    };
    let error = read_head(&mut cut_short).unwrap_err();
    insta::assert_snapshot!("ch02_closed_early", format!("{error:?}"));
}

#[test]
fn a_real_client_gets_its_request_described() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let server = thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        ch02_read_request::handle_connection(stream).map(|request| request.line)
    });

    let mut client = TcpStream::connect(addr).unwrap();
    // Two writes: the server may see them in one read or two. Either way the
    // answer must be the same, which is the point of framing.
    client
        .write_all(b"GET /hello?name=tcp HTTP/1.1\r\nHost: localhost\r\n")
        .unwrap();
    client
        .write_all(b"User-Agent: chapter-2-test\r\n\r\n")
        .unwrap();
    client.shutdown(Shutdown::Write).unwrap();
    let mut response = Vec::new();
    client.read_to_end(&mut response).unwrap();
    insta::assert_snapshot!("ch02_over_tcp", raw(&response));
    server
        .join()
        .expect("server thread panicked")
        .expect("a parsed request");
}

/// Heads built from arbitrary header names and values (never containing a
/// line break, as the grammar requires).
fn any_head() -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(("[A-Za-z-]{1,12}", "[ -~]{0,20}"), 0..6).prop_map(|headers| {
        let mut head = String::from("GET /p HTTP/1.1\r\n");
        for (name, value) in headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str("\r\n");
        head.into_bytes()
    })
}

proptest! {
    // No regression files: a failing exercise must not litter the chapter.
    // `default()` still honours PROPTEST_CASES from the environment.
    #![proptest_config(ProptestConfig { failure_persistence: None, ..ProptestConfig::default() })]

    /// However the bytes are cut, a prefix that stops short of the blank line
    /// has no end yet, and a longer one finds the same end.
    #[test]
    fn every_prefix_agrees_on_where_the_head_ends(head in any_head(), body in "[ -~]{0,10}", cut in any::<prop::sample::Index>()) {
        let mut bytes = head.clone();
        bytes.extend_from_slice(body.as_bytes());
        let cut = cut.index(bytes.len() + 1);
        let expected = if cut >= head.len() { Some(head.len()) } else { None };
        prop_assert_eq!(find_head_end(&bytes[..cut]), expected);
    }

    /// Reading in any chunk size yields the same head and leftover bytes.
    #[test]
    fn read_head_does_not_care_how_the_bytes_are_cut(head in any_head(), step in 1usize..64) {
        let mut bytes = head.clone();
        bytes.extend_from_slice(b"REST");
        let mut trickle = Trickle { data: bytes, pos: 0, step, reads: 0 };
        let (got_head, rest) = read_head(&mut trickle).unwrap();
        prop_assert_eq!(got_head, head);
        prop_assert!(b"REST".starts_with(&rest));
    }
}
