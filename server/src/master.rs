//! The master process of `--workers N`: gunicorn's "arbiter", in Rust.
//!
//! The master opens the listening sockets, then starts N workers. Each worker
//! is a fresh `wsgi-server` process that inherits the sockets (see
//! [`crate::handoff`]), starts its own Python, imports the app and runs its own
//! event loop; the kernel hands each new connection to one of them. The
//! master never starts Python. It is its own small binary,
//! `wsgi-server-master`, which `wsgi-server --workers N` becomes at once
//! (`exec`), so it does not even map libpython. And since every worker starts
//! from the program on disk, HUP reloads new code, and a `wsgi-server` binary
//! replaced in place (at the path the first one was started from, symlinks
//! resolved) as well.
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

use std::cell::RefCell;
use std::collections::HashMap;
use std::ffi::OsString;
use std::io::ErrorKind;
use std::os::fd::{AsRawFd, RawFd};
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use signal_hook::consts::{SIGCHLD, SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGTTIN, SIGTTOU};
use signal_hook::iterator::Signals;

use crate::cli::{self, Cli};
use crate::handoff;

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

/// The master's own binary, installed beside `wsgi-server`.
pub const MASTER_BINARY: &str = "wsgi-server-master";
/// How `wsgi-server` tells the master binary which program the workers run.
pub const WORKER_EXE: &str = "WSGI_SERVER_WORKER_EXE";
/// How `wsgi-server` tells the master binary which build it is from.
pub const CALLER_BUILD: &str = "WSGI_SERVER_BUILD";
/// Set by a master binary from another build when it hands back to
/// `wsgi-server`: "be your own master".
pub const MASTER_IN_PROCESS: &str = "WSGI_SERVER_MASTER_IN_PROCESS";
/// A hash of this crate's sources (build.rs), the same in both binaries of
/// one build.
pub const BUILD_ID: &str = env!("WSGI_SERVER_BUILD_ID");

/// `wsgi-server --workers N`: this process becomes the master. The master
/// binary beside this one replaces its program (the pid stays, so a signal
/// sent to the pid that was started reaches the master). If it is not there
/// (`cargo run` builds only the binary it runs), this process is the master
/// itself: everything works the same, it just keeps libpython mapped.
pub fn become_master(cli: &Cli) -> i32 {
    let worker = match std::env::current_exe() {
        Ok(exe) => exe,
        Err(error) => {
            eprintln!("wsgi-server: cannot find its own binary to start workers from: {error}");
            return 1;
        }
    };
    let master = worker.with_file_name(MASTER_BINARY);
    if std::env::var_os(MASTER_IN_PROCESS).is_some() {
        // The master binary found it is from another build, and handed back.
        std::env::remove_var(MASTER_IN_PROCESS);
    } else if master.is_file() {
        let error = Command::new(&master)
            .args(std::env::args_os().skip(1))
            .env(WORKER_EXE, &worker)
            .env(CALLER_BUILD, BUILD_ID)
            .exec();
        eprintln!("wsgi-server: cannot run {}: {error}", master.display());
        return 1;
    } else {
        log::info!("{MASTER_BINARY} is not beside {}: the master runs in this process", worker.display());
    }
    main(cli, worker)
}

/// In the master binary, before anything else: a `wsgi-server` from another
/// build (a `cargo run` rebuilt only that binary) may differ in its options
/// or in how sockets are handed over. Then the master steps aside: it becomes
/// `wsgi-server` again (same pid), asking it to be its own master. Returns
/// only if there is nothing to hand back, or the exec failed.
pub fn hand_back_if_from_another_build(worker_exe: &std::path::Path) -> Option<std::io::Error> {
    let caller = std::env::var_os(CALLER_BUILD)?;
    std::env::remove_var(CALLER_BUILD);
    if caller == BUILD_ID {
        return None;
    }
    log::info!("{MASTER_BINARY} is from another build than wsgi-server: the master runs in wsgi-server");
    Some(Command::new(worker_exe).args(std::env::args_os().skip(1)).env(MASTER_IN_PROCESS, "1").exec())
}

/// The master's whole life, in whichever binary: check the options, open the
/// sockets, then keep `--workers` copies of `worker_exe` running until stopped.
pub fn main(cli: &Cli, worker_exe: PathBuf) -> i32 {
    if let Err(status) = cli::enter_app_dir(cli) {
        return status;
    }
    // Checked here too, so that a typo fails once, plainly, not in every worker.
    let settings = match cli::Settings::of(cli) {
        Ok(settings) => settings,
        Err(status) => return status,
    };
    let (listeners, socket_files) = match cli::open_listeners(cli) {
        Ok(opened) => opened,
        Err(status) => return status,
    };
    for listener in &listeners {
        if let Ok(addr) = listener.local_addr() {
            println!("wsgi-server: serving {} on {addr}", cli.app);
        }
    }
    // Tests and scripts read that line through a pipe: make sure it leaves now.
    use std::io::Write;
    let _ = std::io::stdout().flush();

    // Every worker gets the server's own arguments: it parses them as the
    // master did, and tells from the inherited sockets that it is a worker.
    let args: Vec<OsString> = std::env::args_os().skip(1).collect();
    let fds: Vec<RawFd> = listeners.iter().map(AsRawFd::as_raw_fd).collect();
    // The master's own copies; closed when a stop begins (see `run`).
    let listeners = RefCell::new(listeners);
    let status = run(
        cli.workers.unwrap_or(1),
        settings.config.graceful_timeout,
        // --timeout: the same limit a worker's loop reports slow requests by.
        settings.config.slow_request,
        |heartbeat| handoff::start_worker(&worker_exe, &args, &fds, heartbeat),
        || listeners.borrow_mut().clear(),
    );
    drop(socket_files);
    status
}

/// Runs the master until it is stopped; `start_worker` starts one worker (with
/// the heartbeat file it should refresh) and returns its pid. `stop_listening` is called
/// once, when a stop begins: the master closes its copies of the listening
/// sockets, so that once the workers have closed theirs a new client is
/// refused at once instead of waiting in a backlog nobody accepts from (and
/// being reset when the master exits). Returns the master's status.
pub fn run(
    workers: usize,
    graceful_timeout: Duration,
    timeout: Option<Duration>,
    mut start_worker: impl FnMut(Option<&std::fs::File>) -> std::io::Result<libc::pid_t>,
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
    let mut started_any = false;
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
                        .is_some_and(|age| age > timeout.saturating_add(HEARTBEAT_SLACK));
                    if stale && !worker.retiring {
                        log::error!("worker {pid} made no progress for {} s (--timeout); killing it", timeout.as_secs());
                        unsafe { libc::kill(*pid, libc::SIGKILL) };
                    }
                }
            }
            while current(&alive) < target && Instant::now() >= next_spawn {
                let heartbeat = timeout.and_then(|_| tempfile::tempfile().ok());
                match start_worker(heartbeat.as_ref()) {
                    Ok(pid) => {
                        log::info!("booting worker {pid}");
                        alive.insert(pid, Worker { generation, started: Instant::now(), heartbeat, retiring: false });
                        started_any = true;
                    }
                    Err(error)
                        if !started_any && matches!(error.kind(), ErrorKind::NotFound | ErrorKind::PermissionDenied) =>
                    {
                        // The very first worker cannot start: none ever will.
                        // Say so and stop, rather than retry forever. (Later,
                        // the binary may just be in the middle of a deploy:
                        // the workers that run keep serving, and we retry.)
                        eprintln!("wsgi-server: cannot start a worker: {error}; stopping");
                        stop_listening();
                        signal_all(&alive, libc::SIGTERM);
                        stop_deadline = Some(Instant::now() + graceful_timeout + Duration::from_secs(1));
                        exit_status = 1;
                        break;
                    }
                    Err(error) => {
                        // Out of processes or memory, perhaps for a moment.
                        log::error!("cannot start a worker: {error}");
                        next_spawn = Instant::now() + MAX_BACKOFF;
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
