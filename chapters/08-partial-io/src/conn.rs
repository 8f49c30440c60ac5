//! A connection that survives partial I/O: chapter 7's state machine, grown
//! up.
//!
//! Three buffers of a real server appear here:
//!
//! - the **read buffer** keeps bytes until they make a whole head, a whole
//!   body, or several whole requests (pipelining: a client may send request
//!   two before response one);
//! - the **body**, framed by `Content-Length` or decoded from chunks by
//!   [`ChunkedDecoder`] (the exercise);
//! - the **write queue** holds responses until the socket takes them, a few
//!   kilobytes at a time, in order.
//!
//! And one rule, *backpressure*: a client that sends requests but does not
//! read its responses would make the write queue grow forever. Above
//! [`HIGH_WATER`] queued bytes we stop reading from it until it catches up.

use std::collections::VecDeque;
use std::io::{self, ErrorKind, Read, Write};

use mio::Interest;

use crate::app::{body_framing, error_bytes, head_error, respond, text, BodyFraming, MAX_BODY};
use crate::chunked::ChunkedDecoder;
use crate::head::{parse_head, Parsed, RequestHead};

/// Stop reading new requests while this many response bytes wait to be sent.
pub const HIGH_WATER: usize = 64 * 1024;

// ANCHOR: write_queue
/// Responses waiting for the socket, in order. `offset` bytes of the front
/// piece are already sent: a write may take any part of what we offer.
#[derive(Debug, Default)]
pub struct WriteQueue {
    pieces: VecDeque<Vec<u8>>,
    offset: usize,
}

impl WriteQueue {
    pub fn push(&mut self, bytes: Vec<u8>) {
        if !bytes.is_empty() {
            self.pieces.push_back(bytes);
        }
    }

    /// Bytes still to send.
    pub fn queued(&self) -> usize {
        self.pieces.iter().map(Vec::len).sum::<usize>() - self.offset
    }

    pub fn is_empty(&self) -> bool {
        self.pieces.is_empty()
    }

    /// Writes until the queue is empty or the socket says `WouldBlock`.
    /// Returns how many bytes went out.
    pub fn write_to(&mut self, io: &mut impl Write) -> io::Result<usize> {
        let mut sent = 0;
        while let Some(front) = self.pieces.front() {
            match io.write(&front[self.offset..]) {
                Ok(0) => return Err(ErrorKind::WriteZero.into()),
                Ok(n) => {
                    sent += n;
                    self.offset += n;
                    if self.offset == front.len() {
                        self.pieces.pop_front();
                        self.offset = 0;
                    }
                }
                Err(err) if err.kind() == ErrorKind::WouldBlock => break,
                Err(err) if err.kind() == ErrorKind::Interrupted => {}
                Err(err) => return Err(err),
            }
        }
        Ok(sent)
    }
}
// ANCHOR_END: write_queue

/// How the body being read is delimited.
#[derive(Debug)]
enum Framing {
    Length { remaining: usize },
    Chunked(ChunkedDecoder),
}

/// What the connection is reading.
#[derive(Debug)]
enum Phase {
    Head,
    Body {
        head: RequestHead,
        framing: Framing,
        body: Vec<u8>,
    },
}

/// One client connection.
#[derive(Debug)]
pub struct Connection {
    read_buf: Vec<u8>,
    phase: Phase,
    pub queue: WriteQueue,
    /// No more requests will be read: send what is queued, then close.
    closing: bool,
    /// The client has closed its sending side.
    eof: bool,
    /// Responses queued so far.
    pub served: usize,
}

impl Default for Connection {
    fn default() -> Self {
        Connection {
            read_buf: Vec::new(),
            phase: Phase::Head,
            queue: WriteQueue::default(),
            closing: false,
            eof: false,
            served: 0,
        }
    }
}

impl Connection {
    // ANCHOR: interest
    fn wants_read(&self) -> bool {
        !self.closing && !self.eof && self.queue.queued() < HIGH_WATER
    }

    /// Finished: nothing more to read and nothing left to send.
    pub fn is_closed(&self) -> bool {
        (self.closing || self.eof) && self.queue.is_empty()
    }

    /// What to wait for: readable while we accept input, writable while
    /// responses are queued, both at once when pipelining.
    pub fn interest(&self) -> Option<Interest> {
        match (self.wants_read(), !self.queue.is_empty()) {
            (true, true) => Some(Interest::READABLE | Interest::WRITABLE),
            (true, false) => Some(Interest::READABLE),
            (false, true) => Some(Interest::WRITABLE),
            (false, false) => None,
        }
    }
    // ANCHOR_END: interest

    // ANCHOR: on_ready
    /// Reads, answers every complete request, and writes, over and over
    /// until no step makes progress (everything is waiting on the socket).
    pub fn on_ready<S: Read + Write>(&mut self, io: &mut S) -> io::Result<()> {
        loop {
            let mut progress = false;
            if self.wants_read() {
                let mut chunk = [0u8; 8192];
                match io.read(&mut chunk) {
                    Ok(0) => {
                        self.eof = true;
                        progress = true;
                    }
                    Ok(n) => {
                        self.read_buf.extend_from_slice(&chunk[..n]);
                        progress = true;
                    }
                    Err(err) if err.kind() == ErrorKind::WouldBlock => {}
                    Err(err) if err.kind() == ErrorKind::Interrupted => progress = true,
                    Err(err) => return Err(err),
                }
            }
            // Pipelining: answer every request already in the buffer.
            while self.process_one() {
                progress = true;
            }
            if self.queue.write_to(io)? > 0 {
                progress = true;
            }
            if !progress || self.is_closed() {
                return Ok(());
            }
        }
    }
    // ANCHOR_END: on_ready

    // ANCHOR: process_one
    /// Takes one step through the read buffer: a head, or some body bytes.
    /// Returns whether anything happened.
    fn process_one(&mut self) -> bool {
        if self.closing {
            return false;
        }
        match &mut self.phase {
            Phase::Head => match parse_head(&self.read_buf) {
                Ok(Parsed::Partial) => false,
                Err(err) => self.fail(head_error(&err)),
                Ok(Parsed::Complete { head, len }) => {
                    self.read_buf.drain(..len);
                    let framing = match body_framing(&head) {
                        Err(response) => return self.fail(response),
                        Ok(BodyFraming::None) => {
                            self.finish(head, Vec::new());
                            return true;
                        }
                        Ok(BodyFraming::Length(n)) => Framing::Length { remaining: n },
                        Ok(BodyFraming::Chunked) => Framing::Chunked(ChunkedDecoder::default()),
                    };
                    // curl asks before sending a large body; say "go on".
                    if crate::app::header(&head, "Expect")
                        .is_some_and(|v| v.eq_ignore_ascii_case("100-continue"))
                    {
                        self.queue.push(b"HTTP/1.1 100 Continue\r\n\r\n".to_vec());
                    }
                    self.phase = Phase::Body {
                        head,
                        framing,
                        body: Vec::new(),
                    };
                    true
                }
            },
            Phase::Body { framing, body, .. } => {
                let (used, complete) = match framing {
                    Framing::Length { remaining } => {
                        let take = (*remaining).min(self.read_buf.len());
                        body.extend_from_slice(&self.read_buf[..take]);
                        *remaining -= take;
                        (take, *remaining == 0)
                    }
                    Framing::Chunked(decoder) => match decoder.decode(&self.read_buf, body) {
                        Ok(used) => (used, decoder.is_done()),
                        Err(err) => {
                            return self.fail(text(400, &format!("bad chunked body: {err:?}\n")))
                        }
                    },
                };
                self.read_buf.drain(..used);
                if body.len() > MAX_BODY {
                    return self.fail(text(413, "body too large\n"));
                }
                if complete {
                    let Phase::Body { head, body, .. } =
                        std::mem::replace(&mut self.phase, Phase::Head)
                    else {
                        unreachable!("we are in the Body phase")
                    };
                    self.finish(head, body);
                    return true;
                }
                used > 0
            }
        }
    }
    // ANCHOR_END: process_one

    /// A whole request: queue its response.
    fn finish(&mut self, head: RequestHead, body: Vec<u8>) {
        let (bytes, keep_alive) = respond(&head, &body);
        self.queue.push(bytes);
        self.served += 1;
        self.closing = !keep_alive;
        self.phase = Phase::Head;
    }

    /// A request we cannot serve: queue the error and close afterwards, since
    /// we no longer know where the next request would start.
    fn fail(&mut self, response: crate::encode::Response) -> bool {
        self.queue.push(error_bytes(&response));
        self.served += 1;
        self.closing = true;
        true
    }
}
