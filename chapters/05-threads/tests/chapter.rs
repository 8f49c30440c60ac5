//! The tests of chapter 5, shared by the reference and your exercise.
//!
//! Snapshots live in `tests/snapshots/`, recorded from the reference.
//! `cargo run -p course -- check 5` runs them against `exercise/worker.rs`.
//!
//! The worker loop is tested on the test's own thread: jobs are queued
//! first, the sender is dropped, and `worker_loop` must run them all and
//! return. No sleeping, no timing.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use ch05_threads::pool::ThreadPool;
use ch05_threads::worker::{worker_loop, Job};

/// Shows raw HTTP bytes with every `\r\n` made visible.
fn raw(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).replace("\r\n", "\\r\\n\n")
}

/// A queue holding `jobs`, already closed: a worker must run them and stop.
fn closed_queue(jobs: Vec<Job>) -> Arc<Mutex<mpsc::Receiver<Job>>> {
    let (sender, receiver) = mpsc::channel();
    for job in jobs {
        sender.send(job).unwrap();
    }
    drop(sender);
    Arc::new(Mutex::new(receiver))
}

#[test]
fn a_worker_runs_every_queued_job_in_order_then_stops() {
    let log = Arc::new(Mutex::new(Vec::new()));
    let jobs: Vec<Job> = (1..=3)
        .map(|n| {
            let log = Arc::clone(&log);
            Box::new(move || log.lock().unwrap().push(format!("job {n} ran"))) as Job
        })
        .collect();
    let ran = worker_loop(0, &closed_queue(jobs));
    let report = format!(
        "worker_loop returned {ran}\n{}",
        log.lock().unwrap().join("\n")
    );
    insta::assert_snapshot!("ch05_worker_runs_jobs", report);
}

#[test]
fn the_queue_is_unlocked_while_a_job_runs() {
    // The job peeks at the queue's lock. If the worker still held it, other
    // workers would be stuck waiting: the pool would be one thread in disguise.
    let (sender, receiver) = mpsc::channel::<Job>();
    let queue = Arc::new(Mutex::new(receiver));
    let seen = Arc::new(Mutex::new(String::new()));
    let (queue_in_job, seen_in_job) = (Arc::clone(&queue), Arc::clone(&seen));
    sender
        .send(Box::new(move || {
            let free = queue_in_job.try_lock().is_ok();
            *seen_in_job.lock().unwrap() = format!("queue free while the job ran: {free}");
        }))
        .unwrap();
    drop(sender);
    worker_loop(7, &queue);
    insta::assert_snapshot!("ch05_lock_released", seen.lock().unwrap().clone());
}

#[test]
fn a_panicking_job_does_not_kill_the_worker() {
    let after = Arc::new(AtomicUsize::new(0));
    let after_in_job = Arc::clone(&after);
    let jobs: Vec<Job> = vec![
        Box::new(|| panic!("a handler bug (this panic message is expected)")),
        Box::new(move || {
            after_in_job.fetch_add(1, Ordering::SeqCst);
        }),
    ];
    let ran = worker_loop(1, &closed_queue(jobs));
    let report = format!(
        "jobs run: {ran}\njobs after the panic: {}",
        after.load(Ordering::SeqCst)
    );
    insta::assert_snapshot!("ch05_panicking_job", report);
}

#[test]
fn shutting_down_the_pool_finishes_every_queued_job() {
    let done = Arc::new(AtomicUsize::new(0));
    let pool = ThreadPool::new(3);
    for _ in 0..20 {
        let done = Arc::clone(&done);
        pool.execute(move || {
            done.fetch_add(1, Ordering::SeqCst);
        });
    }
    // Which worker ran what is up to the scheduler; the totals are not.
    let per_worker = pool.shutdown();
    let report = format!(
        "workers: {}\njobs counted by the workers: {}\njobs that ran: {}",
        per_worker.len(),
        per_worker.iter().sum::<usize>(),
        done.load(Ordering::SeqCst)
    );
    insta::assert_snapshot!("ch05_graceful_shutdown", report);
}

/// A client socket with a generous read timeout: if the server is broken,
/// the test fails instead of hanging. (It never waits that long when the
/// server works.)
fn connect(addr: SocketAddr) -> TcpStream {
    let stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    stream
}

fn request(stream: &mut TcpStream, path: &str) -> String {
    stream
        .write_all(
            format!("GET {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n").as_bytes(),
        )
        .unwrap();
    let mut response = Vec::new();
    stream
        .read_to_end(&mut response)
        .expect("a response before the timeout");
    raw(&response)
}

#[test]
fn an_idle_client_does_not_block_the_others_and_stop_is_graceful() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let server = thread::spawn(move || ch05_threads::serve(listener, 2));

    // Client A connects and says nothing yet, holding one worker.
    let mut idle = connect(addr);
    // Client B is served meanwhile by the other worker. With one thread it
    // would wait for A forever (well, for the idle timeout).
    let mut busy = connect(addr);
    let b = request(&mut busy, "/nowhere");
    // Now A speaks, and is answered too.
    let a = request(&mut idle, "/");
    // The greeting names the worker thread, which varies: redact it.
    insta::with_settings!({filters => vec![(r"worker-\d+", "worker-[n]")]}, {
        insta::assert_snapshot!("ch05_pool_over_tcp", format!("--- B:\n{b}\n--- A:\n{a}"));
    });

    // The graceful stop: answered, then the server returns.
    let stop = request(&mut connect(addr), "/stop");
    insta::assert_snapshot!("ch05_stop_over_tcp", stop);
    let per_worker = server.join().expect("server thread panicked").unwrap();
    assert_eq!(
        per_worker.iter().sum::<usize>(),
        3,
        "three connections were served"
    );
}
