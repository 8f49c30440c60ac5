//! Exercise, chapter 9: call a WSGI application from Rust.
//!
//! ```text
//! response_body_iterable = app(environ, start_response)
//!                           |          |
//!                           |          +-- start_response("200 OK", [("Content-Type", "text/plain")])
//!                           +-- a dict describing the request
//! ```
//!
//! Everything here runs attached to Python: the caller holds the GIL and
//! passes its `py` token. Useful pyo3 calls: `Bound::new(py, value)`,
//! `any.call1((a, b))`, `any.try_iter()`, `any.cast::<PyBytes>()`,
//! `bytes.as_bytes()`, `any.getattr_opt("name")`, `callable.call0()`,
//! `PyTypeError::new_err("text")`, `bound_pyclass.get()`.
//!
//! Run the check with `cargo run -p course -- check 9`.
//! Stuck? `cargo run -p course -- hint 9`.

// The starter does not use its arguments yet; that is expected.
#![allow(unused_variables)]
// The imports the reference uses; you will need them.
#![allow(unused_imports)]

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
    // TODO: Call `run_app`. On `Ok`, that is the response.
    //   On `Err(error)`, print the traceback for the server's log
    //   (`eprintln!("...{}", traceback(py, &error))`) and answer
    //   `internal_error()`. Never put the traceback in the response: the
    //   client may be an attacker collecting details about the server.
    todo!("call_app: run the app, or answer 500")
}

/// Calls the app, collects its body, calls `close()`, and takes what
/// `start_response` recorded. Any Python exception comes back as `Err`.
pub fn run_app(
    py: Python<'_>,
    app: &Bound<'_, PyAny>,
    environ: Bound<'_, PyDict>,
) -> PyResult<WsgiResponse> {
    // TODO: 1. Make the callable: `Bound::new(py, StartResponse::default())?`.
    //
    // TODO: 2. Call the application with the two arguments:
    //   `app.call1((environ, &start_response))?`. If the application raises,
    //   `?` hands the exception to our caller.
    //
    // TODO: 3. `collect_body(&result)`, but keep its `PyResult` without `?`
    //   for a moment: whatever happened, step 4 comes first.
    //
    // TODO: 4. If the result has a `close` attribute (`result.getattr_opt("close")?`
    //   gives `Some(close)`), call it (`close.call0()`). PEP 3333: close() is
    //   called whenever the application returned, even if iterating failed.
    //   Then apply `?` to the body's result, then to close()'s.
    //
    // TODO: 5. Take the recorded status and headers:
    //   `start_response.get().take()`. `None` means the application never
    //   called start_response: that is
    //   `Err(PyRuntimeError::new_err("the application returned without calling start_response()"))`.
    //   Otherwise `Ok(WsgiResponse { status, headers, body })`.
    todo!("run_app: the call, the body, close()")
}

/// Iterates the application's result and joins its pieces.
pub fn collect_body(result: &Bound<'_, PyAny>) -> PyResult<Vec<u8>> {
    // TODO: `for piece in result.try_iter()? { let piece = piece?; ... }`
    //   (`try_iter` raises TypeError for things that are not iterable, such
    //   as None; each `piece` may itself be an exception from a generator).
    //   Every piece must be `bytes`: `piece.cast::<PyBytes>()`. If it is not,
    //   return `Err(PyTypeError::new_err(...))` saying which type came instead
    //   (`piece.get_type().name()?`). Append `bytes.as_bytes()` to the body.
    todo!("collect_body: join the bytes pieces")
}
