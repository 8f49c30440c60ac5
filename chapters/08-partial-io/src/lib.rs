//! Chapter 8: partial I/O, done properly.
//!
//! Chapter 7's connection read one head, wrote one response, and refused
//! request bodies. Real clients are messier: bodies arrive in pieces, some
//! chunked; requests are pipelined; responses are bigger than the socket's
//! send buffer; and some clients send faster than they read. This chapter's
//! [`conn::Connection`] handles all of it with three buffers (read buffer,
//! body, write queue) and backpressure. The event loop itself is chapter 7's,
//! unchanged but for the trace line.
//!
//! The exercise is the incremental chunked decoder, [`chunked`].

pub mod app;
pub mod conn;
pub mod encode;
pub mod head;

#[cfg_attr(not(feature = "exercise"), path = "chunked.rs")]
#[cfg_attr(feature = "exercise", path = "../exercise/chunked.rs")]
pub mod chunked;

use std::collections::HashMap;
use std::io::{self, ErrorKind};

use mio::net::{TcpListener, TcpStream};
use mio::{Events, Interest, Poll, Token};

use conn::Connection;

/// The port every chapter listens on unless `PORT` says otherwise.
pub const DEFAULT_PORT: u16 = 7878;

/// `127.0.0.1:7878`, or `127.0.0.1:$PORT` when `PORT` is set.
pub fn listen_addr() -> String {
    let port = std::env::var("PORT").unwrap_or_else(|_| DEFAULT_PORT.to_string());
    format!("127.0.0.1:{port}")
}

/// The listener's token; connections get 1, 2, 3, ...
const SERVER: Token = Token(0);

/// A registered connection: its socket, its state machine, and the interest
/// it is registered with (to skip needless `reregister` system calls).
struct Client {
    stream: TcpStream,
    conn: Connection,
    interest: Interest,
}

// ANCHOR: run
/// Runs the event loop until `limit` connections have closed (or forever).
/// With `trace`, prints every event and the state it leads to.
pub fn run(
    listener: std::net::TcpListener,
    limit: Option<usize>,
    trace: bool,
) -> io::Result<usize> {
    listener.set_nonblocking(true)?;
    let mut listener = TcpListener::from_std(listener);
    let mut poll = Poll::new()?;
    poll.registry()
        .register(&mut listener, SERVER, Interest::READABLE)?;

    let mut events = Events::with_capacity(128);
    let mut clients: HashMap<Token, Client> = HashMap::new();
    let mut next_token = 1;
    let mut closed = 0;

    while limit.is_none_or(|limit| closed < limit) {
        // Sleep until at least one registered socket is ready.
        if let Err(err) = poll.poll(&mut events, None) {
            if err.kind() == ErrorKind::Interrupted {
                continue;
            }
            return Err(err);
        }
        for event in events.iter() {
            if event.token() == SERVER {
                // Accept everyone who is waiting (edge-triggered: drain it).
                loop {
                    let (mut stream, peer) = match listener.accept() {
                        Ok(accepted) => accepted,
                        Err(err) if err.kind() == ErrorKind::WouldBlock => break,
                        Err(err) => return Err(err),
                    };
                    let token = Token(next_token);
                    next_token += 1;
                    poll.registry()
                        .register(&mut stream, token, Interest::READABLE)?;
                    if trace {
                        println!("{token:?}: accepted {peer}");
                    }
                    clients.insert(
                        token,
                        Client {
                            stream,
                            conn: Connection::default(),
                            interest: Interest::READABLE,
                        },
                    );
                }
                continue;
            }
            // A connection is ready: let its state machine make progress.
            let token = event.token();
            let Some(client) = clients.get_mut(&token) else {
                continue;
            };
            let result = client.conn.on_ready(&mut client.stream);
            if trace {
                println!(
                    "{token:?}: readable={} writable={} -> {} responses so far, {} bytes queued",
                    event.is_readable(),
                    event.is_writable(),
                    client.conn.served,
                    client.conn.queue.queued()
                );
            }
            match (result, client.conn.interest()) {
                (Ok(()), Some(interest)) => {
                    if interest != client.interest {
                        poll.registry()
                            .reregister(&mut client.stream, token, interest)?;
                        client.interest = interest;
                    }
                }
                // Closed, or the socket failed: forget it (dropping closes it).
                (result, _) => {
                    if let (Err(err), true) = (result, trace) {
                        println!("{token:?}: error {err}");
                    }
                    let mut client = clients.remove(&token).expect("present");
                    poll.registry().deregister(&mut client.stream)?;
                    closed += 1;
                }
            }
        }
    }
    Ok(closed)
}
// ANCHOR_END: run
