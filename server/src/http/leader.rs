//! Which thread runs the event loop, and which runs the jobs.
//!
//! A request read by one thread and answered by another crosses threads
//! twice (the job to a worker, the response back to the loop), and each
//! crossing may cost a wake-up: two context switches, a few microseconds,
//! more than a "hello" app costs. So the worker threads take turns at being
//! the loop, a pattern known as *leader/followers*:
//!
//! - The **leader** holds the loop's [`Core`]. It polls, reads and parses, and
//!   queues the requests it found. Then it *lends* the core (unlocks it), runs
//!   the queued jobs itself, and takes the core back to write the responses
//!   and poll again. A fast app is served by one thread, with no hand-off.
//! - **Followers** sleep. One is woken to take the core when the core is free
//!   with nobody to run it, or to run jobs when every thread sleeps.
//! - The **watchdog** (the thread that called `Server::run`) watches a lent
//!   core. If its leader is stuck in a job (it has started no job for
//!   [`STALL`]: an app sleeping, or waiting for a database), it wakes a
//!   follower to take the core, so a blocking app never stops the server from
//!   serving others. If every worker is busy, the watchdog runs the loop
//!   itself, never a job, until a worker is free again.
//!
//! A thread never holds the core while it runs application code, and never
//! waits in `poll` while attached to Python.

use std::cell::RefCell;
use std::io;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, TryLockError};
use std::thread::{self, Thread};

use std::time::Duration;

use super::outbox::lock;
use super::server::{Core, Shared, Turn};

/// How long a lent core's leader may go without starting a job before the
/// watchdog decides it is stuck and gets the loop going on another thread.
/// Short enough that a blocking app loses at most this much latency per
/// extra thread it needs; long enough that a fast app (a "hello" costs
/// microseconds) is never mistaken for a stuck one.
pub const STALL: Duration = Duration::from_millis(1);

/// After this many looks in a row (one per [`STALL`]) that found the core not
/// lent, the watchdog sleeps until the next lend instead of looking again.
/// Under load the core is lent most of the time, so the watchdog rarely
/// sleeps and a lend rarely has to wake it; an idle server's watchdog sleeps
/// after two looks, and costs nothing.
const QUIET_LOOKS: u32 = 2;

struct Engine {
    core: Mutex<Core>,
    shared: Shared,
    /// The core is lent: its last leader unlocked it to run jobs.
    lent: AtomicBool,
    /// Lends so far: two looks at the same lend are one long job, not two short ones.
    lends: AtomicU64,
    /// Jobs the lending leader has started: a lender that keeps starting
    /// jobs is busy, not stuck. (Other workers' jobs do not count: they say
    /// nothing about the lender.)
    lender_progress: AtomicU64,
    /// The lender is about to wait for the loop itself (backpressure):
    /// the watchdog should not wait for a stall to show.
    urgent: AtomicBool,
    watchdog: Thread,
    /// The watchdog sleeps without a timeout (nothing was lent for a while).
    watchdog_asleep: AtomicBool,
    /// The watchdog runs the loop itself (every worker was busy).
    watchdog_leads: AtomicBool,
    stopped: AtomicBool,
    /// How the server stopped: whether to wait for the workers, or an error.
    outcome: Mutex<Option<io::Result<bool>>>,
}

thread_local! {
    /// The engine whose core this thread has lent while it runs jobs.
    static LENDER: RefCell<Option<Arc<Engine>>> = const { RefCell::new(None) };
}

/// Runs the server: starts the workers, watches them, returns when stopped.
pub(crate) fn run(core: Core, shared: Shared) -> io::Result<()> {
    let engine = Arc::new(Engine {
        core: Mutex::new(core),
        shared,
        lent: AtomicBool::new(false),
        lends: AtomicU64::new(0),
        lender_progress: AtomicU64::new(0),
        urgent: AtomicBool::new(false),
        watchdog: thread::current(),
        watchdog_asleep: AtomicBool::new(false),
        watchdog_leads: AtomicBool::new(false),
        stopped: AtomicBool::new(false),
        outcome: Mutex::new(None),
    });
    let mut threads = Vec::new();
    for index in 0..engine.shared.pool.size() {
        let worker = Arc::clone(&engine);
        let spawned = thread::Builder::new().name(format!("worker-{index}")).spawn(move || {
            let handler = Arc::clone(&worker.shared.handler);
            handler.run_worker(&mut || serve(&worker));
        });
        match spawned {
            Ok(thread) => threads.push(thread),
            Err(error) => {
                engine.finish(Err(error));
                break;
            }
        }
    }
    watch(&engine);
    let outcome = lock(&engine.outcome).take().unwrap_or(Ok(true));
    if matches!(outcome, Ok(true)) {
        for thread in threads {
            let _ = thread.join();
        }
    }
    outcome.map(|_wait| ())
}

// ANCHOR: serve
/// A worker thread's life: lead when the core is free, else run jobs, else sleep.
fn serve(engine: &Arc<Engine>) {
    let pool = &engine.shared.pool;
    let handler = &*engine.shared.handler;
    loop {
        if engine.stopped.load(Ordering::SeqCst) {
            while pool.run_queued(handler, &|| false, &|| {}) {} // finish what was accepted
            return;
        }
        if let Some(mut core) = engine.try_core() {
            if engine.stopped.load(Ordering::SeqCst) {
                continue; // stopped while we took it: no more turns
            }
            engine.lent.store(false, Ordering::SeqCst);
            // `finish` runs before the core is unlocked, so whoever takes it
            // next sees `stopped`.
            match core.turn(&engine.shared, true) {
                Ok(Turn::Continue) => {}
                Ok(Turn::Stopped { wait_for_workers }) => {
                    engine.finish(Ok(wait_for_workers));
                    continue;
                }
                Err(error) => {
                    engine.finish(Err(error));
                    continue;
                }
            }
            if !pool.has_jobs() {
                continue; // nothing to run: poll again
            }
            // Lend the core while we run the jobs; take it back after.
            engine.lend();
            drop(core);
            LENDER.with(|lender| *lender.borrow_mut() = Some(Arc::clone(engine)));
            let progress = || {
                engine.lender_progress.fetch_add(1, Ordering::Relaxed);
            };
            pool.run_queued(handler, &|| false, &progress);
            LENDER.with(|lender| lender.borrow_mut().take());
            continue;
        }
        // Someone else leads: follow. Between two jobs, a lent core comes
        // first: its leader may be stuck, and nobody is polling.
        if pool.run_queued(handler, &|| engine.lent.load(Ordering::Relaxed), &|| {}) {
            continue;
        }
        pool.sleep(|| engine.loop_needs_a_worker());
    }
}
// ANCHOR_END: serve

// ANCHOR: watch
/// The watchdog's life: look at a lent core every [`STALL`]; if the same
/// lend is still out and its leader started no job since, the leader is stuck.
fn watch(engine: &Engine) {
    let mut seen = None; // (lend, jobs the lender started) at the last look
    let mut quiet_looks = 0;
    while !engine.stopped.load(Ordering::SeqCst) {
        let urgent = engine.urgent.swap(false, Ordering::SeqCst);
        if engine.lent.load(Ordering::SeqCst) {
            let now = (engine.lends.load(Ordering::SeqCst), engine.lender_progress.load(Ordering::SeqCst));
            if urgent || seen == Some(now) {
                engine.take_over();
                seen = None;
            } else {
                seen = Some(now);
            }
            quiet_looks = 0;
        } else {
            seen = None;
            quiet_looks += 1;
        }
        if quiet_looks < QUIET_LOOKS {
            thread::park_timeout(STALL);
            continue;
        }
        // Nothing lent for a while (the server is idle, or its leader is
        // polling): sleep until a leader lends the core again.
        engine.watchdog_asleep.store(true, Ordering::SeqCst);
        if !engine.lent.load(Ordering::SeqCst) && !engine.stopped.load(Ordering::SeqCst) {
            thread::park();
        }
        engine.watchdog_asleep.store(false, Ordering::SeqCst);
        quiet_looks = 0;
    }
}
// ANCHOR_END: watch

/// Called by a worker just before it waits for the event loop (a response
/// held back until the loop sends what is pending). If this thread lent the
/// core, nobody runs the loop: have the watchdog hand it on now.
pub fn about_to_wait_for_the_loop() {
    LENDER.with(|lender| {
        if let Some(engine) = &*lender.borrow() {
            if engine.lent.load(Ordering::SeqCst) {
                engine.urgent.store(true, Ordering::SeqCst);
                engine.watchdog.unpark();
            }
        }
    });
}

impl Engine {
    /// The core, if no one holds it. (A panic while holding it leaves the
    /// loop's state as consistent as the panicking turn left it; the loop
    /// goes on, as it would have on its own thread.)
    fn try_core(&self) -> Option<MutexGuard<'_, Core>> {
        match self.core.try_lock() {
            Ok(core) => Some(core),
            Err(TryLockError::Poisoned(poisoned)) => Some(poisoned.into_inner()),
            Err(TryLockError::WouldBlock) => None,
        }
    }

    fn lend(&self) {
        self.lends.fetch_add(1, Ordering::SeqCst);
        self.lent.store(true, Ordering::SeqCst);
        if self.watchdog_asleep.swap(false, Ordering::SeqCst) {
            self.watchdog.unpark();
        }
    }

    /// Asked by a worker about to sleep, with the job queue locked: should it
    /// lead instead? Yes if the core is free. If the watchdog leads, it gives
    /// the core back as soon as a worker sleeps: wake it to see this one.
    fn loop_needs_a_worker(&self) -> bool {
        if self.try_core().is_some() {
            return true;
        }
        if self.watchdog_leads.load(Ordering::SeqCst) {
            self.shared.notifier.wake();
        }
        false
    }

    // ANCHOR: take_over
    /// The leader is stuck in a job with the core lent: get the loop going.
    fn take_over(&self) {
        let pool = &self.shared.pool;
        // A sleeping worker, once woken, finds the core free and leads.
        if pool.wake_one() {
            return;
        }
        // Every worker is busy. Run the loop here, handing jobs to whichever
        // worker frees up first, until one is free to lead again.
        let Some(mut core) = self.try_core() else {
            return; // the leader came back meanwhile
        };
        if self.stopped.load(Ordering::SeqCst) {
            return;
        }
        self.lent.store(false, Ordering::SeqCst);
        self.watchdog_leads.store(true, Ordering::SeqCst);
        while !pool.has_sleeper() && !self.stopped.load(Ordering::SeqCst) {
            match core.turn(&self.shared, false) {
                Ok(Turn::Continue) => {}
                Ok(Turn::Stopped { wait_for_workers }) => self.finish(Ok(wait_for_workers)),
                Err(error) => self.finish(Err(error)),
            }
        }
        self.watchdog_leads.store(false, Ordering::SeqCst);
        drop(core);
        pool.wake_one();
    }
    // ANCHOR_END: take_over

    /// The server stopped (or failed): wake everyone to finish and leave.
    fn finish(&self, outcome: io::Result<bool>) {
        if let Err(error) = &outcome {
            log::error!("the event loop failed: {error}");
        }
        lock(&self.outcome).get_or_insert(outcome);
        self.stopped.store(true, Ordering::SeqCst);
        self.shared.pool.close();
        self.watchdog.unpark();
    }
}
