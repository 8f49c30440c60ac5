//! Calling a WSGI application from Rust, from chapter 9.
//!
//! This is chapter 9's solution, unchanged apart from this header.
//!
//! Everything a WSGI server does with an application happens here:
//!
//! 1. make a `start_response` and call `app(environ, start_response)`;
//! 2. iterate what it returned, collecting `bytes`;
//! 3. call the iterable's `close()` if it has one, *whatever happened*;
//! 4. take the status and headers `start_response` recorded;
//! 5. turn every Python exception (and every broken promise of the
//!    application) into a `500 Internal Server Error`.
//!
//! All of it runs while attached to Python: the caller holds the GIL and
//! passes us its `py` token.

use pyo3::exceptions::{PyRuntimeError, PyTypeError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};

use crate::python::traceback;
use crate::wsgi::{internal_error, StartResponse, WsgiResponse};

/// Calls the application and always comes back with a response: the
/// application's own, or a 500 whose reason is printed to stderr.
pub fn call_app(
    py: Python<'_>,
    app: &Bound<'_, PyAny>,
    environ: Bound<'_, PyDict>,
) -> WsgiResponse {
    match run_app(py, app, environ) {
        Ok(response) => response,
        Err(error) => {
            // The traceback is for the server's log, not for the client.
            eprintln!(
                "the application failed, answering 500:\n{}",
                traceback(py, &error)
            );
            internal_error()
        }
    }
}

/// Steps 1 to 4; any Python exception comes back as `Err`.
pub fn run_app(
    py: Python<'_>,
    app: &Bound<'_, PyAny>,
    environ: Bound<'_, PyDict>,
) -> PyResult<WsgiResponse> {
    // A Rust value wrapped in a Python object that the application can call.
    let start_response = Bound::new(py, StartResponse::default())?;
    // `?` turns an exception raised by the application into our `Err`.
    let result = app.call1((environ, &start_response))?;
    let body = collect_body(&result);
    // close() is called even when iterating failed: it is where an
    // application frees what it holds (files, database connections).
    let closed = match result.getattr_opt("close")? {
        Some(close) => close.call0().map(drop),
        None => Ok(()),
    };
    let body = body?;
    closed?;
    // `get()` borrows the Rust struct inside a frozen pyclass.
    let Some((status, headers)) = start_response.get().take() else {
        return Err(PyRuntimeError::new_err(
            "the application returned without calling start_response()",
        ));
    };
    Ok(WsgiResponse {
        status,
        headers,
        body,
    })
}

/// Iterates the application's result and joins its pieces. Every piece must
/// be `bytes`: a `str` has no encoding yet, and a bare `bytes` returned
/// instead of a list iterates as integers.
pub fn collect_body(result: &Bound<'_, PyAny>) -> PyResult<Vec<u8>> {
    let mut body = Vec::new();
    for piece in result.try_iter()? {
        let piece = piece?;
        let Ok(bytes) = piece.cast::<PyBytes>() else {
            return Err(PyTypeError::new_err(format!(
                "the application must yield bytes, not {}",
                piece.get_type().name()?
            )));
        };
        body.extend_from_slice(bytes.as_bytes());
    }
    Ok(body)
}
