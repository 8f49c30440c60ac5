//! Writing a response: framing, the lazy head, and the promises HTTP makes.
//!
//! A handler describes its response (status, headers, body pieces); the
//! [`Responder`] turns that into bytes that keep the connection in sync:
//!
//! - **Framing.** A known length goes out with `Content-Length`; an unknown
//!   length uses chunked coding on HTTP/1.1, or "read until close" on HTTP/1.0.
//! - **No body where none belongs.** HEAD responses, 1xx, 204 and 304 carry
//!   headers only. A body after a HEAD response would be read by the client
//!   as the start of the *next* response.
//! - **Content-Length is a promise.** Extra bytes are cut off (and logged);
//!   too few bytes close the connection, so the client notices.
//! - **One write for small responses.** The head is held back until the first
//!   body bytes (or the end), so head and body usually leave in one syscall.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use super::chunked::{encode_chunk, LAST_CHUNK};
use super::date::with_http_date;
use super::error::HttpError;
use super::handler::ResponseHead;
use super::access_log::{AccessLog, AccessRecord};
use super::outbox::{ClientGone, FileRegion, OutChunk, Outbox, ResponseEnd};
use super::request::{is_forbidden_in_value, RequestHead, Version};

/// How the body of the response being written is delimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Framing {
    /// HEAD, 1xx, 204, 304: no body bytes at all.
    NoBody,
    /// `Content-Length`: this many bytes are still owed.
    Length { remaining: u64 },
    /// `Transfer-Encoding: chunked`.
    Chunked,
    /// HTTP/1.0 without a length: the body ends when we close.
    UntilClose,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    /// Nothing decided yet: the handler can still pick any status.
    Fresh,
    /// The head is fixed (maybe not yet sent) and body bytes may follow.
    Body(Framing),
    /// The response is complete (or abandoned); nothing more is accepted.
    Done,
}

/// What a handler uses to answer one request.
pub struct Responder {
    outbox: Arc<Outbox>,
    stage: Stage,
    /// Bytes produced but not yet handed to the outbox (the lazy head).
    pending: Vec<u8>,
    is_head_request: bool,
    version: Version,
    keep_alive: bool,
    warned_overflow: bool,
    server_name: Arc<str>,
    stopping: Arc<AtomicBool>,
    /// The access log and this request's entry, when access logging is on.
    access: Option<(Arc<AccessLog>, AccessRecord)>,
    /// For the access log: the status sent and the body bytes queued.
    status: u16,
    body_bytes: u64,
    /// `--trace`: print the head, and the first body bytes for a summary.
    trace: Option<Vec<u8>>,
}

impl Responder {
    pub(crate) fn new(
        request: &RequestHead,
        outbox: Arc<Outbox>,
        server_name: Arc<str>,
        stopping: Arc<AtomicBool>,
        access: Option<(Arc<AccessLog>, AccessRecord)>,
        trace: bool,
    ) -> Self {
        Responder {
            outbox,
            stage: Stage::Fresh,
            pending: Vec::new(),
            is_head_request: request.is_head(),
            version: request.version,
            keep_alive: request.keep_alive,
            warned_overflow: false,
            server_name,
            stopping,
            access,
            status: 0,
            body_bytes: 0,
            trace: trace.then(Vec::new),
        }
    }

    /// True once the status and headers are fixed (the point of no return
    /// after which an error can only abort the connection).
    pub fn head_started(&self) -> bool {
        self.stage != Stage::Fresh
    }

    /// True once the response is complete or abandoned.
    pub fn is_done(&self) -> bool {
        self.stage == Stage::Done
    }

    /// True when the client has gone away; writing is pointless.
    pub fn client_gone(&self) -> bool {
        self.outbox.is_gone()
    }

    /// Fixes the head of a streamed response; body pieces follow with
    /// [`send_body`](Self::send_body) and the end with [`finish`](Self::finish).
    pub fn start(&mut self, head: ResponseHead) {
        self.begin(head, None);
    }

    /// Sends a whole response at once. Without a `Content-Length` from the
    /// handler, the body's length is used.
    pub fn send_whole(&mut self, head: ResponseHead, body: &[u8]) -> Result<(), ClientGone> {
        self.begin(head, Some(body.len() as u64));
        self.write_body(body);
        self.finish()
    }

    /// Sends one piece of body. Waits (without holding anything) while the
    /// client is behind, and fails once the client is gone.
    pub fn send_body(&mut self, data: &[u8]) -> Result<(), ClientGone> {
        if self.stage == Stage::Fresh {
            log::error!("handler sent a body before a head; answering 500");
            self.send_error(&HttpError::new(500, "response body before head"));
            return Err(ClientGone);
        }
        self.write_body(data);
        if self.pending.is_empty() {
            return if self.client_gone() { Err(ClientGone) } else { Ok(()) };
        }
        let bytes = std::mem::take(&mut self.pending);
        self.outbox.push(bytes, None)
    }

    /// Sends `len` bytes of `file`, starting at `offset`, as body. The loop
    /// sends them with `sendfile`, so they never pass through our memory.
    pub fn send_file(&mut self, file: std::fs::File, offset: u64, len: u64) -> Result<(), ClientGone> {
        if self.stage == Stage::Fresh {
            log::error!("handler sent a file before a head; answering 500");
            self.send_error(&HttpError::new(500, "response body before head"));
            return Err(ClientGone);
        }
        let Stage::Body(framing) = &mut self.stage else {
            return Ok(());
        };
        let mut region_len = len;
        let mut trailer = Vec::new();
        match framing {
            Framing::NoBody => region_len = 0,
            Framing::Length { remaining } => {
                region_len = len.min(*remaining);
                if region_len < len {
                    log::warn!("file is longer than the response's Content-Length; extra bytes dropped");
                }
                *remaining -= region_len;
            }
            Framing::Chunked if len > 0 => {
                self.pending.extend_from_slice(format!("{len:x}\r\n").as_bytes());
                trailer.extend_from_slice(b"\r\n");
            }
            Framing::Chunked | Framing::UntilClose => {}
        }
        self.body_bytes += region_len;
        let head = std::mem::take(&mut self.pending);
        let region = OutChunk::File(FileRegion { file, offset, len: region_len });
        self.outbox.push_chunks([OutChunk::Bytes(head), region, OutChunk::Bytes(trailer)], None)
    }

    /// A whole response whose body is a file region: the length is known, so
    /// it goes out with a Content-Length (unless the handler declared one).
    pub fn send_file_whole(
        &mut self,
        head: ResponseHead,
        file: std::fs::File,
        offset: u64,
        len: u64,
    ) -> Result<(), ClientGone> {
        self.begin(head, Some(len));
        self.send_file(file, offset, len)?;
        self.finish()
    }

    // ANCHOR: finish
    /// Completes the response. A body shorter than its `Content-Length`
    /// closes the connection instead of leaving the client waiting.
    pub fn finish(&mut self) -> Result<(), ClientGone> {
        let end = match self.stage {
            Stage::Fresh => {
                // A handler that never produced a head: the safety net.
                self.send_error(&HttpError::new(500, "the handler sent no response"));
                return Ok(());
            }
            Stage::Done => return Ok(()),
            Stage::Body(Framing::Length { remaining }) if remaining > 0 => {
                log::warn!("response body is {remaining} bytes shorter than its Content-Length; closing the connection");
                ResponseEnd::Abort
            }
            Stage::Body(Framing::Chunked) => {
                self.pending.extend_from_slice(LAST_CHUNK);
                self.connection_end()
            }
            Stage::Body(Framing::UntilClose) => ResponseEnd::Close,
            Stage::Body(_) => self.connection_end(),
        };
        self.stage = Stage::Done;
        self.write_access_log();
        let bytes = std::mem::take(&mut self.pending);
        self.outbox.push(bytes, Some(end))
    }
    // ANCHOR_END: finish

    /// Abandons the response: whatever was sent stays sent, the connection closes.
    pub fn abort(&mut self) {
        if self.stage == Stage::Done {
            return;
        }
        self.stage = Stage::Done;
        self.write_access_log();
        let bytes = std::mem::take(&mut self.pending);
        let _ = self.outbox.push(bytes, Some(ResponseEnd::Abort));
    }

    /// Answers with a short plain-text error, if nothing was started yet;
    /// otherwise aborts (an error can no longer be announced in the status).
    pub fn send_error(&mut self, error: &HttpError) {
        if self.stage != Stage::Fresh {
            self.abort();
            return;
        }
        self.keep_alive = false;
        let body = format!("{error}\n");
        let head = ResponseHead::new(error.status, super::error::reason_phrase(error.status))
            .header("Content-Type", "text/plain; charset=utf-8");
        let _ = self.send_whole(head, body.as_bytes());
    }

    /// One access-log line, once, when the response is complete or abandoned.
    fn write_access_log(&mut self) {
        if let Some(first_bytes) = self.trace.take() {
            super::trace::line(&format!("> {}", super::trace::summarize(&first_bytes, self.body_bytes)));
        }
        if let Some((log, record)) = self.access.take() {
            log.record(&record, self.status, self.body_bytes);
        }
    }

    fn keep_for_trace(&mut self, data: &[u8]) {
        if let Some(first_bytes) = &mut self.trace {
            let room = 41usize.saturating_sub(first_bytes.len());
            first_bytes.extend_from_slice(&data[..room.min(data.len())]);
        }
    }

    fn connection_end(&self) -> ResponseEnd {
        if self.keep_alive {
            ResponseEnd::KeepAlive
        } else {
            ResponseEnd::Close
        }
    }

    /// Decides the framing and encodes the head into `pending`.
    fn begin(&mut self, head: ResponseHead, known_length: Option<u64>) {
        if self.stage != Stage::Fresh {
            log::error!("handler started a response twice; ignoring the second head");
            return;
        }
        if let Some(problem) = invalid_head(&head) {
            // Written as is, such a head would break the framing: a 1xx is an
            // interim response to the client (which then takes the *next*
            // response as this request's answer), a status outside 3 digits is
            // not a status line, and CR or LF in a reason or field injects
            // headers or whole responses. The handler has a bug; the client
            // gets a clean 500.
            log::error!("handler produced an invalid response head ({problem}); answering 500");
            self.send_error(&HttpError::new(500, "the handler produced an invalid response head"));
            return;
        }
        let status = head.status;
        self.status = status;
        let forbids_body = (100..200).contains(&status) || status == 204 || status == 304;
        // What the handler's headers asked of the framing (noted as they
        // were added: see ResponseHead::push_header).
        if head.had_bad_content_length() {
            log::warn!("handler sent an invalid or repeated Content-Length; dropped");
        }
        let declared_length = head.content_length().filter(|_| status != 204);
        if head.asks_to_close() {
            self.keep_alive = false;
        }
        if self.stopping.load(Ordering::Relaxed) {
            self.keep_alive = false;
        }

        // ANCHOR: choose_framing
        let length = declared_length.or(known_length);
        let framing = if forbids_body || self.is_head_request {
            Framing::NoBody
        } else if let Some(remaining) = length {
            Framing::Length { remaining }
        } else if self.version == Version::Http11 {
            Framing::Chunked
        } else {
            self.keep_alive = false;
            Framing::UntilClose
        };
        // ANCHOR_END: choose_framing

        let out = &mut self.pending;
        out.reserve(256);
        out.extend_from_slice(b"HTTP/1.1 ");
        push_decimal(out, u64::from(status));
        out.push(b' ');
        // The reason phrase is latin-1 on the wire, like header values: one
        // byte per character (the head check refused anything above U+00FF).
        if head.reason.is_ascii() {
            out.extend_from_slice(head.reason.as_bytes());
        } else {
            out.extend(head.reason.chars().map(|c| u8::try_from(u32::from(c)).unwrap_or(b'?')));
        }
        out.extend_from_slice(b"\r\n");
        if !head.has_date() {
            with_http_date(|date| push_header(out, "Date", date.as_bytes()));
        }
        if !head.has_server() && !self.server_name.is_empty() {
            push_header(out, "Server", self.server_name.as_bytes());
        }
        out.extend_from_slice(head.field_bytes());
        // HEAD: the length a GET would have had, if known (RFC 9110 §9.3.2).
        // 204 and 1xx never carry one; 304 keeps the handler's.
        if status != 204 && !(100..200).contains(&status) {
            if let Some(length) = length.filter(|_| !forbids_body || declared_length.is_some()) {
                out.extend_from_slice(b"Content-Length: ");
                push_decimal(out, length);
                out.extend_from_slice(b"\r\n");
            }
        }
        if framing == Framing::Chunked {
            push_header(out, "Transfer-Encoding", b"chunked");
        }
        if !self.keep_alive {
            push_header(out, "Connection", b"close");
        } else if self.version == Version::Http10 {
            push_header(out, "Connection", b"keep-alive");
        }
        out.extend_from_slice(b"\r\n");
        if self.trace.is_some() {
            // The head ends in an empty line; print it once, as `>`.
            for line in out.strip_suffix(b"\r\n").unwrap_or(out).split(|b| *b == b'\n') {
                let line = super::request::latin1_text(line.strip_suffix(b"\r").unwrap_or(line));
                super::trace::line(format!("> {line}").trim_end());
            }
        }
        self.stage = Stage::Body(framing);
    }

    // ANCHOR: write_body
    /// Frames `data` into `pending` according to the chosen framing.
    fn write_body(&mut self, data: &[u8]) {
        let Stage::Body(framing) = &mut self.stage else {
            return;
        };
        match framing {
            Framing::NoBody => {}
            Framing::Length { remaining } => {
                let take = (*remaining).min(data.len() as u64) as usize;
                if take < data.len() && !self.warned_overflow {
                    self.warned_overflow = true;
                    log::warn!("response body is longer than its Content-Length; extra bytes dropped");
                }
                self.pending.extend_from_slice(&data[..take]);
                *remaining -= take as u64;
                self.body_bytes += take as u64;
                self.keep_for_trace(&data[..take]);
            }
            Framing::Chunked => {
                encode_chunk(data, &mut self.pending);
                self.body_bytes += data.len() as u64;
                self.keep_for_trace(data);
            }
            Framing::UntilClose => {
                self.pending.extend_from_slice(data);
                self.body_bytes += data.len() as u64;
                self.keep_for_trace(data);
            }
        }
    }
    // ANCHOR_END: write_body
}

impl Drop for Responder {
    /// The safety net: a handler that forgot to finish still leaves the
    /// connection in a defined state.
    fn drop(&mut self) {
        match self.stage {
            Stage::Done => {}
            Stage::Fresh => self.send_error(&HttpError::new(500, "the handler sent no response")),
            Stage::Body(_) => {
                log::warn!("handler dropped an unfinished response; closing the connection");
                self.abort();
            }
        }
    }
}

/// Why a handler's response head cannot be sent, if it cannot.
fn invalid_head(head: &ResponseHead) -> Option<&'static str> {
    // Only final responses: the engine sends the one interim response it
    // supports (100 Continue) by itself.
    if !(200..=599).contains(&head.status) {
        return Some("status is not a final status in 200..=599");
    }
    // reason-phrase = *( HTAB / SP / VCHAR / obs-text )
    if head.reason.bytes().any(is_forbidden_in_value) {
        return Some("control character in the reason phrase");
    }
    head.problem()
}

/// Appends `n` in decimal (without the allocation of `n.to_string()`).
fn push_decimal(out: &mut Vec<u8>, n: u64) {
    out.extend_from_slice(decimal(n, &mut [0; 20]));
}

/// `n` in decimal, written into `digits` (a u64 has at most 20).
pub fn decimal(mut n: u64, digits: &mut [u8; 20]) -> &[u8] {
    let mut start = digits.len();
    loop {
        start -= 1;
        digits[start] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            return &digits[start..];
        }
    }
}

fn push_header(out: &mut Vec<u8>, name: &str, value: &[u8]) {
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(b": ");
    out.extend_from_slice(value);
    out.extend_from_slice(b"\r\n");
}

/// The bytes of an error response the engine sends by itself (no handler),
/// always closing the connection.
pub fn error_response(error: &HttpError, server_name: &str) -> Vec<u8> {
    let body = format!("{error}\n");
    let mut out = Vec::with_capacity(160 + body.len());
    out.extend_from_slice(
        format!("HTTP/1.1 {} {}\r\n", error.status, super::error::reason_phrase(error.status)).as_bytes(),
    );
    with_http_date(|date| push_header(&mut out, "Date", date.as_bytes()));
    if !server_name.is_empty() {
        push_header(&mut out, "Server", server_name.as_bytes());
    }
    push_header(&mut out, "Content-Type", b"text/plain; charset=utf-8");
    push_header(&mut out, "Content-Length", body.len().to_string().as_bytes());
    push_header(&mut out, "Connection", b"close");
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(body.as_bytes());
    out
}

#[cfg(test)]
mod tests {
    use super::push_decimal;

    #[test]
    fn decimals_are_written_like_to_string() {
        for n in [0, 1, 9, 10, 99, 100, 204, 599, 1_048_576, u64::from(u32::MAX), u64::MAX] {
            let mut out = b"x".to_vec();
            push_decimal(&mut out, n);
            assert_eq!(out, format!("x{n}").into_bytes());
        }
    }
}
