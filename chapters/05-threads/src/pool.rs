//! A fixed pool of worker threads, in the shape of the Rust Book's final
//! chapter, with a graceful stop.
//!
//! Why a pool rather than a thread per connection? A thread costs memory
//! (its stack) and scheduler time, and a server that spawns one per
//! connection can be knocked over by opening connections. A pool caps the
//! cost: at most `size` connections are served at once, the rest wait in
//! the queue.

use std::sync::mpsc::{self, Sender};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};

use crate::worker::{worker_loop, Job};

/// A pool of threads running [`worker_loop`] over one shared job queue.
pub struct ThreadPool {
    /// `None` once shutting down: dropping the sender is the stop signal.
    sender: Option<Sender<Job>>,
    workers: Vec<JoinHandle<usize>>,
}

impl ThreadPool {
    // ANCHOR: new
    /// Starts `size` workers, named `worker-0`, `worker-1`, ...
    pub fn new(size: usize) -> ThreadPool {
        assert!(size > 0, "a pool needs at least one worker");
        let (sender, receiver) = mpsc::channel::<Job>();
        // One receiver, many workers: share it behind Arc (many owners) and
        // Mutex (one user at a time).
        let queue = Arc::new(Mutex::new(receiver));
        let workers = (0..size)
            .map(|id| {
                let queue = Arc::clone(&queue);
                thread::Builder::new()
                    .name(format!("worker-{id}"))
                    .spawn(move || worker_loop(id, &queue))
                    .expect("spawn a worker thread")
            })
            .collect();
        ThreadPool {
            sender: Some(sender),
            workers,
        }
    }
    // ANCHOR_END: new

    /// Queues `job` for the next free worker.
    pub fn execute<F: FnOnce() + Send + 'static>(&self, job: F) {
        let sender = self.sender.as_ref().expect("the pool is running");
        // Sending fails only if every worker is gone; the job (and the
        // connection it owns) is then dropped, which closes the socket.
        if sender.send(Box::new(job)).is_err() {
            eprintln!("no worker left to run a job");
        }
    }

    // ANCHOR: shutdown
    /// The graceful stop: close the queue, let the workers finish every job
    /// already queued, wait for them, and return how many jobs each ran.
    pub fn shutdown(mut self) -> Vec<usize> {
        self.stop_and_join()
    }
    // ANCHOR_END: shutdown

    fn stop_and_join(&mut self) -> Vec<usize> {
        // Dropping the only sender closes the channel: once the queue is
        // empty, every worker's `recv` returns `Err` and its loop ends.
        drop(self.sender.take());
        self.workers
            .drain(..)
            // A worker that panicked ran an unknown number of jobs: count 0.
            .map(|worker| worker.join().unwrap_or(0))
            .collect()
    }
}

impl Drop for ThreadPool {
    /// Dropping the pool stops it gracefully too, so an early return or a
    /// `?` in the server cannot leave threads behind.
    fn drop(&mut self) {
        self.stop_and_join();
    }
}
