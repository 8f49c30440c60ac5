//! `start_response` and the `write()` callable it returns (PEP 3333).
//!
//! `start_response(status, headers, exc_info=None)` does not send anything:
//! it records the status and headers. They go out with the first non-empty
//! piece of body (or at the end), so an application may still change its
//! mind, by calling `start_response` again *with* `exc_info`, until then.
//!
//! Everything the application hands us is checked here, because a header
//! value with a CR LF in it would let whoever controls that value write their
//! own headers, or a whole second response (header injection). Such a value
//! raises, which becomes a 500.

use std::sync::{Arc, Mutex, MutexGuard};

use pyo3::exceptions::{PyAssertionError, PyConnectionError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyString, PyTuple};

use crate::http::request::{is_forbidden_in_value, is_tchar};
use crate::http::{ResponseHead, Responder};

/// The response of one request, shared by `start_response`, `write()` and the gateway.
pub struct ResponseState {
    pub responder: Responder,
    /// What `start_response` recorded (the latest call wins).
    pub head: Option<ResponseHead>,
}

pub type SharedResponse = Arc<Mutex<ResponseState>>;

pub fn lock(state: &SharedResponse) -> MutexGuard<'_, ResponseState> {
    state.lock().unwrap_or_else(|e| e.into_inner())
}

/// Headers PEP 3333 forbids an application to set: they describe one
/// connection, which only the server knows.
const HOP_BY_HOP: [&str; 8] = [
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailers",
    "transfer-encoding",
    "upgrade",
];

#[pyclass(frozen, module = "wsgi_server")]
pub struct StartResponse {
    pub(crate) state: SharedResponse,
    /// `--trace`: print each call.
    pub(crate) trace: bool,
}

#[pymethods]
impl StartResponse {
    // ANCHOR: call
    #[pyo3(signature = (status, headers, exc_info = None))]
    fn __call__(
        &self,
        py: Python<'_>,
        status: &Bound<'_, PyAny>,
        headers: &Bound<'_, PyAny>,
        exc_info: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<WriteCallable> {
        let exc_info = exc_info.filter(|e| !e.is_none());
        {
            let state = lock(&self.state);
            if let Some(exc_info) = exc_info {
                if state.responder.head_started() {
                    // Too late to change the status: PEP 3333 says re-raise.
                    let exc_info = exc_info.cast::<PyTuple>()?;
                    return Err(PyErr::from_value(exc_info.get_item(1)?));
                }
            } else if state.head.is_some() {
                return Err(PyAssertionError::new_err(
                    "start_response() was already called (pass exc_info to replace the headers)",
                ));
            }
        }
        if self.trace {
            let exc = if exc_info.is_some() { ", exc_info" } else { "" };
            crate::http::trace::line(&format!("  wsgi: start_response({}, {}{exc})", status.repr()?, headers.repr()?));
        }
        let head = parse_head(py, status, headers)?;
        lock(&self.state).head = Some(head);
        Ok(WriteCallable { state: Arc::clone(&self.state) })
    }
    // ANCHOR_END: call
}

fn parse_head(_py: Python<'_>, status: &Bound<'_, PyAny>, headers: &Bound<'_, PyAny>) -> PyResult<ResponseHead> {
    // Borrowed, not copied: a str's UTF-8 form is cached inside it (for an
    // ASCII str it *is* its storage), and only the pieces kept are copied.
    let status = status
        .cast::<PyString>()
        .map_err(|_| PyTypeError::new_err("status must be a str such as '200 OK'"))?;
    let status = status
        .to_str()
        .map_err(|_| PyValueError::new_err("status reason must be latin-1 text without control characters"))?;
    let bytes = status.as_bytes();
    let well_formed = bytes.len() >= 4
        && bytes[..3].iter().all(u8::is_ascii_digit)
        && bytes[3] == b' '
        && bytes[0] != b'0';
    if !well_formed {
        return Err(PyValueError::new_err(format!("status must look like '200 OK', got {status:?}")));
    }
    let reason = &status[4..];
    if reason.chars().any(|c| c.is_control() || u32::from(c) > 0xff) {
        return Err(PyValueError::new_err("status reason must be latin-1 text without control characters"));
    }
    let code: u16 = status[..3].parse().unwrap_or(500);

    let mut head = ResponseHead::new(code, reason);
    // About 32 bytes a header, reserved at once: one allocation for all.
    head.reserve(headers.len().unwrap_or(0) * 32);
    for item in headers.try_iter().map_err(|_| PyTypeError::new_err("headers must be a list of (name, value) tuples"))? {
        let item = item?;
        let pair = item
            .cast::<PyTuple>()
            .map_err(|_| PyTypeError::new_err("each header must be a (name, value) tuple"))?;
        if pair.len() != 2 {
            return Err(PyTypeError::new_err("each header must be a (name, value) tuple"));
        }
        let name = pair.get_borrowed_item(0)?;
        let name = name.cast::<PyString>().map_err(|_| PyTypeError::new_err("header names must be str"))?;
        // (A str that cannot be UTF-8, a lone surrogate, is not latin-1 either.)
        let name = name.to_str().map_err(|_| PyValueError::new_err("invalid header name (not latin-1)"))?;
        let value = pair.get_borrowed_item(1)?;
        let value = value.cast::<PyString>().map_err(|_| PyTypeError::new_err("header values must be str"))?;
        let value = value.to_str().map_err(|_| PyValueError::new_err(format!("header {name} is not latin-1")))?;
        // ANCHOR: header_checks
        if name.is_empty() || !name.bytes().all(is_tchar) {
            return Err(PyValueError::new_err(format!("invalid header name {name:?}")));
        }
        if HOP_BY_HOP.iter().any(|h| name.eq_ignore_ascii_case(h)) {
            return Err(PyValueError::new_err(format!(
                "hop-by-hop header {name:?} is not allowed from a WSGI application"
            )));
        }
        // Latin-1 on the wire: one byte per character. Most values are
        // ASCII, whose UTF-8 form already is that.
        if value.is_ascii() {
            if value.bytes().any(is_forbidden_in_value) {
                return Err(control_character(name));
            }
            head.push_header(name, value.as_bytes());
            continue;
        }
        let mut raw = Vec::with_capacity(value.len());
        for c in value.chars() {
            let code = u32::from(c);
            if code > 0xff {
                return Err(PyValueError::new_err(format!("header {name} is not latin-1: {value:?}")));
            }
            if is_forbidden_in_value(code as u8) {
                return Err(control_character(name));
            }
            raw.push(code as u8);
        }
        head.push_header(name, &raw);
        // ANCHOR_END: header_checks
    }
    Ok(head)
}

fn control_character(name: &str) -> PyErr {
    PyValueError::new_err(format!("header {name} contains a control character (CR/LF would allow header injection)"))
}

/// RFC 9110 token characters.
/// The `write(data)` callable: the old, imperative way to send body bytes.
#[pyclass(frozen, module = "wsgi_server")]
pub struct WriteCallable {
    state: SharedResponse,
}

#[pymethods]
impl WriteCallable {
    fn __call__(&self, py: Python<'_>, data: &Bound<'_, PyAny>) -> PyResult<()> {
        let data = data
            .cast::<PyBytes>()
            .map_err(|_| PyTypeError::new_err("write() takes bytes"))?;
        send_chunk(py, &self.state, data.as_bytes())
    }
}

// ANCHOR: send_chunk
/// Sends one non-empty piece of body: the head first if it has not gone yet.
/// Detaches from Python while it may wait for a slow client.
pub fn send_chunk(py: Python<'_>, state: &SharedResponse, data: &[u8]) -> PyResult<()> {
    if data.is_empty() {
        return Ok(());
    }
    let mut state = lock(state);
    if !state.responder.head_started() {
        let head = state
            .head
            .clone()
            .ok_or_else(|| PyAssertionError::new_err("body data sent before start_response() was called"))?;
        state.responder.start(head);
    }
    let state = &mut *state;
    py.detach(|| state.responder.send_body(data))
        .map_err(|_| PyConnectionError::new_err("the client disconnected"))
}
// ANCHOR_END: send_chunk
