//! Exercise, chapter 5: the loop every worker thread of the pool runs.
//!
//! Run the check with `cargo run -p course -- check 5`.
//! Stuck? `cargo run -p course -- hint 5`.

// The starter does not use its arguments yet; that is expected.
#![allow(unused_variables, unused_imports)]

use std::panic::{self, AssertUnwindSafe};
use std::sync::mpsc::Receiver;
use std::sync::Mutex;

/// A unit of work: here, serving one connection.
pub type Job = Box<dyn FnOnce() + Send + 'static>;

/// Runs jobs from `queue` until the channel is closed and empty, then
/// returns how many jobs this worker ran.
pub fn worker_loop(id: usize, queue: &Mutex<Receiver<Job>>) -> usize {
    // TODO: Keep a count of the jobs this worker ran, starting at 0.
    // TODO: Loop forever:
    //   1. Take the next job: lock the mutex, then call `recv()` on the
    //      receiver. `recv` blocks until a job arrives, or returns `Err`
    //      once every sender was dropped and the queue is empty.
    //      IMPORTANT: release the lock BEFORE running the job, or the other
    //      workers cannot take jobs meanwhile. A `let next = ...;` statement
    //      drops the guard at its `;`. (`while let Ok(job) = queue.lock()...`
    //      would hold it for the whole body: a classic pool bug.)
    //   2. On `Ok(job)`: run it, and count it, even if it panics. A job
    //      that panics must not end the worker: wrap the call in
    //      `panic::catch_unwind(AssertUnwindSafe(job))` and, if that returns
    //      `Err`, print a line to stderr (mention the worker `id`).
    //   3. On `Err(_)`: the pool is shutting down: return the count.
    todo!("the worker loop")
}
