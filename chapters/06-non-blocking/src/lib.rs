//! Chapter 6: non-blocking sockets, and why spinning on them fails.
//!
//! Threads (chapter 5) let a server wait on many clients at once by giving
//! each wait its own thread. The other way: never wait. A non-blocking
//! socket answers every `accept`/`read` at once, with data or with
//! `WouldBlock`, so a single thread can take turns over all connections
//! ([`step::step`], the exercise).
//!
//! But *when* should the thread take its next turn? [`run`] shows the two
//! naive answers and why both fail:
//!
//! - [`Pace::Spin`]: immediately. Replies are instant, and the loop burns a
//!   whole CPU core asking "anything yet?" millions of times a second.
//! - [`Pace::Nap`]: sleep a little between idle turns. The CPU rests, and
//!   every reply waits for the nap to end.
//!
//! The real answer, "wake me when one of these sockets is ready", is the
//! kernel's readiness API: chapter 7.
//!
//! Request heads and responses are not new here: they are the reference
//! solutions of chapters 3 and 4, used as libraries (see `Cargo.toml`).

/// Request heads (httparse, limits, latin-1 values): chapter 3's solution,
/// used from chapter 4's crate, which re-exports it.
pub use ch04_responses::head;
/// Responses (`Content-Length` or chunked, `Connection`): chapter 4's
/// solution, used from its crate.
pub use ch04_responses::encode;

#[cfg_attr(not(feature = "exercise"), path = "step.rs")]
#[cfg_attr(feature = "exercise", path = "../exercise/step.rs")]
pub mod step;

use std::io::{self, Write};
use std::net::{TcpListener, TcpStream};
use std::time::{Duration, Instant};

use encode::{encode, Body, Response};
use head::{parse_head, Parsed};

/// The port every chapter listens on unless `PORT` says otherwise.
pub const DEFAULT_PORT: u16 = 7878;

/// `127.0.0.1:7878`, or `127.0.0.1:$PORT` when `PORT` is set.
pub fn listen_addr() -> String {
    let port = std::env::var("PORT").unwrap_or_else(|_| DEFAULT_PORT.to_string());
    format!("127.0.0.1:{port}")
}

// ANCHOR: conn
/// One client connection of the non-blocking server.
#[derive(Debug)]
pub struct Conn {
    /// A non-blocking socket.
    pub stream: TcpStream,
    /// Bytes received so far: with non-blocking reads, a head arrives over
    /// several turns of the loop and must be collected between them.
    pub buf: Vec<u8>,
    /// Answered or hung up: to be dropped (and so closed) by the loop.
    pub finished: bool,
}
// ANCHOR_END: conn

/// What one turn of the loop did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct StepReport {
    pub accepted: usize,
    pub bytes_read: usize,
    pub answered: usize,
    pub hung_up: usize,
    /// How many times an `accept` or `read` said "nothing for now".
    pub would_block: usize,
}

impl StepReport {
    /// Did this turn achieve anything, or only ask and hear `WouldBlock`?
    pub fn did_work(&self) -> bool {
        self.accepted + self.bytes_read + self.answered + self.hung_up > 0
    }
}

// ANCHOR: try_answer
/// If `conn.buf` holds a whole head, writes the answer and marks the
/// connection finished. Returns whether it answered.
///
/// One request per connection in this chapter (`Connection: close`), and the
/// write is a single `write_all` on a non-blocking socket: fine for a reply
/// of a few hundred bytes, which fits in the kernel's send buffer, but a big
/// reply could fail with `WouldBlock` halfway. Chapters 7 and 8 do it right.
pub fn try_answer(conn: &mut Conn) -> bool {
    let response = match parse_head(&conn.buf) {
        Ok(Parsed::Partial) => return false,
        Ok(Parsed::Complete { head, .. }) => text(
            200,
            &format!(
                "You asked for {} {}; one thread, no blocking.\n",
                head.method, head.path
            ),
        ),
        Err(err) => text(400, &format!("bad request: {err:?}\n")),
    };
    // A failed write means the client is gone: there is nobody to tell.
    let _ = conn.stream.write_all(&encode(&response, false));
    conn.finished = true;
    true
}
// ANCHOR_END: try_answer

fn text(status: u16, body: &str) -> Response {
    Response {
        status,
        headers: vec![("Content-Type".into(), "text/plain; charset=utf-8".into())],
        body: Body::Full(body.as_bytes().to_vec()),
    }
}

/// When to take the next turn after a turn that found nothing to do.
#[derive(Debug, Clone, Copy)]
pub enum Pace {
    /// At once: busy-polling.
    Spin,
    /// After sleeping this long.
    Nap(Duration),
}

/// Counters that make the waste visible.
#[derive(Debug, Default, Clone)]
pub struct LoopStats {
    pub turns: u64,
    pub idle_turns: u64,
    pub answered: usize,
}

// ANCHOR: run
/// Runs the loop until `limit` requests were answered (or forever), calling
/// `on_answer` after each answer with the counters so far.
pub fn run(
    listener: &TcpListener,
    pace: Pace,
    limit: Option<usize>,
    mut on_answer: impl FnMut(&LoopStats),
) -> io::Result<LoopStats> {
    listener.set_nonblocking(true)?;
    let mut conns = Vec::new();
    let mut stats = LoopStats::default();
    while limit.is_none_or(|limit| stats.answered < limit) {
        let report = step::step(listener, &mut conns)?;
        stats.turns += 1;
        if report.answered > 0 {
            stats.answered += report.answered;
            on_answer(&stats);
        }
        if !report.did_work() {
            stats.idle_turns += 1;
            if let Pace::Nap(nap) = pace {
                std::thread::sleep(nap);
            }
        }
    }
    Ok(stats)
}
// ANCHOR_END: run

/// For the demo: prints the counters after each answer.
pub fn print_stats(started: Instant) -> impl FnMut(&LoopStats) {
    move |stats| {
        println!(
            "answered #{:<4} after {:>12} turns of the loop, {:>12} of them idle ({:.1}s running)",
            stats.answered,
            stats.turns,
            stats.idle_turns,
            started.elapsed().as_secs_f64()
        );
    }
}
