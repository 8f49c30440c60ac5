//! A tiny Rust handler that shows the engine working without Python.
//!
//! The engine's tests and its demo use it. It echoes what it understood of
//! the request, and a few paths exercise the response framings:
//!
//! | path | response |
//! |---|---|
//! | `/stream` | three pieces of unknown total length (chunked on 1.1) |
//! | `/status/NNN` | that status, with a short body |
//! | `/big/N` | `N` bytes of `x`, in 64 KiB pieces, length declared |
//! | `/short` | declares 10 bytes, sends 5 (the engine closes) |
//! | `/long` | declares 5 bytes, sends 10 (the engine cuts the rest) |
//! | `/panic` | the handler panics (the engine answers 500) |
//! | `/nothing` | the handler returns without answering (500) |
//! | anything else | the echo |

use std::io::Read;

use super::body::RequestBody;
use super::handler::{Handler, Request, ResponseHead};
use super::request::latin1_text;
use super::responder::Responder;

pub struct EchoHandler;

impl Handler for EchoHandler {
    fn handle(&self, request: Request, mut response: Responder) {
        let path = String::from_utf8_lossy(&request.head.path).into_owned();
        let text = |status: u16| {
            ResponseHead::new(status, super::error::reason_phrase(status))
                .header("Content-Type", "text/plain")
        };
        if path == "/stream" {
            response.start(text(200));
            for piece in ["one\n", "two\n", "three\n"] {
                if response.send_body(piece.as_bytes()).is_err() {
                    return;
                }
            }
            let _ = response.finish();
        } else if let Some(code) = path.strip_prefix("/status/") {
            let status = code.parse().unwrap_or(400);
            let _ = response.send_whole(text(status), format!("status {status}\n").as_bytes());
        } else if let Some(size) = path.strip_prefix("/big/") {
            let size: usize = size.parse().unwrap_or(0);
            response.start(text(200).header("Content-Length", size.to_string()));
            let piece = vec![b'x'; 64 * 1024];
            let mut left = size;
            while left > 0 {
                let n = left.min(piece.len());
                if response.send_body(&piece[..n]).is_err() {
                    return;
                }
                left -= n;
            }
            let _ = response.finish();
        } else if path == "/short" {
            response.start(text(200).header("Content-Length", "10"));
            let _ = response.send_body(b"12345");
            let _ = response.finish();
        } else if path == "/long" {
            response.start(text(200).header("Content-Length", "5"));
            let _ = response.send_body(b"1234567890");
            let _ = response.finish();
        } else if path == "/panic" {
            panic!("the echo handler was asked to panic");
        } else if path == "/nothing" {
            // Return without answering: the engine's safety net answers 500.
        } else {
            let body = describe(request);
            let _ = response.send_whole(text(200), body.as_bytes());
        }
    }
}

/// What the echo answers: the request as the engine understood it.
fn describe(request: Request) -> String {
    let head = &request.head;
    let mut out = String::new();
    out += &format!("method: {}\n", head.method);
    out += &format!("target: {}\n", latin1_text(&head.target));
    out += &format!("path: {}\n", latin1_text(&head.path));
    out += &format!("query: {}\n", head.query.as_deref().map(latin1_text).unwrap_or_else(|| "(none)".into()));
    out += &format!("version: {}\n", head.version.as_str());
    for header in head.headers.iter() {
        out += &format!("header: {}: {}\n", header.name, latin1_text(header.value));
    }
    let body = read_body(request.body);
    out += &format!("body-length: {}\n", body.len());
    if !body.is_empty() {
        out += &format!("body: {}\n", String::from_utf8_lossy(&body[..body.len().min(200)]));
    }
    out
}


fn read_body(body: RequestBody) -> Vec<u8> {
    match body {
        RequestBody::Empty => Vec::new(),
        RequestBody::Memory(bytes) => bytes,
        RequestBody::File { mut file, .. } => {
            let mut bytes = Vec::new();
            let _ = file.read_to_end(&mut bytes);
            bytes
        }
    }
}
