//! `start_response` and `write()`, from chapter 11.
//!
//! This is chapter 11's solution as chapter 12's server carries it,
//! unchanged apart from this header.
//!
//! PEP 3333's contract, from the server's side:
//!
//! - `start_response(status, headers)` *records* a head; it sends nothing.
//! - The head goes out with the first non-empty piece of body, whether the
//!   piece comes from the returned iterable or from `write(data)` (the
//!   callable `start_response` returns, for old imperative applications).
//! - Calling `start_response` a second time is an error, unless the call
//!   passes `exc_info` (the `sys.exc_info()` of an error the application
//!   caught): before the head went out, the new head replaces the old one
//!   (say, a 500 page instead of the 200 it had started); after, the
//!   status is already on the wire, so the exception is raised again and
//!   the response ends broken.
//!
//! Writing to the socket may wait for a slow client: it happens detached
//! from Python, so the GIL is free for other threads meanwhile.

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
        let exc_info = exc_info.filter(|e| !e.is_none());
        let mut state = lock(&self.state);
        match exc_info {
            Some(exc_info) if state.head_sent => {
                // Too late to change the status: re-raise the application's
                // own exception (`exc_info[1]`, its traceback attached).
                return Err(PyErr::from_value(exc_info.get_item(1)?));
            }
            // Before the head went out: the new head replaces the old one.
            Some(_) => {}
            None if state.head.is_some() => {
                return Err(PyAssertionError::new_err(
                    "start_response() was already called (pass exc_info to replace the head)",
                ));
            }
            None => {}
        }
        check_head(&status, &headers)?;
        state.head = Some(ResponseHead { status, headers });
        Ok(WriteCallable {
            state: Arc::clone(&self.state),
        })
    }
}

#[pymethods]
impl WriteCallable {
    /// `write(data)`: sends `data` now (the head first, if needed).
    fn __call__(&self, py: Python<'_>, data: &Bound<'_, PyAny>) -> PyResult<()> {
        let data = data
            .cast::<PyBytes>()
            .map_err(|_| PyTypeError::new_err("write() takes bytes"))?;
        send_chunk(py, &self.state, data.as_bytes())
    }
}

/// Sends one piece of body. The first non-empty piece sends the head
/// before it; an empty piece sends nothing at all (not even the head).
pub fn send_chunk(py: Python<'_>, state: &Shared, data: &[u8]) -> PyResult<()> {
    if data.is_empty() {
        return Ok(());
    }
    // Only Rust and the socket from here on: no need for the GIL, and a
    // slow client must not keep other threads out of Python.
    py.detach(|| {
        let mut state = lock(state);
        let mut bytes = Vec::new();
        if !state.head_sent {
            if state.head.is_none() {
                return Err(PyAssertionError::new_err(
                    "body data was sent before start_response() was called",
                ));
            }
            bytes = state.head_bytes(false);
            state.head_sent = true;
        }
        bytes.extend_from_slice(&state.frame(data));
        state
            .out
            .write_all(&bytes)
            .map_err(|err| PyConnectionError::new_err(format!("the client is gone: {err}")))
    })
}

/// Ends the response once the body is complete: the head, if no body byte
/// ever made it go out, then the last chunk if the body is chunked.
pub fn finish(py: Python<'_>, state: &Shared) -> PyResult<()> {
    py.detach(|| {
        let mut state = lock(state);
        let mut bytes = Vec::new();
        if !state.head_sent {
            if state.head.is_none() {
                return Err(PyRuntimeError::new_err(
                    "the application returned without calling start_response()",
                ));
            }
            bytes = state.head_bytes(true);
            state.head_sent = true;
        }
        if state.chunked {
            bytes.extend_from_slice(b"0\r\n\r\n");
        }
        let out = &mut state.out;
        out.write_all(&bytes)
            .and_then(|()| out.flush())
            .map_err(|err| PyConnectionError::new_err(format!("the client is gone: {err}")))
    })
}
