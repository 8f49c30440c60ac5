//! Building the `environ` dictionary of PEP 3333 from a request.
//!
//! The keys come from CGI, the 1990s convention WSGI inherited: the request
//! line becomes `REQUEST_METHOD`, `PATH_INFO` and `QUERY_STRING`, every header
//! becomes `HTTP_NAME`, except `Content-Type` and `Content-Length`, which keep
//! their CGI names. Strings are "bytes as latin-1": every byte becomes the
//! code point of the same value, so no byte is lost or guessed at.
//!
//! Nothing comes from `os.environ`: a process variable named `HTTP_HOST` once
//! overrode real requests in a popular server.
//!
//! Speed: the keys and values that never change live in a base dictionary
//! built once; each request starts from a copy of it.

use std::borrow::Cow;

use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString, PyTuple};

use crate::http::request::BodyFraming;
use crate::http::request::latin1_text;
use crate::http::responder::decimal;
use crate::http::{Header, ListenAddr, PeerAddr, RequestBody, RequestHead, Version};

use super::errors::ErrorStream;
use super::proxy::{read_forwarded, Forwarded, TrustedProxies};
use super::file_wrapper::FileWrapper;
use super::input::InputStream;

/// What the environ says about the server itself.
#[derive(Debug, Clone)]
pub struct EnvironSettings {
    pub url_scheme: String,
    /// `--root-path`: where the app is mounted behind a proxy (`''` at the root).
    pub script_name: String,
    /// `--forwarded-allow-ips`: peers whose forwarding headers are believed.
    pub trusted_proxies: TrustedProxies,
    pub multithread: bool,
    pub multiprocess: bool,
}

pub struct EnvironBuilder {
    base: Py<PyDict>,
    script_name: Vec<u8>,
    trusted_proxies: TrustedProxies,
    /// Keys for the headers most requests carry, made once: `Host` becomes
    /// `HTTP_HOST` without building (and hashing) a new string per request.
    common_headers: Vec<(&'static str, Py<PyString>)>,
    /// The methods almost every request uses, as ready-made values.
    common_methods: Vec<(&'static str, Py<PyString>)>,
    /// The last client address, as a str (see `remote_addr`).
    last_remote_addr: std::sync::Mutex<Option<(std::net::IpAddr, Py<PyString>)>>,
    /// The last Host header (and the address it came in on), with the
    /// SERVER_NAME and SERVER_PORT made of it (see `server_name_and_port`).
    last_server: std::sync::Mutex<Option<LastServer>>,
}

struct LastServer {
    host: Vec<u8>,
    local: ListenAddr,
    name: Py<PyString>,
    port: Py<PyString>,
}

/// Request headers common enough that their environ keys are made in advance.
const COMMON_HEADERS: [&str; 24] = [
    "host", "user-agent", "accept", "accept-encoding", "accept-language", "connection",
    "content-type", "content-length", "cookie", "referer", "cache-control", "pragma",
    "origin", "authorization", "if-none-match", "if-modified-since", "upgrade-insecure-requests",
    "x-forwarded-for", "x-forwarded-proto", "x-forwarded-host", "x-real-ip", "x-request-id",
    "forwarded", "dnt",
];

/// Keys `build` sets on every request (`REMOTE_PORT` is taken out again
/// when there is no port to tell: a Unix socket, or a forwarded client).
/// (`wsgi.input` is in the base too, with a real value: see `new`.)
const PER_REQUEST_KEYS: [&str; 8] = [
    "REQUEST_METHOD", "PATH_INFO", "QUERY_STRING", "SERVER_PROTOCOL", "SERVER_NAME",
    "SERVER_PORT", "REMOTE_ADDR", "REMOTE_PORT",
];

const COMMON_METHODS: [&str; 7] = ["GET", "POST", "HEAD", "PUT", "DELETE", "PATCH", "OPTIONS"];

impl EnvironBuilder {
    // ANCHOR: base
    pub fn new(py: Python<'_>, settings: &EnvironSettings) -> PyResult<Self> {
        let base = PyDict::new(py);
        base.set_item("wsgi.version", PyTuple::new(py, [1, 0])?)?;
        base.set_item("wsgi.url_scheme", &settings.url_scheme)?;
        base.set_item("wsgi.errors", Bound::new(py, ErrorStream::default())?)?;
        base.set_item("wsgi.multithread", settings.multithread)?;
        base.set_item("wsgi.multiprocess", settings.multiprocess)?;
        base.set_item("wsgi.run_once", false)?;
        // The whole body is read before the app runs, so reading wsgi.input
        // to its end is always safe (chunked uploads included).
        base.set_item("wsgi.input_terminated", true)?;
        base.set_item("wsgi.file_wrapper", py.get_type::<FileWrapper>())?;
        base.set_item("SCRIPT_NAME", &settings.script_name)?;
        base.set_item("SERVER_SOFTWARE", concat!("wsgi-server/", env!("CARGO_PKG_VERSION")))?;
        // Keys every request sets, present in advance (their values are
        // replaced per request): a copy of the base then has room for them,
        // and filling it in replaces values instead of growing the dict.
        // The keys are the interned strings `build` uses (`intern!` finds the
        // same object): a lookup then matches on the pointer, without
        // comparing characters.
        for key in PER_REQUEST_KEYS {
            base.set_item(PyString::intern(py, key), py.None())?;
        }
        // Most requests have no body, and an empty wsgi.input can only ever
        // read b"": one shared object does for all of them, instead of a
        // new one per request. A request with a body gets its own.
        base.set_item(PyString::intern(py, "wsgi.input"), Bound::new(py, InputStream::new(RequestBody::Empty))?)?;
        let interned = |text: &str| PyString::intern(py, text).unbind();
        Ok(EnvironBuilder {
            base: base.unbind(),
            script_name: settings.script_name.trim_end_matches('/').as_bytes().to_vec(),
            trusted_proxies: settings.trusted_proxies.clone(),
            common_headers: COMMON_HEADERS.iter().map(|name| (*name, interned(&cgi_name(name)))).collect(),
            common_methods: COMMON_METHODS.iter().map(|method| (*method, interned(method))).collect(),
            last_remote_addr: std::sync::Mutex::new(None),
            last_server: std::sync::Mutex::new(None),
        })
    }
    // ANCHOR_END: base

    /// The environ for one request. The head is only borrowed (the gateway
    /// keeps it to name the request in error logs); the body becomes `wsgi.input`.
    pub fn build<'py>(
        &self,
        py: Python<'py>,
        head: &RequestHead,
        body: RequestBody,
        peer: PeerAddr,
        local: &ListenAddr,
    ) -> PyResult<Bound<'py, PyDict>> {
        let environ = self.base.bind(py).copy()?;
        // Constant keys are interned once (`intern!`): no new string, and the
        // dict reuses the hash cached in it, for every key of every request.
        environ.set_item(intern!(py, "REQUEST_METHOD"), self.method_value(py, &head.method))?;
        let path = percent_decode(&head.path);
        environ.set_item(intern!(py, "PATH_INFO"), latin1(py, strip_root_path(&path, &self.script_name))?)?;
        environ.set_item(intern!(py, "QUERY_STRING"), latin1(py, head.query.as_deref().unwrap_or_default())?)?;
        let protocol = match head.version {
            Version::Http10 => intern!(py, "HTTP/1.0"),
            Version::Http11 => intern!(py, "HTTP/1.1"),
        };
        environ.set_item(intern!(py, "SERVER_PROTOCOL"), protocol)?;

        let (server_name, server_port) = self.server_name_and_port_str(py, head.header("host"), local)?;
        environ.set_item(intern!(py, "SERVER_NAME"), server_name)?;
        environ.set_item(intern!(py, "SERVER_PORT"), server_port)?;
        // Only a trusted proxy may say who the client is and which scheme it
        // used. A Unix socket peer is a process on this machine allowed by
        // the socket file's permissions: the proxy, by construction.
        let peer_is_proxy = match peer {
            PeerAddr::Tcp(addr) => self.trusted_proxies.trusts(addr.ip()),
            PeerAddr::Unix => true,
        };
        let forwarded = if peer_is_proxy {
            let text = |name| head.header(name).map(latin1_text);
            read_forwarded(
                &self.trusted_proxies,
                text("forwarded").as_deref(),
                text("x-forwarded-for").as_deref(),
                text("x-forwarded-proto").as_deref(),
            )
        } else {
            Forwarded::default()
        };
        if let Some(scheme) = &forwarded.scheme {
            environ.set_item(intern!(py, "wsgi.url_scheme"), scheme)?;
        }
        match (forwarded.client, peer) {
            (None, PeerAddr::Tcp(addr)) => {
                environ.set_item(intern!(py, "REMOTE_ADDR"), self.remote_addr(py, addr.ip()))?;
                let mut digits = [0; 20];
                let port = decimal(u64::from(addr.port()), &mut digits);
                environ.set_item(intern!(py, "REMOTE_PORT"), latin1(py, port)?)?;
            }
            (client, _) => {
                environ.set_item(intern!(py, "REMOTE_ADDR"), client.unwrap_or_default())?;
                environ.del_item(intern!(py, "REMOTE_PORT"))?;
            }
        }

        // ANCHOR: dechunked
        // A chunked body was decoded and read whole before the app runs, so
        // the app gets what a Content-Length request would give it: CGI (RFC
        // 3875, 4.1.2) says CONTENT_LENGTH MUST be set when there is a body,
        // to its length "after the server has removed any transfer-codings",
        // and the Transfer-Encoding header, which no longer describes
        // wsgi.input, is not passed on (waitress does the same). Without
        // this, Django read an empty body (it trusts only CONTENT_LENGTH) and
        // Bottle tried to de-chunk the already decoded body (400).
        //
        // With a Content-Length, CONTENT_LENGTH is also the number the framing
        // settled on, never the header's text: `Content-Length: 5, 5` (or the
        // field twice) frames 5 bytes, but the merged "5, 5" made
        // `int(environ["CONTENT_LENGTH"])` fail in every framework. (Found by
        // the fuzzer, server/fuzz.) The header loop below leaves it alone.
        let dechunked = head.framing == BodyFraming::Chunked;
        if dechunked || head.header("content-length").is_some() {
            environ.set_item(intern!(py, "CONTENT_LENGTH"), body.len().to_string())?;
        }
        // ANCHOR_END: dechunked

        // ANCHOR: headers
        for (index, header) in head.headers.iter().enumerate() {
            // `X_Auth` must not be able to pose as `X-Auth`: both would become
            // HTTP_X_AUTH, and a proxy that strips one lets the other through.
            if header.name.contains('_') {
                continue;
            }
            if dechunked && header.name.eq_ignore_ascii_case("transfer-encoding") {
                continue;
            }
            if header.name.eq_ignore_ascii_case("content-length") {
                continue; // set above, from the framing
            }
            let key = self.header_key(py, header.name);
            if environ.contains(&key)? {
                continue; // a repeat of an earlier header, merged with it below
            }
            let same_name = |h: &Header| h.name.eq_ignore_ascii_case(header.name);
            if !head.headers.iter().skip(index + 1).any(|h| same_name(&h)) {
                environ.set_item(key, latin1(py, header.value)?)?;
                continue;
            }
            // Repeated: join every value, in order. Cookies are joined with
            // "; " (RFC 6265); other lists with ", " (RFC 9110, 5.3).
            let separator: &[u8] = if header.name.eq_ignore_ascii_case("cookie") { b"; " } else { b", " };
            let values: Vec<&[u8]> = head.headers.iter().filter(same_name).map(|h| h.value).collect();
            environ.set_item(key, latin1(py, &values.join(separator))?)?;
        }
        // ANCHOR_END: headers
        if !matches!(body, RequestBody::Empty) {
            environ.set_item(intern!(py, "wsgi.input"), Bound::new(py, InputStream::new(body))?)?;
        }
        Ok(environ)
    }
}

impl EnvironBuilder {
    /// `User-Agent` gives `HTTP_USER_AGENT`: the ready-made key for common
    /// headers (a length check rules out most entries at once), else a new one.
    fn header_key<'py>(&self, py: Python<'py>, name: &str) -> Bound<'py, PyString> {
        let common = self.common_headers.iter().find(|(common, _)| {
            common.len() == name.len() && common.eq_ignore_ascii_case(name)
        });
        match common {
            Some((_, key)) => key.bind(py).clone(),
            None => PyString::new(py, &cgi_name(name)),
        }
    }

    /// The client's address as a str. Consecutive requests mostly come from
    /// the same address (keep-alive, a proxy in front): the last one is kept.
    fn remote_addr<'py>(&self, py: Python<'py>, ip: std::net::IpAddr) -> Bound<'py, PyString> {
        let mut last = self.last_remote_addr.lock().unwrap_or_else(|e| e.into_inner());
        match &*last {
            Some((cached, text)) if *cached == ip => text.bind(py).clone(),
            _ => {
                let text = PyString::new(py, &ip.to_string());
                *last = Some((ip, text.clone().unbind()));
                text
            }
        }
    }

    /// SERVER_NAME and SERVER_PORT as str. Consecutive requests mostly name
    /// the same host (a site's own name, or a benchmark's): the last one is kept.
    fn server_name_and_port_str<'py>(
        &self,
        py: Python<'py>,
        host: Option<&[u8]>,
        local: &ListenAddr,
    ) -> PyResult<(Bound<'py, PyString>, Bound<'py, PyString>)> {
        let mut last = self.last_server.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(last) = &*last {
            if last.host == host.unwrap_or_default() && last.local == *local {
                return Ok((last.name.bind(py).clone(), last.port.bind(py).clone()));
            }
        }
        let (name, port) = server_name_and_port(host, local);
        let (name, port) = (latin1(py, &name)?, latin1(py, &port)?);
        *last = Some(LastServer {
            host: host.unwrap_or_default().to_vec(),
            local: local.clone(),
            name: name.clone().unbind(),
            port: port.clone().unbind(),
        });
        Ok((name, port))
    }

    fn method_value<'py>(&self, py: Python<'py>, method: &str) -> Bound<'py, PyString> {
        match self.common_methods.iter().find(|(common, _)| *common == method) {
            Some((_, value)) => value.bind(py).clone(),
            None => PyString::new(py, method),
        }
    }
}

/// With `--root-path /app`, a request for `/app/users` reaches the app as
/// SCRIPT_NAME `/app` and PATH_INFO `/users` (whole segments only: `/apple`
/// is not under `/app`). A path outside the root is passed on unchanged.
fn strip_root_path<'a>(path: &'a [u8], root: &[u8]) -> &'a [u8] {
    if root.is_empty() || !path.starts_with(root) {
        return path;
    }
    let rest = &path[root.len()..];
    if rest.is_empty() || rest[0] == b'/' {
        rest
    } else {
        path
    }
}

/// `Content-Type` stays `CONTENT_TYPE`; `User-Agent` becomes `HTTP_USER_AGENT`.
fn cgi_name(name: &str) -> String {
    let upper = name.to_ascii_uppercase().replace('-', "_");
    match upper.as_str() {
        "CONTENT_TYPE" | "CONTENT_LENGTH" => upper,
        _ => format!("HTTP_{upper}"),
    }
}

/// Bytes to a Python `str`, one code point per byte (latin-1).
pub fn latin1<'py>(py: Python<'py>, bytes: &[u8]) -> PyResult<Bound<'py, PyString>> {
    // CPython's own latin-1 decoder: one pass, no intermediate Rust String.
    // It cannot fail (every byte is a code point) except out of memory.
    let len = bytes.len() as pyo3::ffi::Py_ssize_t;
    // SAFETY: the pointer and length describe `bytes`; the decoder returns a
    // new reference to a str, or NULL with an exception set.
    unsafe {
        let text = pyo3::ffi::PyUnicode_DecodeLatin1(bytes.as_ptr().cast(), len, std::ptr::null());
        Ok(Bound::from_owned_ptr_or_err(py, text)?.cast_into_unchecked())
    }
}

/// Decodes `%XX` escapes once. Invalid escapes stay as they are; `+` is not
/// a space in a path (that rule belongs to form-encoded query strings).
pub fn percent_decode(input: &[u8]) -> Cow<'_, [u8]> {
    if !input.contains(&b'%') {
        return Cow::Borrowed(input); // most paths: nothing to decode, nothing to copy
    }
    let mut out = Vec::with_capacity(input.len());
    let mut i = 0;
    while i < input.len() {
        if input[i] == b'%' && i + 2 < input.len() {
            let hex = |b: u8| (b as char).to_digit(16);
            if let (Some(hi), Some(lo)) = (hex(input[i + 1]), hex(input[i + 2])) {
                out.push((hi * 16 + lo) as u8);
                i += 3;
                continue;
            }
        }
        out.push(input[i]);
        i += 1;
    }
    Cow::Owned(out)
}

/// SERVER_NAME and SERVER_PORT: from the Host header when there is one (what
/// the client asked for), otherwise from the socket we accepted on.
fn server_name_and_port<'a>(host: Option<&'a [u8]>, local: &ListenAddr) -> (Cow<'a, [u8]>, Cow<'a, [u8]>) {
    let default_port = || -> Cow<'a, [u8]> {
        match local {
            ListenAddr::Tcp(addr) => Cow::Owned(addr.port().to_string().into_bytes()),
            ListenAddr::Unix(_) => Cow::Borrowed(b"80"),
        }
    };
    if let Some(host) = host.filter(|h| !h.is_empty()) {
        // "[::1]:8000", "example.com:8000", "example.com"
        let split_at_last_colon = |host: &'a [u8]| match host.iter().rposition(|b| *b == b':') {
            Some(colon) => (&host[..colon], Some(&host[colon + 1..])),
            None => (host, None),
        };
        let (name, port) = match host.iter().position(|b| *b == b']') {
            Some(end) if host[0] == b'[' => (&host[..=end], host[end + 1..].strip_prefix(b":")),
            _ => split_at_last_colon(host),
        };
        // `Host: :8000` has an empty (valid) host; PEP 3333 says SERVER_NAME
        // is never empty, so such a Host counts as none. (Found by the fuzzer.)
        if !name.is_empty() {
            let port = match port.filter(|p| !p.is_empty()) {
                Some(port) => Cow::Borrowed(port),
                None => default_port(),
            };
            return (Cow::Borrowed(name), port);
        }
    }
    match local {
        ListenAddr::Tcp(addr) => (Cow::Owned(addr.ip().to_string().into_bytes()), default_port()),
        ListenAddr::Unix(_) => (Cow::Borrowed(b"localhost"), default_port()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_the_root_path_on_segment_boundaries() {
        assert_eq!(strip_root_path(b"/app/users", b"/app"), b"/users");
        assert_eq!(strip_root_path(b"/app", b"/app"), b"");
        assert_eq!(strip_root_path(b"/apple", b"/app"), b"/apple");
        assert_eq!(strip_root_path(b"/other", b"/app"), b"/other");
        assert_eq!(strip_root_path(b"/x", b""), b"/x");
    }

    #[test]
    fn decodes_percent_escapes_once() {
        assert_eq!(&*percent_decode(b"/a%20b/%2541/%zz/%4"), b"/a b/%41/%zz/%4");
        assert_eq!(&*percent_decode(b"/caf%C3%A9"), b"/caf\xc3\xa9");
        assert!(matches!(percent_decode(b"/plain/path"), Cow::Borrowed(b"/plain/path")));
    }


    #[test]
    fn splits_host_headers() {
        let local = ListenAddr::Tcp("127.0.0.1:9000".parse().unwrap());
        let split = |host: Option<&[u8]>| {
            let (name, port) = server_name_and_port(host, &local);
            (String::from_utf8(name.into_owned()).unwrap(), String::from_utf8(port.into_owned()).unwrap())
        };
        let pair = |name: &str, port: &str| (name.to_string(), port.to_string());
        assert_eq!(split(Some(b"example.com:8080")), pair("example.com", "8080"));
        assert_eq!(split(Some(b"[::1]:81")), pair("[::1]", "81"));
        assert_eq!(split(Some(b"[::1]")), pair("[::1]", "9000"));
        assert_eq!(split(Some(b"example.com")), pair("example.com", "9000"));
        assert_eq!(split(Some(b"example.com:")), pair("example.com", "9000"));
        assert_eq!(split(None), pair("127.0.0.1", "9000"));
        assert_eq!(split(Some(b":8080")), pair("127.0.0.1", "9000"));
    }
}
