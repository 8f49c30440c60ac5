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
//!
//! The rest is chapter 10's crate, its reference solution used as a library
//! (see `Cargo.toml`): reading a request ([`request`]), the environ
//! ([`environ`]), the interpreter ([`python`], chapter 9's), request heads
//! ([`head`], chapter 3's) and the thread-per-connection server.

pub mod gateway;
pub mod response;

pub use ch10_environ::{environ, head, python, request};
pub use ch10_environ::{listen_addr, DEFAULT_PORT};

#[cfg_attr(not(feature = "exercise"), path = "start_response.rs")]
#[cfg_attr(feature = "exercise", path = "../exercise/start_response.rs")]
pub mod start_response;

use std::io::{self, Write};
use std::net::{TcpListener, TcpStream};

use pyo3::prelude::*;

use gateway::Outcome;
use request::{read_request, ReadError};
use response::{lock, ResponseState};

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

/// Chapter 9's server, a thread per connection, with this chapter's
/// [`handle_connection`]: until `limit` connections were accepted (or
/// forever). Returns how many it accepted.
pub fn serve(listener: TcpListener, app: Py<PyAny>, limit: Option<usize>) -> io::Result<usize> {
    ch10_environ::serve_with(listener, app, limit, handle_connection)
}
