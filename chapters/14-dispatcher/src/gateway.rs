//! The gateway, from chapter 11: call the application, iterate its body,
//! close it, and deal with every way that can go wrong.
//!
//! This is chapter 11's module as chapter 12's server carries it,
//! unchanged apart from this header.
//!
//! Chapter 9's `call_app` collected the whole body and sent it at the end.
//! This one *streams*: each piece is sent as soon as the application yields
//! it (through [`send_chunk`]), which is what makes a long download or a
//! server-sent stream possible. The price is that a failure may now happen
//! after the head is on the wire, when no 500 can be sent any more.

use std::sync::Arc;

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyString};

use crate::python::traceback;
use crate::response::{lock, ResponseHead, Shared};
use crate::start_response::{finish, send_chunk, StartResponse};

/// How a response ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The application's response went out whole.
    Sent,
    /// The application failed before its head went out: a 500 went out.
    Replaced500,
    /// Something failed after the head went out (or the client left): the
    /// connection must be closed, which tells the client the response is
    /// incomplete.
    Aborted,
}

/// Runs the application for one request and sends its response.
pub fn run_app(
    py: Python<'_>,
    app: &Bound<'_, PyAny>,
    environ: Bound<'_, PyDict>,
    state: &Shared,
) -> Outcome {
    match call_and_send(py, app, environ, state) {
        Ok(()) => Outcome::Sent,
        Err(error) => {
            eprintln!("the application failed:\n{}", traceback(py, &error));
            fail(py, state)
        }
    }
}

/// Calls the app, sends its body, ends the response, calls `close()`.
fn call_and_send(
    py: Python<'_>,
    app: &Bound<'_, PyAny>,
    environ: Bound<'_, PyDict>,
    state: &Shared,
) -> PyResult<()> {
    let start_response = Bound::new(
        py,
        StartResponse {
            state: Arc::clone(state),
        },
    )?;
    let result = app.call1((environ, start_response))?;
    let sent = send_body(py, &result, state).and_then(|()| finish(py, state));
    // close() exactly once, whatever happened while iterating.
    let closed = match result.getattr_opt("close") {
        Ok(Some(close)) => close.call0().map(drop),
        Ok(None) => Ok(()),
        Err(error) => Err(error),
    };
    sent?;
    closed
}

/// Iterates the body and sends every piece as it comes.
fn send_body(py: Python<'_>, result: &Bound<'_, PyAny>, state: &Shared) -> PyResult<()> {
    // A bare bytes/str iterates as ints/characters: a classic mistake.
    if result.is_instance_of::<PyBytes>() || result.is_instance_of::<PyString>() {
        return Err(PyTypeError::new_err(
            "the application returned a bare bytes or str: return a list of bytes",
        ));
    }
    for piece in result.try_iter()? {
        let piece = piece?;
        let Ok(bytes) = piece.cast::<PyBytes>() else {
            return Err(PyTypeError::new_err(format!(
                "the application must yield bytes, not {}",
                piece.get_type().name()?
            )));
        };
        send_chunk(py, state, bytes.as_bytes())?;
    }
    Ok(())
}

/// After a failure: a 500 if the head has not gone out, else give up.
pub fn fail(py: Python<'_>, state: &Shared) -> Outcome {
    const BODY: &[u8] = b"500 Internal Server Error\n";
    {
        let mut state = lock(state);
        if state.head_sent {
            state.keep_alive = false;
            return Outcome::Aborted;
        }
        state.head = Some(ResponseHead {
            status: "500 Internal Server Error".into(),
            headers: vec![
                ("Content-Type".into(), "text/plain; charset=utf-8".into()),
                ("Content-Length".into(), BODY.len().to_string()),
            ],
        });
    }
    match send_chunk(py, state, BODY).and_then(|()| finish(py, state)) {
        Ok(()) => Outcome::Replaced500,
        Err(_) => {
            lock(state).keep_alive = false;
            Outcome::Aborted
        }
    }
}
