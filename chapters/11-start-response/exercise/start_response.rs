//! Exercise, chapter 11: `start_response`, `write()`, and lazy heads.
//!
//! ```text
//! app calls                         the server                     on the wire
//! start_response("200 OK", h)   ->  records the head               (nothing)
//! yield b""                     ->  nothing to send                (nothing)
//! yield b"Hello"                ->  head first, then the piece     HTTP/1.1 200 OK ... \r\n\r\n 5\r\nHello\r\n
//! write(b"!")                   ->  the head is out: just the piece  1\r\n!\r\n
//! (iterable ends)               ->  finish: the last chunk         0\r\n\r\n
//! ```
//!
//! `crate::response` gives you the state (`ResponseState`, behind `Shared`,
//! locked with `lock(&shared)`), `check_head` (validation), and on the state
//! `head_bytes(body_is_empty)` (encodes the head, decides the framing) and
//! `frame(data)` (one piece of body as it goes on the wire).
//!
//! Run the check with `cargo run -p course -- check 11`.
//! Stuck? `cargo run -p course -- hint 11`.

// The starter does not use its arguments yet; that is expected.
#![allow(unused_variables)]
// The imports the reference uses; you will need them.
#![allow(unused_imports)]

use std::io::Write;
use std::sync::Arc;

use pyo3::exceptions::{PyAssertionError, PyConnectionError, PyRuntimeError, PyTypeError};
use pyo3::prelude::*;
use pyo3::types::PyBytes;

use crate::response::{check_head, lock, ResponseHead, Shared};

/// The `start_response` callable handed to the application.
#[pyclass(frozen)]
pub struct StartResponse {
    pub state: Shared,
}

/// The `write(data)` callable that `start_response` returns.
#[pyclass(frozen)]
pub struct WriteCallable {
    pub state: Shared,
}

#[pymethods]
impl StartResponse {
    /// `start_response(status, headers, exc_info=None)`.
    #[pyo3(signature = (status, headers, exc_info = None))]
    fn __call__(
        &self,
        status: String,
        headers: Vec<(String, String)>,
        exc_info: Option<Bound<'_, PyAny>>,
    ) -> PyResult<WriteCallable> {
        // TODO: An `exc_info` of Python `None` counts as no exc_info:
        //   `let exc_info = exc_info.filter(|e| !e.is_none());`
        //   Then `let mut state = lock(&self.state);` and decide:
        //   - exc_info given and `state.head_sent`: too late to change the
        //     status. PEP 3333 says: raise the application's exception again.
        //     It is `exc_info[1]`: `Err(PyErr::from_value(exc_info.get_item(1)?))`.
        //   - exc_info given, head not sent yet: fine, the new head will
        //     replace the recorded one.
        //   - no exc_info but a head was already recorded (`state.head.is_some()`):
        //     `Err(PyAssertionError::new_err("start_response() was already called ..."))`.
        //   - no exc_info, first call: fine.
        //
        // TODO: Refuse a bad head with `check_head(&status, &headers)?`
        //   (header injection, hop-by-hop headers, a status like "OK").
        //   Record it: `state.head = Some(ResponseHead { status, headers });`
        //   Send NOTHING here: the head waits for the first byte of body.
        //
        // TODO: Return `write`: `Ok(WriteCallable { state: Arc::clone(&self.state) })`.
        todo!("StartResponse.__call__")
    }
}

#[pymethods]
impl WriteCallable {
    /// `write(data)`: sends `data` now (the head first, if needed).
    fn __call__(&self, py: Python<'_>, data: &Bound<'_, PyAny>) -> PyResult<()> {
        // TODO: `data` must be bytes: `data.cast::<PyBytes>()`, or else
        //   `Err(PyTypeError::new_err("write() takes bytes"))`. Then hand
        //   `bytes.as_bytes()` to `send_chunk`.
        todo!("WriteCallable.__call__")
    }
}

/// Sends one piece of body. The first non-empty piece sends the head
/// before it; an empty piece sends nothing at all (not even the head).
pub fn send_chunk(py: Python<'_>, state: &Shared, data: &[u8]) -> PyResult<()> {
    // TODO: An empty `data` returns `Ok(())` at once: it must not send the
    //   head (the application may still change its mind).
    //
    // TODO: Everything else happens detached from Python:
    //   `py.detach(|| { ... })` (returning a `PyResult<()>`): it is plain
    //   Rust and socket I/O, and a slow client must not hold the GIL.
    //   Inside, `let mut state = lock(state);` and build the bytes to write:
    //   - if `!state.head_sent`: no head recorded means body before
    //     start_response: `Err(PyAssertionError::new_err(...))`. Otherwise
    //     start with `state.head_bytes(false)` and set `state.head_sent = true`;
    //   - then append `state.frame(data)` (it adds the chunk size line and
    //     CRLF when the body is chunked).
    //   Write them all with `state.out.write_all(&bytes)`; an I/O error
    //   means the client is gone: `PyConnectionError::new_err(...)`.
    todo!("send_chunk")
}

/// Ends the response once the body is complete: the head, if no body byte
/// ever made it go out, then the last chunk if the body is chunked.
pub fn finish(py: Python<'_>, state: &Shared) -> PyResult<()> {
    // TODO: Detached as well, and locked, like `send_chunk`:
    //   - if the head was never sent: no head recorded means the application
    //     never called start_response:
    //     `Err(PyRuntimeError::new_err("the application returned without calling start_response()"))`.
    //     Otherwise the bytes start with `state.head_bytes(true)` (the body is
    //     empty, and the head says so); set `state.head_sent = true`.
    //   - if `state.chunked`: append the last chunk, `b"0\r\n\r\n"`.
    //   Write them, then `flush()` (`PyConnectionError` on failure).
    todo!("finish")
}
