//! `cargo run -p ch01-hello-tcp`: the smallest web server, answering every
//! request with the same bytes and printing what each client sent.

use std::net::TcpListener;

fn main() -> std::io::Result<()> {
    let addr = ch01_hello_tcp::listen_addr();
    let listener = TcpListener::bind(&addr)?;
    println!("Chapter 1 listening on http://{addr}/");
    println!("Try it:   curl -v http://{addr}/");
    let port = listener.local_addr()?.port();
    println!("Raw bytes: printf 'GET / HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n' | nc 127.0.0.1 {port}");
    println!("Stop with Ctrl-C.");
    ch01_hello_tcp::serve(&listener, None)
}
