//! Exercise, chapter 10: the `environ` dictionary of PEP 3333.
//!
//! ```text
//! POST /caf%C3%A9?q=1 HTTP/1.1         REQUEST_METHOD  = 'POST'
//! Host: example.com                    PATH_INFO       = '/cafÃ©'   (decoded once, latin-1)
//! Content-Type: text/plain             QUERY_STRING    = 'q=1'      (as sent)
//! Content-Length: 2                    SERVER_PROTOCOL = 'HTTP/1.1'
//! X-Demo: yes                          HTTP_HOST       = 'example.com'
//!                                      CONTENT_TYPE    = 'text/plain'   (no HTTP_ prefix)
//! hi                                   CONTENT_LENGTH  = '2'
//!                                      HTTP_X_DEMO     = 'yes'
//!                                      wsgi.input      = io.BytesIO(b'hi')
//! ```
//!
//! Every value but the `wsgi.*` ones is a `str` made of bytes read as
//! latin-1: byte 0xC3 becomes the character U+00C3. `crate::head::latin1`
//! does exactly that.
//!
//! Run the check with `cargo run -p course -- check 10`.
//! Stuck? `cargo run -p course -- hint 10`.

// The starter does not use its arguments yet; that is expected.
#![allow(unused_variables)]
// The imports the reference uses; you will need them.
#![allow(unused_imports)]

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};

use crate::head::latin1;
use crate::request::Request;

/// Decodes `%XX` escapes, once.
pub fn percent_decode(input: &[u8]) -> Vec<u8> {
    // TODO: Walk through `input` with an index `i`. When `input[i]` is `%`
    //   AND two more bytes follow AND both are hex digits
    //   (`(b as char).to_digit(16)` gives `Some(value)`), push the byte
    //   `high * 16 + low` and skip all three. Anything else (including a `%`
    //   without two hex digits after it, like `%zz` or a `%4` at the end) is
    //   copied as it is.
    //   Decode once only: `%2541` becomes `%41`, never `A`. And `+` stays a
    //   `+`: "plus means space" is a rule of HTML forms, not of paths.
    todo!("percent_decode")
}

/// The environ key of a header name, or `None` to drop the header.
pub fn cgi_key(name: &str) -> Option<String> {
    // TODO: A name containing `_` is dropped (return `None`): otherwise
    //   `X_Auth` and `X-Auth` would both become `HTTP_X_AUTH`, and a client
    //   could sneak one past a proxy that only checks the other.
    // TODO: Upper-case the name (`to_ascii_uppercase`) and turn `-` into `_`.
    //   `CONTENT_TYPE` and `CONTENT_LENGTH` stay as they are (CGI names them
    //   so); every other header gets the prefix: `HTTP_USER_AGENT`.
    todo!("cgi_key")
}

/// Builds the environ of one request.
pub fn build_environ<'py>(py: Python<'py>, request: &Request) -> PyResult<Bound<'py, PyDict>> {
    // TODO: `let environ = PyDict::new(py);` then `environ.set_item(key, value)?`
    //   for each key below. Rust strings become Python `str`, bools `bool`.
    //
    // TODO: The request line, from `request.head`:
    //   - split `head.path` at the first `?` (`split_once`) into path and
    //     query (no `?`: the query is "");
    //   - "REQUEST_METHOD": the method;
    //   - "SCRIPT_NAME": "" (the application is mounted at the root);
    //   - "PATH_INFO": `latin1(&percent_decode(path.as_bytes()))`;
    //   - "QUERY_STRING": the query NOT decoded, but still latin-1:
    //     `latin1(query.as_bytes())` (a raw "é" arrives as two UTF-8 bytes);
    //   - "SERVER_PROTOCOL": "HTTP/1.0" or "HTTP/1.1" (`head.version` is 0 or 1).
    //
    // TODO: The connection: "SERVER_NAME" and "SERVER_PORT" from
    //   `request.local` (its `ip()` and `port()`, as strings!),
    //   "REMOTE_ADDR" and "REMOTE_PORT" from `request.peer`.
    //
    // TODO: The headers, `head.headers` (name, value), in order. Skip those
    //   whose `cgi_key` is `None`. A key seen before gets the new value
    //   appended: after ", " (an HTTP list), or after "; " for HTTP_COOKIE
    //   (the Cookie syntax). Collect them in a `Vec<(String, String)>` first,
    //   then set them. The values are already latin-1 text.
    //
    // TODO: The wsgi.* keys:
    //   - "wsgi.version": the tuple (1, 0): `PyTuple::new(py, [1, 0])?`;
    //   - "wsgi.url_scheme": "http";
    //   - "wsgi.input": `io.BytesIO(body)`, made with
    //     `py.import("io")?.call_method1("BytesIO", (request.body.as_slice(),))?`
    //     (a `&[u8]` becomes Python `bytes`);
    //   - "wsgi.errors": `py.import("sys")?.getattr("stderr")?`;
    //   - "wsgi.multithread": true (a thread per connection),
    //     "wsgi.multiprocess": false, "wsgi.run_once": false.
    todo!("build_environ")
}
