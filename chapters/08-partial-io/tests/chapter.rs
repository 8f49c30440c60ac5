//! The tests of chapter 8, shared by the reference and your exercise.
//!
//! Snapshots live in `tests/snapshots/`, recorded from the reference.
//! `cargo run -p course -- check 8` runs them against `exercise/chunked.rs`.

use std::collections::VecDeque;
use std::fmt::Write as _;
use std::io::{self, ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::thread;
use std::time::Duration;

use ch08_partial_io::chunked::{ChunkedDecoder, ChunkedError};
use ch08_partial_io::conn::{Connection, WriteQueue};
use proptest::prelude::*;

/// Shows raw HTTP bytes with every `\r\n` made visible.
fn raw(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).replace("\r\n", "\\r\\n\n")
}

/// Feeds `pieces` to a decoder the way a connection does: append each piece
/// to a buffer, decode, drop the bytes the decoder used. Returns the body,
/// whether it finished, and the bytes left in the buffer.
fn feed<'a>(
    pieces: impl IntoIterator<Item = &'a [u8]>,
) -> Result<(Vec<u8>, bool, Vec<u8>), ChunkedError> {
    let mut decoder = ChunkedDecoder::default();
    let mut buffer = Vec::new();
    let mut body = Vec::new();
    for piece in pieces {
        buffer.extend_from_slice(piece);
        let used = decoder.decode(&buffer, &mut body)?;
        buffer.drain(..used);
    }
    Ok((body, decoder.is_done(), buffer))
}

#[test]
fn chunked_bodies_decode_and_stop_at_their_end() {
    let cases: &[(&str, &[u8])] = &[
        ("one chunk", b"5\r\nhello\r\n0\r\n\r\n"),
        ("two chunks", b"6\r\nhello \r\n5\r\nworld\r\n0\r\n\r\n"),
        ("uppercase hex", b"A\r\n0123456789\r\n0\r\n\r\n"),
        ("an extension", b"5;name=value\r\nhello\r\n0\r\n\r\n"),
        (
            "trailers",
            b"2\r\nhi\r\n0\r\nX-Checksum: 42\r\nX-Other: 1\r\n\r\n",
        ),
        ("empty body", b"0\r\n\r\n"),
        (
            "next request after",
            b"2\r\nhi\r\n0\r\n\r\nGET /next HTTP/1.1\r\n",
        ),
        ("not finished", b"5\r\nhel"),
        ("not hex", b"zz\r\nhello\r\n0\r\n\r\n"),
        ("a plus sign", b"+5\r\nhello\r\n0\r\n\r\n"),
        ("empty size", b"\r\nhello\r\n0\r\n\r\n"),
        ("too big for usize", b"fffffffffffffffffffff\r\n"),
        ("no CRLF after data", b"5\r\nhelloXX0\r\n\r\n"),
        ("endless size line", &[b'1'; 2000]),
    ];
    let mut report = String::new();
    for (name, bytes) in cases {
        let line = match feed([*bytes]) {
            Ok((body, done, rest)) => format!(
                "body {:?}, done: {done}, left in buffer: {:?}",
                String::from_utf8_lossy(&body),
                String::from_utf8_lossy(&rest)
            ),
            Err(err) => format!("error {err:?}"),
        };
        writeln!(report, "{name:>20}: {line}").unwrap();
    }
    insta::assert_snapshot!("ch08_decode_examples", report);
}

#[test]
fn the_decoder_waits_for_half_lines_and_half_crlfs() {
    // Cut right inside the size line, the data, and the CRLFs.
    let mut decoder = ChunkedDecoder::default();
    let mut buffer = Vec::new();
    let mut body = Vec::new();
    let mut trace = String::new();
    for piece in [
        "1",
        "0\r",
        "\nsixteen",
        " bytes ok\r",
        "\n0",
        "\r\n\r",
        "\n",
    ] {
        buffer.extend_from_slice(piece.as_bytes());
        let used = decoder.decode(&buffer, &mut body).unwrap();
        buffer.drain(..used);
        writeln!(
            trace,
            "{:<16} used {:>2}, kept {:<10} step {:?}, body {:?}",
            format!("{piece:?}"),
            used,
            format!("{:?}", String::from_utf8_lossy(&buffer)),
            decoder.step,
            String::from_utf8_lossy(&body)
        )
        .unwrap();
    }
    insta::assert_snapshot!("ch08_decode_trace", trace);
}

/// A fake non-blocking socket: reads hand out queued pieces, then
/// `WouldBlock` (an empty piece is the end of the stream); writes take up to
/// `room` bytes in all.
#[derive(Default)]
struct FakeSocket {
    incoming: VecDeque<Vec<u8>>,
    room: usize,
    sent: Vec<u8>,
}

impl Read for FakeSocket {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let Some(mut piece) = self.incoming.pop_front() else {
            return Err(ErrorKind::WouldBlock.into());
        };
        let n = piece.len().min(buf.len());
        buf[..n].copy_from_slice(&piece[..n]);
        if n < piece.len() {
            self.incoming.push_front(piece.split_off(n));
        }
        Ok(n)
    }
}

impl Write for FakeSocket {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let free = self.room - self.sent.len().min(self.room);
        if free == 0 {
            return Err(ErrorKind::WouldBlock.into());
        }
        let n = free.min(buf.len());
        self.sent.extend_from_slice(&buf[..n]);
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[test]
fn the_write_queue_sends_in_order_across_partial_writes() {
    let mut queue = WriteQueue::default();
    queue.push(b"first response\n".to_vec());
    queue.push(b"second response\n".to_vec());
    let mut socket = FakeSocket {
        room: 10,
        ..FakeSocket::default()
    };
    let mut trace = String::new();
    for room in [10, 20, 40] {
        socket.room = room;
        let sent = queue.write_to(&mut socket).unwrap();
        writeln!(
            trace,
            "room {room:>2}: sent {sent:>2}, still queued {:>2}, on the wire {:?}",
            queue.queued(),
            String::from_utf8_lossy(&socket.sent)
        )
        .unwrap();
    }
    insta::assert_snapshot!("ch08_write_queue", trace);
}

#[test]
fn pipelined_requests_with_bodies_are_answered_in_order() {
    let mut socket = FakeSocket {
        room: usize::MAX,
        ..FakeSocket::default()
    };
    // Three requests in one read: a chunked POST, a Content-Length POST, a GET.
    socket.incoming.push_back(
        b"POST /echo HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nchun\r\n3\r\nked\r\n0\r\n\r\n\
          POST /echo HTTP/1.1\r\nContent-Length: 6\r\n\r\nlength\
          GET /nope HTTP/1.1\r\nConnection: close\r\n\r\n"
            .to_vec(),
    );
    let mut conn = Connection::default();
    conn.on_ready(&mut socket).unwrap();
    insta::assert_snapshot!(
        "ch08_pipelined_bodies",
        format!(
            "served {}, closed {}\n\n{}",
            conn.served,
            conn.is_closed(),
            raw(&socket.sent)
        )
    );
}

#[test]
fn a_broken_chunked_body_gets_a_400_and_the_connection_closes() {
    let mut socket = FakeSocket {
        room: usize::MAX,
        ..FakeSocket::default()
    };
    socket
        .incoming
        .push_back(b"POST /echo HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nxyz\r\n".to_vec());
    let mut conn = Connection::default();
    conn.on_ready(&mut socket).unwrap();
    insta::assert_snapshot!(
        "ch08_bad_chunked",
        format!("closed {}\n\n{}", conn.is_closed(), raw(&socket.sent))
    );
}

#[test]
fn a_client_that_does_not_read_its_responses_is_not_read_from() {
    // Five pipelined requests for a big page, and a client that reads
    // nothing (the send buffer has no room). Backpressure: after the first
    // response fills the write queue past HIGH_WATER, the server stops
    // reading, and waits only for the socket to become writable.
    let mut socket = FakeSocket::default();
    for _ in 0..5 {
        socket
            .incoming
            .push_back(b"GET /big HTTP/1.1\r\n\r\n".to_vec());
    }
    let mut conn = Connection::default();
    conn.on_ready(&mut socket).unwrap();
    let before = format!(
        "served {}, queued {} bytes, requests left unread {}, waits for {:?}",
        conn.served,
        conn.queue.queued(),
        socket.incoming.len(),
        conn.interest()
    );
    // The client catches up: everything is read and answered.
    socket.room = usize::MAX;
    conn.on_ready(&mut socket).unwrap();
    let after = format!(
        "served {}, queued {} bytes, requests left unread {}, waits for {:?}",
        conn.served,
        conn.queue.queued(),
        socket.incoming.len(),
        conn.interest()
    );
    insta::assert_snapshot!(
        "ch08_backpressure",
        format!("stalled:  {before}\ndrained:  {after}")
    );
}

/// A client socket with a generous read timeout: if the server is broken,
/// the test fails instead of hanging.
fn connect(addr: SocketAddr) -> TcpStream {
    let stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    stream
}

#[test]
fn a_chunked_upload_over_tcp_in_many_writes_is_echoed() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let server = thread::spawn(move || ch08_partial_io::run(listener, Some(1), false));
    let mut client = connect(addr);
    // Every piece is its own write: the server may see them in any grouping.
    for piece in [
        "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
        "7\r\nchunked",
        "\r\n",
        "9\r\n over TCP",
        "\r\n0\r\n",
        "\r\n",
    ] {
        client.write_all(piece.as_bytes()).unwrap();
    }
    let mut response = Vec::new();
    client.read_to_end(&mut response).unwrap();
    insta::assert_snapshot!("ch08_chunked_over_tcp", raw(&response));
    assert_eq!(server.join().expect("server thread panicked").unwrap(), 1);
}

/// Encodes `body` as chunks of the given sizes (cycled), then the last chunk.
fn encode_chunked(body: &[u8], sizes: &[usize]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut rest = body;
    for size in sizes.iter().cycle() {
        if rest.is_empty() {
            break;
        }
        let (chunk, tail) = rest.split_at((*size).min(rest.len()));
        out.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
        out.extend_from_slice(chunk);
        out.extend_from_slice(b"\r\n");
        rest = tail;
    }
    out.extend_from_slice(b"0\r\n\r\n");
    out
}

proptest! {
    // No regression files: a failing exercise must not litter the chapter.
    #![proptest_config(ProptestConfig { failure_persistence: None, ..ProptestConfig::default() })]

    /// Any body, cut into any chunks, delivered in any pieces, decodes to
    /// the body, finishes, and leaves the next request's bytes untouched.
    #[test]
    fn any_chunking_decodes_to_the_body(
        body in proptest::collection::vec(any::<u8>(), 0..600),
        chunk_sizes in proptest::collection::vec(1usize..300, 1..8),
        cuts in proptest::collection::vec(1usize..50, 1..30),
    ) {
        let mut wire = encode_chunked(&body, &chunk_sizes);
        wire.extend_from_slice(b"GET /next");
        let mut pieces = Vec::new();
        let mut pos = 0;
        for cut in cuts.iter().cycle() {
            if pos == wire.len() {
                break;
            }
            let end = (pos + cut).min(wire.len());
            pieces.push(&wire[pos..end]);
            pos = end;
        }
        let (decoded, done, rest) = feed(pieces).unwrap();
        prop_assert!(done);
        prop_assert_eq!(decoded, body);
        prop_assert_eq!(rest, b"GET /next".to_vec());
    }
}
