//! Running the real `wsgi-server` binary as a child process.
//!
//! ```no_run
//! use end_to_end_tests::{apps_dir, ServerBuilder};
//! let server = ServerBuilder::new("environ_report:application", apps_dir()).start();
//! let response = server.get("/");
//! let log = server.stop(); // everything the server wrote to stderr
//! ```
//!
//! The server prints `wsgi-server: serving APP on http://HOST:PORT` on
//! stdout once it listens; [`ServerBuilder::start`] waits for that line (at
//! most [`STARTUP`]) and learns the port from it. Its stderr is the log: a
//! thread collects it so a test can wait for a line ([`WsgiServer::wait_log`])
//! or, after [`WsgiServer::stop`], read all of it. Dropping a `WsgiServer`
//! kills the process, so a failing test never leaves a server behind.

use std::io::{BufRead, BufReader, Read};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::Instant;

use crate::client::{Conn, Response};
use crate::{repo_root, server_binary, PATIENCE, STARTUP};

/// How to start one server.
pub struct ServerBuilder {
    app: String,
    dir: PathBuf,
    args: Vec<String>,
    env: Vec<(String, String)>,
}

impl ServerBuilder {
    /// `app` is `MODULE:CALLABLE` (or `MODULE:factory()`), imported from `dir`
    /// (the server's `--chdir`).
    pub fn new(app: &str, dir: impl Into<PathBuf>) -> Self {
        ServerBuilder { app: app.to_string(), dir: dir.into(), args: Vec::new(), env: Vec::new() }
    }

    /// One more command-line argument, such as `--max-body`.
    pub fn arg(mut self, arg: impl Into<String>) -> Self {
        self.args.push(arg.into());
        self
    }

    /// `--pythonpath DIR`.
    pub fn pythonpath(self, dir: &Path) -> Self {
        self.arg("--pythonpath").arg(dir.to_string_lossy().into_owned())
    }

    /// An environment variable of the server process.
    pub fn env(mut self, name: &str, value: &str) -> Self {
        self.env.push((name.to_string(), value.to_string()));
        self
    }

    fn command(&self) -> Command {
        let mut command = Command::new(server_binary());
        command
            .arg("--bind")
            .arg("127.0.0.1:0")
            .arg("--chdir")
            .arg(&self.dir)
            .args(&self.args)
            .arg(&self.app)
            // No __pycache__ folders in the repository.
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let venv = repo_root().join(".venv");
        if venv.is_dir() {
            command.env("VIRTUAL_ENV", &venv);
        }
        for (name, value) in &self.env {
            command.env(name, value);
        }
        command
    }

    /// Runs a server that is expected to exit by itself (a bad app name,
    /// `--help`); waits at most [`STARTUP`].
    pub fn run_to_exit(self) -> Exit {
        let mut child = self.command().spawn().expect("start target/debug/wsgi-server");
        let mut stdout = child.stdout.take().expect("piped stdout");
        let mut stderr = child.stderr.take().expect("piped stderr");
        let out = std::thread::spawn(move || {
            let mut text = String::new();
            let _ = stdout.read_to_string(&mut text);
            text
        });
        let err = std::thread::spawn(move || {
            let mut text = String::new();
            let _ = stderr.read_to_string(&mut text);
            text
        });
        let pid = child.id();
        let (done_tx, done_rx) = mpsc::channel();
        let waiter = std::thread::spawn(move || {
            let status = child.wait();
            let _ = done_tx.send(());
            status
        });
        if done_rx.recv_timeout(STARTUP).is_err() {
            let _ = Command::new("kill").arg("-KILL").arg(pid.to_string()).status();
            let _ = waiter.join();
            panic!("wsgi-server {} was expected to exit but still ran after {STARTUP:?}", self.app);
        }
        let status = waiter.join().expect("the waiter thread").expect("wait for wsgi-server");
        Exit { code: status.code(), stdout: out.join().unwrap_or_default(), stderr: err.join().unwrap_or_default() }
    }

    pub fn start(self) -> WsgiServer {
        let mut child = self.command().spawn().expect("start target/debug/wsgi-server");

        let log = Arc::new(Log::default());
        let stderr = child.stderr.take().expect("piped stderr");
        let stderr_thread = {
            let log = Arc::clone(&log);
            std::thread::spawn(move || log.collect(stderr))
        };

        // stdout: the first "serving" line is the address; the rest is drained
        // (into the log) so the server can never block on a full pipe.
        let stdout = child.stdout.take().expect("piped stdout");
        let (ready_tx, ready_rx) = mpsc::channel();
        let stdout_thread = {
            let log = Arc::clone(&log);
            std::thread::spawn(move || {
                let mut ready = Some(ready_tx);
                for line in BufReader::new(stdout).lines() {
                    let Ok(line) = line else { break };
                    if line.contains(" serving ") {
                        if let Some(tx) = ready.take() {
                            let _ = tx.send(line.clone());
                        }
                    }
                    log.append(format!("[stdout] {line}\n").as_bytes());
                }
            })
        };

        let mut server = WsgiServer {
            app: self.app.clone(),
            child: Some(child),
            addr: "127.0.0.1:0".parse().unwrap(),
            log,
            threads: vec![stderr_thread, stdout_thread],
        };
        let line = match ready_rx.recv_timeout(STARTUP) {
            Ok(line) => line,
            Err(_) => {
                let status = server.child.as_mut().and_then(|c| c.try_wait().ok().flatten());
                let log = server.stop_now();
                panic!(
                    "wsgi-server {} did not print its \"serving ... on http://...\" line within {STARTUP:?} \
                     (exit status: {status:?}); its output:\n{log}",
                    self.app
                );
            }
        };
        let address = line.rsplit(' ').next().unwrap_or_default();
        let address = address.strip_prefix("http://").unwrap_or(address);
        server.addr = address.parse().unwrap_or_else(|_| panic!("no address in {line:?}"));
        server
    }
}

/// How a server that exited by itself ended.
#[derive(Debug)]
pub struct Exit {
    /// The exit status (`None` if a signal ended it).
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

/// The server's stderr, collected as it arrives.
#[derive(Default)]
struct Log {
    text: Mutex<Vec<u8>>,
    grew: Condvar,
}

impl Log {
    fn collect(&self, mut stderr: impl Read) {
        let mut piece = [0u8; 8192];
        loop {
            match stderr.read(&mut piece) {
                Ok(0) | Err(_) => break,
                Ok(n) => self.append(&piece[..n]),
            }
        }
    }

    fn append(&self, bytes: &[u8]) {
        self.text.lock().unwrap_or_else(|e| e.into_inner()).extend_from_slice(bytes);
        self.grew.notify_all();
    }

    fn snapshot(&self) -> String {
        String::from_utf8_lossy(&self.text.lock().unwrap_or_else(|e| e.into_inner())).into_owned()
    }
}

/// A running `wsgi-server`; killed when dropped.
pub struct WsgiServer {
    app: String,
    child: Option<Child>,
    pub addr: SocketAddr,
    log: Arc<Log>,
    threads: Vec<JoinHandle<()>>,
}

impl WsgiServer {
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// A new connection (reads and writes bounded by [`PATIENCE`]).
    pub fn connect(&self) -> Conn {
        Conn::open(self.addr)
    }

    /// `GET path` on a new connection, with a `Host` header.
    pub fn get(&self, path: &str) -> Response {
        self.request("GET", path, &[], b"")
    }

    /// One request on a new connection: `headers` are added after `Host`;
    /// a non-empty body gets a `Content-Length`.
    pub fn request(&self, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Response {
        let mut conn = self.connect();
        conn.send(&self.request_bytes(method, path, headers, body));
        conn.read_response(method == "HEAD")
    }

    /// One request with a chunked body, one chunk per piece, on a new connection.
    pub fn request_chunked(&self, method: &str, path: &str, headers: &[(&str, &str)], pieces: &[&[u8]]) -> Response {
        let mut out =
            format!("{method} {path} HTTP/1.1\r\nHost: {}\r\nTransfer-Encoding: chunked\r\n", self.addr).into_bytes();
        for (name, value) in headers {
            out.extend_from_slice(format!("{name}: {value}\r\n").as_bytes());
        }
        out.extend_from_slice(b"\r\n");
        for piece in pieces.iter().filter(|p| !p.is_empty()) {
            out.extend_from_slice(format!("{:x}\r\n", piece.len()).as_bytes());
            out.extend_from_slice(piece);
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(b"0\r\n\r\n");
        let mut conn = self.connect();
        conn.send(&out);
        conn.read_response(method == "HEAD")
    }

    /// The bytes of a simple HTTP/1.1 request.
    pub fn request_bytes(&self, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Vec<u8> {
        let mut out = format!("{method} {path} HTTP/1.1\r\nHost: {}\r\n", self.addr).into_bytes();
        for (name, value) in headers {
            out.extend_from_slice(format!("{name}: {value}\r\n").as_bytes());
        }
        if !body.is_empty() || matches!(method, "POST" | "PUT" | "PATCH") {
            out.extend_from_slice(format!("Content-Length: {}\r\n", body.len()).as_bytes());
        }
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(body);
        out
    }

    /// The log so far (the server may still be writing).
    pub fn log(&self) -> String {
        self.log.snapshot()
    }

    /// Waits until the log contains `needle` (at most [`PATIENCE`]); returns the log.
    pub fn wait_log(&self, needle: &str) -> String {
        let deadline = Instant::now() + PATIENCE;
        let mut text = self.log.text.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            let current = String::from_utf8_lossy(&text).into_owned();
            if current.contains(needle) {
                return current;
            }
            let now = Instant::now();
            if now >= deadline {
                drop(text);
                panic!("the log of {} never showed {needle:?} within {PATIENCE:?}:\n{current}", self.app);
            }
            text = self.log.grew.wait_timeout(text, deadline - now).unwrap_or_else(|e| e.into_inner()).0;
        }
    }

    /// Stops the server the way an operator does (SIGTERM: finish in-flight
    /// requests, then exit), waits for it, and returns its whole log.
    pub fn stop(mut self) -> String {
        let Some(mut child) = self.child.take() else { return self.log.snapshot() };
        let pid = child.id();
        let _ = Command::new("kill").arg("-TERM").arg(pid.to_string()).status();
        let (done_tx, done_rx) = mpsc::channel();
        let waiter = std::thread::spawn(move || {
            let status = child.wait();
            let _ = done_tx.send(());
            (child, status)
        });
        if done_rx.recv_timeout(STARTUP).is_err() {
            let _ = Command::new("kill").arg("-KILL").arg(pid.to_string()).status();
            let _ = waiter.join();
            self.join_readers();
            panic!("{} did not stop within {STARTUP:?} of SIGTERM; log:\n{}", self.app, self.log.snapshot());
        }
        let (_, status) = waiter.join().expect("the waiter thread");
        self.join_readers();
        let log = self.log.snapshot();
        let status = status.expect("wait for wsgi-server");
        assert!(status.success(), "{} exited with {status} after SIGTERM; log:\n{log}", self.app);
        log
    }

    fn stop_now(&mut self) -> String {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        self.join_readers();
        self.log.snapshot()
    }

    fn join_readers(&mut self) {
        for thread in self.threads.drain(..) {
            let _ = thread.join();
        }
    }
}

impl Drop for WsgiServer {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        // The reader threads end at EOF, which the kill just caused.
    }
}
