//! The master process of `--workers N`: gunicorn's "arbiter", in Rust.
//!
//! The master opens the listening sockets, then forks N workers. Each worker
//! inherits the sockets, starts its own Python, imports the app and runs its
//! own event loop; the kernel hands each new connection to one of them. The
//! master itself never starts Python: it stays small, and a fork from it
//! always gives a fresh interpreter (which is how HUP reloads new code).
//!
//! Its job is to keep the right number of workers alive:
//!
//! | signal | what the master does |
//! |---|---|
//! | `TERM`, `INT` | graceful stop: TERM to every worker, wait for them, exit 0 |
//! | `QUIT` | fast stop: QUIT to every worker |
//! | `HUP` | reload: start a new generation of workers, then TERM the old ones |
//! | `TTIN` / `TTOU` | one worker more / one fewer |
//! | `CHLD` | a worker exited: replace it (with a back-off if it keeps dying) |
//!
//! With `--timeout`, each worker's event loop refreshes a heartbeat file about
//! once a second; a worker whose heartbeat is older than the timeout is stuck
//! and is killed (then replaced like any worker that died).
//!
//! A worker that cannot even import the app exits with [`BOOT_ERROR`]; the
//! master then stops everything and exits 1, instead of respawning forever.
//!
//! Signals are read from signal-hook's queue in the master's only thread,
//! which wakes ten times a second to reap workers and keep their number right.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use signal_hook::consts::{SIGCHLD, SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGTTIN, SIGTTOU};
use signal_hook::iterator::Signals;

/// Exit status of a worker that could not load the application.
pub const BOOT_ERROR: i32 = 3;

const TICK: Duration = Duration::from_millis(100);
const MAX_BACKOFF: Duration = Duration::from_secs(5);

/// Workers refresh their heartbeat once a second, so a healthy one can look a
/// second old: that much is never counted against `--timeout`.
const HEARTBEAT_SLACK: Duration = Duration::from_secs(1);

struct Worker {
    generation: u64,
    started: Instant,
    /// An unlinked file whose modification time the worker's loop refreshes
    /// about once a second: a stale time means a stuck worker (`--timeout`).
    heartbeat: Option<std::fs::File>,
    /// Sent TERM to leave (old generation, or one too many): not counted.
    retiring: bool,
}

/// Runs the master until it is stopped; `work` is what each forked worker
/// runs (it returns the worker's exit status). `stop_listening` is called
/// once, when a stop begins: the master closes its copies of the listening
/// sockets, so that once the workers have closed theirs a new client is
/// refused at once instead of waiting in a backlog nobody accepts from (and
/// being reset when the master exits). Returns the master's status.
pub fn run(
    workers: usize,
    graceful_timeout: Duration,
    timeout: Option<Duration>,
    mut work: impl FnMut(Option<std::fs::File>) -> i32,
    mut stop_listening: impl FnMut(),
) -> i32 {
    let mut signals = match Signals::new([SIGTERM, SIGINT, SIGQUIT, SIGHUP, SIGTTIN, SIGTTOU, SIGCHLD]) {
        Ok(signals) => signals,
        Err(error) => {
            eprintln!("wsgi-server: cannot install signal handlers: {error}");
            return 1;
        }
    };
    let mut target = workers.max(1);
    let mut generation = 0u64;
    let mut alive: HashMap<libc::pid_t, Worker> = HashMap::new();
    let mut backoff = Duration::ZERO;
    let mut next_spawn = Instant::now();
    let mut stop_deadline: Option<Instant> = None;
    let mut exit_status = 0;
    log::info!("master {} starting {target} worker(s)", std::process::id());

    loop {
        for signal in signals.pending() {
            match signal {
                SIGTERM | SIGINT if stop_deadline.is_none() => {
                    log::info!("master: graceful stop");
                    stop_listening();
                    signal_all(&alive, libc::SIGTERM);
                    stop_deadline = Some(Instant::now() + graceful_timeout + Duration::from_secs(1));
                }
                SIGQUIT | SIGTERM | SIGINT => {
                    log::info!("master: stopping now");
                    stop_listening();
                    signal_all(&alive, libc::SIGQUIT);
                    stop_deadline = Some(Instant::now());
                }
                SIGHUP if stop_deadline.is_none() => {
                    // New workers start at once (next_spawn below); old ones get
                    // TERM when their replacements exist, and finish what they
                    // have. Connections arriving meanwhile wait in the backlog.
                    generation += 1;
                    log::info!("master: reloading (generation {generation})");
                }
                SIGTTIN => {
                    target += 1;
                    log::info!("master: {target} worker(s) wanted");
                }
                SIGTTOU if target > 1 => {
                    target -= 1;
                    log::info!("master: {target} worker(s) wanted");
                }
                _ => {} // SIGCHLD: reaped below
            }
        }

        // Reap every worker that exited.
        loop {
            let mut status = 0;
            let pid = unsafe { libc::waitpid(-1, &mut status, libc::WNOHANG) };
            if pid <= 0 {
                break;
            }
            let Some(worker) = alive.remove(&pid) else { continue };
            let code = if libc::WIFEXITED(status) { libc::WEXITSTATUS(status) } else { -1 };
            if code == BOOT_ERROR {
                eprintln!("wsgi-server: a worker could not load the application; stopping");
                signal_all(&alive, libc::SIGQUIT);
                stop_deadline.get_or_insert_with(Instant::now);
                exit_status = 1;
            } else if stop_deadline.is_none() && !worker.retiring && worker.generation == generation {
                log::warn!("worker {pid} exited ({}); starting another", describe_status(status));
                // A worker that dies right after starting would otherwise be
                // respawned in a tight loop: wait longer each time.
                backoff = if worker.started.elapsed() < Duration::from_secs(1) {
                    (backoff * 2).clamp(TICK, MAX_BACKOFF)
                } else {
                    Duration::ZERO
                };
                next_spawn = Instant::now() + backoff;
            }
        }

        if let Some(deadline) = stop_deadline {
            if alive.is_empty() {
                log::info!("master: stopped");
                return exit_status;
            }
            if Instant::now() >= deadline {
                signal_all(&alive, libc::SIGKILL);
            }
        } else {
            let current = |alive: &HashMap<libc::pid_t, Worker>| {
                alive.values().filter(|w| !w.retiring && w.generation == generation).count()
            };
            // A worker whose heartbeat stopped is stuck (an app holding the GIL
            // in a loop, a deadlock): kill it, and the reaping above replaces it.
            if let Some(timeout) = timeout {
                for (pid, worker) in &alive {
                    let stale = worker
                        .heartbeat
                        .as_ref()
                        .and_then(|file| file.metadata().ok()?.modified().ok()?.elapsed().ok())
                        .is_some_and(|age| age > timeout + HEARTBEAT_SLACK);
                    if stale && !worker.retiring {
                        log::error!("worker {pid} made no progress for {} s (--timeout); killing it", timeout.as_secs());
                        unsafe { libc::kill(*pid, libc::SIGKILL) };
                    }
                }
            }
            while current(&alive) < target && Instant::now() >= next_spawn {
                let heartbeat = timeout.and_then(|_| tempfile::tempfile().ok());
                match unsafe { libc::fork() } {
                    -1 => {
                        log::error!("fork failed: {}", std::io::Error::last_os_error());
                        next_spawn = Instant::now() + MAX_BACKOFF;
                    }
                    0 => {
                        // The worker. It must not react to the master's signals:
                        // closing our copy of the master's signal pipe and
                        // unregistering its handlers leaves those to the master.
                        drop(signals);
                        // Dropping them does not restore the default actions (the
                        // handlers stay, with nothing to do), so until the worker has
                        // booted and installed its own graceful handling, TERM would
                        // be ignored: a master killed while its workers import a slow
                        // app left them serving as orphans. Until then a stop signal
                        // ends the worker at once; `worker_booted` switches that off.
                        let booting = WORKER_BOOTING.get_or_init(|| Arc::new(AtomicBool::new(true)));
                        for signal in [SIGTERM, SIGINT, SIGQUIT] {
                            let _ = signal_hook::flag::register_conditional_shutdown(signal, 0, Arc::clone(booting));
                        }
                        // If the master dies, so do we (no orphans serving stale code).
                        unsafe { libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM) };
                        std::process::exit(work(heartbeat));
                    }
                    pid => {
                        log::info!("booting worker {pid}");
                        alive.insert(pid, Worker { generation, started: Instant::now(), heartbeat, retiring: false });
                    }
                }
            }
            // Old generations (after HUP) leave once their replacements exist;
            // extra workers (after TTOU) leave at once, newest first.
            let mut retire = Vec::new();
            if current(&alive) >= target {
                retire.extend(
                    alive.iter().filter(|(_, w)| !w.retiring && w.generation < generation).map(|(pid, _)| *pid),
                );
            }
            let mut members: Vec<(Instant, libc::pid_t)> = alive
                .iter()
                .filter(|(_, w)| !w.retiring && w.generation == generation)
                .map(|(pid, w)| (w.started, *pid))
                .collect();
            members.sort();
            while members.len() > target {
                if let Some((_, pid)) = members.pop() {
                    retire.push(pid);
                }
            }
            for pid in retire {
                unsafe { libc::kill(pid, libc::SIGTERM) };
                if let Some(worker) = alive.get_mut(&pid) {
                    worker.retiring = true;
                }
            }
        }
        std::thread::sleep(TICK);
    }
}

/// Set in a forked worker while it boots: a stop signal then ends it at once.
static WORKER_BOOTING: OnceLock<Arc<AtomicBool>> = OnceLock::new();

/// Called by a worker once its own signal handling is in place: from now on
/// TERM and INT mean a graceful stop, as everywhere else.
pub fn worker_booted() {
    if let Some(booting) = WORKER_BOOTING.get() {
        booting.store(false, Ordering::SeqCst);
    }
}

fn signal_all(alive: &HashMap<libc::pid_t, Worker>, signal: libc::c_int) {
    for pid in alive.keys() {
        unsafe { libc::kill(*pid, signal) };
    }
}

fn describe_status(status: libc::c_int) -> String {
    if libc::WIFEXITED(status) {
        format!("status {}", libc::WEXITSTATUS(status))
    } else if libc::WIFSIGNALED(status) {
        format!("killed by signal {}", libc::WTERMSIG(status))
    } else {
        format!("wait status {status}")
    }
}
