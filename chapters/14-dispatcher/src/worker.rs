//! The worker side: threads that run Python, from chapter 12.
//!
//! This is chapter 12's solution to its exercise, unchanged apart from this
//! header.
//!
//! ```text
//!  event loop (owns every socket, never attaches to Python)
//!     |  Job { token, request }             ^  Finished { token, bytes }
//!     v  over the jobs channel              |  over the done channel, then waker.wake()
//!  worker threads (attach to Python to run the app, never touch a socket)
//! ```
//!
//! A worker waits for a job *detached* (holding no GIL), attaches only to
//! run the application, and hands the response back as bytes. The loop is
//! asleep in `poll()`, which only wakes for registered events, so after
//! sending, the worker calls [`mio::Waker::wake`]: an event on the loop's
//! `WAKER` token that says "finished responses are waiting".

use std::io::{self, Write};
use std::sync::mpsc::{Receiver, Sender};
use std::sync::{Arc, Mutex};

use mio::{Token, Waker};
use pyo3::prelude::*;

use crate::environ::build_environ;
use crate::gateway::{fail, run_app, Outcome};
use crate::python::traceback;
use crate::request::Request;
use crate::response::{lock, ResponseState};

/// A request for a worker: which connection it came from, and the request.
#[derive(Debug)]
pub struct Job {
    pub token: Token,
    pub request: Request,
    /// The client would like to keep the connection open afterwards.
    pub keep_alive: bool,
}

/// A response for the loop: the bytes to write to connection `token`.
#[derive(Debug)]
pub struct Finished {
    pub token: Token,
    pub bytes: Vec<u8>,
    /// Whether the connection may stay open after these bytes.
    pub keep_alive: bool,
    pub outcome: Outcome,
}

/// Where a worker's response goes: memory, not a socket. (Given.)
#[derive(Clone, Default)]
pub struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Buffer {
    /// Everything written so far, leaving the buffer empty.
    pub fn take(&self) -> Vec<u8> {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

impl Write for Buffer {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut bytes = self.0.lock().unwrap_or_else(|e| e.into_inner());
        bytes.extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Runs the application for one job, attached, into a [`Buffer`].
pub fn run_job(py: Python<'_>, app: &Py<PyAny>, job: Job) -> Finished {
    let buffer = Buffer::default();
    let http11 = job.request.head.version == 1;
    let state = ResponseState::new(Box::new(buffer.clone()), http11, job.keep_alive);
    let outcome = match build_environ(py, &job.request) {
        Ok(environ) => run_app(py, app.bind(py), environ, &state),
        Err(err) => {
            eprintln!("cannot build the environ: {}", traceback(py, &err));
            fail(py, &state)
        }
    };
    // The gateway may have given up on keep-alive (an HTTP/1.0 body without
    // a length ends with the connection; a cut response must close it).
    let keep_alive = lock(&state).keep_alive && outcome != Outcome::Aborted;
    Finished {
        token: job.token,
        bytes: buffer.take(),
        keep_alive,
        outcome,
    }
}

/// Takes jobs until the jobs channel closes, runs each, sends the result
/// back and wakes the loop. Returns how many jobs it ran.
pub fn worker_loop(
    jobs: &Mutex<Receiver<Job>>,
    done: &Sender<Finished>,
    waker: &Waker,
    app: &Py<PyAny>,
) -> usize {
    let mut ran = 0;
    loop {
        // Wait for work holding no GIL. The lock guard is a temporary: it
        // is released at the end of this statement, before the app runs.
        let job = match jobs.lock().unwrap_or_else(|e| e.into_inner()).recv() {
            Ok(job) => job,
            // The loop dropped its sender: the server is stopping.
            Err(_) => return ran,
        };
        // Attach for exactly as long as the application runs.
        let finished = Python::attach(|py| run_job(py, app, job));
        ran += 1;
        if done.send(finished).is_err() {
            return ran; // the loop is gone
        }
        // The loop sleeps in poll(): a channel alone would not wake it.
        if let Err(err) = waker.wake() {
            eprintln!("cannot wake the event loop: {err}");
            return ran;
        }
    }
}
