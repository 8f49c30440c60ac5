//! `cargo run -p ch05-threads`: a thread pool server with a graceful stop.
//! `cargo run -p ch05-threads -- spawn`: a thread per connection instead.

use std::net::TcpListener;

fn main() -> std::io::Result<()> {
    let addr = ch05_threads::listen_addr();
    let listener = TcpListener::bind(&addr)?;
    println!("Chapter 5 listening on http://{addr}/");
    println!("Three slow requests at once, served side by side:");
    println!("  time (for i in 1 2 3; do curl -s http://{addr}/sleep & done; wait)");
    println!("Which worker answered?   curl http://{addr}/");
    if std::env::args().nth(1).as_deref() == Some("spawn") {
        println!("Mode: a new thread per connection. Stop with Ctrl-C.");
        return ch05_threads::serve_thread_per_connection(listener);
    }
    println!("Mode: a pool of 4 workers. Stop gracefully:   curl http://{addr}/stop");
    let per_worker = ch05_threads::serve(listener, 4)?;
    println!("Stopped gracefully. Connections served per worker: {per_worker:?}");
    Ok(())
}
