//! `cargo run -p ch06-non-blocking`: one thread, non-blocking sockets, and a
//! busy loop whose waste is printed after every answer.
//! `cargo run -p ch06-non-blocking -- nap`: sleeps 50 ms on idle turns.

use std::net::TcpListener;
use std::time::{Duration, Instant};

use ch06_non_blocking::{print_stats, run, Pace};

fn main() -> std::io::Result<()> {
    let addr = ch06_non_blocking::listen_addr();
    let listener = TcpListener::bind(&addr)?;
    let pace = match std::env::args().nth(1).as_deref() {
        Some("nap") => Pace::Nap(Duration::from_millis(50)),
        _ => Pace::Spin,
    };
    println!("Chapter 6 listening on http://{addr}/ ({pace:?})");
    println!("Try it:   curl http://{addr}/  (then run `top`: this process uses a whole core doing nothing)");
    println!("Measure the latency:   curl -s -o /dev/null -w '%{{time_total}}s\\n' http://{addr}/");
    println!("Compare with:   cargo run -p ch06-non-blocking -- nap");
    println!("Stop with Ctrl-C.");
    run(&listener, pace, None, print_stats(Instant::now()))?;
    Ok(())
}
