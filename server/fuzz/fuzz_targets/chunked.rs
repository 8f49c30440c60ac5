//! `ChunkedDecoder`: any bytes in, a body or a refusal out, and never a panic.
//!
//! - Fed whole, in pseudo-random pieces or one byte at a time (the caller
//!   drops what was consumed and appends what arrives), the decoder gives the
//!   same body, stops at the same byte, and refuses with the same status:
//!   it is a byte-at-a-time state machine, so a refusal cannot move.
//! - A finished body never exceeds the limit; nothing after the final CRLF
//!   is consumed.
//! - Encoding the input as chunks of any sizes (`encode_chunk`, `LAST_CHUNK`)
//!   and decoding it gives the input back, having consumed exactly that.
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;
use wsgi_server::http::chunked::{encode_chunk, ChunkedDecoder, LAST_CHUNK};

/// Small enough that the 413 path is reached, big enough for real bodies.
const MAX_BODY: u64 = 4096;

#[derive(Debug, PartialEq)]
struct Outcome {
    body: Vec<u8>,
    /// Input bytes used up (for a finished body: where the next request starts).
    consumed: usize,
    done: bool,
    refused: Option<(u16, &'static str)>,
}

fuzz_target!(|data: &[u8]| {
    let whole = decode(&[data]);
    if whole.done {
        assert!(whole.body.len() as u64 <= MAX_BODY);
        assert!(data[..whole.consumed].ends_with(b"\r\n"));
    } else if whole.refused.is_none() {
        assert_eq!(whole.consumed, data.len(), "an unfinished body uses all its input");
    }

    let seed = common::hash(data);
    for max_piece in [3, 17, 300] {
        assert_eq!(whole, decode(&common::pieces(data, seed, max_piece)), "pieces of up to {max_piece}");
    }
    let bytes: Vec<&[u8]> = data.chunks(1).collect();
    assert_eq!(whole, decode(&bytes), "one byte at a time");

    // Round trip: the input as a body, cut into chunks.
    let mut encoded = Vec::new();
    for piece in common::pieces(data, seed.rotate_left(32), 50) {
        encode_chunk(piece, &mut encoded);
    }
    encoded.extend_from_slice(LAST_CHUNK);
    let body_len = encoded.len();
    encoded.extend_from_slice(b"GET / HTTP/1.1\r\n");
    let mut decoder = ChunkedDecoder::new(u64::MAX);
    let mut body = Vec::new();
    let decoded = decoder.decode(&encoded, &mut |d| body.extend_from_slice(d)).expect("our own encoding");
    assert!(decoded.done);
    assert_eq!(decoded.consumed, body_len);
    assert_eq!(body, data);
});

/// Decodes `pieces` as they would arrive, keeping unconsumed bytes for the next call.
fn decode(pieces: &[&[u8]]) -> Outcome {
    let mut decoder = ChunkedDecoder::new(MAX_BODY);
    let mut body = Vec::new();
    let mut pending: Vec<u8> = Vec::new();
    let mut consumed = 0;
    for piece in pieces {
        pending.extend_from_slice(piece);
        let result = decoder.decode(&pending, &mut |d| body.extend_from_slice(d));
        match result {
            Ok(decoded) => {
                assert!(decoded.consumed <= pending.len());
                assert_eq!(decoded.done, decoder.is_done());
                consumed += decoded.consumed;
                pending.drain(..decoded.consumed);
                if decoded.done {
                    return Outcome { body, consumed, done: true, refused: None };
                }
            }
            Err(error) => {
                return Outcome { body, consumed: 0, done: false, refused: Some((error.status, error.detail)) };
            }
        }
    }
    Outcome { body, consumed, done: false, refused: None }
}
