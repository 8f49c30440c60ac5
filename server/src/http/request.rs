//! Turning the bytes of a request head into a [`RequestHead`], strictly.
//!
//! `httparse` does the tokenising: it finds the method, target, version and
//! header fields, and rejects bytes that are not allowed where they stand. It
//! deliberately checks nothing about what the fields *mean*. This module adds
//! the rules of RFC 9112 that decide how the message is framed, because a
//! server and a proxy that disagree about where one request ends are how
//! requests get smuggled:
//!
//! - HTTP/1.0 and HTTP/1.1 are served, a later HTTP/1.x as 1.1 (RFC 9110 §2.5),
//!   other well-formed versions get 505;
//! - the target is origin-form, absolute-form (we use its path) or `*` for OPTIONS;
//! - HTTP/1.1 needs exactly one `Host`;
//! - `Content-Length` is digits only, and several values must agree;
//! - `Transfer-Encoding` must end in a single `chunked`, never with `Content-Length`,
//!   never on HTTP/1.0;
//! - bare CR, NUL and other control bytes are refused;
//! - heads that are too long get 414 or 431 instead of growing a buffer forever.

use super::config::{Config, MAX_HEADERS};
use super::error::HttpError;

/// The HTTP versions we speak.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Version {
    Http10,
    Http11,
}

impl Version {
    pub fn as_str(self) -> &'static str {
        match self {
            Version::Http10 => "HTTP/1.0",
            Version::Http11 => "HTTP/1.1",
        }
    }
}

/// How the request body is delimited on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyFraming {
    /// No body at all.
    None,
    /// Exactly this many bytes follow the head.
    Length(u64),
    /// `Transfer-Encoding: chunked`.
    Chunked,
}

/// Bytes as text, the way HTTP defines header bytes: ISO-8859-1 (latin-1),
/// where every byte is the code point of the same value. Nothing is lost,
/// and nothing is guessed (UTF-8 decoding would do both).
pub fn latin1_text(bytes: &[u8]) -> String {
    bytes.iter().map(|b| char::from(*b)).collect()
}

/// One header field. Names are tokens (ASCII); values are raw bytes, which
/// HTTP defines as ISO-8859-1 (latin-1), never UTF-8.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header<'a> {
    pub name: &'a str,
    pub value: &'a [u8],
}

/// A request's header fields, in order. They live side by side in one
/// buffer, with a list of where each ends: two allocations for the whole
/// head, where a String per name and a Vec per value made two per field
/// (a browser sends ten or more, on every request).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Headers {
    bytes: Vec<u8>,
    /// For each field, in `bytes`: where its name starts, where the name
    /// ends and the value starts, and where the value ends.
    spans: Vec<[u32; 3]>,
}

impl Headers {
    pub fn with_capacity(fields: usize, bytes: usize) -> Self {
        Headers { bytes: Vec::with_capacity(bytes), spans: Vec::with_capacity(fields) }
    }

    pub fn push(&mut self, name: &str, value: &[u8]) {
        // Offsets are u32 (a head is at most `max_head`, 64 KiB by default);
        // past 4 GiB they would wrap and cut names anywhere: refuse instead.
        let offset = |len: usize| u32::try_from(len).expect("header fields under 4 GiB");
        let start = offset(self.bytes.len());
        self.bytes.extend_from_slice(name.as_bytes());
        let name_end = offset(self.bytes.len());
        self.bytes.extend_from_slice(value);
        self.spans.push([start, name_end, offset(self.bytes.len())]);
    }

    pub fn len(&self) -> usize {
        self.spans.len()
    }

    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }

    /// The fields in the order they came.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = Header<'_>> + ExactSizeIterator + Clone + '_ {
        self.spans.iter().map(move |&[start, name_end, value_end]| Header {
            // SAFETY: `push` is the only writer, and it copies each name
            // from a `&str`; these bytes are exactly one such copy.
            name: unsafe { std::str::from_utf8_unchecked(&self.bytes[start as usize..name_end as usize]) },
            value: &self.bytes[name_end as usize..value_end as usize],
        })
    }

    /// The first value of a field, by case-insensitive name. Asked several
    /// times per request, so the lengths are compared before any byte.
    pub fn get(&self, name: &str) -> Option<&[u8]> {
        let name = name.as_bytes();
        self.spans.iter().find_map(|&[start, name_end, value_end]| {
            let (start, name_end) = (start as usize, name_end as usize);
            (name_end - start == name.len() && self.bytes[start..name_end].eq_ignore_ascii_case(name))
                .then(|| &self.bytes[name_end..value_end as usize])
        })
    }
}

impl std::fmt::Debug for Headers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter().map(|h| (h.name, latin1_text(h.value)))).finish()
    }
}

/// A parsed and validated request head.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestHead {
    pub method: String,
    /// The request target exactly as sent.
    pub target: Vec<u8>,
    /// The path part of the target, still percent-encoded (`*` for `OPTIONS *`).
    pub path: Vec<u8>,
    /// The query string without the `?`, if the target had one.
    pub query: Option<Vec<u8>>,
    pub version: Version,
    pub headers: Headers,
    pub framing: BodyFraming,
    /// Whether the client lets us keep the connection open afterwards.
    pub keep_alive: bool,
    /// `Expect: 100-continue` on HTTP/1.1: the client waits for our go-ahead.
    pub expects_continue: bool,
}

impl RequestHead {
    /// The first value of a header, by case-insensitive name.
    pub fn header(&self, name: &str) -> Option<&[u8]> {
        self.headers.get(name)
    }

    pub fn is_head(&self) -> bool {
        self.method == "HEAD"
    }
}

/// Tries to parse a request head at the start of `buf`.
///
/// Returns `Ok(None)` when more bytes are needed, or the head and how many
/// bytes it used. Limits are checked on partial input too, so a client that
/// never sends a line end cannot make us buffer without bound.
pub fn parse_head(buf: &[u8], config: &Config) -> Result<Option<(RequestHead, usize)>, HttpError> {
    if buf.is_empty() {
        // Asked between two requests, with nothing read yet: the common case
        // on a keep-alive connection, and nothing to look at.
        return Ok(None);
    }
    check_request_line_length(buf, config)?;

    // Slots for httparse to fill, left uninitialised: zeroing a hundred of
    // them (3.2 KB) cost more than parsing a small request.
    let mut slots = [const { std::mem::MaybeUninit::<httparse::Header<'_>>::uninit() }; MAX_HEADERS];
    let mut parsed = httparse::Request::new(&mut []);
    let head_len = match parsed.parse_with_uninit_headers(buf, &mut slots) {
        Ok(httparse::Status::Complete(len)) => len,
        Ok(httparse::Status::Partial) => {
            if buf.len() >= config.max_head {
                return Err(HttpError::new(431, "request header section too large"));
            }
            return Ok(None);
        }
        Err(httparse::Error::TooManyHeaders) => {
            return Err(HttpError::new(431, "too many header fields"))
        }
        Err(httparse::Error::Version) => {
            // RFC 9110 §2.5: a later minor version of HTTP/1 (1.2, ...) is to be
            // read as the latest one we know, 1.1. httparse only knows 1.0 and
            // 1.1, so it gets a copy of the head that says 1.1 (same length,
            // same offsets). Rare enough that the copy does not matter.
            if let Some(at) = later_http1_minor(buf) {
                let mut patched = buf[..buf.len().min(config.max_head + 1)].to_vec();
                patched[at] = b'1';
                return parse_head(&patched, config);
            }
            return Err(version_error(buf));
        }
        Err(error) => return Err(HttpError::bad_request(describe(error))),
    };
    if head_len > config.max_head {
        return Err(HttpError::new(431, "request header section too large"));
    }
    // httparse tolerates a lone CR in a few places; a lone CR is read as a line
    // end by some parsers and not by others, so we refuse it everywhere.
    if has_bare_cr(&buf[..head_len]) {
        return Err(HttpError::bad_request("bare CR in request head"));
    }

    let method = parsed.method.unwrap_or_default().to_string();
    let raw_target = parsed.path.unwrap_or_default().as_bytes();
    // httparse lets bytes above 0x7F through (for UTF-8 in paths), but a
    // request target is a URI, which is ASCII: non-ASCII is sent percent-
    // encoded, and raw bytes would reach apps as guessed characters.
    if !raw_target.is_ascii() {
        return Err(HttpError::bad_request("request target is not ASCII (percent-encode it)"));
    }
    let version = match parsed.version {
        Some(0) => Version::Http10,
        _ => Version::Http11,
    };
    let (path, query) = split_target(&method, raw_target)?;

    let authority = absolute_form_authority(raw_target);
    if let Some(authority) = authority {
        // RFC 9112 §3.2.2: with an absolute-form target, the server MUST ignore
        // the Host field and use the target's authority. Applications read the
        // host from the Host header, so it is replaced here (a missing or
        // repeated Host is still refused below, as for any request).
        if authority.contains(&b'@') {
            // RFC 9110 §4.2.4: userinfo in an http(s) URI is to be treated as an error.
            return Err(HttpError::bad_request("request target contains userinfo"));
        }
        if !is_valid_host(authority) {
            return Err(HttpError::bad_request("invalid authority in request target"));
        }
    }
    let mut headers = Headers::with_capacity(parsed.headers.len(), head_len);
    for field in parsed.headers.iter() {
        let value = match authority {
            Some(authority) if field.name.eq_ignore_ascii_case("host") => authority,
            _ => clean_value(field.value)?,
        };
        headers.push(field.name, value);
    }

    let mut head = RequestHead {
        method,
        target: raw_target.to_vec(),
        path,
        query,
        version,
        headers,
        framing: BodyFraming::None,
        keep_alive: false,
        expects_continue: false,
    };
    apply_framing_rules(&mut head)?;
    Ok(Some((head, head_len)))
}

/// 414 for a request line longer than the limit, even before it is complete.
fn check_request_line_length(buf: &[u8], config: &Config) -> Result<(), HttpError> {
    // Leading empty lines are allowed before a request (RFC 9112 §2.2).
    let start = buf.iter().position(|b| *b != b'\r' && *b != b'\n').unwrap_or(buf.len());
    let line = &buf[start..];
    let mut line_len = line.iter().position(|b| *b == b'\n').unwrap_or(line.len());
    // The CR of the line's CRLF is not part of the request line. Counting it
    // refused a line of exactly `max_request_line` bytes (and, on partial
    // input, any line whose CR had arrived before its LF).
    if line_len > 0 && line[line_len - 1] == b'\r' {
        line_len -= 1;
    }
    if line_len > config.max_request_line {
        return Err(HttpError::new(414, "request line too long"));
    }
    Ok(())
}

/// The version token of the request line (complete or not, after any empty
/// lines), and where it starts in `buf`, if the line has the three parts.
fn request_line_version(buf: &[u8]) -> Option<(usize, &[u8])> {
    let start = buf.iter().position(|b| *b != b'\r' && *b != b'\n')?;
    let line = &buf[start..];
    let line = &line[..line.iter().position(|b| *b == b'\r' || *b == b'\n').unwrap_or(line.len())];
    if line.split(|b| *b == b' ').count() != 3 {
        return None;
    }
    let at = line.iter().rposition(|b| *b == b' ')? + 1;
    Some((start + at, &line[at..]))
}

/// Where the minor digit of `HTTP/1.2` ... `HTTP/1.9` is, if that is the
/// request line's version.
fn later_http1_minor(buf: &[u8]) -> Option<usize> {
    let (at, version) = request_line_version(buf)?;
    let later = version.len() == 8 && version.starts_with(b"HTTP/1.") && (b'2'..=b'9').contains(&version[7]);
    later.then_some(at + 7)
}

/// httparse only knows HTTP/1.0 and HTTP/1.1. A well-formed other version
/// (`HTTP/2.0`, `HTTP/3.0`) deserves 505; anything else is plain garbage.
fn version_error(buf: &[u8]) -> HttpError {
    let well_formed = |v: &[u8]| {
        v.len() == 8 && v.starts_with(b"HTTP/") && v[5].is_ascii_digit() && v[6] == b'.' && v[7].is_ascii_digit()
    };
    match request_line_version(buf) {
        Some((_, version)) if well_formed(version) => {
            HttpError::new(505, "only HTTP/1.0 and HTTP/1.1 are supported")
        }
        _ => HttpError::bad_request("malformed request line"),
    }
}

fn describe(error: httparse::Error) -> &'static str {
    match error {
        httparse::Error::HeaderName => "invalid header name",
        httparse::Error::HeaderValue => "invalid header value",
        httparse::Error::NewLine => "invalid line ending",
        httparse::Error::Status => "invalid status",
        httparse::Error::Token => "invalid method or request target",
        httparse::Error::TooManyHeaders => "too many header fields",
        httparse::Error::Version => "invalid HTTP version",
    }
}

fn has_bare_cr(head: &[u8]) -> bool {
    head.iter()
        .enumerate()
        .any(|(i, b)| *b == b'\r' && head.get(i + 1) != Some(&b'\n'))
}

/// Splits the request target into path and query, by its form.
fn split_target(method: &str, target: &[u8]) -> Result<(Vec<u8>, Option<Vec<u8>>), HttpError> {
    if target.contains(&b'#') {
        return Err(HttpError::bad_request("request target contains a fragment"));
    }
    let path_and_query = if target.first() == Some(&b'/') {
        // origin-form. `//x` is a path that starts with an empty segment,
        // never an authority: only absolute-form carries a host.
        target
    } else if target == b"*" {
        if method != "OPTIONS" {
            return Err(HttpError::bad_request("'*' is only a target for OPTIONS"));
        }
        return Ok((b"*".to_vec(), None));
    } else if let Some(rest) = strip_scheme(target) {
        // absolute-form (what clients send to proxies): skip the authority.
        let path_start = rest.iter().position(|b| *b == b'/' || *b == b'?').unwrap_or(rest.len());
        if path_start == 0 {
            return Err(HttpError::bad_request("absolute URI without a host"));
        }
        &rest[path_start..]
    } else if method == "CONNECT" {
        // authority-form (`host:port`): a tunnel through a proxy, which
        // this server is not. RFC 9110 15.6.2: a method not implemented is 501.
        return Err(HttpError::new(501, "CONNECT is not supported (this server is not a proxy)"));
    } else {
        return Err(HttpError::bad_request("invalid request target"));
    };
    let (path, query) = match path_and_query.iter().position(|b| *b == b'?') {
        Some(q) => (&path_and_query[..q], Some(path_and_query[q + 1..].to_vec())),
        None => (path_and_query, None),
    };
    let path = if path.is_empty() { b"/".to_vec() } else { path.to_vec() };
    Ok((path, query))
}

/// The authority (`host[:port]`) of an absolute-form target, if it is one.
fn absolute_form_authority(target: &[u8]) -> Option<&[u8]> {
    let rest = strip_scheme(target)?;
    let end = rest.iter().position(|b| *b == b'/' || *b == b'?').unwrap_or(rest.len());
    Some(&rest[..end])
}

fn strip_scheme(target: &[u8]) -> Option<&[u8]> {
    for scheme in [&b"http://"[..], b"https://"] {
        if target.len() > scheme.len() && target[..scheme.len()].eq_ignore_ascii_case(scheme) {
            return Some(&target[scheme.len()..]);
        }
    }
    None
}

/// Whether a byte may not appear in a field value: a control byte other than
/// tab (RFC 9110 5.5). CR and LF are the dangerous ones: a value holding them
/// ends its field and starts another, of the sender's choosing.
pub fn is_forbidden_in_value(byte: u8) -> bool {
    (byte < 0x20 && byte != b'\t') || byte == 0x7f
}

/// Trims optional whitespace around a value and refuses control bytes.
fn clean_value(value: &[u8]) -> Result<&[u8], HttpError> {
    if value.iter().any(|b| is_forbidden_in_value(*b)) {
        return Err(HttpError::bad_request("control character in header value"));
    }
    let is_ows = |b: &u8| *b == b' ' || *b == b'\t';
    let start = value.iter().position(|b| !is_ows(b)).unwrap_or(value.len());
    let end = value.iter().rposition(|b| !is_ows(b)).map_or(start, |i| i + 1);
    Ok(&value[start..end])
}

/// Splits a comma-separated header list into trimmed, non-empty elements.
fn list_elements(value: &[u8]) -> impl Iterator<Item = &[u8]> {
    value.split(|b| *b == b',').map(|element| element.trim_ascii()).filter(|e| !e.is_empty())
}

/// Host, Content-Length, Transfer-Encoding, Connection and Expect: the headers
/// that decide how the message is framed and what happens to the connection.
fn apply_framing_rules(head: &mut RequestHead) -> Result<(), HttpError> {
    let mut hosts = 0;
    let mut content_length: Option<u64> = None;
    let mut transfer_codings: Vec<Vec<u8>> = Vec::new();
    let mut saw_transfer_encoding = false;
    let mut close = false;
    let mut keep_alive = false;
    let mut expects_continue = false;

    for header in head.headers.iter() {
        let (name, value) = (header.name, header.value);
        if name.eq_ignore_ascii_case("host") {
            hosts += 1;
            // RFC 9112 §3.2: a Host field with an invalid value gets 400, like a
            // missing or repeated one. Applications build URLs (and pick virtual
            // hosts) from it, so `evil.test/x`, `a@b` or `a b` must not pass.
            if !is_valid_host(value) {
                return Err(HttpError::bad_request("invalid Host header"));
            }
        // ANCHOR: cl_te_fields
        } else if name.eq_ignore_ascii_case("content-length") {
            let mut any = false;
            for element in value.split(|b| *b == b',') {
                let length = parse_content_length(element.trim_ascii())?;
                any = true;
                match content_length {
                    Some(previous) if previous != length => {
                        return Err(HttpError::bad_request("conflicting Content-Length values"))
                    }
                    _ => content_length = Some(length),
                }
            }
            if !any {
                return Err(HttpError::bad_request("empty Content-Length"));
            }
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            saw_transfer_encoding = true;
            // An empty element (`chunked,` or an empty value) is refused: servers
            // that skip it have been fooled into reading a body nobody framed.
            for element in value.split(|b| *b == b',') {
                let element = element.trim_ascii();
                if element.is_empty() {
                    return Err(HttpError::bad_request("empty Transfer-Encoding element"));
                }
                transfer_codings.push(element.to_ascii_lowercase());
            }
        // ANCHOR_END: cl_te_fields
        } else if name.eq_ignore_ascii_case("connection") {
            for token in list_elements(value) {
                close |= token.eq_ignore_ascii_case(b"close");
                keep_alive |= token.eq_ignore_ascii_case(b"keep-alive");
            }
        } else if name.eq_ignore_ascii_case("expect") {
            if value.eq_ignore_ascii_case(b"100-continue") {
                expects_continue = true;
            } else {
                return Err(HttpError::new(417, "unsupported expectation"));
            }
        }
    }

    // ANCHOR: framing_decision
    if hosts > 1 {
        return Err(HttpError::bad_request("more than one Host header"));
    }
    if hosts == 0 && head.version == Version::Http11 {
        return Err(HttpError::bad_request("HTTP/1.1 request without Host"));
    }

    head.framing = if saw_transfer_encoding {
        if head.version == Version::Http10 {
            return Err(HttpError::bad_request("Transfer-Encoding on an HTTP/1.0 request"));
        }
        if content_length.is_some() {
            return Err(HttpError::bad_request("both Transfer-Encoding and Content-Length"));
        }
        let chunked_count = transfer_codings.iter().filter(|c| c.as_slice() == b"chunked").count();
        let last_is_chunked = transfer_codings.last().map(Vec::as_slice) == Some(b"chunked");
        if chunked_count != 1 || !last_is_chunked {
            return Err(HttpError::bad_request("Transfer-Encoding must end in a single chunked"));
        }
        if transfer_codings.len() > 1 {
            return Err(HttpError::new(501, "unsupported transfer coding"));
        }
        BodyFraming::Chunked
    } else {
        match content_length {
            Some(0) | None => BodyFraming::None,
            Some(length) => BodyFraming::Length(length),
        }
    };

    head.keep_alive = match head.version {
        Version::Http11 => !close,
        Version::Http10 => keep_alive && !close,
    };
    // HTTP/1.0 clients do not know 100 Continue: the expectation is ignored.
    head.expects_continue = expects_continue && head.version == Version::Http11;
    Ok(())
    // ANCHOR_END: framing_decision
}

/// `Host = uri-host [ ":" port ]` (RFC 9110 §7.2, RFC 3986 §3.2.2). An empty
/// value is allowed: it is what a client sends when the target has no authority.
fn is_valid_host(value: &[u8]) -> bool {
    let is_sub_delim = |b: u8| b"!$&'()*+,;=".contains(&b);
    let is_reg_name = |b: u8| b.is_ascii_alphanumeric() || b"-._~%".contains(&b) || is_sub_delim(b);
    let (host, port) = if value.first() == Some(&b'[') {
        // IP-literal: an IPv6 address (or IPvFuture) in brackets.
        let Some(end) = value.iter().position(|b| *b == b']') else {
            return false;
        };
        let inside = &value[1..end];
        if inside.is_empty() || !inside.iter().all(|b| is_reg_name(*b) || *b == b':') {
            return false;
        }
        (&value[..=end], &value[end + 1..])
    } else {
        match value.iter().position(|b| *b == b':') {
            Some(colon) => (&value[..colon], &value[colon..]),
            None => (value, &value[value.len()..]),
        }
    };
    // pct-encoded is `%` HEXDIG HEXDIG.
    let percent_ok = host.iter().enumerate().filter(|(_, b)| **b == b'%').all(|(i, _)| {
        host.get(i + 1).is_some_and(u8::is_ascii_hexdigit) && host.get(i + 2).is_some_and(u8::is_ascii_hexdigit)
    });
    let host_ok = percent_ok && (host.first() == Some(&b'[') || host.iter().all(|b| is_reg_name(*b)));
    let port_ok = port.is_empty() || (port[0] == b':' && port[1..].iter().all(u8::is_ascii_digit));
    host_ok && port_ok
}

/// `1*DIGIT` and nothing else: no sign, no spaces inside, no overflow.
pub(crate) fn parse_content_length(text: &[u8]) -> Result<u64, HttpError> {
    if text.is_empty() || !text.iter().all(u8::is_ascii_digit) {
        return Err(HttpError::bad_request("Content-Length is not a number"));
    }
    text.iter()
        .try_fold(0u64, |acc, digit| acc.checked_mul(10)?.checked_add(u64::from(digit - b'0')))
        .ok_or(HttpError::bad_request("Content-Length too large"))
}

/// `tchar` (RFC 9110 §5.6.2): the bytes a token, such as a field name, is
/// made of. A table: one load per byte of every header name checked.
pub fn is_tchar(byte: u8) -> bool {
    TCHAR[usize::from(byte)]
}

const TCHAR: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        table[b] = c.is_ascii_alphanumeric()
            || matches!(c, b'!' | b'#' | b'$' | b'%' | b'&' | b'\'' | b'*' | b'+' | b'-' | b'.' | b'^' | b'_' | b'`' | b'|' | b'~');
        b += 1;
    }
    table
};

#[cfg(test)]
mod tests {
    use super::{is_tchar, Headers};

    #[test]
    fn headers_keep_order_names_and_raw_values_in_one_buffer() {
        let mut headers = Headers::with_capacity(3, 64);
        headers.push("Host", b"example.test");
        headers.push("X-Empty", b"");
        headers.push("x-latin1", &[0xe9, b'!']);
        headers.push("host", b"second");
        let seen: Vec<(&str, &[u8])> = headers.iter().map(|h| (h.name, h.value)).collect();
        let expected: Vec<(&str, &[u8])> =
            vec![("Host", b"example.test"), ("X-Empty", b""), ("x-latin1", &[0xe9, b'!']), ("host", b"second")];
        assert_eq!(seen, expected);
        assert_eq!(headers.len(), 4);
        // By name, case-insensitively, the first one; a longer or shorter name never matches.
        assert_eq!(headers.get("HOST"), Some(&b"example.test"[..]));
        assert_eq!(headers.get("x-empty"), Some(&b""[..]));
        assert_eq!(headers.get("Hos"), None);
        assert_eq!(headers.get("Hosts"), None);
        assert_eq!(format!("{headers:?}"), r#"[("Host", "example.test"), ("X-Empty", ""), ("x-latin1", "é!"), ("host", "second")]"#);
    }

    #[test]
    fn the_tchar_table_is_rfc_9110s() {
        for b in 0..=255u8 {
            let tchar = b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b);
            assert_eq!(is_tchar(b), tchar, "byte {b:#04x}");
        }
    }
}
