//! `cargo run -p ch04-responses`: keep-alive connections, Content-Length and
//! chunked responses.

use std::net::TcpListener;

fn main() -> std::io::Result<()> {
    let addr = ch04_responses::listen_addr();
    let listener = TcpListener::bind(&addr)?;
    println!("Chapter 4 listening on http://{addr}/");
    println!("Two requests, one connection (look for \"Re-using existing connection\"):");
    println!("  curl -v http://{addr}/ http://{addr}/chunked");
    println!("The raw chunked framing:   curl --raw http://{addr}/chunked");
    println!("Stop with Ctrl-C.");
    ch04_responses::serve(&listener, None)
}
