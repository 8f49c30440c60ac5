//! The WSGI gateway: the engine's [`Handler`] that calls a Python application.
//!
//! For each request, on a worker thread:
//!
//! 1. attach to the interpreter (take the GIL);
//! 2. build `environ` and a `start_response`;
//! 3. call `app(environ, start_response)`;
//! 4. iterate what it returned, sending each non-empty piece (detached from
//!    Python while a slow client makes us wait);
//! 5. call the iterable's `close()`, exactly once, whatever happened;
//! 6. turn every fault into a 500 (before the head went out) or an aborted
//!    connection (after), with the traceback in the log.

use std::sync::{Arc, Mutex};

use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyList, PyString, PyTuple};

use crate::http::{
    trace, ClientGone, Handler, HttpError, ListenAddr, PeerAddr, Request, RequestBody, RequestHead, Responder,
};

use super::environ::{EnvironBuilder, EnvironSettings};
use super::file_wrapper::{real_file, FileWrapper};
use super::interpreter::format_exception;
use super::start_response::{lock, send_chunk, ResponseState, SharedResponse, StartResponse};

pub struct WsgiHandler {
    app: Py<PyAny>,
    environ: EnvironBuilder,
    /// `--trace`: print the WSGI calls of every request.
    trace: bool,
}

impl WsgiHandler {
    pub fn new(py: Python<'_>, app: Py<PyAny>, settings: &EnvironSettings) -> PyResult<Self> {
        Ok(WsgiHandler { app, environ: EnvironBuilder::new(py, settings)?, trace: false })
    }

    /// Prints each request's WSGI calls (`--trace`).
    pub fn with_trace(mut self, trace: bool) -> Self {
        self.trace = trace;
        self
    }
}

/// Why a request could not be answered normally.
enum Fault {
    /// The app (or its iterable) raised.
    Raised(PyErr),
    /// The app broke the protocol; the text says how.
    Misbehaved(String),
    /// The client went away; nothing to report to it.
    ClientGone,
}

impl From<PyErr> for Fault {
    fn from(error: PyErr) -> Self {
        Fault::Raised(error)
    }
}

impl From<ClientGone> for Fault {
    fn from(_: ClientGone) -> Self {
        Fault::ClientGone
    }
}

// ANCHOR: handle
impl Handler for WsgiHandler {
    fn handle(&self, request: Request, responder: Responder) {
        let Request { head, body, peer, local } = request;
        let state: SharedResponse = Arc::new(Mutex::new(ResponseState { responder, head: None }));
        Python::attach(|py| {
            if let Err(fault) = self.call_app(py, &head, body, peer, &local, &state) {
                // Named only on this rare path: no per-request copies for it.
                let (method, path) = (&head.method, String::from_utf8_lossy(&head.path));
                let mut state = lock(&state);
                match fault {
                    Fault::ClientGone => {
                        log::debug!("{method} {path}: client went away during the response")
                    }
                    Fault::Raised(error) => log::error!(
                        "{method} {path}: the application raised:\n{}",
                        format_exception(py, &error)
                    ),
                    Fault::Misbehaved(problem) => log::error!("{method} {path}: {problem}"),
                }
                if state.responder.head_started() {
                    // The status line is gone; the only honest signal left is
                    // to cut the connection (never "500" inside a 200's body).
                    state.responder.abort();
                } else {
                    state.responder.send_error(&HttpError::new(500, "the application failed"));
                }
            }
        });
    }

    // ANCHOR: threads
    fn run_worker(&self, run: &mut dyn FnMut()) {
        // Attach once, then detach for the thread's life: the thread keeps its
        // Python thread state, and each later attach only takes the GIL.
        // (Attaching on a thread without one creates and destroys a thread
        // state every time, with an mmap and a munmap: about a tenth of the
        // cost of a "hello" request.)
        struct SameThread<'a>(&'a mut dyn FnMut());
        // SAFETY: `detach` runs the closure right here, on this thread; the
        // wrapper only tells the compiler so. `run` holds no Python objects.
        unsafe impl Send for SameThread<'_> {}
        let run = SameThread(run);
        Python::attach(|py| {
            py.detach(move || {
                let run = run;
                (run.0)()
            })
        });
    }

    fn run_batch(&self, run: &mut dyn FnMut()) {
        // One GIL acquisition for a burst of requests; the nested attach in
        // `handle` then costs a counter increment. Python still hands the GIL
        // to another thread every switch interval (5 ms) if one asks.
        Python::attach(|_| run());
    }
    // ANCHOR_END: threads
}
// ANCHOR_END: handle

impl WsgiHandler {
    // ANCHOR: call_app
    fn call_app(
        &self,
        py: Python<'_>,
        head: &RequestHead,
        body: RequestBody,
        peer: PeerAddr,
        local: &ListenAddr,
        state: &SharedResponse,
    ) -> Result<(), Fault> {
        let environ = self.environ.build(py, head, body, peer, local)?;
        if self.trace {
            trace_environ(&environ)?;
        }
        let start_response = Bound::new(py, StartResponse { state: Arc::clone(state), trace: self.trace })?;
        let result = self.app.bind(py).call1((environ, start_response))?;
        let sent = send_iterable(py, &result, state, self.trace);
        // close() exactly once, on every path: Django returns database
        // connections to their pool in it. (Nothing between here and the
        // iteration may return early.)
        // A plain list or tuple has no close(); asking would build (and
        // throw away) an AttributeError per request, a tenth of a hello's cost.
        let plain = result.is_exact_instance_of::<PyList>() || result.is_exact_instance_of::<PyTuple>();
        let closed = match if plain { Ok(None) } else { result.getattr_opt(intern!(py, "close")) } {
            Ok(Some(close)) => {
                if self.trace {
                    trace::line("  wsgi: close()");
                }
                close.call0().map(drop)
            }
            Ok(None) => Ok(()),
            Err(error) => Err(error),
        };
        sent?;
        closed?;
        Ok(())
    }
    // ANCHOR_END: call_app
}

/// Sends the app's iterable; finishes the response when it ends.
fn send_iterable(py: Python<'_>, result: &Bound<'_, PyAny>, state: &SharedResponse, trace: bool) -> Result<(), Fault> {
    if trace {
        trace::line(&format!("  wsgi: the app returned a {}", result.get_type().name()?));
    }
    if result.is_instance_of::<PyString>() || result.is_instance_of::<PyBytes>() {
        let kind = result.get_type().name()?;
        return Err(Fault::Misbehaved(format!(
            "the application returned a {kind}, not an iterable of bytes (wrap it in a list)"
        )));
    }
    // ANCHOR: sendfile_path
    // Fast path: wsgi.file_wrapper around a real file goes out with sendfile.
    if let Ok(wrapper) = result.cast::<FileWrapper>() {
        if let Some((file, offset, len)) = real_file(wrapper.get().filelike.bind(py)) {
            let head_started = lock(state).responder.head_started();
            if !head_started {
                let head = lock(state).head.clone().ok_or_else(|| {
                    Fault::Misbehaved("the application returned without calling start_response()".into())
                })?;
                lock(state).responder.send_file_whole(head, file, offset, len)?;
            } else {
                let mut state = lock(state);
                let state = &mut *state;
                py.detach(|| state.responder.send_file(file, offset, len))?;
                state.responder.finish()?;
            }
            return Ok(());
        }
    }
    // ANCHOR_END: sendfile_path
    // Fast path: a list or tuple of bytes is the whole body, already in memory:
    // send it in one piece with a Content-Length. Not when the app already
    // sent body bytes through write(): the head is out, so the list is only
    // the rest of the body (sending it "whole" would start the response a
    // second time, which the engine refuses with an error in the log).
    let head_started = lock(state).responder.head_started();
    if !head_started && (result.is_exact_instance_of::<PyList>() || result.is_exact_instance_of::<PyTuple>()) {
        // The usual body, one bytes object, is framed straight from Python's
        // buffer; only several pieces are joined first.
        if let Ok(list) = result.cast::<PyList>() {
            if list.len() == 1 {
                if let Ok(only) = list.get_item(0)?.cast_into::<PyBytes>() {
                    return finish_whole(state, only.as_bytes());
                }
            }
        }
        if let Some(body) = join_bytes(result)? {
            return finish_whole(state, &body);
        }
    }
    // ANCHOR: iterate
    let iterator = result.try_iter().map_err(|_| {
        Fault::Misbehaved(format!(
            "the application returned {}, which is not iterable",
            result.get_type().name().map(|n| n.to_string()).unwrap_or_default()
        ))
    })?;
    for item in iterator {
        let item = item?;
        let chunk = item.cast::<PyBytes>().map_err(|_| {
            Fault::Misbehaved(format!(
                "the application yielded a {}, not bytes",
                item.get_type().name().map(|n| n.to_string()).unwrap_or_default()
            ))
        })?;
        if trace {
            trace::line(&format!("  wsgi: next() gave {} bytes", chunk.as_bytes().len()));
        }
        match send_chunk(py, state, chunk.as_bytes()) {
            Ok(()) => {}
            Err(error) if error.is_instance_of::<pyo3::exceptions::PyConnectionError>(py) => {
                return Err(Fault::ClientGone)
            }
            Err(error) => return Err(error.into()),
        }
    }
    let head_started = lock(state).responder.head_started();
    if head_started {
        lock(state).responder.finish()?;
        Ok(())
    } else {
        // Nothing non-empty was ever sent: the whole response is the head.
        finish_whole(state, b"")
    }
}
    // ANCHOR_END: iterate

/// `--trace`: what the app is handed, one environ key per line.
fn trace_environ(environ: &Bound<'_, pyo3::types::PyDict>) -> PyResult<()> {
    trace::line("  wsgi: app(environ, start_response) with environ:");
    let mut keys: Vec<String> = environ.keys().extract()?;
    keys.sort();
    for key in keys {
        let value = environ.get_item(&key)?.map(|v| v.repr().map(|r| r.to_string())).transpose()?;
        trace::line(&format!("  wsgi:   {key} = {}", value.unwrap_or_default()));
    }
    Ok(())
}

/// Joins a list of bytes into one body; `None` if an item is not bytes
/// (the slow path then reports it properly).
fn join_bytes(result: &Bound<'_, PyAny>) -> PyResult<Option<Vec<u8>>> {
    let mut body = Vec::new();
    for item in result.try_iter()? {
        match item?.cast::<PyBytes>() {
            Ok(bytes) => body.extend_from_slice(bytes.as_bytes()),
            Err(_) => return Ok(None),
        }
    }
    Ok(Some(body))
}

/// Sends head and body in one go (a known length, so a Content-Length).
/// The head is taken, not copied: the app has returned, so nothing can ask
/// for it again (copying it was six allocations per request).
fn finish_whole(state: &SharedResponse, body: &[u8]) -> Result<(), Fault> {
    let mut state = lock(state);
    let Some(head) = state.head.take() else {
        return Err(Fault::Misbehaved(
            "the application returned without calling start_response()".to_string(),
        ));
    };
    // Pushing a finished response never waits, so the GIL can stay held.
    state.responder.send_whole(head, body)?;
    Ok(())
}
