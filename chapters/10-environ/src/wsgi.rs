//! The response side of a WSGI call, from chapter 9: the `start_response`
//! callable, what the application answered ([`WsgiResponse`]) and its bytes
//! ([`encode`]).
//!
//! This is chapter 9's module without `minimal_environ`, which
//! `environ.rs` replaces. `start_response` stays minimal until chapter 11.

use std::sync::Mutex;

use pyo3::prelude::*;

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

impl StartResponse {
    /// Takes what the application recorded, if it called us at all.
    pub fn take(&self) -> Option<Recorded> {
        self.recorded
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
    }
}
