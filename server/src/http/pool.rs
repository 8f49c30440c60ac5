//! The job queue and the worker threads' beds.
//!
//! Handlers may block (a Python app sleeping, or waiting on a database), so
//! requests are jobs in a queue that any worker thread may take. Which thread
//! reads the socket and which runs the job is [`leader`](super::leader)'s
//! business; this module keeps the queue and decides who sleeps and who is
//! woken. The queue needs no bound of its own: a connection has at most one
//! request in the queue or running, and the loop caps connections, so the
//! queue can never hold more than `max_connections`.
//!
//! Waking a sleeping thread costs two context switches, and with Python a
//! second running thread costs more: the two take turns at the GIL. So the
//! pool wakes as few threads as it can:
//!
//! - a thread that finishes a job takes the next one without sleeping, and a
//!   handler may keep its context (the GIL) from one job to the next
//!   ([`Handler::run_batch`]);
//! - a new job wakes a sleeping thread only when no thread is awake;
//! - sleepers are woken last in, first out, so the same thread, with warm
//!   caches, keeps being the one that works.

use std::collections::VecDeque;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Mutex;

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
    /// Sleeping threads, the most recent last. Waking the thread that slept
    /// last (LIFO) keeps the work on one thread with warm caches, instead of
    /// passing it round all of them (a condition variable wakes the oldest).
    sleeping: Vec<std::thread::Thread>,
}

impl Queue {
    fn take_job(&mut self) -> Option<Job> {
        self.jobs.pop_front()
    }
}

pub struct WorkerPool {
    queue: Mutex<Queue>,
    /// How many worker threads share this queue.
    size: usize,
}

impl WorkerPool {
    /// A queue for `size` worker threads (the threads are the engine's).
    pub fn new(size: usize) -> Self {
        WorkerPool {
            queue: Mutex::new(Queue::default()),
            size: size.max(1),
        }
    }

    pub fn size(&self) -> usize {
        self.size
    }

    pub fn submit(&self, job: Job) {
        let wake = {
            let mut queue = lock(&self.queue);
            queue.jobs.push_back(job);
            // Everyone asleep: nobody would ever look at the queue.
            if queue.sleeping.len() == self.size {
                queue.sleeping.pop()
            } else {
                None
            }
        };
        if let Some(thread) = wake {
            thread.unpark();
        }
    }

    pub fn has_jobs(&self) -> bool {
        !lock(&self.queue).jobs.is_empty()
    }

    pub fn has_sleeper(&self) -> bool {
        !lock(&self.queue).sleeping.is_empty()
    }

    /// Wakes the thread that went to sleep last. Returns whether one slept.
    pub fn wake_one(&self) -> bool {
        let thread = lock(&self.queue).sleeping.pop();
        match thread {
            Some(thread) => {
                thread.unpark();
                true
            }
            None => false,
        }
    }

    /// No more sleeping: every thread is woken, and finishes the queue.
    pub fn close(&self) {
        let sleeping = {
            let mut queue = lock(&self.queue);
            queue.closed = true;
            std::mem::take(&mut queue.sleeping)
        };
        for thread in sleeping {
            thread.unpark();
        }
    }

    // ANCHOR: run_queued
    /// Runs queued jobs back to back, in one batch, until the queue is empty
    /// or `enough()` says to stop: for the WSGI gateway, one GIL acquisition
    /// for the whole burst. `starting()` is told before each job.
    /// Returns whether there was any job.
    pub fn run_queued(&self, handler: &dyn Handler, enough: &dyn Fn() -> bool, starting: &dyn Fn()) -> bool {
        let mut next = lock(&self.queue).take_job();
        if next.is_none() {
            return false;
        }
        handler.run_batch(&mut || {
            while next.is_some() {
                starting();
                // A panicking handler is a bug, but it must cost one response, not a
                // worker thread: the Responder's Drop turns it into a 500 or a close.
                // (The job is taken out inside the closure: captured by value, its
                // few hundred bytes would be copied twice more on the way in.)
                let outcome = catch_unwind(AssertUnwindSafe(|| {
                    if let Some(Job { request, responder }) = next.take() {
                        handler.handle(request, responder);
                    }
                }));
                if outcome.is_err() {
                    log::error!("the handler panicked; the response was abandoned");
                }
                if enough() {
                    break;
                }
                next = lock(&self.queue).take_job();
            }
        });
        true
    }
    // ANCHOR_END: run_queued

    // ANCHOR: sleep
    /// Sleeps until woken, unless a job waits, the pool is closed, or
    /// `loop_is_free()` says the event loop has nobody running it (then the
    /// caller should take it). `loop_is_free` is asked with the queue locked,
    /// and whoever frees the loop wakes a sleeper afterwards, taking the same
    /// lock: so either we see the loop free, or we are on the list in time
    /// to be woken.
    pub fn sleep(&self, loop_is_free: impl Fn() -> bool) {
        let mut queue = lock(&self.queue);
        if !queue.jobs.is_empty() || queue.closed || loop_is_free() {
            return;
        }
        // `park` may also return for no reason; then we are still listed:
        // sleep again. A waker takes us off the list before unparking us.
        let me = std::thread::current();
        queue.sleeping.push(me.clone());
        loop {
            drop(queue);
            std::thread::park();
            queue = lock(&self.queue);
            if queue.closed || !queue.sleeping.iter().any(|t| t.id() == me.id()) {
                return;
            }
        }
    }
    // ANCHOR_END: sleep
}
