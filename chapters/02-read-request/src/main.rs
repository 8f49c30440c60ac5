//! `cargo run -p ch02-read-request`: a server that frames each request head
//! and answers with what it parsed.

use std::net::TcpListener;

fn main() -> std::io::Result<()> {
    let addr = ch02_read_request::listen_addr();
    let listener = TcpListener::bind(&addr)?;
    let port = listener.local_addr()?.port();
    println!("Chapter 2 listening on http://{addr}/");
    println!("Try it:   curl -v 'http://{addr}/some/path?x=1' -H 'X-Hello: world'");
    println!("Send a head in slow pieces and watch the server wait for the blank line:");
    println!("  (printf 'GET /slow HTTP/1.1\\r\\n'; sleep 1; printf 'Host: x\\r\\n'; sleep 1; printf '\\r\\n') | nc 127.0.0.1 {port}");
    println!("Stop with Ctrl-C.");
    ch02_read_request::serve(&listener, None)
}
