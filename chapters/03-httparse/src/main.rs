//! `cargo run -p ch03-httparse`: a server that parses heads with httparse and
//! answers malformed or oversized ones with the right status code.

use std::net::TcpListener;

fn main() -> std::io::Result<()> {
    let addr = ch03_httparse::listen_addr();
    let listener = TcpListener::bind(&addr)?;
    let port = listener.local_addr()?.port();
    println!("Chapter 3 listening on http://{addr}/");
    println!("A good request:      curl -v http://{addr}/hello -H 'X-Name: caf\u{e9}'");
    println!("Not HTTP (400):      printf 'GET / HTTP/9\\r\\n\\r\\n' | nc 127.0.0.1 {port}");
    println!("Too many headers:    curl -v http://{addr}/ $(for i in $(seq 40); do printf -- \"-H X-$i:1 \"; done)");
    println!("Stop with Ctrl-C.");
    ch03_httparse::serve(&listener, None)
}
