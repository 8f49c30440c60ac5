//! The two sides of a WSGI call, as small as they can be.
//!
//! A WSGI application is `app(environ, start_response)`: the server hands
//! it a `dict` and a callable, the application calls `start_response(status,
//! headers)` once and returns an iterable of `bytes`. This module has what
//! the server passes in ([`minimal_environ`], [`StartResponse`]) and what it
//! gets back ([`WsgiResponse`], turned into bytes by [`encode`]).
//!
//! Both are deliberately minimal here: chapter 10 builds the full `environ`
//! of PEP 3333, chapter 11 the full `start_response` (with `exc_info` and
//! `write()`).

use std::sync::Mutex;

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};

use crate::head::RequestHead;

/// What the application answered: its status line (e.g. `"200 OK"`), its
/// headers, and the whole body, collected from its iterable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WsgiResponse {
    pub status: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// The answer when the application fails: a plain 500. The details (the
/// traceback) go to the server's log, never to the client, who might be an
/// attacker looking for them.
pub fn internal_error() -> WsgiResponse {
    WsgiResponse {
        status: "500 Internal Server Error".to_string(),
        headers: vec![("Content-Type".into(), "text/plain; charset=utf-8".into())],
        body: b"500 Internal Server Error\n".to_vec(),
    }
}

// ANCHOR: encode
/// The bytes on the wire. The status line is the application's own
/// (`HTTP/1.1 ` + `"200 OK"`). We hold the whole body, so we frame it with
/// our own `Content-Length` (an application's may be wrong) and close the
/// connection after every response: one request per connection keeps this
/// chapter about Python.
pub fn encode(response: &WsgiResponse) -> Vec<u8> {
    let mut out = format!("HTTP/1.1 {}\r\n", response.status).into_bytes();
    for (name, value) in &response.headers {
        if !name.eq_ignore_ascii_case("Content-Length") {
            out.extend_from_slice(format!("{name}: {value}\r\n").as_bytes());
        }
    }
    out.extend_from_slice(format!("Content-Length: {}\r\n", response.body.len()).as_bytes());
    out.extend_from_slice(b"Connection: close\r\n\r\n");
    out.extend_from_slice(&response.body);
    out
}
// ANCHOR_END: encode

// ANCHOR: start_response
/// The `start_response` callable the server hands to the application.
///
/// A `#[pyclass]` is a Rust struct that Python code can hold; `__call__`
/// makes its instances callable like functions. Python objects may be used
/// from any thread, so pyo3 wants the struct `Sync`: `frozen` (no `&mut
/// self` methods) plus a `Mutex` for what changes.
#[pyclass(frozen)]
#[derive(Default)]
pub struct StartResponse {
    /// The latest `(status, headers)` the application gave us.
    pub recorded: Mutex<Option<Recorded>>,
}

/// A status line and headers, as `start_response` received them.
pub type Recorded = (String, Vec<(String, String)>);

#[pymethods]
impl StartResponse {
    /// `start_response(status, headers, exc_info=None)`. pyo3 converts the
    /// arguments: a `str` into `String`, a list of 2-tuples of `str` into
    /// the `Vec`; anything else raises `TypeError` in the application.
    #[pyo3(signature = (status, headers, exc_info = None))]
    fn __call__(
        &self,
        status: String,
        headers: Vec<(String, String)>,
        exc_info: Option<Bound<'_, PyAny>>,
    ) {
        // Chapter 11 gives `exc_info` its meaning; here the latest call wins.
        let _ = exc_info;
        *self.recorded.lock().unwrap_or_else(|e| e.into_inner()) = Some((status, headers));
    }
}
// ANCHOR_END: start_response

impl StartResponse {
    /// Takes what the application recorded, if it called us at all.
    pub fn take(&self) -> Option<Recorded> {
        self.recorded
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
    }
}

// ANCHOR: minimal_environ
/// Just enough of an `environ` for the examples: the request line and the
/// `wsgi.*` keys. Chapter 10 adds the headers, decoding and the body.
pub fn minimal_environ<'py>(
    py: Python<'py>,
    head: &RequestHead,
    server_port: u16,
) -> PyResult<Bound<'py, PyDict>> {
    let (path, query) = head.path.split_once('?').unwrap_or((&head.path, ""));
    let environ = PyDict::new(py);
    environ.set_item("REQUEST_METHOD", &head.method)?;
    environ.set_item("SCRIPT_NAME", "")?;
    environ.set_item("PATH_INFO", path)?;
    environ.set_item("QUERY_STRING", query)?;
    environ.set_item("SERVER_PROTOCOL", format!("HTTP/1.{}", head.version))?;
    environ.set_item("SERVER_NAME", "127.0.0.1")?;
    environ.set_item("SERVER_PORT", server_port.to_string())?;
    environ.set_item("wsgi.version", PyTuple::new(py, [1, 0])?)?;
    environ.set_item("wsgi.url_scheme", "http")?;
    environ.set_item(
        "wsgi.input",
        py.import("io")?.call_method1("BytesIO", (b"" as &[u8],))?,
    )?;
    environ.set_item("wsgi.errors", py.import("sys")?.getattr("stderr")?)?;
    environ.set_item("wsgi.multithread", true)?;
    environ.set_item("wsgi.multiprocess", false)?;
    environ.set_item("wsgi.run_once", false)?;
    Ok(environ)
}
// ANCHOR_END: minimal_environ
