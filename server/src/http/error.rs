//! The errors the engine answers by itself, before any application runs.
//!
//! Each one carries the status code the client gets and a short detail that
//! goes into the response body and the log line. Every one of them ends the
//! connection: after a request we could not frame, the bytes that follow are
//! not trustworthy (that is how request smuggling works), so we never parse
//! them as another request.

use std::fmt;

/// A request the engine refuses, with the status it answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HttpError {
    pub status: u16,
    pub detail: &'static str,
}

impl HttpError {
    pub const fn new(status: u16, detail: &'static str) -> Self {
        HttpError { status, detail }
    }

    pub const fn bad_request(detail: &'static str) -> Self {
        Self::new(400, detail)
    }
}

impl fmt::Display for HttpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}: {}", self.status, reason_phrase(self.status), self.detail)
    }
}

impl std::error::Error for HttpError {}

/// The standard reason phrase for a status code (RFC 9110), or "Unknown".
pub fn reason_phrase(status: u16) -> &'static str {
    match status {
        100 => "Continue",
        101 => "Switching Protocols",
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        204 => "No Content",
        206 => "Partial Content",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        304 => "Not Modified",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        411 => "Length Required",
        413 => "Content Too Large",
        414 => "URI Too Long",
        417 => "Expectation Failed",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        505 => "HTTP Version Not Supported",
        _ => "Unknown",
    }
}
