//! Exercise, chapter 12: the worker side of the event loop.
//!
//! ```text
//!  event loop (owns every socket, never attaches to Python)
//!     |  Job { token, request }             ^  Finished { token, bytes }
//!     v  over the jobs channel              |  over the done channel, then waker.wake()
//!  worker threads (attach to Python to run the app, never touch a socket)
//! ```
//!
//! Two rules make this design work, and your code keeps both:
//!
//! - a worker *waits* for a job detached from Python (holding no GIL), and
//!   attaches only to run the application;
//! - a worker never touches a socket: the response goes back as bytes, and
//!   the loop is woken with `waker.wake()`, since it sleeps in `poll()` and
//!   a channel alone would not wake it.
//!
//! Run the check with `cargo run -p course -- check 12`.
//! Stuck? `cargo run -p course -- hint 12`.

// The starter does not use its arguments yet; that is expected.
#![allow(unused_variables)]
// The imports the reference uses; you will need them.
#![allow(unused_imports)]

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
    // TODO: Make a `Buffer::default()` and a response state writing into a
    //   clone of it: `ResponseState::new(Box::new(buffer.clone()), http11,
    //   job.keep_alive)`, where `http11` is `job.request.head.version == 1`.
    //
    // TODO: Build the environ (`build_environ(py, &job.request)`) and run the
    //   app with chapter 11's gateway: `run_app(py, app.bind(py), environ, &state)`
    //   gives the `Outcome`. If the environ cannot be built, print the
    //   `traceback(py, &err)` and use `fail(py, &state)` instead.
    //
    // TODO: Return `Finished { token: job.token, bytes: buffer.take(), keep_alive, outcome }`,
    //   where `keep_alive` is `lock(&state).keep_alive` (the gateway may have
    //   turned it off) and also false when the outcome is `Outcome::Aborted`:
    //   a cut response must close its connection.
    todo!("run_job")
}

/// Takes jobs until the jobs channel closes, runs each, sends the result
/// back and wakes the loop. Returns how many jobs it ran.
pub fn worker_loop(
    jobs: &Mutex<Receiver<Job>>,
    done: &Sender<Finished>,
    waker: &Waker,
    app: &Py<PyAny>,
) -> usize {
    // TODO: Loop, counting the jobs you ran:
    //   1. Wait for a job: `jobs.lock().unwrap_or_else(|e| e.into_inner()).recv()`,
    //      in ONE statement, so the lock is released before the job runs
    //      (other workers wait on it meanwhile). Do it outside
    //      `Python::attach`: a worker waiting while attached would keep the
    //      GIL from every other worker. `Err` means the loop dropped its
    //      sender (the server is stopping): return the count.
    //   2. Run it attached, and only for that: `Python::attach(|py| run_job(py, app, job))`.
    //   3. Send the `Finished` on `done`. An error means the loop is gone:
    //      return the count.
    //   4. Wake the loop: `waker.wake()`. On error, print it and return.
    todo!("worker_loop")
}
