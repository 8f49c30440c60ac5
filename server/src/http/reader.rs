//! Reading requests from a stream of bytes, without doing any I/O.
//!
//! The [`RequestReader`] is the connection's parser: the event loop appends
//! whatever the socket gave it to a [`ReadBuffer`] and asks the reader to make
//! progress. Keeping I/O out of it means it can be tested by feeding bytes in
//! any split we like, which is exactly what a network does to them.
//!
//! One request moves through two states: the head (parsed by
//! [`parse_head`]) and, when there is one, the body (a fixed length, or the
//! chunked decoder). Between the two, a client that sent
//! `Expect: 100-continue` is told to go ahead.

use super::body::{BodyCollector, RequestBody};
use super::buffer::ReadBuffer;
use super::chunked::ChunkedDecoder;
use super::config::Config;
use super::error::HttpError;
use super::request::{parse_head, BodyFraming, RequestHead};

/// A complete request: head and body.
#[derive(Debug)]
pub struct ParsedRequest {
    pub head: RequestHead,
    pub body: RequestBody,
}

/// What the reader needs or has.
#[derive(Debug)]
pub enum ReadEvent {
    /// More bytes are needed.
    NeedMore,
    /// The head asks for `100 Continue`; send it, then keep reading.
    SendContinue,
    /// A whole request has been read.
    Request(ParsedRequest),
}

#[derive(Debug)]
enum BodyProgress {
    Length { remaining: u64 },
    Chunked(ChunkedDecoder),
}

#[derive(Debug)]
enum State {
    Head,
    Body { head: RequestHead, progress: BodyProgress, collector: BodyCollector },
}

#[derive(Debug)]
pub struct RequestReader {
    state: State,
}

impl Default for RequestReader {
    fn default() -> Self {
        RequestReader { state: State::Head }
    }
}

impl RequestReader {
    /// True between requests: nothing of the next one has been parsed.
    pub fn at_request_boundary(&self) -> bool {
        matches!(self.state, State::Head)
    }

    /// True once a head has been read and its body is being read.
    pub fn reading_body(&self) -> bool {
        matches!(self.state, State::Body { .. })
    }

    /// Makes as much progress as the buffered bytes allow.
    ///
    /// An `Err` means the request is refused and the connection must close
    /// after the error response: nothing after it can be trusted.
    pub fn advance(&mut self, buf: &mut ReadBuffer, config: &Config) -> Result<ReadEvent, HttpError> {
        loop {
            match &mut self.state {
                // ANCHOR: head_to_body
                State::Head => {
                    let Some((head, used)) = parse_head(buf.as_slice(), config)? else {
                        return Ok(ReadEvent::NeedMore);
                    };
                    buf.consume(used);
                    let progress = match head.framing {
                        BodyFraming::None => {
                            return Ok(ReadEvent::Request(ParsedRequest {
                                head,
                                body: RequestBody::Empty,
                            }));
                        }
                        // Refuse an oversized body *before* reading it (and before
                        // telling an Expect: 100-continue client to send it).
                        BodyFraming::Length(len) if len > config.max_body => {
                            return Err(HttpError::new(413, "request body too large"));
                        }
                        BodyFraming::Length(len) => BodyProgress::Length { remaining: len },
                        BodyFraming::Chunked => {
                            BodyProgress::Chunked(ChunkedDecoder::new(config.max_body))
                        }
                    };
                    let expected = match head.framing {
                        BodyFraming::Length(len) => Some(len),
                        _ => None,
                    };
                    let expects_continue = head.expects_continue;
                    let collector = BodyCollector::new(config.spool_threshold, expected);
                    self.state = State::Body { head, progress, collector };
                    if expects_continue {
                        return Ok(ReadEvent::SendContinue);
                    }
                }
                // ANCHOR_END: head_to_body
                State::Body { progress, collector, .. } => {
                    let done = match progress {
                        BodyProgress::Length { remaining } => {
                            let take = (*remaining).min(buf.len() as u64) as usize;
                            push(collector, &buf.as_slice()[..take])?;
                            buf.consume(take);
                            *remaining -= take as u64;
                            *remaining == 0
                        }
                        BodyProgress::Chunked(decoder) => {
                            let mut failed = None;
                            let decoded = decoder.decode(buf.as_slice(), &mut |data| {
                                if failed.is_none() {
                                    failed = push(collector, data).err();
                                }
                            })?;
                            if let Some(error) = failed {
                                return Err(error);
                            }
                            buf.consume(decoded.consumed);
                            decoded.done
                        }
                    };
                    if !done {
                        return Ok(ReadEvent::NeedMore);
                    }
                    let State::Body { head, collector, .. } =
                        std::mem::replace(&mut self.state, State::Head)
                    else {
                        unreachable!("we are in the Body state");
                    };
                    let body = collector.finish().map_err(spool_error)?;
                    return Ok(ReadEvent::Request(ParsedRequest { head, body }));
                }
            }
        }
    }
}

fn push(collector: &mut BodyCollector, data: &[u8]) -> Result<(), HttpError> {
    collector.push(data).map_err(spool_error)
}

fn spool_error(error: std::io::Error) -> HttpError {
    log::error!("could not store a request body: {error}");
    HttpError::new(500, "could not store the request body")
}
