//! One client connection: a state machine driven by the event loop.
//!
//! ```text
//!            bytes arrive                   request complete
//!   Reading ───────────────► (head, body) ─────────────────► Responding
//!      ▲                                                          │
//!      │       response ended, keep-alive                         │
//!      └──────────────────────────────────────────────────────────┘
//!                                                                 │ close / error
//!                                                                 ▼
//!                                        Closing ──► Lingering ──► Closed
//! ```
//!
//! The loop calls [`Connection::drive`] whenever something may have changed
//! (the socket became readable or writable, a worker produced output, a
//! deadline passed). `drive` makes all the progress it can without blocking
//! and returns; the socket is non-blocking, so a read or write that cannot
//! happen now says `WouldBlock` and we wait for the next readiness event.
//!
//! Closing is done gently: after the last response we shut down our sending
//! side and read (and throw away) what the client still sends for a moment.
//! Closing a socket with unread input makes the kernel send a reset, which
//! can destroy the error response we just wrote before the client reads it.

use std::io::{self, Read};
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::access_log::AccessRecord;
use super::buffer::ReadBuffer;
use super::config::Config;
use super::error::HttpError;
use super::handler::Request;
use super::listener::{ListenAddr, PeerAddr, Stream};
use super::outbox::{Notifier, OutChunk, Outbox, ResponseEnd};
use super::write_queue::WriteQueue;
use super::pool::{Job, WorkerPool};
use super::reader::{ReadEvent, RequestReader};
use super::responder::{error_response, Responder};

/// How long we keep discarding input after our last response before closing.
const LINGER: Duration = Duration::from_secs(2);

/// On stop, how long a connection that has not sent a byte yet may still
/// start its request. Its client connected to send one; under a reload the
/// bytes may be a round trip behind the connection.
const STOP_GRACE: Duration = Duration::from_secs(1);

/// What a connection needs from the loop that owns it.
pub struct LoopContext<'a> {
    pub config: &'a Config,
    pub server_name: &'a Arc<str>,
    pub pool: &'a WorkerPool,
    pub notifier: &'a Arc<Notifier>,
    pub stopping: &'a Arc<AtomicBool>,
    pub now: Instant,
    /// Requests handed to workers so far (for `max_requests`).
    pub dispatched: &'a std::cell::Cell<u64>,
}

// ANCHOR: phase
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Waiting for, or reading, a request.
    Reading,
    /// A worker is producing the response.
    Responding,
    /// Sending the last bytes, then closing.
    Closing,
    /// Our side is shut; discarding input until `LINGER` passes or EOF.
    Lingering { until: Instant },
    Closed,
}
// ANCHOR_END: phase

pub struct Connection {
    stream: Stream,
    token: mio::Token,
    peer: PeerAddr,
    local: ListenAddr,
    reader: RequestReader,
    read_buf: ReadBuffer,
    out: WriteQueue,
    phase: Phase,
    /// The outbox of the request a worker is answering.
    in_flight: Option<Arc<Outbox>>,
    /// Where the outbox's chunks are taken to on their way to `out` (kept
    /// between responses so that its storage is reused).
    taken: Vec<OutChunk>,
    /// Edge-triggered readiness: the socket may have unread bytes.
    readable: bool,
    /// The request being answered was the client's last by its own word.
    client_asked_to_close: bool,
    /// The last readiness event also said "closed" or "error": read on until
    /// the socket answers 0, an error or `WouldBlock` (see [`Self::read_more`]).
    read_to_the_end: bool,
    /// The client has shut down its sending side.
    read_closed: bool,
    /// Deadline bookkeeping (see [`Connection::deadline`]).
    idle_since: Instant,
    request_started: Option<Instant>,
    last_read: Instant,
    last_write: Instant,
    requests_served: u64,
    /// The earliest deadline the loop's timer queue holds for us.
    pub timer_at: Option<Instant>,
    /// Registered with the loop's fresh poll (until the first answer is out).
    pub in_fresh_poll: bool,
    /// Set on stop for a connection that has not started a request yet.
    stop_grace_until: Option<Instant>,
    /// For `slow_request` warnings: when the request in flight was handed to
    /// a worker, its request line, and whether it was already reported.
    dispatched: Option<(Instant, Vec<u8>, bool)>,
}

impl Connection {
    pub fn new(stream: Stream, token: mio::Token, peer: PeerAddr, local: ListenAddr, now: Instant) -> Self {
        Connection {
            stream,
            token,
            peer,
            local,
            reader: RequestReader::default(),
            read_buf: ReadBuffer::with_capacity(4096),
            out: WriteQueue::default(),
            phase: Phase::Reading,
            in_flight: None,
            taken: Vec::new(),
            readable: false,
            client_asked_to_close: false,
            read_to_the_end: false,
            read_closed: false,
            idle_since: now,
            request_started: None,
            last_read: now,
            last_write: now,
            requests_served: 0,
            timer_at: None,
            in_fresh_poll: true,
            stop_grace_until: None,
            dispatched: None,
        }
    }

    pub fn stream_mut(&mut self) -> &mut Stream {
        &mut self.stream
    }

    pub fn is_closed(&self) -> bool {
        self.phase == Phase::Closed
    }

    /// The first response has been handed over, and the connection waits
    /// for another request (one that is closing never needs to move polls).
    pub fn has_been_answered(&self) -> bool {
        self.requests_served > 0 && self.phase == Phase::Reading
    }

    /// The socket reported readiness (edge-triggered: remember it).
    /// `closed_or_failed`: the event also reported the peer's shutdown or an
    /// error, which only a read that returns 0 (or fails) will show us.
    pub fn mark_readable(&mut self, closed_or_failed: bool) {
        self.readable = true;
        self.read_to_the_end |= closed_or_failed;
    }

    /// Idle between requests: nothing buffered, nothing in flight, nothing to send.
    fn is_idle(&self) -> bool {
        self.phase == Phase::Reading
            && self.reader.at_request_boundary()
            && self.read_buf.is_empty()
            && self.out.is_empty()
    }

    // ANCHOR: drive
    /// Makes every bit of progress possible right now.
    pub fn drive(&mut self, ctx: &LoopContext<'_>) {
        loop {
            let progressed = match self.phase {
                Phase::Reading => self.step_reading(ctx),
                Phase::Responding => self.step_responding(ctx),
                Phase::Closing => self.step_closing(ctx),
                Phase::Lingering { .. } => self.step_lingering(),
                Phase::Closed => return,
            };
            let wrote = self.flush(ctx);
            if !progressed && !wrote {
                return;
            }
        }
    }
    // ANCHOR_END: drive

    // ANCHOR: step_reading
    /// Reads and parses; hands a complete request to a worker.
    fn step_reading(&mut self, ctx: &LoopContext<'_>) -> bool {
        // Backpressure: while a client leaves earlier responses unread, do not
        // start answering its next pipelined request.
        if self.out.bytes > ctx.config.max_pending_output {
            return false;
        }
        match self.reader.advance(&mut self.read_buf, ctx.config) {
            Ok(ReadEvent::NeedMore) => self.read_more(ctx),
            Ok(ReadEvent::SendContinue) => {
                self.out.push_bytes(b"HTTP/1.1 100 Continue\r\n\r\n".to_vec());
                true
            }
            Ok(ReadEvent::Request(parsed)) => {
                let outbox = Arc::new(Outbox::new(
                    self.token,
                    Arc::clone(ctx.notifier),
                    ctx.config.max_pending_output,
                ));
                let access = ctx.config.access_log.as_ref().map(|log| {
                    (Arc::clone(log), AccessRecord::new(&parsed.head, &self.peer))
                });
                let responder = Responder::new(
                    &parsed.head,
                    Arc::clone(&outbox),
                    Arc::clone(ctx.server_name),
                    Arc::clone(ctx.stopping),
                    access,
                    ctx.config.trace,
                );
                let request = Request {
                    head: parsed.head,
                    body: parsed.body,
                    peer: self.peer,
                    local: self.local.clone(),
                };
                if ctx.config.trace {
                    trace_request(&request.head, request.body.len());
                }
                if ctx.config.slow_request.is_some() {
                    // Raw bytes, copied: made into text only if the request
                    // turns out slow (formatting every request cost more).
                    let mut line = Vec::with_capacity(request.head.method.len() + 1 + request.head.target.len());
                    line.extend_from_slice(request.head.method.as_bytes());
                    line.push(b' ');
                    line.extend_from_slice(&request.head.target);
                    self.dispatched = Some((ctx.now, line, false));
                }
                self.client_asked_to_close = !request.head.keep_alive;
                self.in_flight = Some(outbox);
                self.request_started = None;
                self.phase = Phase::Responding;
                ctx.pool.submit(Job { request, responder });
                ctx.dispatched.set(ctx.dispatched.get() + 1);
                true
            }
            Err(error) => {
                self.refuse(&error, ctx);
                true
            }
        }
    }
    // ANCHOR_END: step_reading

    fn refuse(&mut self, error: &HttpError, ctx: &LoopContext<'_>) {
        log::info!("{}: refused a request: {error}", peer_label(&self.peer));
        // More input may follow a request we could not read: linger.
        self.client_asked_to_close = false;
        self.out.push_bytes(error_response(error, ctx.server_name));
        self.phase = Phase::Closing;
    }

    /// Reads what the socket has into the buffer. Returns whether anything changed.
    fn read_more(&mut self, ctx: &LoopContext<'_>) -> bool {
        if self.read_closed {
            // The client will send nothing more.
            if self.reader.at_request_boundary() && self.read_buf.is_empty() {
                self.phase = Phase::Closing;
            } else {
                log::debug!("{}: client closed in the middle of a request", peer_label(&self.peer));
                self.close();
            }
            return true;
        }
        if !self.readable {
            return false;
        }
        let limit = ctx.config.max_head.max(16 * 1024);
        let stream = &mut self.stream;
        let offered = std::cell::Cell::new(0);
        let result = self.read_buf.fill_with(limit, |space| {
            offered.set(space.len());
            stream.read(space)
        });
        match result {
            Ok(Some(0)) => {
                self.read_closed = true;
                true
            }
            Ok(Some(got)) => {
                // A read that did not fill the room we offered emptied the
                // socket: a stream socket hands over everything it has. New
                // bytes will raise a new edge, so waiting for it saves the
                // read that would only say `WouldBlock` (one system call per
                // request). A shutdown or error already reported with this
                // edge raises no new one: then we read on to see it.
                if got < offered.get() && !self.read_to_the_end {
                    self.readable = false;
                }
                self.last_read = ctx.now;
                if self.request_started.is_none() {
                    self.request_started = Some(ctx.now);
                }
                true
            }
            // The buffer is full and the parser still wants more: only the head
            // limits can be hit here, and parse_head reports them itself.
            Ok(None) => false,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                self.readable = false;
                false
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => true,
            Err(e) => {
                log::debug!("{}: read failed: {e}", peer_label(&self.peer));
                self.close();
                true
            }
        }
    }

    /// Moves the worker's output into the write queue; notices the response's end.
    fn step_responding(&mut self, ctx: &LoopContext<'_>) -> bool {
        if self.out.bytes > ctx.config.max_pending_output {
            return false; // the worker waits until we have sent some
        }
        let Some(outbox) = &self.in_flight else {
            self.phase = Phase::Reading;
            return true;
        };
        // The vector is the connection's, reused: one allocation less per response.
        let mut chunks = std::mem::take(&mut self.taken);
        let end = outbox.take(&mut chunks);
        let got_bytes = !chunks.is_empty();
        for chunk in chunks.drain(..) {
            self.out.push(chunk);
        }
        self.taken = chunks;
        let Some(end) = end else {
            return got_bytes;
        };
        self.in_flight = None;
        self.requests_served += 1;
        let stopping = ctx.stopping.load(std::sync::atomic::Ordering::Relaxed);
        match end {
            ResponseEnd::KeepAlive if !stopping => {
                self.phase = Phase::Reading;
                self.idle_since = ctx.now;
                // Pipelined bytes already waiting start the next request's clock.
                self.request_started = (!self.read_buf.is_empty()).then_some(ctx.now);
            }
            _ => self.phase = Phase::Closing,
        }
        true
    }

    // ANCHOR: closing
    fn step_closing(&mut self, ctx: &LoopContext<'_>) -> bool {
        if !self.out.is_empty() {
            return false; // flush first
        }
        if self.read_closed {
            self.close();
        } else if self.client_asked_to_close && self.read_buf.is_empty() {
            // The client's own request said this is its last (HTTP/1.1
            // `Connection: close`, or HTTP/1.0 without keep-alive), so it
            // sends nothing more (RFC 9112 §9.6) and there is no input left
            // to turn our close into a reset: close now, as a client that
            // opens a connection per request expects, without the shutdown,
            // the wait for its FIN and the read of it.
            self.close();
        } else {
            if let Err(e) = self.stream.shutdown_write() {
                log::debug!("{}: shutdown failed: {e}", peer_label(&self.peer));
                self.close();
                return true;
            }
            self.phase = Phase::Lingering { until: ctx.now + LINGER };
        }
        true
    }

    /// Reads and discards until the client closes too (or the linger deadline).
    fn step_lingering(&mut self) -> bool {
        if !self.readable {
            return false;
        }
        let mut scratch = [0u8; 4096];
        loop {
            match self.stream.read(&mut scratch) {
                Ok(0) => {
                    self.close();
                    return true;
                }
                Ok(_) => continue,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    self.readable = false;
                    return false;
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(_) => {
                    self.close();
                    return true;
                }
            }
        }
    }
    // ANCHOR_END: closing

    /// Writes queued bytes until done or `WouldBlock`. Returns whether any went out.
    fn flush(&mut self, ctx: &LoopContext<'_>) -> bool {
        let mut wrote = false;
        while !self.out.is_empty() && self.phase != Phase::Closed {
            match self.out.write_to(&mut self.stream) {
                Ok(0) => {
                    self.close();
                    break;
                }
                Ok(_) => {
                    self.last_write = ctx.now;
                    wrote = true;
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    log::debug!("{}: write failed: {e}", peer_label(&self.peer));
                    self.close();
                }
            }
        }
        wrote
    }

    /// Closes now. A worker still writing to us learns it on its next write.
    pub fn close(&mut self) {
        self.phase = Phase::Closed;
        if let Some(outbox) = self.in_flight.take() {
            outbox.mark_gone();
        }
    }

    /// Logs (once) a request that has been with the application longer than `limit`.
    pub fn report_if_slow(&mut self, now: Instant, limit: Duration) {
        if self.in_flight.is_none() {
            self.dispatched = None;
            return;
        }
        if let Some((since, line, reported)) = &mut self.dispatched {
            if !*reported && now.duration_since(*since) >= limit {
                *reported = true;
                log::warn!(
                    "{}: request \"{}\" has been running for over {} s",
                    peer_label(&self.peer),
                    String::from_utf8_lossy(line),
                    limit.as_secs_f64()
                );
            }
        }
    }

    /// The loop is stopping: idle connections close at once, busy ones after
    /// their current response (the responder stops offering keep-alive).
    pub fn on_stop(&mut self, now: Instant) {
        // Only a keep-alive connection *between* requests is idle. One that was
        // just accepted has a request on its way (its client connected to send
        // it, maybe it is already in the socket buffer): closing it would reset
        // that request. It gets a moment to start it, then is answered with
        // `Connection: close`, or closed when the moment passes with no byte.
        let between_requests = self.is_idle() && self.requests_served > 0;
        if self.is_idle() && self.requests_served == 0 {
            self.stop_grace_until = Some(now + STOP_GRACE);
        }
        // A lingering connection has had its last response already: waiting out
        // its linger would only delay the stop.
        if between_requests || matches!(self.phase, Phase::Lingering { .. }) {
            self.close();
        }
    }

    // ANCHOR: deadline
    /// When this connection next needs attention from the clock.
    ///
    /// Each phase has its own rule, because each defends against a different
    /// client: the header deadline counts from the request's first byte (a
    /// slowloris client trickling bytes does not extend it), the body deadline
    /// from the last progress (a big upload on a slow link is fine while it
    /// moves), the idle deadline from the end of the last response, and the
    /// write deadline from the last byte the client accepted.
    pub fn deadline(&self, config: &Config) -> Option<Instant> {
        let read_deadline = match self.phase {
            Phase::Reading if self.reader.reading_body() => Some(self.last_read + config.body_timeout),
            Phase::Reading => match self.request_started {
                Some(started) => Some(started + config.header_timeout),
                None if self.requests_served == 0 => Some(self.idle_since + config.header_timeout),
                None => Some(self.idle_since + config.keepalive_timeout),
            },
            Phase::Lingering { until } => Some(until),
            Phase::Responding | Phase::Closing | Phase::Closed => None,
        };
        // A stop's grace only matters while no byte of a request has come.
        let read_deadline = match (read_deadline, self.stop_grace_until) {
            (Some(deadline), Some(grace)) if self.request_started.is_none() && self.is_idle() => {
                Some(deadline.min(grace))
            }
            (deadline, _) => deadline,
        };
        let write_deadline = (!self.out.is_empty()).then(|| self.last_write + config.write_timeout);
        match (read_deadline, write_deadline) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// A deadline passed: answer 408 to a half-sent request, close the rest.
    pub fn on_deadline(&mut self, ctx: &LoopContext<'_>) {
        let Some(deadline) = self.deadline(ctx.config) else {
            return;
        };
        if deadline > ctx.now {
            return; // progress was made since this timer was set
        }
        if !self.out.is_empty() && self.last_write + ctx.config.write_timeout <= ctx.now {
            log::info!("{}: client stopped reading the response; closing", peer_label(&self.peer));
            self.close();
            return;
        }
        match self.phase {
            Phase::Reading if self.request_started.is_some() || self.reader.reading_body() => {
                log::info!("{}: request not received in time", peer_label(&self.peer));
                self.refuse(&HttpError::new(408, "request not received in time"), ctx);
                self.drive(ctx);
            }
            _ => self.close(),
        }
    }
    // ANCHOR_END: deadline
}

/// `--trace`: the request as the parser understood it, `< ` lines.
fn trace_request(head: &super::request::RequestHead, body_len: u64) {
    let text = super::request::latin1_text;
    super::trace::line(&format!("< {} {} {}", head.method, text(&head.target), head.version.as_str()));
    for header in head.headers.iter() {
        super::trace::line(&format!("< {}: {}", header.name, text(header.value)));
    }
    super::trace::line("<");
    if body_len > 0 {
        super::trace::line(&format!("< [body: {body_len} bytes]"));
    }
}

fn peer_label(peer: &PeerAddr) -> String {
    match peer {
        PeerAddr::Tcp(addr) => addr.to_string(),
        PeerAddr::Unix => "unix-peer".to_string(),
    }
}
