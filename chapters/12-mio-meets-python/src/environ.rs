//! The `environ` dictionary of PEP 3333, from chapter 10.
//!
//! This is chapter 10's solution, unchanged apart from this header: the
//! request line, the headers as CGI keys (`HTTP_*`, `CONTENT_TYPE`,
//! `CONTENT_LENGTH`), latin-1 strings, and the `wsgi.*` keys.

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};

use crate::head::latin1;
use crate::request::Request;

/// Decodes `%XX` escapes, once: `%2541` becomes `%41`, not `A`. An escape
/// that is not two hex digits stays as it is. `+` stays a plus: "plus means
/// space" is a rule of HTML forms, which lives in query strings, not paths.
pub fn percent_decode(input: &[u8]) -> Vec<u8> {
    let hex = |b: u8| (b as char).to_digit(16);
    let mut out = Vec::with_capacity(input.len());
    let mut i = 0;
    while i < input.len() {
        if input[i] == b'%' && i + 2 < input.len() {
            if let (Some(high), Some(low)) = (hex(input[i + 1]), hex(input[i + 2])) {
                out.push((high * 16 + low) as u8);
                i += 3;
                continue;
            }
        }
        out.push(input[i]);
        i += 1;
    }
    out
}

/// The environ key of a header: `User-Agent` becomes `HTTP_USER_AGENT`,
/// `Content-Type` and `Content-Length` become `CONTENT_TYPE` and
/// `CONTENT_LENGTH` (CGI's names, without prefix).
///
/// A name containing `_` gives `None`: the header is dropped. Otherwise
/// `X_Auth` and `X-Auth` would both become `HTTP_X_AUTH`, and a client could
/// smuggle one past a proxy that checks (or strips) the other.
pub fn cgi_key(name: &str) -> Option<String> {
    if name.contains('_') {
        return None;
    }
    let upper = name.to_ascii_uppercase().replace('-', "_");
    Some(match upper.as_str() {
        "CONTENT_TYPE" | "CONTENT_LENGTH" => upper,
        _ => format!("HTTP_{upper}"),
    })
}

/// Builds the environ of one request.
pub fn build_environ<'py>(py: Python<'py>, request: &Request) -> PyResult<Bound<'py, PyDict>> {
    let environ = PyDict::new(py);
    let head = &request.head;

    // The request line. The target is split at the first `?`.
    let (path, query) = head.path.split_once('?').unwrap_or((&head.path, ""));
    environ.set_item("REQUEST_METHOD", &head.method)?;
    environ.set_item("SCRIPT_NAME", "")?;
    environ.set_item("PATH_INFO", latin1(&percent_decode(path.as_bytes())))?;
    environ.set_item("QUERY_STRING", latin1(query.as_bytes()))?;
    environ.set_item("SERVER_PROTOCOL", format!("HTTP/1.{}", head.version))?;

    // The connection: where the client came from, where it arrived.
    environ.set_item("SERVER_NAME", request.local.ip().to_string())?;
    environ.set_item("SERVER_PORT", request.local.port().to_string())?;
    environ.set_item("REMOTE_ADDR", request.peer.ip().to_string())?;
    environ.set_item("REMOTE_PORT", request.peer.port().to_string())?;

    // The headers. A header sent twice becomes one key: values joined with
    // ", " (the HTTP list syntax), cookies with "; " (the Cookie syntax).
    let mut keys: Vec<(String, String)> = Vec::new();
    for (name, value) in &head.headers {
        let Some(key) = cgi_key(name) else {
            continue;
        };
        match keys.iter_mut().find(|(k, _)| *k == key) {
            Some((_, joined)) => {
                joined.push_str(if key == "HTTP_COOKIE" { "; " } else { ", " });
                joined.push_str(value);
            }
            None => keys.push((key, value.clone())),
        }
    }
    for (key, value) in keys {
        // Header values are already latin-1 text (chapter 3's `parse_head`).
        environ.set_item(key, value)?;
    }

    // The wsgi.* keys: Python objects and facts about the server.
    environ.set_item("wsgi.version", PyTuple::new(py, [1, 0])?)?;
    environ.set_item("wsgi.url_scheme", "http")?;
    let body = py
        .import("io")?
        .call_method1("BytesIO", (request.body.as_slice(),))?;
    environ.set_item("wsgi.input", body)?;
    environ.set_item("wsgi.errors", py.import("sys")?.getattr("stderr")?)?;
    environ.set_item("wsgi.multithread", true)?;
    environ.set_item("wsgi.multiprocess", false)?;
    environ.set_item("wsgi.run_once", false)?;
    Ok(environ)
}
