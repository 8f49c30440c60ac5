//! The exercise of chapter 5: the loop every worker thread of the pool runs.
//!
//! The pool's workers share one queue of jobs: the receiving end of a
//! channel, behind a `Mutex` because `mpsc::Receiver` can have only one user
//! at a time. Each worker repeatedly takes the next job and runs it. When the
//! pool drops the sending end, `recv` returns an error: that is the signal to
//! leave the loop, which is what makes a *graceful* stop possible: the jobs
//! already queued are still run, then every worker ends.

use std::panic::{self, AssertUnwindSafe};
use std::sync::mpsc::Receiver;
use std::sync::Mutex;

/// A unit of work: here, serving one connection.
pub type Job = Box<dyn FnOnce() + Send + 'static>;

// ANCHOR: worker_loop
/// Runs jobs from `queue` until the channel is closed and empty, then
/// returns how many jobs this worker ran.
pub fn worker_loop(id: usize, queue: &Mutex<Receiver<Job>>) -> usize {
    let mut jobs_run = 0;
    loop {
        // The lock guard is a temporary of this statement: it is released at
        // the `;`, BEFORE the job runs. Written as `while let Ok(job) =
        // queue.lock().unwrap().recv()`, the guard would live for the whole
        // loop body and the pool would run one job at a time.
        let next = queue.lock().unwrap().recv();
        match next {
            Ok(job) => {
                // A panicking job must not take the worker down with it:
                // catch the panic, report it, keep serving.
                if panic::catch_unwind(AssertUnwindSafe(job)).is_err() {
                    eprintln!("worker {id}: a job panicked; carrying on");
                }
                jobs_run += 1;
            }
            // Every sender is gone and the queue is empty: the pool is
            // shutting down.
            Err(_) => return jobs_run,
        }
    }
}
// ANCHOR_END: worker_loop
