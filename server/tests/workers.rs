//! `--workers N`: the master process and its workers, tested with real
//! signals against the real binary.
//!
//! The app reports the worker's pid and a VERSION read at import time, so a
//! test can see which worker answered and which code it runs. Loops that wait
//! for something (a replacement worker, reloaded code) are bounded by a count
//! and a generous guard time; they never sleep to make a test pass.

mod support;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const APP: &str = r#"
import os
VERSION = open(os.path.join(os.path.dirname(__file__), "VERSION")).read().strip()

def application(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [f"{os.getpid()} {VERSION} {environ['wsgi.multiprocess']}".encode()]
"#;

struct Master {
    child: Child,
    address: String,
}

impl Master {
    fn start(dir: &Path, extra: &[&str]) -> Master {
        let mut command = support::wsgi_server();
        command
            .args(["--chdir", dir.to_str().unwrap(), "--bind", "127.0.0.1:0"])
            .args(if extra.contains(&"--workers") { &[][..] } else { &["--workers", "2"][..] })
            .args(extra)
            .arg("pidapp")
            .stderr(Stdio::null());
        let (child, address) = support::spawn_and_wait(command);
        Master { child, address: address.trim_start_matches("http://").to_string() }
    }

    /// One request on a fresh connection: (pid, version, multiprocess).
    fn ask(&self) -> (String, String, String) {
        let mut stream = TcpStream::connect(&self.address).unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        stream.write_all(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).unwrap();
        assert!(response.starts_with("HTTP/1.1 200 OK"), "{response}");
        let body = response.split("\r\n\r\n").nth(1).unwrap().to_string();
        let mut parts = body.split(' ').map(str::to_string);
        (parts.next().unwrap(), parts.next().unwrap(), parts.next().unwrap())
    }

    /// With `--max-connections 1`: one keep-alive connection is answered and
    /// held open, which fills its worker, so a second connection must be
    /// answered by another worker. Returns both pids. (Plain fresh
    /// connections are no way to meet every worker: whichever worker wins the
    /// race to accept may win it every time on a busy machine.)
    fn ask_two_workers(&self) -> (String, String) {
        let mut held = TcpStream::connect(&self.address).unwrap();
        held.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        held.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
        let mut response = Vec::new();
        let mut buf = [0u8; 4096];
        let first = loop {
            let n = held.read(&mut buf).unwrap();
            assert!(n > 0, "connection closed early: {}", String::from_utf8_lossy(&response));
            response.extend_from_slice(&buf[..n]);
            let text = String::from_utf8_lossy(&response).to_string();
            if let Some((head, body)) = text.split_once("\r\n\r\n") {
                assert!(head.starts_with("HTTP/1.1 200 OK"), "{text}");
                let length: usize = head
                    .lines()
                    .find_map(|l| l.strip_prefix("Content-Length: "))
                    .expect("a Content-Length")
                    .parse()
                    .unwrap();
                if body.len() >= length {
                    break body.split(' ').next().unwrap().to_string();
                }
            }
        };
        let (second, _, _) = self.ask();
        drop(held);
        (first, second)
    }

    fn signal(&self, signal: libc::c_int) {
        unsafe { libc::kill(self.child.id() as libc::pid_t, signal) };
    }

    /// Asks until `done` holds, at most 2000 times (guard: 60 s).
    fn ask_until(&self, mut done: impl FnMut(&(String, String, String)) -> bool) -> (String, String, String) {
        let guard = Instant::now() + Duration::from_secs(60);
        for _ in 0..2000 {
            let answer = self.ask();
            if done(&answer) {
                return answer;
            }
            assert!(Instant::now() < guard, "condition not reached; last answer {answer:?}");
        }
        panic!("condition not reached in 2000 requests");
    }

    fn stop(mut self) -> std::process::ExitStatus {
        self.signal(libc::SIGTERM);
        self.child.wait().unwrap()
    }
}

/// A failing test must not leave a server behind: kill the master (its
/// workers follow it, PR_SET_PDEATHSIG) if the test did not stop it.
impl Drop for Master {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn app_dir(version: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("pidapp.py"), APP).unwrap();
    std::fs::write(dir.path().join("VERSION"), version).unwrap();
    dir
}

#[test]
fn a_killed_worker_is_replaced_and_serving_goes_on() {
    let dir = app_dir("v1");
    let master = Master::start(dir.path(), &["--max-connections", "1"]);
    let (victim, _, multiprocess) = master.ask();
    assert_eq!(multiprocess, "True", "wsgi.multiprocess must tell the truth");
    unsafe { libc::kill(victim.parse().unwrap(), libc::SIGKILL) };
    // Two workers answer again, neither of them the victim: it was replaced.
    // (A request sent while the replacement boots waits in the backlog.)
    let (first, second) = master.ask_two_workers();
    assert_ne!(first, second);
    assert!(first != victim && second != victim, "{victim} answered after SIGKILL");
    assert!(master.stop().success());
}

#[test]
fn hup_reloads_the_code_without_failing_a_request() {
    let dir = app_dir("v1");
    let master = Master::start(dir.path(), &[]);
    assert_eq!(master.ask().1, "v1");
    std::fs::write(dir.path().join("VERSION"), "v2").unwrap();
    master.signal(libc::SIGHUP);
    // Requests during the reload all succeed (ask asserts 200), and the old
    // workers leave: eventually every answer comes from the new code.
    let mut in_a_row = 0;
    master.ask_until(|(_, version, _)| {
        in_a_row = if version == "v2" { in_a_row + 1 } else { 0 };
        in_a_row == 20
    });
    assert!(master.stop().success());
}

#[test]
fn max_requests_recycles_workers_without_failing_a_request() {
    let dir = app_dir("v1");
    let master = Master::start(dir.path(), &["--workers", "1", "--max-requests", "5", "--max-requests-jitter", "2"]);
    let (first, _, _) = master.ask();
    // Within at most 8 requests the only worker leaves and a new one answers;
    // every request in between succeeds (ask asserts 200).
    let mut pids = std::collections::HashSet::from([first]);
    for _ in 0..30 {
        pids.insert(master.ask().0);
    }
    assert!(pids.len() >= 3, "30 requests at 5-7 per worker must meet 3+ workers, saw {pids:?}");
    assert!(master.stop().success());
}

/// Waits (at most 10 s) until every thread of `pid` is stopped ("T" in /proc).
fn wait_until_stopped(pid: &str) {
    for _ in 0..1000 {
        let tasks = std::fs::read_dir(format!("/proc/{pid}/task")).unwrap();
        let all_stopped = tasks.flatten().all(|task| {
            let stat = std::fs::read_to_string(task.path().join("stat")).unwrap_or_default();
            stat.rsplit(')').next().and_then(|rest| rest.split_whitespace().next()) == Some("T")
        });
        if all_stopped {
            return;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    panic!("worker {pid} did not stop within 10 s of SIGSTOP");
}

#[test]
fn a_frozen_worker_is_killed_and_replaced_after_the_timeout() {
    let dir = app_dir("v1");
    let master = Master::start(dir.path(), &["--workers", "1", "--timeout", "1"]);
    let (frozen, _, _) = master.ask();
    // A stopped process makes no progress at all: its heartbeat goes stale.
    unsafe { libc::kill(frozen.parse().unwrap(), libc::SIGSTOP) };
    // SIGSTOP takes effect a moment later, thread by thread. A connection
    // made before then may still be accepted by the worker, and is lost with
    // it when it is killed (as in any server): wait until it is stopped.
    wait_until_stopped(&frozen);
    // The master kills it and starts another, which answers (connections
    // made meanwhile wait in the backlog and are served by the new worker).
    let (pid, _, _) = master.ask();
    assert_ne!(pid, frozen, "the frozen worker cannot have answered");
    assert!(master.stop().success());
}

#[test]
fn a_slow_request_is_logged_with_its_path() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("pidapp.py"),
        "import time\ndef application(environ, start_response):\n    time.sleep(2.5)\n    start_response('200 OK', [])\n    return [b'late']\n",
    )
    .unwrap();
    let mut command = support::wsgi_server();
    command
        .args(["--chdir", dir.path().to_str().unwrap(), "--bind", "127.0.0.1:0", "--timeout", "1", "pidapp"])
        .stderr(Stdio::piped());
    let (child, address) = support::spawn_and_wait(command);
    let address = address.trim_start_matches("http://");
    let mut stream = TcpStream::connect(address).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    stream.write_all(b"GET /reports/monthly?year=2026 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    assert!(response.ends_with("late"), "{response}");
    unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGTERM) };
    let output = child.wait_with_output().unwrap();
    let log = String::from_utf8_lossy(&output.stderr);
    assert!(
        log.contains("request \"GET /reports/monthly?year=2026\" has been running for over 1 s"),
        "{log}"
    );
}

#[test]
fn term_under_load_finishes_every_request_in_flight() {
    // Each request announces itself with a file, then takes a while.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("pidapp.py"),
        "import os, time, uuid\n\
         def application(environ, start_response):\n\
         \x20   open(os.path.join(os.path.dirname(__file__), 'entered-' + uuid.uuid4().hex), 'w').close()\n\
         \x20   time.sleep(0.5)\n\
         \x20   start_response('200 OK', [('Content-Type', 'text/plain')])\n\
         \x20   return [b'finished']\n",
    )
    .unwrap();
    let master = Master::start(dir.path(), &["--workers", "2", "--threads", "8"]);
    let clients: Vec<_> = (0..12)
        .map(|_| {
            let address = master.address.clone();
            std::thread::spawn(move || {
                let mut stream = TcpStream::connect(&address).unwrap();
                stream.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
                stream.write_all(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").unwrap();
                let mut response = String::new();
                stream.read_to_string(&mut response).unwrap();
                response
            })
        })
        .collect();
    // Wait (bounded) until all twelve are inside the application...
    let guard = Instant::now() + Duration::from_secs(60);
    while std::fs::read_dir(dir.path()).unwrap().filter(|e| {
        e.as_ref().is_ok_and(|e| e.file_name().to_string_lossy().starts_with("entered-"))
    }).count() < 12
    {
        assert!(Instant::now() < guard, "the requests never reached the app");
        std::thread::sleep(Duration::from_millis(20));
    }
    // ...then stop: every one of them still gets its whole answer.
    master.signal(libc::SIGTERM);
    for client in clients {
        let response = client.join().unwrap();
        assert!(response.starts_with("HTTP/1.1 200 OK"), "{response}");
        assert!(response.ends_with("finished"), "{response}");
    }
    assert!(master.stop().success());
}

#[test]
fn a_worker_that_cannot_boot_stops_the_master_with_status_1() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("pidapp.py"), "raise RuntimeError('broken at import')\n").unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_wsgi-server"))
        .args(["--chdir", dir.path().to_str().unwrap(), "--bind", "127.0.0.1:0", "--workers", "2", "pidapp"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("RuntimeError: broken at import"), "{stderr}");
    assert!(stderr.contains("a worker could not load the application"), "{stderr}");
}

/// Pids of `parent`'s children (Linux: /proc/PID/task/PID/children).
fn children_of(parent: u32) -> Vec<i32> {
    std::fs::read_to_string(format!("/proc/{parent}/task/{parent}/children"))
        .unwrap_or_default()
        .split_whitespace()
        .filter_map(|pid| pid.parse().ok())
        .collect()
}

/// Alive and not a zombie waiting to be reaped.
fn is_running(pid: i32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => !matches!(stat.rsplit_once(") ").map(|(_, rest)| rest.as_bytes()[0]), Some(b'Z' | b'X')),
        Err(_) => false,
    }
}

#[test]
fn workers_still_importing_the_app_die_with_their_master() {
    // An app that takes a while to import: the workers are still booting
    // (their graceful TERM handling not yet installed) when the master dies.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("slowapp.py"), "import time\ntime.sleep(5)\n\ndef application(e, s):\n    s('200 OK', [])\n    return [b'']\n").unwrap();
    let mut command = support::wsgi_server();
    command
        .args(["--chdir", dir.path().to_str().unwrap(), "--bind", "127.0.0.1:0", "--workers", "2", "slowapp"])
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let mut master = Master { child: command.spawn().unwrap(), address: String::new() };
    let pid = master.child.id();
    let guard = Instant::now() + Duration::from_secs(30);
    let workers = loop {
        let workers = children_of(pid);
        if workers.len() == 2 {
            break workers;
        }
        assert!(Instant::now() < guard, "the master did not fork two workers");
        std::thread::sleep(Duration::from_millis(20));
    };
    master.child.kill().unwrap(); // SIGKILL: the master gets no chance to tidy up
    master.child.wait().unwrap();
    // PR_SET_PDEATHSIG sends each worker TERM; while booting, TERM must end it.
    let guard = Instant::now() + Duration::from_secs(3);
    while workers.iter().any(|w| is_running(*w)) {
        if Instant::now() > guard {
            for worker in &workers {
                unsafe { libc::kill(*worker, libc::SIGKILL) };
            }
            panic!("workers {workers:?} outlived their master");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn the_master_runs_without_python_and_hands_its_workers_only_their_sockets() {
    // The app reports what a worker's process looks like from inside: any
    // environment variable of ours, and every socket or unlinked file (the
    // heartbeat) that a program it started would inherit (one not marked
    // close-on-exec). Whatever the test runner itself passed down may stay.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("pidapp.py"),
        r#"
import fcntl, os

def application(environ, start_response):
    # (cargo test itself puts the compile-time WSGI_SERVER_BUILD_ID there)
    ours = sorted(k for k in os.environ if k.startswith("WSGI_SERVER") and k != "WSGI_SERVER_BUILD_ID")
    leaked = []
    for name in os.listdir("/proc/self/fd"):
        fd = int(name)
        try:
            what = os.readlink(f"/proc/self/fd/{fd}")
            if not fcntl.fcntl(fd, fcntl.F_GETFD) & fcntl.FD_CLOEXEC and (
                    what.startswith("socket:") or what.endswith("(deleted)")):
                leaked.append(fd)
        except OSError:
            pass  # the directory listing's own descriptor, closed by now
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [f"{os.getpid()} env={ours} inheritable={leaked}".replace(", ", ",").encode()]
"#,
    )
    .unwrap();
    let master = Master::start(dir.path(), &["--workers", "1", "--timeout", "30"]);
    let (worker, env, inheritable) = master.ask();
    assert_eq!(env, "env=[]", "the handoff's variables must not reach the app");
    assert_eq!(inheritable, "inheritable=[]", "the inherited sockets must be close-on-exec again");

    let exe = |pid: &str| std::fs::read_link(format!("/proc/{pid}/exe")).unwrap();
    let maps = |pid: &str| std::fs::read_to_string(format!("/proc/{pid}/maps")).unwrap();
    let master_pid = master.child.id().to_string();
    // The pid we started is the master now, running its own binary...
    assert!(exe(&master_pid).ends_with("wsgi-server-master"), "{:?}", exe(&master_pid));
    assert!(!maps(&master_pid).contains("libpython"), "the master must not map libpython");
    // ...and the worker is a wsgi-server of its own, with Python.
    assert!(exe(&worker).ends_with("wsgi-server"), "{:?}", exe(&worker));
    assert!(maps(&worker).contains("libpython"));
    assert!(master.stop().success());
}

#[test]
fn without_the_master_binary_beside_it_the_master_runs_in_process() {
    // `cargo run` builds only the binary it runs: a lone wsgi-server must
    // still manage workers, being its own master.
    let lone = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let exe = lone.path().join("wsgi-server");
    if std::fs::hard_link(env!("CARGO_BIN_EXE_wsgi-server"), &exe).is_err() {
        std::fs::copy(env!("CARGO_BIN_EXE_wsgi-server"), &exe).unwrap();
    }
    let dir = app_dir("v1");
    let mut command = Command::new(&exe);
    command.args(["--chdir", dir.path().to_str().unwrap(), "--bind", "127.0.0.1:0", "--workers", "1", "pidapp"]);
    serves_with_wsgi_server_as_master(command, &exe, "wsgi-server-master is not beside");
}

/// Starts `command`, which must end up serving with the `master_exe` binary
/// as its master (same pid) and a worker answering; stops it, and checks that
/// its log says `why`.
fn serves_with_wsgi_server_as_master(mut command: Command, master_exe: &Path, why: &str) {
    command.stderr(Stdio::piped());
    let (child, address) = support::spawn_and_wait(command);
    let mut master = Master { child, address: address.trim_start_matches("http://").to_string() };
    let mut stderr = master.child.stderr.take().unwrap();
    let (worker, version, _) = master.ask();
    assert_eq!(version, "v1");
    assert_ne!(worker, master.child.id().to_string(), "a worker answers, not the master");
    let running = std::fs::read_link(format!("/proc/{}/exe", master.child.id())).unwrap();
    assert_eq!(running, std::fs::canonicalize(master_exe).unwrap());
    assert!(master.stop().success());
    let mut log = String::new();
    stderr.read_to_string(&mut log).unwrap();
    assert!(log.contains(why), "{log}");
}

#[test]
fn a_master_that_cannot_start_workers_at_all_says_so_and_exits_1() {
    let dir = app_dir("v1");
    let output = Command::new(env!("CARGO_BIN_EXE_wsgi-server-master"))
        .args(["--chdir", dir.path().to_str().unwrap(), "--bind", "127.0.0.1:0", "--workers", "2", "pidapp"])
        .env("WSGI_SERVER_WORKER_EXE", dir.path().join("no-such-binary"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("cannot start a worker") && stderr.contains("stopping"), "{stderr}");
}

#[test]
fn a_master_binary_from_another_build_hands_back_to_wsgi_server() {
    // `cargo run` rebuilds only wsgi-server: the master beside it may be
    // older. Told so by the build id, it becomes wsgi-server again (same
    // pid), which then is its own master. (--timeout 1e20 also checks that a
    // huge timeout means "never", not an overflow.)
    let dir = app_dir("v1");
    let mut command = Command::new(env!("CARGO_BIN_EXE_wsgi-server-master"));
    command
        .args(["--chdir", dir.path().to_str().unwrap(), "--bind", "127.0.0.1:0", "--workers", "1"])
        .args(["--timeout", "1e20", "pidapp"])
        .env("WSGI_SERVER_WORKER_EXE", env!("CARGO_BIN_EXE_wsgi-server"))
        .env("WSGI_SERVER_BUILD", "another-build");
    serves_with_wsgi_server_as_master(command, Path::new(env!("CARGO_BIN_EXE_wsgi-server")), "from another build");
}
