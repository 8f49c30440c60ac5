//! Chapter 5: threads. One connection at a time is not a server.
//!
//! Chapter 4's server serves connections one after another: while a client
//! keeps its connection open (or a handler is slow), everybody else waits.
//! This chapter grows it in three steps:
//!
//! 1. [`serve_thread_per_connection`]: spawn a thread for each connection.
//!    Simple, and fine until someone opens ten thousand connections.
//! 2. [`serve`] with a [`pool::ThreadPool`]: a fixed number of workers take
//!    connections from a queue. The exercise is the worker's loop,
//!    [`worker::worker_loop`].
//! 3. A graceful stop: `/stop` sets a flag; the accept loop stops accepting,
//!    and dropping the pool lets the workers finish what is in flight.
//!
//! Request heads and responses are not new here: they are the reference
//! solutions of chapters 3 and 4, used as libraries (see `Cargo.toml`).

/// Request heads (httparse, limits, latin-1 values): chapter 3's solution,
/// used from chapter 4's crate, which re-exports it.
pub use ch04_responses::head;
/// Responses (`Content-Length` or chunked, `Connection`): chapter 4's
/// solution, used from its crate.
pub use ch04_responses::encode;

pub mod http;
pub mod pool;

#[cfg_attr(not(feature = "exercise"), path = "worker.rs")]
#[cfg_attr(feature = "exercise", path = "../exercise/worker.rs")]
pub mod worker;

use std::io;
use std::net::TcpListener;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;

use http::{handle_connection, Shared};
use pool::ThreadPool;

/// The port every chapter listens on unless `PORT` says otherwise.
pub const DEFAULT_PORT: u16 = 7878;

/// `127.0.0.1:7878`, or `127.0.0.1:$PORT` when `PORT` is set.
pub fn listen_addr() -> String {
    let port = std::env::var("PORT").unwrap_or_else(|_| DEFAULT_PORT.to_string());
    format!("127.0.0.1:{port}")
}

// ANCHOR: thread_per_connection
/// Step 1: a new thread for every connection. Never stops by itself.
pub fn serve_thread_per_connection(listener: TcpListener) -> io::Result<()> {
    let shared = Arc::new(Shared {
        stop: AtomicBool::new(false),
        addr: listener.local_addr()?,
    });
    for stream in listener.incoming() {
        let mut stream = stream?;
        let shared = Arc::clone(&shared);
        // `move` hands the stream and the Arc to the new thread.
        thread::spawn(move || handle_connection(&mut stream, &shared));
    }
    Ok(())
}
// ANCHOR_END: thread_per_connection

// ANCHOR: serve
/// Steps 2 and 3: a pool of `workers` threads, until `/stop` is requested.
/// Returns how many jobs (connections) each worker served.
pub fn serve(listener: TcpListener, workers: usize) -> io::Result<Vec<usize>> {
    let shared = Arc::new(Shared {
        stop: AtomicBool::new(false),
        addr: listener.local_addr()?,
    });
    let pool = ThreadPool::new(workers);
    for stream in listener.incoming() {
        // Checked after every accept: `/stop` wakes us with a connection
        // of its own, which we drop unserved.
        if shared.stop.load(Ordering::SeqCst) {
            break;
        }
        let mut stream = match stream {
            Ok(stream) => stream,
            // One failed accept (say, the client gave up) is not fatal.
            Err(err) => {
                eprintln!("accept failed: {err}");
                continue;
            }
        };
        let shared = Arc::clone(&shared);
        pool.execute(move || {
            if let Err(err) = handle_connection(&mut stream, &shared) {
                eprintln!("connection error: {err}");
            }
        });
    }
    // The graceful part: no new connections; finish the queued ones.
    Ok(pool.shutdown())
}
// ANCHOR_END: serve
