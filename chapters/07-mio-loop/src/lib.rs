//! Chapter 7: an event loop with mio.
//!
//! Chapter 6 asked every socket "anything yet?" over and over. Here the
//! kernel tells us instead: we register each socket with a [`mio::Poll`]
//! under a [`mio::Token`] (a number we choose), say what we wait for
//! ([`mio::Interest`]: readable, writable), and `poll` sleeps until at least
//! one socket is ready, then returns the events. No thread per connection,
//! no spinning: one thread, asleep when there is nothing to do.
//!
//! The shape is mio's own `examples/tcp_server.rs`:
//!
//! - token 0 is the listener; an event on it means "accept until WouldBlock";
//! - every other token is a connection, a [`conn::Connection`] state
//!   machine (the exercise) that makes progress on each event and tells the
//!   loop what to wait for next.
//!
//! The loop only needs three things from a connection, the [`Machine`]
//! trait, so chapter 8 runs its own, bigger connection on this same loop.
//!
//! Request heads and responses are not new here: they are the reference
//! solutions of chapters 3 and 4, used as libraries (see `Cargo.toml`).

pub mod app;

/// Request heads (httparse, limits, latin-1 values): chapter 3's solution,
/// used from its crate.
pub use ch03_httparse::parse as head;
/// Responses (`Content-Length` or chunked, `Connection`): chapter 4's
/// solution, used from its crate.
pub use ch04_responses::encode;

#[cfg_attr(not(feature = "exercise"), path = "conn.rs")]
#[cfg_attr(feature = "exercise", path = "../exercise/conn.rs")]
pub mod conn;

use std::collections::HashMap;
use std::io::{self, ErrorKind, Read, Write};

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

// ANCHOR: machine
/// What the event loop needs from a connection: make progress on an event,
/// say what to wait for next (`None`: closed), and describe itself for the
/// trace. A new connection starts as `Default::default()`.
pub trait Machine: Default {
    fn on_ready<S: Read + Write>(&mut self, io: &mut S) -> io::Result<()>;
    fn interest(&self) -> Option<Interest>;
    fn describe(&self) -> String;
}
// ANCHOR_END: machine

/// This chapter's connection, as the loop sees it. The methods are the
/// inherent ones of `conn.rs`, so the exercise file needs no trait.
impl Machine for Connection {
    fn on_ready<S: Read + Write>(&mut self, io: &mut S) -> io::Result<()> {
        Connection::on_ready(self, io)
    }
    fn interest(&self) -> Option<Interest> {
        Connection::interest(self)
    }
    fn describe(&self) -> String {
        format!("{} ({} served)", state_name(self), self.served)
    }
}

/// A registered connection: its socket, its state machine, and the interest
/// it is registered with (to skip needless `reregister` system calls).
struct Client<C> {
    stream: TcpStream,
    conn: C,
    interest: Interest,
}

/// Runs this chapter's server until `limit` connections have closed (or
/// forever). With `trace`, prints every event and the state it leads to.
pub fn run(
    listener: std::net::TcpListener,
    limit: Option<usize>,
    trace: bool,
) -> io::Result<usize> {
    run_loop::<Connection>(listener, limit, trace)
}

// ANCHOR: run
/// The event loop, for any connection state machine `C`: runs until
/// `limit` connections have closed (or forever).
pub fn run_loop<C: Machine>(
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
    let mut clients: HashMap<Token, Client<C>> = HashMap::new();
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
                            conn: C::default(),
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
                    "{token:?}: readable={} writable={} -> {}",
                    event.is_readable(),
                    event.is_writable(),
                    client.conn.describe()
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

fn state_name(conn: &Connection) -> String {
    match &conn.state {
        conn::State::Reading { buf } => format!("Reading ({} bytes buffered)", buf.len()),
        conn::State::Writing { out, written, .. } => {
            format!("Writing ({written} of {} bytes sent)", out.len())
        }
        conn::State::Closed => "Closed".to_string(),
    }
}
