//! Chapter 1: HTTP is bytes on a socket.
//!
//! Before any framework, before WSGI, a web server is a program that accepts a
//! TCP connection, reads some bytes, and writes some bytes back. This chapter
//! is the Rust twin of running `python -m http.server`: the smallest server a
//! browser or `curl` will talk to.
//!
//! It is deliberately naive. It reads the request with a single `read` call
//! (chapter 2 shows why that is a guess), ignores what was asked for, and sends
//! the same answer to everyone. What matters is seeing that the "HTTP response"
//! is nothing but text with `\r\n` line endings, built in [`response`].

// The exercise swap: the reference `src/response.rs` normally, or the
// student's `exercise/response.rs` with `--features exercise`.
#[cfg_attr(not(feature = "exercise"), path = "response.rs")]
#[cfg_attr(feature = "exercise", path = "../exercise/response.rs")]
pub mod response;

use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};

/// The port every chapter listens on unless the `PORT` environment variable
/// says otherwise.
pub const DEFAULT_PORT: u16 = 7878;

/// The body every visitor gets in this chapter.
pub const GREETING: &str = "Hello from chapter 1! HTTP is just bytes on a socket.\n";

/// `127.0.0.1:7878`, or `127.0.0.1:$PORT` when `PORT` is set.
///
/// Binding to 127.0.0.1 (not 0.0.0.0) keeps the toy server reachable only
/// from this machine.
pub fn listen_addr() -> String {
    let port = std::env::var("PORT").unwrap_or_else(|_| DEFAULT_PORT.to_string());
    format!("127.0.0.1:{port}")
}

// ANCHOR: handle_connection
/// Serves one connection: read what the client sent, answer, hang up.
///
/// Returns the bytes that were read so the caller can print them: seeing the
/// raw request is half the lesson.
pub fn handle_connection(mut stream: TcpStream) -> io::Result<Vec<u8>> {
    // One `read` returns *whatever has arrived so far*, up to 1024 bytes.
    // For a small request from curl that is usually the whole thing, but
    // nothing guarantees it. Chapter 2 replaces this guess with a loop.
    let mut buffer = [0u8; 1024];
    let n = stream.read(&mut buffer)?;

    let response = response::hello_response(GREETING);
    stream.write_all(&response)?;

    // Dropping `stream` closes the connection. Because our response says
    // `Connection: close`, the client expects exactly that.
    Ok(buffer[..n].to_vec())
}
// ANCHOR_END: handle_connection

// ANCHOR: serve
/// Accepts connections one after another and serves each to completion.
///
/// `limit` stops after that many connections (tests use it); `None` serves
/// forever. While one client is being served, every other client waits in
/// the kernel's accept queue: chapter 5 fixes that with threads.
pub fn serve(listener: &TcpListener, limit: Option<usize>) -> io::Result<()> {
    let connections = listener.incoming().take(limit.unwrap_or(usize::MAX));
    for stream in connections {
        let stream = stream?;
        let peer = stream.peer_addr()?;
        match handle_connection(stream) {
            Ok(request) => {
                println!("--- {} bytes from {peer}:", request.len());
                println!("{}", String::from_utf8_lossy(&request));
            }
            // A client that hangs up early is not a reason to stop serving.
            Err(err) => eprintln!("--- error with {peer}: {err}"),
        }
    }
    Ok(())
}
// ANCHOR_END: serve
