//! How worker threads hand response bytes back to the event loop.
//!
//! The loop owns every socket; workers never touch one. A worker puts encoded
//! response bytes into the connection's [`Outbox`] and tells the loop which
//! connection has news through the [`Notifier`] (a list of tokens plus a
//! `mio::Waker`, which makes `poll` return). Two rules keep this cheap and safe:
//!
//! - **Coalescing.** A worker only wakes the loop when the outbox goes from
//!   "nothing scheduled" to "scheduled"; a burst of writes costs one wake-up.
//! - **Backpressure.** When more than `max_pending` bytes wait, the worker
//!   blocks (without the GIL: the gateway detaches before writing) until the
//!   loop has sent them. A client that reads slowly slows its own response
//!   down instead of growing the server's memory.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};

use mio::{Token, Waker};

/// A piece of response on its way to the socket.
#[derive(Debug)]
pub enum OutChunk {
    Bytes(Vec<u8>),
    /// A stretch of an open file, sent by the kernel with `sendfile(2)`:
    /// the bytes go from the page cache to the socket without being copied
    /// through our memory (or held there).
    File(FileRegion),
}

#[derive(Debug)]
pub struct FileRegion {
    pub file: std::fs::File,
    pub offset: u64,
    pub len: u64,
}

impl OutChunk {
    pub fn len(&self) -> u64 {
        match self {
            OutChunk::Bytes(bytes) => bytes.len() as u64,
            OutChunk::File(region) => region.len,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// How a response ended, which decides what happens to the connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResponseEnd {
    /// Complete; the connection may serve another request.
    KeepAlive,
    /// Complete; close the connection after sending it.
    Close,
    /// Incomplete (a handler failed mid-body, or a body was short): close so
    /// the client can tell the response is broken.
    Abort,
}

/// The client went away (or timed out) before the response was sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientGone;

impl std::fmt::Display for ClientGone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the client connection is gone")
    }
}

impl std::error::Error for ClientGone {}

/// Tells the event loop which connections have something new.
pub struct Notifier {
    ready: Mutex<Vec<Token>>,
    waker: Waker,
    /// A thread is (about to be) blocked in `poll`. Only then does news need
    /// the waker: a loop that is busy, or whose thread is running a job
    /// itself, looks at the ready list before it polls again anyway. The
    /// waker is a system call (a write to an eventfd) and makes the next
    /// `poll` return once more, so skipping it matters when one thread both
    /// runs the loop and produces the responses.
    polling: AtomicBool,
}

impl Notifier {
    pub fn new(waker: Waker) -> Self {
        Notifier { ready: Mutex::new(Vec::new()), waker, polling: AtomicBool::new(false) }
    }

    // ANCHOR: schedule
    /// Marks a connection as ready and wakes the loop if it is waiting in `poll`.
    pub fn schedule(&self, token: Token) {
        let was_empty = {
            let mut ready = lock(&self.ready);
            ready.push(token);
            ready.len() == 1
        };
        // Both sides use SeqCst: either the poller sees our token when it
        // checks the list after raising `polling`, or we see `polling` up.
        if was_empty && self.polling.load(Ordering::SeqCst) {
            self.wake();
        }
    }
    // ANCHOR_END: schedule

    /// Called by the loop just before `poll`: from now on, news wakes it.
    /// Returns whether news is already waiting (then poll must not block).
    pub fn before_poll(&self) -> bool {
        self.polling.store(true, Ordering::SeqCst);
        !lock(&self.ready).is_empty()
    }

    /// Called by the loop when `poll` returned.
    pub fn after_poll(&self) {
        self.polling.store(false, Ordering::SeqCst);
    }

    pub fn wake(&self) {
        if let Err(error) = self.waker.wake() {
            log::error!("could not wake the event loop: {error}");
        }
    }

    /// Moves the ready tokens into `into` (the loop reuses one vector).
    pub fn take(&self, into: &mut Vec<Token>) {
        std::mem::swap(&mut *lock(&self.ready), into);
    }
}

#[derive(Default)]
struct OutboxState {
    chunks: Vec<OutChunk>,
    /// Bytes held in memory (file regions do not count: they stay on disk).
    bytes: usize,
    end: Option<ResponseEnd>,
    /// The connection is closed: writes fail from now on.
    gone: bool,
    /// The loop has been told to look at this outbox and has not yet done so.
    scheduled: bool,
    /// A worker waits for room (backpressure). The loop signals the condition
    /// variable only then: std's `notify_all` is a system call (`futex`) even
    /// when nobody waits, and the loop takes from an outbox once per response.
    writer_waiting: bool,
}

/// One response's bytes on their way from a worker to the loop.
pub struct Outbox {
    state: Mutex<OutboxState>,
    room: Condvar,
    token: Token,
    notifier: Arc<Notifier>,
    max_pending: usize,
}

impl Outbox {
    pub fn new(token: Token, notifier: Arc<Notifier>, max_pending: usize) -> Self {
        Outbox {
            state: Mutex::new(OutboxState::default()),
            room: Condvar::new(),
            token,
            notifier,
            max_pending,
        }
    }

    /// Worker side: queues `bytes` (and, with `end`, finishes the response),
    /// then waits while too much is pending.
    pub fn push(&self, bytes: Vec<u8>, end: Option<ResponseEnd>) -> Result<(), ClientGone> {
        self.push_chunks([OutChunk::Bytes(bytes)], end)
    }

    // ANCHOR: push_and_take
    /// Like [`push`](Self::push), for several chunks that must stay together
    /// and in order (a chunk header, a file region, its trailing CRLF).
    pub fn push_chunks(
        &self,
        chunks: impl IntoIterator<Item = OutChunk>,
        end: Option<ResponseEnd>,
    ) -> Result<(), ClientGone> {
        let must_wake = {
            let mut state = lock(&self.state);
            if state.gone {
                return Err(ClientGone);
            }
            for chunk in chunks {
                if chunk.is_empty() {
                    continue;
                }
                if let OutChunk::Bytes(bytes) = &chunk {
                    state.bytes += bytes.len();
                }
                state.chunks.push(chunk);
            }
            if end.is_some() {
                state.end = end;
            }
            !std::mem::replace(&mut state.scheduled, true)
        };
        if must_wake {
            self.notifier.schedule(self.token);
        }
        if end.is_some() {
            return Ok(()); // nothing more will come; no need to wait
        }
        let mut state = lock(&self.state);
        if state.bytes > self.max_pending && !state.gone {
            // Only the event loop makes room here. If this thread left the
            // loop to run this job, another thread must take the loop now,
            // not after the watchdog's stall delay.
            super::leader::about_to_wait_for_the_loop();
        }
        while state.bytes > self.max_pending && !state.gone {
            state.writer_waiting = true;
            state = self.room.wait(state).unwrap_or_else(PoisonError::into_inner);
        }
        state.writer_waiting = false;
        if state.gone {
            Err(ClientGone)
        } else {
            Ok(())
        }
    }

    pub fn is_gone(&self) -> bool {
        lock(&self.state).gone
    }

    /// Loop side: takes everything queued, and the end marker if it came.
    pub fn take(&self, into: &mut Vec<OutChunk>) -> Option<ResponseEnd> {
        let mut state = lock(&self.state);
        into.append(&mut state.chunks);
        state.bytes = 0;
        state.scheduled = false;
        let end = state.end.take();
        let wake_writer = state.writer_waiting;
        drop(state);
        if wake_writer {
            self.room.notify_all();
        }
        end
    }

    /// Loop side: the connection is closed; wake a waiting worker with an error.
    pub fn mark_gone(&self) {
        let wake_writer = {
            let mut state = lock(&self.state);
            state.gone = true;
            state.writer_waiting
        };
        if wake_writer {
            self.room.notify_all();
        }
    }
    // ANCHOR_END: push_and_take
}

/// Locks a mutex, shrugging off poisoning: a panicking handler thread must not
/// take the whole server down with it, and these states stay consistent.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
