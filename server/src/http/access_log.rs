//! The access log: one line per request, in the format operators expect.
//!
//! The default is Apache's "combined" format with the time taken appended,
//! the same line gunicorn writes:
//!
//! ```text
//! 127.0.0.1 - - [22/Nov/2026:04:40:00 +0000] "GET /hello?x=1 HTTP/1.1" 200 14 "-" "curl/7.88.1" 1234
//! ```
//!
//! `--access-log-format` takes gunicorn's atoms (`%(h)s`, `%(r)s`, ...), so a
//! format written for gunicorn works unchanged. The line is written when the
//! response is complete, so it knows the status, the bytes and the duration.

use std::fmt::Write as _;
use std::io::{LineWriter, Write};
use std::sync::Mutex;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use super::date::{CivilTime, MONTHS};
use super::listener::PeerAddr;
use super::request::RequestHead;

/// gunicorn's default format plus the duration in microseconds (`%(D)s`).
pub const COMBINED_FORMAT: &str =
    r#"%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(D)s"#;

/// What is known of a request when it starts; completed by the responder.
#[derive(Debug, Clone)]
pub struct AccessRecord {
    pub remote: String,
    pub method: String,
    pub target: String,
    pub path: String,
    pub query: String,
    pub protocol: &'static str,
    pub referer: String,
    pub user_agent: String,
    pub started_wall: SystemTime,
    pub started: Instant,
}

impl AccessRecord {
    pub fn new(head: &RequestHead, peer: &PeerAddr) -> Self {
        let text = super::request::latin1_text;
        let header = |name| head.header(name).map(text).unwrap_or_else(|| "-".to_string());
        AccessRecord {
            remote: match peer {
                PeerAddr::Tcp(addr) => addr.ip().to_string(),
                PeerAddr::Unix => "-".to_string(),
            },
            method: head.method.clone(),
            target: text(&head.target),
            path: text(&head.path),
            query: head.query.as_deref().map(text).unwrap_or_default(),
            protocol: head.version.as_str(),
            referer: header("referer"),
            user_agent: header("user-agent"),
            started_wall: SystemTime::now(),
            started: Instant::now(),
        }
    }
}

/// Where access lines go, and in which format.
pub struct AccessLog {
    format: Vec<Piece>,
    sink: Mutex<Box<dyn Write + Send>>,
}

impl std::fmt::Debug for AccessLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccessLog").field("format", &self.format).finish_non_exhaustive()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Text(String),
    Atom(String),
}

impl AccessLog {
    /// `destination` is `-` for standard output, or a file appended to.
    pub fn open(destination: &str, format: &str) -> std::io::Result<AccessLog> {
        let sink: Box<dyn Write + Send> = if destination == "-" {
            Box::new(std::io::stdout())
        } else {
            let file = std::fs::OpenOptions::new().create(true).append(true).open(destination)?;
            Box::new(LineWriter::new(file))
        };
        Ok(Self::with_sink(sink, format))
    }

    pub fn with_sink(sink: Box<dyn Write + Send>, format: &str) -> AccessLog {
        AccessLog { format: parse_format(format), sink: Mutex::new(sink) }
    }

    /// Formats and writes one line.
    pub fn record(&self, record: &AccessRecord, status: u16, body_bytes: u64) {
        let mut line = self.format_line(record, status, body_bytes, record.started.elapsed().as_micros());
        line.push('\n');
        let mut sink = self.sink.lock().unwrap_or_else(|e| e.into_inner());
        let _ = sink.write_all(line.as_bytes()).and_then(|()| sink.flush());
    }

    pub fn format_line(&self, r: &AccessRecord, status: u16, body_bytes: u64, micros: u128) -> String {
        let mut line = String::with_capacity(160);
        for piece in &self.format {
            match piece {
                Piece::Text(text) => line.push_str(text),
                Piece::Atom(atom) => {
                    let _ = match atom.as_str() {
                        "h" => write!(line, "{}", r.remote),
                        "l" | "u" => write!(line, "-"),
                        "t" => write!(line, "[{}]", clf_time(r.started_wall)),
                        "r" => write!(line, "{} {} {}", r.method, r.target, r.protocol),
                        "m" => write!(line, "{}", r.method),
                        "U" => write!(line, "{}", r.path),
                        "q" => write!(line, "{}", r.query),
                        "H" => write!(line, "{}", r.protocol),
                        "s" => write!(line, "{status}"),
                        "B" => write!(line, "{body_bytes}"),
                        "b" if body_bytes == 0 => write!(line, "-"),
                        "b" => write!(line, "{body_bytes}"),
                        "f" => write!(line, "{}", r.referer),
                        "a" => write!(line, "{}", r.user_agent),
                        "T" => write!(line, "{}", micros / 1_000_000),
                        "M" => write!(line, "{}", micros / 1_000),
                        "D" => write!(line, "{micros}"),
                        "L" => write!(line, "{}.{:06}", micros / 1_000_000, micros % 1_000_000),
                        "p" => write!(line, "<{}>", std::process::id()),
                        other => write!(line, "%({other})s"),
                    };
                }
            }
        }
        line
    }
}

/// Splits `"%(h)s - %(s)s"` into text and atoms.
fn parse_format(format: &str) -> Vec<Piece> {
    let mut pieces = Vec::new();
    let mut text = String::new();
    let mut rest = format;
    while let Some(start) = rest.find("%(") {
        let after = &rest[start + 2..];
        let Some(end) = after.find(")s") else { break };
        text.push_str(&rest[..start]);
        if !text.is_empty() {
            pieces.push(Piece::Text(std::mem::take(&mut text)));
        }
        pieces.push(Piece::Atom(after[..end].to_string()));
        rest = &after[end + 2..];
    }
    text.push_str(rest);
    if !text.is_empty() {
        pieces.push(Piece::Text(text));
    }
    pieces
}

/// `22/Nov/2026:04:40:00 +0000`, the Common Log Format time.
fn clf_time(when: SystemTime) -> String {
    let secs = when.duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    let t = CivilTime::from_unix(secs);
    format!(
        "{:02}/{}/{}:{:02}:{:02}:{:02} +0000",
        t.day,
        MONTHS[t.month as usize - 1],
        t.year,
        t.hour,
        t.minute,
        t.second
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record() -> AccessRecord {
        AccessRecord {
            remote: "192.0.2.7".into(),
            method: "GET".into(),
            target: "/hello?x=1".into(),
            path: "/hello".into(),
            query: "x=1".into(),
            protocol: "HTTP/1.1",
            referer: "-".into(),
            user_agent: "curl/8".into(),
            started_wall: UNIX_EPOCH + std::time::Duration::from_secs(784_111_777),
            started: Instant::now(),
        }
    }

    #[test]
    fn formats_the_combined_line() {
        let log = AccessLog::with_sink(Box::new(std::io::sink()), COMBINED_FORMAT);
        assert_eq!(
            log.format_line(&record(), 200, 14, 1234),
            r#"192.0.2.7 - - [06/Nov/1994:08:49:37 +0000] "GET /hello?x=1 HTTP/1.1" 200 14 "-" "curl/8" 1234"#
        );
    }

    #[test]
    fn formats_other_atoms_and_keeps_unknown_ones() {
        let log = AccessLog::with_sink(Box::new(std::io::sink()), "%(m)s %(U)s ?%(q)s %(b)s %(L)s %(zz)s end");
        assert_eq!(log.format_line(&record(), 204, 0, 2_500_000), "GET /hello ?x=1 - 2.500000 %(zz)s end");
    }
}
