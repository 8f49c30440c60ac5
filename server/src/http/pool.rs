//! The worker threads that run the handler.
//!
//! Handlers may block (a Python app sleeping, or waiting on a database), so
//! they never run on the event-loop thread. The loop pushes jobs into a queue
//! and a fixed set of threads takes them. The queue needs no bound of its own:
//! a connection has at most one request in the queue or running, and the loop
//! caps connections, so the queue can never hold more than `max_connections`.

use std::collections::VecDeque;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::thread::JoinHandle;

use super::handler::{Handler, Request};
use super::outbox::lock;
use super::responder::Responder;

/// One request for a worker: the request and where its response goes.
pub struct Job {
    pub request: Request,
    pub responder: Responder,
}

#[derive(Default)]
struct Queue {
    jobs: VecDeque<Job>,
    closed: bool,
}

struct Shared {
    queue: Mutex<Queue>,
    job_ready: Condvar,
}

pub struct WorkerPool {
    shared: Arc<Shared>,
    threads: Vec<JoinHandle<()>>,
}

impl WorkerPool {
    pub fn start(size: usize, handler: Arc<dyn Handler>) -> std::io::Result<Self> {
        let shared = Arc::new(Shared { queue: Mutex::new(Queue::default()), job_ready: Condvar::new() });
        let mut threads = Vec::with_capacity(size);
        for index in 0..size.max(1) {
            let shared = Arc::clone(&shared);
            let handler = Arc::clone(&handler);
            let thread = std::thread::Builder::new()
                .name(format!("worker-{index}"))
                .spawn(move || work(&shared, &*handler))?;
            threads.push(thread);
        }
        Ok(WorkerPool { shared, threads })
    }

    pub fn submit(&self, job: Job) {
        lock(&self.shared.queue).jobs.push_back(job);
        self.shared.job_ready.notify_one();
    }

    /// Lets the workers finish the queue and exit; waits for them only if `wait`.
    pub fn shutdown(self, wait: bool) {
        lock(&self.shared.queue).closed = true;
        self.shared.job_ready.notify_all();
        if wait {
            for thread in self.threads {
                let _ = thread.join();
            }
        }
    }
}

// ANCHOR: work
fn work(shared: &Shared, handler: &dyn Handler) {
    loop {
        let job = {
            let mut queue = lock(&shared.queue);
            loop {
                if let Some(job) = queue.jobs.pop_front() {
                    break job;
                }
                if queue.closed {
                    return;
                }
                queue = shared.job_ready.wait(queue).unwrap_or_else(PoisonError::into_inner);
            }
        };
        let Job { request, responder } = job;
        // A panicking handler is a bug, but it must cost one response, not a
        // worker thread: the Responder's Drop turns it into a 500 or a close.
        let outcome = catch_unwind(AssertUnwindSafe(|| handler.handle(request, responder)));
        if outcome.is_err() {
            log::error!("the handler panicked; the response was abandoned");
        }
    }
}
// ANCHOR_END: work
