//! `cargo run -p ch07-mio-loop`: a one-thread mio event loop that prints
//! every readiness event and the state it leads to.

fn main() -> std::io::Result<()> {
    let addr = ch07_mio_loop::listen_addr();
    let listener = std::net::TcpListener::bind(&addr)?;
    println!("Chapter 7 listening on http://{addr}/ (every event is printed)");
    println!("Try it:   curl http://{addr}/ http://{addr}/");
    println!("A response bigger than the send buffer (several writable events):");
    println!("  curl -s http://{addr}/big | wc -c");
    println!("Idle, this process uses no CPU at all: compare `top` with chapter 6.");
    println!("Stop with Ctrl-C.");
    ch07_mio_loop::run(listener, None, true)?;
    Ok(())
}
