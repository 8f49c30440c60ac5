//! `cargo run -p ch08-partial-io`: an event loop server that reads request
//! bodies (Content-Length or chunked), answers pipelined requests in order,
//! and queues big responses.

fn main() -> std::io::Result<()> {
    let addr = ch08_partial_io::listen_addr();
    let listener = std::net::TcpListener::bind(&addr)?;
    let port = listener.local_addr()?.port();
    println!("Chapter 8 listening on http://{addr}/ (every event is printed)");
    println!("Echo a body:           curl --data-binary 'hello body' http://{addr}/echo");
    println!("Echo a chunked body:   printf 'hello from stdin' | curl -H 'Transfer-Encoding: chunked' --data-binary @- http://{addr}/echo");
    println!("Pipelining by hand:    printf 'GET / HTTP/1.1\\r\\n\\r\\nPOST /echo HTTP/1.1\\r\\nContent-Length: 3\\r\\nConnection: close\\r\\n\\r\\nabc' | nc 127.0.0.1 {port}");
    println!("A big response:        curl -s http://{addr}/big | wc -c");
    println!("Stop with Ctrl-C.");
    ch08_partial_io::run(listener, None, true)?;
    Ok(())
}
