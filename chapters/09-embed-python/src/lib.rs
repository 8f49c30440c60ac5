//! Chapter 9: a Rust server that runs Python.
//!
//! Until now our servers answered with Rust code. A WSGI server answers with
//! a Python *application*: a callable `app(environ, start_response)`. This
//! chapter embeds CPython in the server (pyo3 links `libpython` into our
//! binary), imports `MODULE:CALLABLE` from `python-examples/`, and calls it
//! for every request.
//!
//! The server is chapter 5's first one, a thread per connection, with one
//! rule added, the rule of every embedded Python: **attach to the
//! interpreter only while running Python, never while waiting on a
//! socket.** Attaching takes the GIL, and a thread that holds the GIL while
//! a slow client dawdles stops every other thread's Python.
//!
//! The exercise is [`call::call_app`]: call the application, collect its
//! body, call `close()`, and turn exceptions into 500s.

pub mod python;
pub mod wsgi;

/// Request heads (httparse, limits, latin-1 values): chapter 3's solution,
/// used from its crate.
pub use ch03_httparse::parse as head;

#[cfg_attr(not(feature = "exercise"), path = "call.rs")]
#[cfg_attr(feature = "exercise", path = "../exercise/call.rs")]
pub mod call;

use std::io::{self, ErrorKind, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::thread;

use pyo3::prelude::*;

use ch03_httparse::ReadError;
use head::RequestHead;
use wsgi::{encode, internal_error, minimal_environ, WsgiResponse};

/// The port every chapter listens on unless `PORT` says otherwise.
pub const DEFAULT_PORT: u16 = 7878;

/// `127.0.0.1:7878`, or `127.0.0.1:$PORT` when `PORT` is set.
pub fn listen_addr() -> String {
    let port = std::env::var("PORT").unwrap_or_else(|_| DEFAULT_PORT.to_string());
    format!("127.0.0.1:{port}")
}

/// Reads a whole request head with chapter 3's `read_request_head`.
/// `Ok(None)`: the client closed without sending one. A malformed head is
/// an `InvalidData` error.
pub fn read_head(stream: &mut impl Read) -> io::Result<Option<RequestHead>> {
    // One request per connection: bytes after the head are not needed.
    match ch03_httparse::read_request_head(stream, &mut Vec::new()) {
        Ok(head) => Ok(Some(head)),
        Err(ReadError::ClosedEarly { .. }) => Ok(None),
        Err(ReadError::Head(err)) => {
            Err(io::Error::new(ErrorKind::InvalidData, format!("{err:?}")))
        }
        Err(ReadError::Io(err)) => Err(err),
    }
}

// ANCHOR: handle_connection
/// One request, one response, then the connection closes.
pub fn handle_connection(stream: &mut TcpStream, app: &Py<PyAny>) -> io::Result<()> {
    // 1. Read the request: socket work, done without the GIL.
    let head = match read_head(stream) {
        Ok(Some(head)) => head,
        Ok(None) => return Ok(()),
        Err(err) if err.kind() == ErrorKind::InvalidData => {
            let bad = WsgiResponse {
                status: "400 Bad Request".into(),
                headers: vec![],
                body: format!("{err}\n").into_bytes(),
            };
            return stream.write_all(&encode(&bad));
        }
        Err(err) => return Err(err),
    };
    let port = stream.local_addr()?.port();
    // 2. Run the application: attached, so holding the GIL, and only for this.
    let response = Python::attach(|py| match minimal_environ(py, &head, port) {
        Ok(environ) => call::call_app(py, app.bind(py), environ),
        Err(err) => {
            eprintln!("cannot build the environ: {err}");
            internal_error()
        }
    });
    // 3. Send the answer: socket work again, the GIL is free for others.
    println!("{} {} -> {}", head.method, head.path, response.status);
    stream.write_all(&encode(&response))
}
// ANCHOR_END: handle_connection

/// What serves one connection: this chapter's [`handle_connection`], or a
/// later chapter's, which reuses [`serve_with`].
pub type Handler = fn(&mut TcpStream, &Py<PyAny>) -> io::Result<()>;

/// Serves with this chapter's [`handle_connection`]; see [`serve_with`].
pub fn serve(listener: TcpListener, app: Py<PyAny>, limit: Option<usize>) -> io::Result<usize> {
    serve_with(listener, app, limit, handle_connection)
}

// ANCHOR: serve
/// Accepts connections and serves each on its own thread with `handle`,
/// until `limit` connections were accepted (or forever). Waits for those
/// threads before returning how many connections it accepted.
pub fn serve_with(
    listener: TcpListener,
    app: Py<PyAny>,
    limit: Option<usize>,
    handle: Handler,
) -> io::Result<usize> {
    // `Py<PyAny>` may be shared between threads; each attaches to use it.
    let app = Arc::new(app);
    let mut threads = Vec::new();
    let mut accepted = 0;
    while limit.is_none_or(|limit| accepted < limit) {
        let (mut stream, _) = listener.accept()?;
        accepted += 1;
        let app = Arc::clone(&app);
        threads.retain(|t: &thread::JoinHandle<()>| !t.is_finished());
        threads.push(thread::spawn(move || {
            if let Err(err) = handle(&mut stream, &app) {
                eprintln!("connection failed: {err}");
            }
        }));
    }
    for thread in threads {
        thread.join().expect("a connection thread panicked");
    }
    Ok(accepted)
}
// ANCHOR_END: serve
