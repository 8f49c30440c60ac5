//! The server, from chapter 10: a thread per connection, one request per
//! connection, the whole body collected before it is sent.
//!
//! This is chapter 10's `handle_connection` and `serve`, unchanged apart from
//! this header. Nothing in it knows about mounts: the dispatcher is a WSGI
//! application like any other (see `dispatcher.rs`), so any WSGI server
//! could run it.

use std::io::{self, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::thread;

use pyo3::prelude::*;

use crate::request::{read_request, ReadError};
use crate::wsgi::{encode, internal_error, WsgiResponse};
use crate::{call, environ, python};

/// The port every chapter listens on unless `PORT` says otherwise.
pub const DEFAULT_PORT: u16 = 7878;

/// `127.0.0.1:7878`, or `127.0.0.1:$PORT` when `PORT` is set.
pub fn listen_addr() -> String {
    let port = std::env::var("PORT").unwrap_or_else(|_| DEFAULT_PORT.to_string());
    format!("127.0.0.1:{port}")
}

/// One request, one response, then the connection closes. The socket is
/// only read and written while detached from Python.
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

/// A thread per connection, until `limit` connections were accepted (or
/// forever). Returns how many it accepted.
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
