//! The event loop: one `mio::Poll`, every connection.
//!
//! This is the shape of mio's canonical `tcp_server` example grown up. One
//! turn ([`Core::turn`]):
//!
//! 1. `poll` waits until a socket is ready, a worker has output (the waker),
//!    or the next deadline comes due;
//! 2. new clients first: the listeners accept until `WouldBlock`, and
//!    connections that have not had an answer yet are driven (see [`Polls`]);
//! 3. connections with worker output are driven (their answers go out);
//! 4. the other ready connections are driven (read, parse, dispatch, write);
//! 5. expired deadlines are handled;
//! 6. once a second, the chores: heartbeat, slow-request reports, and giving
//!    free memory back after a quiet second ([`return_free_memory`]).
//!
//! The loop's state ([`Core`]) is not tied to one thread: the worker threads
//! take turns at running it, so that the thread that read a request can also
//! run it and write its response ([`leader`](super::leader) says how). Only
//! the thread holding the core waits on sockets, and it never runs
//! application code while it holds it, so a slow application cannot stop the
//! server from accepting and answering others.

use std::collections::BinaryHeap;
use std::cmp::Reverse;
use std::io;
use std::net::{SocketAddr, ToSocketAddrs};
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::Arc;
use std::os::fd::AsRawFd;
use std::time::{Duration, Instant};

use mio::event::Event;
use mio::unix::SourceFd;
use mio::{Events, Interest, Poll, Token, Waker};

use super::config::Config;
use super::connection::{Connection, LoopContext};
use super::handler::Handler;
use super::listener::{ListenAddr, Listener};
use super::outbox::Notifier;
use super::pool::WorkerPool;

/// The waker's token, the fresh poll's, and the listeners' just below them;
/// connections count up from 0.
const WAKER: Token = Token(usize::MAX);
const FRESH: Token = Token(usize::MAX - 1);
const FIRST_LISTENER: usize = usize::MAX - 2;

/// Events taken from the main poll in one turn. A turn runs the jobs it
/// found before it writes their answers, so this bounds how long the answers
/// wait: about 256 requests' worth of work. (At 1024, with a thousand busy
/// connections, a turn took several milliseconds.)
const EVENTS_PER_TURN: usize = 256;

/// How long to wait before accepting again after running out of file descriptors.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);

/// Tells a running server to stop. Cheap to clone; usable from any thread
/// (and, through a self-pipe or signal thread, from signal handlers).
#[derive(Clone)]
pub struct StopHandle {
    request: Arc<AtomicU8>,
    notifier: Arc<Notifier>,
}

const RUNNING: u8 = 0;
const GRACEFUL: u8 = 1;
const IMMEDIATE: u8 = 2;

impl StopHandle {
    /// Stop accepting, finish in-flight requests (up to the graceful timeout),
    /// close idle connections at once.
    pub fn stop(&self) {
        let _ = self.request.compare_exchange(RUNNING, GRACEFUL, Ordering::SeqCst, Ordering::SeqCst);
        self.notifier.wake();
    }

    /// Stop now: close every connection.
    pub fn stop_now(&self) {
        self.request.store(IMMEDIATE, Ordering::SeqCst);
        self.notifier.wake();
    }
}

/// A vector of connection slots with a free list: tokens are indexes.
#[derive(Default)]
struct Slab {
    slots: Vec<Option<Connection>>,
    free: Vec<usize>,
    len: usize,
}

impl Slab {
    fn vacant_key(&self) -> usize {
        self.free.last().copied().unwrap_or(self.slots.len())
    }

    fn insert(&mut self, connection: Connection) -> usize {
        let key = self.free.pop().unwrap_or_else(|| {
            self.slots.push(None);
            self.slots.len() - 1
        });
        self.slots[key] = Some(connection);
        self.len += 1;
        key
    }

    fn get_mut(&mut self, key: usize) -> Option<&mut Connection> {
        self.slots.get_mut(key).and_then(Option::as_mut)
    }

    fn remove(&mut self, key: usize) -> Option<Connection> {
        let connection = self.slots.get_mut(key)?.take()?;
        self.free.push(key);
        self.len -= 1;
        Some(connection)
    }

    fn keys(&self) -> Vec<usize> {
        (0..self.slots.len()).filter(|k| self.slots[*k].is_some()).collect()
    }
}

/// An HTTP/1.1 server: listeners, a handler, and the loop that joins them.
pub struct Server {
    poll: Poll,
    listeners: Vec<Listener>,
    config: Config,
    handler: Arc<dyn Handler>,
    notifier: Arc<Notifier>,
    stop_request: Arc<AtomicU8>,
}

impl Server {
    /// Binds a TCP address (`127.0.0.1:0` picks a free port).
    pub fn bind(addr: impl ToSocketAddrs, config: Config, handler: Arc<dyn Handler>) -> io::Result<Self> {
        let addr: SocketAddr = addr
            .to_socket_addrs()?
            .next()
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "no address to bind"))?;
        let listener = std::net::TcpListener::bind(addr)?;
        Self::from_listeners(vec![Listener::from_std_tcp(listener)?], config, handler)
    }

    /// Serves listeners opened elsewhere (several `--bind`s, or a master
    /// process that opened them before forking workers).
    pub fn from_listeners(listeners: Vec<Listener>, config: Config, handler: Arc<dyn Handler>) -> io::Result<Self> {
        let poll = Poll::new()?;
        let waker = Waker::new(poll.registry(), WAKER)?;
        Ok(Server {
            poll,
            listeners,
            config,
            handler,
            notifier: Arc::new(Notifier::new(waker)),
            stop_request: Arc::new(AtomicU8::new(RUNNING)),
        })
    }

    pub fn local_addrs(&self) -> io::Result<Vec<ListenAddr>> {
        self.listeners.iter().map(Listener::local_addr).collect()
    }

    /// The first TCP address (what tests bound to port 0 want to know).
    pub fn local_tcp_addr(&self) -> Option<SocketAddr> {
        self.listeners.iter().find_map(|l| match l.local_addr() {
            Ok(ListenAddr::Tcp(addr)) => Some(addr),
            _ => None,
        })
    }

    pub fn stop_handle(&self) -> StopHandle {
        StopHandle { request: Arc::clone(&self.stop_request), notifier: Arc::clone(&self.notifier) }
    }

    /// Runs until stopped. The calling thread watches over the worker
    /// threads, which take turns at running the loop (see [`leader`](super::leader)).
    pub fn run(mut self) -> io::Result<()> {
        let local_addrs = self.local_addrs()?;
        let fresh = Poll::new()?;
        self.poll
            .registry()
            .register(&mut SourceFd(&fresh.as_raw_fd()), FRESH, Interest::READABLE)?;
        for (index, listener) in self.listeners.iter_mut().enumerate() {
            listener.register(fresh.registry(), Token(FIRST_LISTENER - index))?;
        }
        let core = Core {
            polls: Polls { main: self.poll, fresh },
            listeners: self.listeners,
            state: LoopState {
                connections: Slab::default(),
                timers: BinaryHeap::new(),
                accept_paused_until: None,
                stop_deadline: None,
                local_addrs,
                next_beat: (self.config.heartbeat.is_some() || self.config.slow_request.is_some())
                    .then(Instant::now),
                requests_at_last_beat: 0,
                trimmed_since: true,
            },
            events: Events::with_capacity(EVENTS_PER_TURN),
            fresh_events: Events::with_capacity(64),
            ready: Vec::new(),
            dispatched: std::cell::Cell::new(0),
        };
        let shared = Shared {
            server_name: Arc::from(self.config.server_name.as_str()),
            pool: WorkerPool::new(self.config.threads),
            config: self.config,
            handler: self.handler,
            notifier: self.notifier,
            stop_request: self.stop_request,
            stopping: Arc::new(AtomicBool::new(false)),
        };
        super::leader::run(core, shared)
    }
}

/// What every thread of a running server shares.
pub(crate) struct Shared {
    pub config: Config,
    pub handler: Arc<dyn Handler>,
    pub notifier: Arc<Notifier>,
    pub pool: WorkerPool,
    pub server_name: Arc<str>,
    pub stop_request: Arc<AtomicU8>,
    pub stopping: Arc<AtomicBool>,
}

// ANCHOR: polls
/// The loop's two polls. New connections, and the listeners, are registered
/// with `fresh` until their first answer has gone out; then they move to
/// `main`. Every turn looks at `fresh` first, so a new client is never
/// queued behind a thousand busy keep-alive connections (all of them ready,
/// all of them ahead of it in `main`'s first-come, first-served list).
/// `fresh` is itself registered with `main`, so news there wakes the loop.
struct Polls {
    main: Poll,
    fresh: Poll,
}
// ANCHOR_END: polls

/// The event loop's own state: whichever thread holds it runs the loop.
pub(crate) struct Core {
    polls: Polls,
    listeners: Vec<Listener>,
    state: LoopState,
    events: Events,
    fresh_events: Events,
    /// Connections a worker has news for (reused from turn to turn).
    ready: Vec<Token>,
    /// Requests handed to workers so far (for `max_requests`).
    dispatched: std::cell::Cell<u64>,
}

/// What a turn of the loop ended with.
pub(crate) enum Turn {
    Continue,
    /// Stopped; `wait_for_workers` unless the stop was immediate or timed out.
    Stopped { wait_for_workers: bool },
}

impl Core {
    /// One turn of the loop: poll, then make all the progress that is possible.
    /// `runs_jobs`: the thread will run the queued jobs after this turn, so
    /// with jobs queued it must not sleep in `poll` (the watchdog, which
    /// runs none, may).
    pub(crate) fn turn(&mut self, shared: &Shared, runs_jobs: bool) -> io::Result<Turn> {
        let pool = &shared.pool;
        // ANCHOR: turn
        let news_waiting = shared.notifier.before_poll();
        // A loop that runs jobs must not sleep in `poll` on queued ones
        // (left by a leader that got stuck in the job before them).
        let jobs_waiting = runs_jobs && pool.has_jobs();
        let timeout = if news_waiting || jobs_waiting {
            Some(Duration::ZERO)
        } else {
            self.state.poll_timeout(Instant::now())
        };
        let polled = self.polls.main.poll(&mut self.events, timeout);
        shared.notifier.after_poll();
        if let Err(error) = polled {
            if error.kind() == io::ErrorKind::Interrupted {
                return Ok(Turn::Continue);
            }
            return Err(error);
        }
        let ctx = LoopContext {
            config: &shared.config,
            server_name: &shared.server_name,
            pool,
            notifier: &shared.notifier,
            stopping: &shared.stopping,
            now: Instant::now(),
            dispatched: &self.dispatched,
        };
        let state = &mut self.state;

        // New clients first: accepts, and first requests. (A full batch may
        // have left `fresh`'s own event behind in `main`: look anyway.)
        let batch_full = self.events.iter().count() == self.events.capacity();
        if batch_full || self.events.iter().any(|event| event.token() == FRESH) {
            loop {
                match self.polls.fresh.poll(&mut self.fresh_events, Some(Duration::ZERO)) {
                    Ok(()) => {}
                    Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
                    Err(error) => return Err(error),
                }
                for event in self.fresh_events.iter() {
                    state.on_event(event, &mut self.listeners, &self.polls, &ctx);
                }
                // Edge-triggered: `fresh` says "news" once; take it all.
                if self.fresh_events.iter().count() < self.fresh_events.capacity() {
                    break;
                }
            }
        }

        let polls = &self.polls;

        // Then the answers workers produced (the last turn's jobs, usually):
        // written before anything else is read, they wait the least.
        shared.notifier.take(&mut self.ready);
        for token in self.ready.drain(..) {
            if let Some(connection) = state.connections.get_mut(token.0) {
                connection.drive(&ctx);
            }
            state.after_drive(token.0, &mut self.listeners, polls, &ctx);
        }

        // Then everyone else.
        for event in self.events.iter() {
            if event.token() != WAKER && event.token() != FRESH {
                state.on_event(event, &mut self.listeners, polls, &ctx);
            }
        }

        state.expire_timers(&mut self.listeners, polls, &ctx);

        // Once a second: tell a master we are alive, report slow requests,
        // give back memory after a burst. (Without --timeout, only while a
        // trim is owed: an idle loop then sleeps until something happens.)
        let requests = self.dispatched.get();
        if state.next_beat.is_none() && requests != state.requests_at_last_beat {
            state.next_beat = Some(ctx.now + Duration::from_secs(1));
        }
        if state.next_beat.is_some_and(|at| at <= ctx.now) {
            if requests != state.requests_at_last_beat {
                state.requests_at_last_beat = requests;
                state.trimmed_since = false;
            } else if !state.trimmed_since {
                // A whole second without a new request: the burst is over.
                state.trimmed_since = true;
                return_free_memory();
            }
            let always = shared.config.heartbeat.is_some() || shared.config.slow_request.is_some();
            state.next_beat = (always || !state.trimmed_since).then(|| ctx.now + Duration::from_secs(1));
            if let Some(heartbeat) = &shared.config.heartbeat {
                (heartbeat.0)();
            }
            if let Some(limit) = shared.config.slow_request {
                for key in state.connections.keys() {
                    if let Some(connection) = state.connections.get_mut(key) {
                        connection.report_if_slow(ctx.now, limit);
                    }
                }
            }
        }

        if state.accept_paused_until.is_some_and(|until| until <= ctx.now) {
            state.accept_paused_until = None;
            for index in 0..self.listeners.len() {
                state.accept(&mut self.listeners, index, polls, &ctx);
            }
        }
        // ANCHOR_END: turn

        // ANCHOR: stopping
        // Recycling: after enough requests, leave gracefully (a master
        // process starts a fresh worker), which bounds slow leaks in apps.
        let stop_request = &shared.stop_request;
        if shared.config.max_requests.is_some_and(|max| self.dispatched.get() >= max)
            && stop_request.load(Ordering::SeqCst) == RUNNING
        {
            log::info!("served {} requests (--max-requests): recycling this worker", self.dispatched.get());
            stop_request.store(GRACEFUL, Ordering::SeqCst);
        }

        match stop_request.load(Ordering::SeqCst) {
            RUNNING => {}
            request => {
                if state.stop_deadline.is_none() {
                    log::info!("stopping: no new connections; finishing in-flight requests");
                    shared.stopping.store(true, Ordering::SeqCst);
                    for listener in &mut self.listeners {
                        let _ = listener.deregister(polls.fresh.registry());
                    }
                    self.listeners.clear(); // closes our copy of each socket
                    state.stop_deadline = Some(ctx.now + shared.config.graceful_timeout);
                    for key in state.connections.keys() {
                        if let Some(connection) = state.connections.get_mut(key) {
                            connection.on_stop(ctx.now);
                        }
                        state.after_drive(key, &mut self.listeners, polls, &ctx);
                    }
                }
                let deadline_passed = state.stop_deadline.is_some_and(|d| d <= ctx.now);
                if request == IMMEDIATE || deadline_passed {
                    if state.connections.len > 0 {
                        log::warn!("stopping now: closing {} connection(s)", state.connections.len);
                    }
                    for key in state.connections.keys() {
                        if let Some(connection) = state.connections.get_mut(key) {
                            connection.close();
                        }
                        state.after_drive(key, &mut self.listeners, polls, &ctx);
                    }
                }
                if state.connections.len == 0 {
                    // Workers that are still busy (only after the deadline)
                    // are not waited for: their clients are gone anyway.
                    log::info!("stopped");
                    return Ok(Turn::Stopped { wait_for_workers: !deadline_passed && request != IMMEDIATE });
                }
            }
        }
        // ANCHOR_END: stopping
        Ok(Turn::Continue)
    }
}

struct LoopState {
    connections: Slab,
    /// (deadline, connection key), earliest first. Entries may be stale; each
    /// is checked against the connection's current deadline when it pops.
    timers: BinaryHeap<Reverse<(Instant, usize)>>,
    accept_paused_until: Option<Instant>,
    stop_deadline: Option<Instant>,
    local_addrs: Vec<ListenAddr>,
    /// When the once-a-second chores (heartbeat, slow requests, memory) are next due.
    next_beat: Option<Instant>,
    /// Requests dispatched as of the last chores, to tell a quiet second.
    requests_at_last_beat: u64,
    /// Whether free memory was given back since the last request.
    trimmed_since: bool,
}

/// Gives the C allocator's free memory back to the system. Worker threads
/// allocate from their own glibc arenas, and a burst of big buffers (uploads,
/// streamed responses to slow clients) leaves free pages in them that glibc
/// keeps for next time: the process stays as big as its busiest moment.
/// `malloc_trim` returns every whole free page; it is cheap, and only ever
/// called after a second without a new request.
fn return_free_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only walks the allocator's own free lists.
    unsafe {
        libc::malloc_trim(0);
    }
}

impl LoopState {
    fn poll_timeout(&self, now: Instant) -> Option<Duration> {
        let next = [
            self.timers.peek().map(|Reverse((at, _))| *at),
            self.accept_paused_until,
            self.stop_deadline,
            self.next_beat,
        ]
        .into_iter()
        .flatten()
        .min()?;
        // Round up to the next millisecond so we do not wake a hair early and spin.
        Some(next.saturating_duration_since(now) + Duration::from_millis(1))
    }

    // ANCHOR: accept
    /// Accepts until the listener says `WouldBlock` (edge-triggered readiness
    /// fires once per burst, so one accept per event would strand the rest).
    fn accept(&mut self, listeners: &mut [Listener], index: usize, polls: &Polls, ctx: &LoopContext<'_>) {
        let Some(listener) = listeners.get(index) else {
            return;
        };
        while self.connections.len < ctx.config.max_connections && self.accept_paused_until.is_none() {
            match listener.accept() {
                Ok((stream, peer)) => {
                    let key = self.connections.vacant_key();
                    if key >= FIRST_LISTENER - listeners.len() {
                        log::error!("connection table full");
                        return;
                    }
                    let local = self.local_addrs[index].clone();
                    let mut connection = Connection::new(stream, Token(key), peer, local, ctx.now);
                    // Read before registering: a client sends its request
                    // right after connecting, so it is usually here already,
                    // and is read (and dispatched) now rather than a turn
                    // later. Registering afterwards reports anything that
                    // came meanwhile, and no readiness is reported twice.
                    connection.mark_readable(false);
                    connection.drive(ctx);
                    if connection.is_closed() {
                        continue; // dropping it closes the socket
                    }
                    if let Err(error) = connection.stream_mut().register(polls.fresh.registry(), Token(key)) {
                        log::error!("could not register a connection: {error}");
                        connection.close();
                        continue;
                    }
                    self.connections.insert(connection);
                    self.schedule(key, ctx);
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) if matches!(e.raw_os_error(), Some(libc::EMFILE | libc::ENFILE | libc::ENOBUFS | libc::ENOMEM)) => {
                    log::error!("cannot accept: {e}; pausing accepts briefly");
                    self.accept_paused_until = Some(ctx.now + ACCEPT_BACKOFF);
                }
                // ECONNABORTED and friends concern one client only.
                Err(e) => log::debug!("accept failed: {e}"),
            }
        }
    }
    // ANCHOR_END: accept

    /// One readiness event from either poll.
    fn on_event(&mut self, event: &Event, listeners: &mut [Listener], polls: &Polls, ctx: &LoopContext<'_>) {
        let token = event.token();
        if token.0 > FIRST_LISTENER - listeners.len() && token.0 <= FIRST_LISTENER {
            self.accept(listeners, FIRST_LISTENER - token.0, polls, ctx);
            return;
        }
        if let Some(connection) = self.connections.get_mut(token.0) {
            let closed_or_failed = event.is_read_closed() || event.is_error();
            if event.is_readable() || closed_or_failed {
                connection.mark_readable(closed_or_failed);
            }
            connection.drive(ctx);
        }
        self.after_drive(token.0, listeners, polls, ctx);
    }

    /// After a connection was driven: remove it if closed, move it to the
    /// main poll once it has had its first answer, keep its timer right.
    fn after_drive(&mut self, key: usize, listeners: &mut [Listener], polls: &Polls, ctx: &LoopContext<'_>) {
        let Some(connection) = self.connections.get_mut(key) else {
            return;
        };
        if !connection.is_closed() {
            if connection.in_fresh_poll && connection.has_been_answered() {
                // Registering with `main` reports at once what is already
                // readable, so nothing that came meanwhile is missed.
                connection.in_fresh_poll = false;
                let stream = connection.stream_mut();
                let moved = stream
                    .deregister(polls.fresh.registry())
                    .and_then(|()| stream.register(polls.main.registry(), Token(key)));
                if let Err(error) = moved {
                    log::error!("could not move a connection to the main poll: {error}");
                    connection.close();
                }
            }
            if !connection.is_closed() {
                self.schedule(key, ctx);
                return;
            }
        }
        let was_full = self.connections.len >= ctx.config.max_connections;
        if let Some(mut connection) = self.connections.remove(key) {
            let poll = if connection.in_fresh_poll { &polls.fresh } else { &polls.main };
            let _ = connection.stream_mut().deregister(poll.registry());
        }
        if was_full {
            // We stopped accepting at the cap; connections may be waiting in the backlog.
            for index in 0..listeners.len() {
                self.accept(listeners, index, polls, ctx);
            }
        }
    }

    // ANCHOR: timers
    fn schedule(&mut self, key: usize, ctx: &LoopContext<'_>) {
        let Some(connection) = self.connections.get_mut(key) else {
            return;
        };
        if let Some(deadline) = connection.deadline(ctx.config) {
            if connection.timer_at.is_none_or(|at| deadline < at) {
                connection.timer_at = Some(deadline);
                self.timers.push(Reverse((deadline, key)));
            }
        }
    }

    fn expire_timers(&mut self, listeners: &mut [Listener], polls: &Polls, ctx: &LoopContext<'_>) {
        while let Some(Reverse((at, key))) = self.timers.peek().copied() {
            if at > ctx.now {
                break;
            }
            self.timers.pop();
            let Some(connection) = self.connections.get_mut(key) else {
                continue;
            };
            if connection.timer_at == Some(at) {
                connection.timer_at = None;
            }
            connection.on_deadline(ctx);
            self.after_drive(key, listeners, polls, ctx);
        }
    }
    // ANCHOR_END: timers
}
