//! Chapter 11: `start_response`, done properly.
//!
//! Chapter 9's server collected the whole body, then sent it. A real WSGI
//! server streams: the head goes out with the first piece of body, each
//! piece as soon as it is yielded, then the iterable's `close()`. That
//! changes what `start_response` must do, because the head is no longer
//! final when it is recorded:
//!
//! - [`start_response::StartResponse`] records heads, refuses a second one,
//!   and accepts a replacement only with `exc_info` and only in time;
//! - it returns `write()`, the imperative way to send body bytes;
//! - [`start_response::send_chunk`] sends the head lazily, with the first
//!   non-empty piece; [`start_response::finish`] ends the response.
//!
//! Those are the exercise. [`gateway::run_app`] drives them: it iterates the
//! body, calls `close()`, and turns failures into a 500 or a cut
//! connection. The tests run applications wrapped in the standard
//! library's `wsgiref.validate.validator`, which checks both sides.

pub mod environ;
pub mod gateway;
pub mod head;
pub mod python;
pub mod request;
pub mod response;

#[cfg_attr(not(feature = "exercise"), path = "start_response.rs")]
#[cfg_attr(feature = "exercise", path = "../exercise/start_response.rs")]
pub mod start_response;

use std::io::{self, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::thread;

use pyo3::prelude::*;

use gateway::Outcome;
use request::{read_request, ReadError};
use response::{lock, ResponseState};

/// The port every chapter listens on unless `PORT` says otherwise.
pub const DEFAULT_PORT: u16 = 7878;

/// `127.0.0.1:7878`, or `127.0.0.1:$PORT` when `PORT` is set.
pub fn listen_addr() -> String {
    let port = std::env::var("PORT").unwrap_or_else(|_| DEFAULT_PORT.to_string());
    format!("127.0.0.1:{port}")
}

// ANCHOR: handle_connection
/// One request, one streamed response, then the connection closes.
pub fn handle_connection(stream: &mut TcpStream, app: &Py<PyAny>) -> io::Result<()> {
    let request = match read_request(stream, stream.peer_addr()?, stream.local_addr()?) {
        Ok(request) => request,
        Err(ReadError::Closed) => return Ok(()),
        Err(ReadError::Io(err)) => return Err(err),
        Err(ReadError::Refused(status, why)) => {
            let refusal = format!(
                "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{why}\n",
                why.len() + 1
            );
            return stream.write_all(refusal.as_bytes());
        }
    };
    // The response writes to its own handle on the same socket.
    let out = Box::new(stream.try_clone()?);
    let state = ResponseState::new(out, request.head.version == 1, false);
    let outcome = Python::attach(|py| match environ::build_environ(py, &request) {
        Ok(environ) => gateway::run_app(py, app.bind(py), environ, &state),
        Err(err) => {
            eprintln!("cannot build the environ: {}", python::traceback(py, &err));
            gateway::fail(py, &state)
        }
    });
    let status = lock(&state).head.as_ref().map(|h| h.status.clone());
    let head = &request.head;
    println!(
        "{} {} -> {} ({outcome:?})",
        head.method,
        head.path,
        status.unwrap_or_default()
    );
    if outcome == Outcome::Aborted {
        // Dropping the stream closes it: the client sees a cut response.
        eprintln!("connection closed mid-response");
    }
    Ok(())
}
// ANCHOR_END: handle_connection

/// Chapter 9's server: a thread per connection, until `limit` connections
/// were accepted (or forever). Returns how many it accepted.
pub fn serve(listener: TcpListener, app: Py<PyAny>, limit: Option<usize>) -> io::Result<usize> {
    let app = Arc::new(app);
    let mut threads = Vec::new();
    let mut accepted = 0;
    while limit.is_none_or(|limit| accepted < limit) {
        let (mut stream, _) = listener.accept()?;
        accepted += 1;
        let app = Arc::clone(&app);
        threads.retain(|t: &thread::JoinHandle<()>| !t.is_finished());
        threads.push(thread::spawn(move || {
            if let Err(err) = handle_connection(&mut stream, &app) {
                eprintln!("connection failed: {err}");
            }
        }));
    }
    for thread in threads {
        thread.join().expect("a connection thread panicked");
    }
    Ok(accepted)
}
