//! Chapter 12: the event loop meets Python.
//!
//! Chapters 7 and 8 served thousands of connections on one thread with
//! `mio`, but their "application" was Rust code that never waited.
//! Chapters 9 to 11 ran Python, one thread per connection. A Python
//! application may wait (a database, `time.sleep`, a slow API), and if the
//! event loop called it, every connection would wait with it. So the work
//! is split by what each side must never do:
//!
//! - the **event loop** owns every socket and never attaches to Python: it
//!   cannot be stopped by the GIL or by a slow application;
//! - **worker threads** run Python and never touch a socket: a slow client
//!   cannot stop them.
//!
//! A complete request travels to a worker over a channel; the response
//! comes back over another, and the worker wakes the loop with a
//! [`mio::Waker`], a registered "event source" that other threads can
//! trigger. The exercise is the worker's side, [`worker::worker_loop`].
//!
//! What the workers run is chapter 11's crate, its reference solution used
//! as a library (see `Cargo.toml`): the environ ([`environ`], chapter 10's),
//! the streaming gateway ([`gateway`], [`response`], [`start_response`]),
//! the interpreter ([`python`], chapter 9's) and request heads ([`head`],
//! chapter 3's). The keep-alive rule is chapter 7's.

pub mod conn;
pub mod request;

pub use ch11_start_response::{environ, gateway, head, python, response, start_response};
pub use ch11_start_response::{listen_addr, DEFAULT_PORT};

#[cfg_attr(not(feature = "exercise"), path = "worker.rs")]
#[cfg_attr(feature = "exercise", path = "../exercise/worker.rs")]
pub mod worker;

use std::collections::HashMap;
use std::io::{self, ErrorKind};
use std::sync::mpsc::{self, TryRecvError};
use std::sync::{Arc, Mutex};
use std::thread;

use mio::net::{TcpListener, TcpStream};
use mio::{Events, Interest, Poll, Token, Waker};
use pyo3::prelude::*;

use conn::Connection;
use worker::{worker_loop, Finished, Job};

/// The listener's token.
const SERVER: Token = Token(0);
/// The waker's token: "workers have finished responses for you".
const WAKER: Token = Token(1);

/// Wakes the loop when a worker thread ends, even by panicking, after
/// dropping the worker's `done` sender: once every worker is gone, the loop
/// finds the channel disconnected instead of waiting for answers forever.
struct WorkerExit {
    done: Option<mpsc::Sender<Finished>>,
    waker: Arc<Waker>,
}

impl Drop for WorkerExit {
    fn drop(&mut self) {
        self.done.take();
        let _ = self.waker.wake();
    }
}

/// A registered connection: its socket, its state machine, its interest.
struct Client {
    stream: TcpStream,
    conn: Connection,
    interest: Interest,
}

// ANCHOR: run
/// Serves with `workers` Python threads until `limit` connections have
/// closed (or forever). Returns how many closed.
pub fn run(
    listener: std::net::TcpListener,
    app: Py<PyAny>,
    workers: usize,
    limit: Option<usize>,
    trace: bool,
) -> io::Result<usize> {
    listener.set_nonblocking(true)?;
    let mut listener = TcpListener::from_std(listener);
    let mut poll = Poll::new()?;
    poll.registry()
        .register(&mut listener, SERVER, Interest::READABLE)?;
    let waker = Arc::new(Waker::new(poll.registry(), WAKER)?);

    // Two channels: jobs to the workers (shared behind a Mutex, as in
    // chapter 5's pool), finished responses back to the loop.
    let (jobs_in, jobs_out) = mpsc::channel::<Job>();
    let (done_in, done_out) = mpsc::channel::<Finished>();
    let jobs_out = Arc::new(Mutex::new(jobs_out));
    let app = Arc::new(app);
    let mut threads = Vec::new();
    for n in 0..workers.max(1) {
        let (jobs, done, waker, app) = (
            Arc::clone(&jobs_out),
            done_in.clone(),
            Arc::clone(&waker),
            Arc::clone(&app),
        );
        threads.push(
            thread::Builder::new()
                .name(format!("python-{n}"))
                .spawn(move || {
                    let exit = WorkerExit {
                        done: Some(done),
                        waker: Arc::clone(&waker),
                    };
                    let done = exit.done.as_ref().expect("just set");
                    worker_loop(&jobs, done, &waker, &app)
                })?,
        );
    }
    // Only the workers keep these: if every worker stops, sending a job
    // fails and the loop knows, instead of waiting for answers forever.
    drop(jobs_out);
    drop(done_in);

    let mut events = Events::with_capacity(128);
    let mut clients: HashMap<Token, Client> = HashMap::new();
    let mut next_token = 2;
    let mut closed = 0;
    while limit.is_none_or(|limit| closed < limit) {
        if let Err(err) = poll.poll(&mut events, None) {
            if err.kind() == ErrorKind::Interrupted {
                continue;
            }
            return Err(err);
        }
        // The connections to drive after this round of events.
        let mut ready: Vec<Token> = Vec::new();
        for event in events.iter() {
            match event.token() {
                SERVER => loop {
                    let (mut stream, peer) = match listener.accept() {
                        Ok(accepted) => accepted,
                        Err(err) if err.kind() == ErrorKind::WouldBlock => break,
                        Err(err) => return Err(err),
                    };
                    let token = Token(next_token);
                    next_token += 1;
                    poll.registry()
                        .register(&mut stream, token, Interest::READABLE)?;
                    let conn = Connection::new(peer, stream.local_addr()?);
                    clients.insert(
                        token,
                        Client {
                            stream,
                            conn,
                            interest: Interest::READABLE,
                        },
                    );
                    ready.push(token);
                },
                WAKER => loop {
                    // Drain every finished response: one wake may stand
                    // for several (wakes are not counted).
                    let finished = match done_out.try_recv() {
                        Ok(finished) => finished,
                        Err(TryRecvError::Empty) => break,
                        Err(TryRecvError::Disconnected) => {
                            return Err(io::Error::other("every worker has stopped"))
                        }
                    };
                    if trace {
                        println!(
                            "{:?}: a worker finished ({:?}, {} bytes)",
                            finished.token,
                            finished.outcome,
                            finished.bytes.len()
                        );
                    }
                    // The client may have gone meanwhile.
                    if let Some(client) = clients.get_mut(&finished.token) {
                        client.conn.respond(finished.bytes, finished.keep_alive);
                        ready.push(finished.token);
                    }
                },
                token => ready.push(token),
            }
        }
        for token in ready {
            let Some(client) = clients.get_mut(&token) else {
                continue;
            };
            let result = client.conn.on_ready(&mut client.stream);
            let result = result.and_then(|request| match request {
                Some((request, keep_alive)) => {
                    if trace {
                        let head = &request.head;
                        println!("{token:?}: {} {} -> to a worker", head.method, head.path);
                    }
                    let job = Job {
                        token,
                        request,
                        keep_alive,
                    };
                    jobs_in
                        .send(job)
                        .map_err(|_| io::Error::other("every worker has stopped"))
                }
                None => Ok(()),
            });
            match (result, client.conn.interest()) {
                (Ok(()), Some(interest)) => {
                    if interest != client.interest {
                        poll.registry()
                            .reregister(&mut client.stream, token, interest)?;
                        client.interest = interest;
                    }
                }
                (result, _) => {
                    if let Err(err) = result {
                        eprintln!("{token:?}: {err}");
                    }
                    let mut client = clients.remove(&token).expect("present");
                    poll.registry().deregister(&mut client.stream)?;
                    closed += 1;
                    if trace {
                        println!("{token:?}: closed");
                    }
                }
            }
        }
    }
    // Stop: dropping the sender ends every worker's loop.
    drop(jobs_in);
    for thread in threads {
        thread.join().expect("a worker panicked");
    }
    Ok(closed)
}
// ANCHOR_END: run
