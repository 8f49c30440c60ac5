//! The tests of chapter 1, shared by the reference and your exercise.
//!
//! The expected answers are insta snapshots in `tests/snapshots/`, recorded
//! from the reference solution. `cargo run -p course -- check 1` runs these
//! tests against `exercise/response.rs` and shows a diff when your bytes differ.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::thread;

use ch01_hello_tcp::response::hello_response;

/// Shows raw HTTP bytes line by line, with the `\r\n` that HTTP requires made
/// visible, so a missing `\r` shows up in the snapshot diff.
fn raw(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).replace("\r\n", "\\r\\n\n")
}

#[test]
fn the_response_is_a_status_line_headers_a_blank_line_and_the_body() {
    insta::assert_snapshot!(
        "ch01_hello_response",
        raw(&hello_response("Hello, world!\n"))
    );
}

#[test]
fn content_length_counts_bytes_not_characters() {
    // "héllo 👋" is 7 characters but 11 bytes in UTF-8.
    insta::assert_snapshot!("ch01_utf8_body", raw(&hello_response("héllo 👋")));
}

#[test]
fn an_empty_body_still_needs_the_blank_line() {
    insta::assert_snapshot!("ch01_empty_body", raw(&hello_response("")));
}

#[test]
fn a_real_client_gets_the_greeting_over_tcp() {
    // Port 0 asks the OS for any free port, so tests never collide.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let server = thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        ch01_hello_tcp::handle_connection(stream)
    });

    let mut client = TcpStream::connect(addr).unwrap();
    client
        .write_all(b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .unwrap();
    client.shutdown(Shutdown::Write).unwrap();
    // The server closes the connection after answering, so reading to the end
    // returns exactly one response.
    let mut response = Vec::new();
    client.read_to_end(&mut response).unwrap();
    insta::assert_snapshot!("ch01_over_tcp", raw(&response));

    let request = server.join().expect("server thread panicked").unwrap();
    insta::assert_snapshot!("ch01_request_seen_by_server", raw(&request));
}
