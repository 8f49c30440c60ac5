//! Jobs that block never stop the loop. The worker threads take turns at
//! running the event loop, and the one that reads a request runs it too
//! (`leader.rs`); these tests hold jobs in a handler on purpose and check
//! that the loop goes on, on another worker or on the watchdog thread, and
//! comes back to the workers once they are free.

use std::io::{BufReader, Write};
use std::sync::{Arc, Condvar, Mutex};

use wsgi_server::http::echo::EchoHandler;
use wsgi_server::http::{Config, Handler, Request, Responder};

use crate::common::{connect, exchange, get, parse_responses, read_response, TestServer, PATIENCE};

/// Holds every `/wait` request until [`Gate::open`]; answers the rest at once
/// (as the echo handler does).
#[derive(Default)]
struct Gate {
    state: Mutex<(bool, usize)>, // (open, requests waiting or let through)
    changed: Condvar,
}

impl Gate {
    fn open(&self) {
        self.state.lock().unwrap().0 = true;
        self.changed.notify_all();
    }

    /// Waits until `count` `/wait` requests have reached the handler.
    fn wait_for_arrivals(&self, count: usize) {
        let state = self.state.lock().unwrap();
        let (state, timeout) = self
            .changed
            .wait_timeout_while(state, PATIENCE, |(_, arrived)| *arrived < count)
            .unwrap();
        assert!(!timeout.timed_out(), "only {} of {count} blocking requests reached a worker", state.1);
    }
}

struct Gated(Arc<Gate>);

impl Handler for Gated {
    fn handle(&self, request: Request, response: Responder) {
        if request.head.path == b"/wait" {
            let gate = &self.0;
            let mut state = gate.state.lock().unwrap();
            state.1 += 1;
            gate.changed.notify_all();
            let _open = gate.changed.wait_while(state, |(open, _)| !*open).unwrap();
        }
        EchoHandler.handle(request, response)
    }
}

fn gated_server(threads: usize) -> (TestServer, Arc<Gate>) {
    let gate = Arc::new(Gate::default());
    let server = TestServer::start(Config { threads, ..Config::default() }, Arc::new(Gated(Arc::clone(&gate))));
    (server, gate)
}

/// Sends a request on a connection of its own; returns the reader for its answer.
fn send(server: &TestServer, path: &str) -> BufReader<std::net::TcpStream> {
    let mut stream = connect(server.addr);
    stream.write_all(&get(path)).expect("send the request");
    BufReader::new(stream)
}

fn status_of(reader: &mut BufReader<std::net::TcpStream>) -> u16 {
    read_response(reader, false).expect("read the response").expect("a response, not a close").status
}

#[test]
fn a_blocked_leader_hands_the_loop_to_a_sleeping_worker() {
    let (server, gate) = gated_server(2);
    let mut blocked = send(&server, "/wait");
    gate.wait_for_arrivals(1);
    // The blocked job's thread had read it, so it held the loop, and lent it
    // out to run the job: the other worker must take the loop over and
    // answer this one while the first is still stuck.
    let mut other = send(&server, "/fast");
    assert_eq!(status_of(&mut other), 200);
    gate.open();
    assert_eq!(status_of(&mut blocked), 200);
}

#[test]
fn with_every_worker_blocked_the_watchdog_runs_the_loop() {
    let (server, gate) = gated_server(2);
    let mut blocked = [send(&server, "/wait"), send(&server, "/wait")];
    gate.wait_for_arrivals(2);
    // No worker is free. The loop still runs (on the watchdog): a bad request
    // needs no worker, and is refused at once.
    let refused = parse_responses(&exchange(server.addr, b"NOT HTTP AT ALL\r\n\r\n"), &[false]);
    assert_eq!(refused[0].status, 400);
    // A good one is read and queued, and answered once a worker frees up.
    let mut queued = send(&server, "/queued");
    gate.open();
    for reader in &mut blocked {
        assert_eq!(status_of(reader), 200);
    }
    assert_eq!(status_of(&mut queued), 200);
    // The workers have the loop back, and serve a keep-alive connection.
    let mut stream = connect(server.addr);
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    for n in 0..50 {
        stream.write_all(&get(&format!("/after/{n}"))).unwrap();
        let response = read_response(&mut reader, false).unwrap().expect("a response");
        assert_eq!(response.status, 200);
        assert_eq!(response.echo("path").as_deref(), Some(format!("/after/{n}").as_str()));
    }
}

#[test]
fn one_worker_stuck_in_a_job_does_not_stop_the_loop() {
    let (server, gate) = gated_server(1);
    let mut blocked = send(&server, "/wait");
    gate.wait_for_arrivals(1);
    let refused = parse_responses(&exchange(server.addr, b"NOT HTTP AT ALL\r\n\r\n"), &[false]);
    assert_eq!(refused[0].status, 400);
    let mut queued = send(&server, "/queued");
    gate.open();
    assert_eq!(status_of(&mut blocked), 200);
    assert_eq!(status_of(&mut queued), 200);
}
