//! `RequestReader`: a whole connection's bytes in, requests (head and body)
//! or a refusal out, and never a panic.
//!
//! The reader is sans-IO, so the network's freedom to cut a stream anywhere
//! can be checked directly: the stream fed whole, in pseudo-random pieces and
//! (when short) one byte at a time must give the same requests, the same
//! `100 Continue`s, and then the same end (need more, or a refusal).
#![no_main]

mod common;

use std::io::Read;

use libfuzzer_sys::fuzz_target;
use wsgi_server::http::buffer::ReadBuffer;
use wsgi_server::http::reader::{ReadEvent, RequestReader};
use wsgi_server::http::request::BodyFraming;
use wsgi_server::http::{Config, RequestBody, RequestHead};

#[derive(Debug, PartialEq)]
enum Event {
    Continue,
    Request(RequestHead, Vec<u8>),
}

#[derive(Debug, PartialEq)]
struct Outcome {
    events: Vec<Event>,
    /// `Some(status)` when the stream was refused; `None` when it ran out.
    refused: Option<u16>,
    /// What was left unparsed when the bytes ran out.
    leftover: Vec<u8>,
}

fuzz_target!(|data: &[u8]| {
    let seed = common::hash(data);
    for config in common::configs() {
        let whole = run(&[data], &config);
        check_requests(&whole, &config);
        for max_piece in [7, 64] {
            let split = run(&common::pieces(data, seed, max_piece), &config);
            assert_same(&whole, &split);
        }
        if data.len() <= 512 {
            let bytes: Vec<&[u8]> = data.chunks(1).collect();
            assert_same(&whole, &run(&bytes, &config));
        }
    }
});

fn run(pieces: &[&[u8]], config: &Config) -> Outcome {
    let mut reader = RequestReader::default();
    let mut buf = ReadBuffer::default();
    let mut events = Vec::new();
    for piece in pieces {
        buf.extend_from_slice(piece);
        loop {
            match reader.advance(&mut buf, config) {
                Ok(ReadEvent::NeedMore) => break,
                Ok(ReadEvent::SendContinue) => events.push(Event::Continue),
                Ok(ReadEvent::Request(request)) => {
                    events.push(Event::Request(request.head, body_bytes(request.body)));
                }
                Err(error) => {
                    return Outcome { events, refused: Some(error.status), leftover: Vec::new() };
                }
            }
        }
    }
    Outcome { events, refused: None, leftover: buf.as_slice().to_vec() }
}

fn body_bytes(body: RequestBody) -> Vec<u8> {
    match body {
        RequestBody::Empty => Vec::new(),
        RequestBody::Memory(bytes) => {
            assert!(!bytes.is_empty(), "an empty body is RequestBody::Empty");
            bytes
        }
        RequestBody::File { mut file, len } => {
            let mut bytes = Vec::new();
            file.read_to_end(&mut bytes).expect("read the spooled body");
            assert_eq!(bytes.len() as u64, len);
            bytes
        }
    }
}

/// A refusal may be found at a different byte when the stream is cut
/// differently (a head too large for the limit is refused with 431 before a
/// bad byte past the limit can be seen with 400), so only the fact of the
/// refusal is compared, with everything before it.
fn assert_same(whole: &Outcome, split: &Outcome) {
    assert_eq!(whole.events, split.events);
    assert_eq!(whole.refused.is_some(), split.refused.is_some(), "{:?} vs {:?}", whole.refused, split.refused);
    assert_eq!(whole.leftover, split.leftover);
}

fn check_requests(outcome: &Outcome, config: &Config) {
    let mut continued = false;
    for event in &outcome.events {
        match event {
            Event::Continue => {
                assert!(!continued, "two 100 Continue for one request");
                continued = true;
            }
            Event::Request(head, body) => {
                assert_eq!(continued, head.expects_continue && head.framing != BodyFraming::None);
                continued = false;
                assert!(body.len() as u64 <= config.max_body);
                match head.framing {
                    BodyFraming::None => assert!(body.is_empty()),
                    BodyFraming::Length(n) => assert_eq!(body.len() as u64, n),
                    BodyFraming::Chunked => {}
                }
            }
        }
    }
}
