//! Limits and timeouts: every number that bounds what a client can make us do.
//!
//! A server that accepts input from strangers must put a ceiling on everything
//! the input controls: how long a line may be, how many headers, how big a
//! body, how long a client may take. Each limit here has a default chosen to
//! be generous for real clients and small enough that a hostile one cannot
//! exhaust memory or hold connections forever.

use std::sync::Arc;
use std::time::Duration;

use super::access_log::AccessLog;

/// Most header fields in one request (more gets 431). Fixed, because the
/// parser keeps its header slots in a stack array of this size.
pub const MAX_HEADERS: usize = 100;

#[derive(Debug, Clone)]
pub struct Config {
    /// Longest request line (`GET /path HTTP/1.1`), in bytes; longer gets 414.
    pub max_request_line: usize,
    /// Largest header section, request line included; larger gets 431.
    pub max_head: usize,
    /// Largest request body; larger gets 413 before the body is read.
    pub max_body: u64,
    /// Bodies up to this size stay in memory; larger ones go to a temporary file.
    pub spool_threshold: usize,
    /// Most connections open at once; more wait in the listen backlog.
    pub max_connections: usize,
    /// A connection with more response bytes than this waiting to be sent
    /// stops producing more (the app waits, the next request is not read).
    pub max_pending_output: usize,
    /// Time allowed for a whole request head to arrive (slowloris defence).
    pub header_timeout: Duration,
    /// Time allowed between two pieces of a request body.
    pub body_timeout: Duration,
    /// How long an idle keep-alive connection is kept open.
    pub keepalive_timeout: Duration,
    /// How long a client may leave our response unread before we give up.
    pub write_timeout: Duration,
    /// On stop, how long in-flight requests get to finish.
    pub graceful_timeout: Duration,
    /// Threads that run the handler (the application).
    pub threads: usize,
    /// The `Server` response header.
    pub server_name: String,
    /// Stop gracefully after this many requests (a master replaces the worker).
    pub max_requests: Option<u64>,
    /// Called about once a second by the loop to prove it is alive (a master
    /// kills a worker whose heartbeat stops: `--timeout`).
    pub heartbeat: Option<Heartbeat>,
    /// Log a request still running after this long, with its path.
    pub slow_request: Option<Duration>,
    /// Print every request and response head as it crosses the wire.
    pub trace: bool,
    /// Where one line per request goes (`None`: nowhere).
    pub access_log: Option<Arc<AccessLog>>,
}

// ANCHOR: defaults
/// A function the loop calls to say "still alive".
#[derive(Clone)]
pub struct Heartbeat(pub Arc<dyn Fn() + Send + Sync>);

impl std::fmt::Debug for Heartbeat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Heartbeat")
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            max_request_line: 8 * 1024,
            max_head: 64 * 1024,
            max_body: 1024 * 1024 * 1024,
            spool_threshold: 1024 * 1024,
            max_connections: 10_000,
            max_pending_output: 256 * 1024,
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(30),
            keepalive_timeout: Duration::from_secs(5),
            write_timeout: Duration::from_secs(30),
            graceful_timeout: Duration::from_secs(30),
            threads: 8,
            server_name: "wsgi-server".to_string(),
            access_log: None,
            max_requests: None,
            heartbeat: None,
            slow_request: None,
            trace: false,
        }
    }
}
// ANCHOR_END: defaults
