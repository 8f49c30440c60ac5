//! Chapter 10: the environ.
//!
//! Chapter 9 called the application with a `minimal_environ`: the request
//! line and little else. An application learns *everything* about a request
//! from its `environ` dictionary: the method, the path, the query string,
//! every header, the body (`wsgi.input`), who is asking. This chapter builds
//! it the way PEP 3333 says, in [`environ::build_environ`], the exercise.
//!
//! The server is chapter 9's, now reading request bodies (with
//! `Content-Length`) so that `wsgi.input` has something in it. Run it with
//! `environ_dump:application` to see the dictionary of each request.
//!
//! Everything else comes from chapter 9's crate, its reference solution
//! used as a library (see `Cargo.toml`): the interpreter ([`python`]),
//! calling the app ([`call`]), the response side ([`wsgi`]), the request
//! heads ([`head`], chapter 3's), and the thread-per-connection server.

pub mod request;

pub use ch09_embed_python::{call, head, python, wsgi};
pub use ch09_embed_python::{listen_addr, serve_with, Handler, DEFAULT_PORT};

#[cfg_attr(not(feature = "exercise"), path = "environ.rs")]
#[cfg_attr(feature = "exercise", path = "../exercise/environ.rs")]
pub mod environ;

use std::io::{self, Write};
use std::net::{TcpListener, TcpStream};

use pyo3::prelude::*;

use request::{read_request, ReadError};
use wsgi::{encode, internal_error, WsgiResponse};

// ANCHOR: handle_connection
/// One request, one response, then the connection closes.
pub fn handle_connection(stream: &mut TcpStream, app: &Py<PyAny>) -> io::Result<()> {
    // Read the whole request, body included, without the GIL.
    let request = match read_request(stream, stream.peer_addr()?, stream.local_addr()?) {
        Ok(request) => request,
        Err(ReadError::Closed) => return Ok(()),
        Err(ReadError::Io(err)) => return Err(err),
        Err(ReadError::Refused(status, why)) => {
            let refusal = WsgiResponse {
                status: status.into(),
                headers: vec![],
                body: format!("{why}\n").into_bytes(),
            };
            return stream.write_all(&encode(&refusal));
        }
    };
    // Build the environ and run the application, attached.
    let response = Python::attach(|py| match environ::build_environ(py, &request) {
        Ok(environ) => call::call_app(py, app.bind(py), environ),
        Err(err) => {
            eprintln!("cannot build the environ: {}", python::traceback(py, &err));
            internal_error()
        }
    });
    let head = &request.head;
    println!("{} {} -> {}", head.method, head.path, response.status);
    stream.write_all(&encode(&response))
}
// ANCHOR_END: handle_connection

/// Chapter 9's server, a thread per connection, with this chapter's
/// [`handle_connection`]: until `limit` connections were accepted (or
/// forever). Returns how many it accepted.
pub fn serve(listener: TcpListener, app: Py<PyAny>, limit: Option<usize>) -> io::Result<usize> {
    ch09_embed_python::serve_with(listener, app, limit, handle_connection)
}
