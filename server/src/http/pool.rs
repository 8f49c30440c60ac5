//! The worker threads that run the handler.
//!
//! Handlers may block (a Python app sleeping, or waiting on a database), so
//! they never run on the event-loop thread. The loop pushes jobs into a queue
//! and a fixed set of threads takes them. The queue needs no bound of its own:
//! a connection has at most one request in the queue or running, and the loop
//! caps connections, so the queue can never hold more than `max_connections`.
//!
//! Waking a sleeping thread costs two context switches, and with Python a
//! second running thread costs more: the two take turns at the GIL. So the
//! pool wakes as few threads as it can:
//!
//! - a thread that finishes a job takes the next one without sleeping, and a
//!   handler may keep its context (the GIL) from one job to the next
//!   ([`Handler::run_batch`]);
//! - a new job wakes a sleeping thread only when no thread is awake;
//! - when jobs wait and no job has *started* for [`STALL`], every awake thread
//!   must be blocked (an app sleeping, or waiting on a database): only then
//!   does the loop wake one more ([`WorkerPool::unstall`]). Blocking apps
//!   still get every thread; fast apps get one thread that never sleeps.

use std::collections::VecDeque;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::handler::{Handler, Request};
use super::outbox::lock;
use super::responder::Responder;

/// How long queued jobs may wait with no job starting before another thread
/// is woken. Short enough that a blocking app loses at most this much
/// latency per extra thread it needs; long enough that a fast app (a
/// "hello" costs tens of microseconds) is never mistaken for a stuck one.
pub const STALL: Duration = Duration::from_millis(1);

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
    /// Jobs started so far; the loop watches it move to tell a busy pool
    /// from a stuck one.
    started: u64,
}

impl Queue {
    /// The next job, counted as started (the count [`WorkerPool::unstall`] watches).
    fn take_job(&mut self) -> Option<Job> {
        let job = self.jobs.pop_front()?;
        self.started += 1;
        Some(job)
    }
}

struct Shared {
    queue: Mutex<Queue>,
}

impl Shared {
    /// Wakes the thread that went to sleep last, if any sleeps.
    fn wake_one(&self) {
        let thread = lock(&self.queue).sleeping.pop();
        if let Some(thread) = thread {
            thread.unpark();
        }
    }
}

pub struct WorkerPool {
    shared: Arc<Shared>,
    threads: Vec<JoinHandle<()>>,
    /// The `started` count the loop saw last, and when it saw it change.
    last_progress: std::cell::Cell<(u64, Instant)>,
}

impl WorkerPool {
    pub fn start(size: usize, handler: Arc<dyn Handler>) -> std::io::Result<Self> {
        let shared = Arc::new(Shared { queue: Mutex::new(Queue::default()) });
        let mut threads = Vec::with_capacity(size);
        for index in 0..size.max(1) {
            let shared = Arc::clone(&shared);
            let handler = Arc::clone(&handler);
            let thread = std::thread::Builder::new()
                .name(format!("worker-{index}"))
                .spawn(move || handler.run_worker(&mut || work(&shared, &*handler)))?;
            threads.push(thread);
        }
        let last_progress = std::cell::Cell::new((0, Instant::now()));
        Ok(WorkerPool { shared, threads, last_progress })
    }

    pub fn submit(&self, job: Job) {
        let wake = {
            let mut queue = lock(&self.shared.queue);
            queue.jobs.push_back(job);
            // Everyone asleep: nobody would ever look at the queue.
            if queue.sleeping.len() == self.threads.len() {
                queue.sleeping.pop()
            } else {
                None
            }
        };
        if let Some(thread) = wake {
            thread.unpark();
        }
    }

    /// Called by the loop on every turn: if jobs have waited [`STALL`] with
    /// none starting, the awake threads are all blocked; wake another.
    /// Returns how soon the loop should look again (`None`: nothing waits).
    pub fn unstall(&self, now: Instant) -> Option<Duration> {
        let (waiting, started) = {
            let queue = lock(&self.shared.queue);
            (queue.jobs.len(), queue.started)
        };
        let (seen, since) = self.last_progress.get();
        if started != seen || waiting == 0 {
            self.last_progress.set((started, now));
            return (waiting > 0).then_some(STALL);
        }
        let stuck_for = now.saturating_duration_since(since);
        if stuck_for < STALL {
            return Some(STALL - stuck_for);
        }
        self.shared.wake_one(); // if one sleeps
        self.last_progress.set((started, now));
        Some(STALL)
    }

    /// Lets the workers finish the queue and exit; waits for them only if `wait`.
    pub fn shutdown(self, wait: bool) {
        let sleeping = {
            let mut queue = lock(&self.shared.queue);
            queue.closed = true;
            std::mem::take(&mut queue.sleeping)
        };
        for thread in sleeping {
            thread.unpark();
        }
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
        // Sleep until there is a job (or the pool closes).
        let first = {
            let mut queue = lock(&shared.queue);
            loop {
                if let Some(job) = queue.take_job() {
                    break job;
                }
                if queue.closed {
                    return;
                }
                // Sleep until a waker takes us off the list. `park` may also
                // return for no reason; then we are still listed: sleep again.
                let me = std::thread::current();
                queue.sleeping.push(me.clone());
                loop {
                    drop(queue);
                    std::thread::park();
                    queue = lock(&shared.queue);
                    if queue.closed || !queue.sleeping.iter().any(|t| t.id() == me.id()) {
                        break;
                    }
                }
            }
        };
        // Then run jobs back to back while there are any, in one batch: for
        // the WSGI gateway, one GIL acquisition for the whole burst.
        let mut next = Some(first);
        handler.run_batch(&mut || {
            while let Some(Job { request, responder }) = next.take() {
                // A panicking handler is a bug, but it must cost one response, not a
                // worker thread: the Responder's Drop turns it into a 500 or a close.
                let outcome = catch_unwind(AssertUnwindSafe(|| handler.handle(request, responder)));
                if outcome.is_err() {
                    log::error!("the handler panicked; the response was abandoned");
                }
                next = lock(&shared.queue).take_job();
            }
        });
    }
}
// ANCHOR_END: work
