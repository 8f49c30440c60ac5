//! What the tests that run the real `wsgi-server` binary share: starting it
//! and learning where it listens.
//!
//! The server prints `wsgi-server: serving APP on ADDRESS` once per socket
//! when it is ready (`http://HOST:PORT` or `unix:PATH`). A thread reads its
//! standard output from then on, so the pipe never fills up (an access log on
//! `-` writes there too), and the wait for that line is bounded: a server that
//! hangs before printing fails the test instead of hanging it.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// A command for the binary under test; the caller adds arguments.
pub fn wsgi_server() -> Command {
    Command::new(env!("CARGO_BIN_EXE_wsgi-server"))
}

/// Starts `command` and returns the child with the address from its first
/// "serving ... on ADDRESS" line.
pub fn spawn_and_wait(mut command: Command) -> (Child, String) {
    let mut child = command.stdout(Stdio::piped()).spawn().expect("start wsgi-server");
    let stdout = child.stdout.take().expect("piped stdout");
    let (lines_tx, lines_rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            if lines_tx.send(line).is_err() {
                break;
            }
        }
    });
    loop {
        match lines_rx.recv_timeout(Duration::from_secs(60)) {
            Ok(Ok(line)) => {
                if let Some((_, address)) = line.split_once(" on ") {
                    assert!(line.contains("serving"), "unexpected line: {line:?}");
                    return (child, address.trim().to_string());
                }
            }
            other => {
                let _ = child.kill();
                panic!("wsgi-server did not say where it listens: {other:?}");
            }
        }
    }
}
