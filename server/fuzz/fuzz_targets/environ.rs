//! `EnvironBuilder::build`: any request the engine accepts becomes a PEP 3333
//! environ, with CPython embedded once for the whole run.
//!
//! The input is a request stream, read by the real `RequestReader`; its first
//! request (head and body) is turned into an environ, with the settings (root
//! path, trusted proxies, peer) picked from a hash of the input. Checked:
//! - every key is a `str`, and so is every CGI value, holding latin-1 only;
//! - `PATH_INFO` (after `SCRIPT_NAME`) round-trips through latin-1 to the
//!   percent-decoded path, and `QUERY_STRING` to the query, byte for byte;
//! - `REQUEST_METHOD`, `SERVER_PROTOCOL` are the head's;
//! - `SERVER_NAME` is not empty and `SERVER_PORT` is digits (PEP 3333);
//! - `CONTENT_LENGTH`, when set, is a number and the body's length;
//! - header keys are upper case without `-`, never `HTTP_CONTENT_*`, never
//!   `HTTP_TRANSFER_ENCODING` for a decoded chunked body;
//! - `wsgi.input.read()` gives the body back.
#![no_main]

mod common;

use std::net::SocketAddr;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyString};
use wsgi_server::http::buffer::ReadBuffer;
use wsgi_server::http::reader::{ReadEvent, RequestReader};
use wsgi_server::http::request::BodyFraming;
use wsgi_server::http::{Config, ListenAddr, PeerAddr, RequestBody};
use wsgi_server::wsgi::environ::{percent_decode, EnvironBuilder};
use wsgi_server::wsgi::proxy::TrustedProxies;
use wsgi_server::wsgi::EnvironSettings;

/// CPython keeps interned strings, types and module state alive until the
/// process ends, by design: LeakSanitizer would report them at exit as a
/// "crash". Leak checking stays on for the targets without Python.
#[no_mangle]
pub extern "C" fn __lsan_default_options() -> *const std::ffi::c_char {
    c"detect_leaks=0".as_ptr()
}

/// One builder per root path, built once (building one costs a few dicts).
struct Builders {
    at_root: EnvironBuilder,
    under_app: EnvironBuilder,
}

// The builders hold Python objects; they are only used with the GIL held.
unsafe impl Sync for Builders {}
unsafe impl Send for Builders {}

fn builders(py: Python<'_>) -> &'static Builders {
    static BUILDERS: OnceLock<Builders> = OnceLock::new();
    BUILDERS.get_or_init(|| {
        let settings = |script_name: &str| EnvironSettings {
            url_scheme: "http".to_string(),
            script_name: script_name.to_string(),
            trusted_proxies: TrustedProxies::parse("127.0.0.1,::1").unwrap(),
            multithread: true,
            multiprocess: false,
        };
        Builders {
            at_root: EnvironBuilder::new(py, &settings("")).unwrap(),
            under_app: EnvironBuilder::new(py, &settings("/app")).unwrap(),
        }
    })
}

fuzz_target!(|data: &[u8]| {
    let mut reader = RequestReader::default();
    let mut buf = ReadBuffer::default();
    buf.extend_from_slice(data);
    let config = Config::default();
    let request = loop {
        match reader.advance(&mut buf, &config) {
            Ok(ReadEvent::SendContinue) => continue,
            Ok(ReadEvent::Request(request)) => break request,
            Ok(ReadEvent::NeedMore) | Err(_) => return,
        }
    };
    let head = request.head;
    let body = body_bytes(&request.body);

    let choice = common::hash(data);
    let under_app = choice & 1 == 1;
    let peer = match (choice >> 1) % 3 {
        0 => PeerAddr::Tcp("127.0.0.1:50000".parse().unwrap()), // a trusted proxy
        1 => PeerAddr::Tcp("[2001:db8::7]:443".parse().unwrap()),
        _ => PeerAddr::Unix,
    };
    let local = if (choice >> 3) & 1 == 0 {
        ListenAddr::Tcp("0.0.0.0:8000".parse::<SocketAddr>().unwrap())
    } else {
        ListenAddr::Unix("wsgi.sock".into())
    };

    Python::initialize();
    Python::attach(|py| {
        let builders = builders(py);
        let builder = if under_app { &builders.under_app } else { &builders.at_root };
        let environ = builder.build(py, &head, request.body, peer, &local).expect("build the environ");
        let get = |key: &str| -> Option<String> {
            environ.get_item(key).unwrap().map(|v| v.extract::<String>().unwrap_or_else(|_| panic!("{key} is not a str")))
        };
        let bytes_of = |key: &str| latin1_bytes(key, &get(key).unwrap_or_else(|| panic!("{key} missing")));

        for (key, value) in environ.iter() {
            assert!(key.is_instance_of::<PyString>(), "a key that is not a str: {key:?}");
            let key: String = key.extract().unwrap();
            if key.starts_with("wsgi.") {
                continue;
            }
            assert!(value.is_instance_of::<PyString>(), "{key} is not a str");
            latin1_bytes(&key, &value.extract::<String>().unwrap());
            if key.starts_with("HTTP_") {
                assert!(!key.contains('-') && !key.chars().any(|c| c.is_ascii_lowercase()), "key {key:?}");
                assert!(key != "HTTP_CONTENT_LENGTH" && key != "HTTP_CONTENT_TYPE", "key {key:?}");
            }
        }

        assert_eq!(get("REQUEST_METHOD").unwrap(), head.method);
        assert_eq!(get("SERVER_PROTOCOL").unwrap(), head.version.as_str());
        assert_eq!(bytes_of("QUERY_STRING"), head.query.clone().unwrap_or_default());
        let script_name = bytes_of("SCRIPT_NAME");
        let decoded = percent_decode(&head.path).into_owned();
        let path_info = bytes_of("PATH_INFO");
        let under_root = !script_name.is_empty()
            && decoded.starts_with(&script_name)
            && matches!(decoded.get(script_name.len()), None | Some(b'/'));
        if under_root {
            assert_eq!([script_name, path_info].concat(), decoded);
        } else {
            assert_eq!(path_info, decoded);
        }

        let server_name = get("SERVER_NAME").unwrap();
        assert!(!server_name.is_empty(), "empty SERVER_NAME (Host {:?})", head.header("host"));
        let server_port = get("SERVER_PORT").unwrap();
        assert!(!server_port.is_empty() && server_port.bytes().all(|b| b.is_ascii_digit()), "SERVER_PORT {server_port:?}");

        match get("CONTENT_LENGTH") {
            Some(text) => {
                let length: u64 = text.parse().unwrap_or_else(|_| panic!("CONTENT_LENGTH {text:?} is not a number"));
                assert_eq!(length, body.len() as u64, "CONTENT_LENGTH {text:?}");
            }
            None => assert!(body.is_empty(), "a body without CONTENT_LENGTH"),
        }
        if head.framing == BodyFraming::Chunked {
            assert!(get("HTTP_TRANSFER_ENCODING").is_none());
        }
        let scheme = get("wsgi.url_scheme").unwrap();
        assert!(scheme == "http" || scheme == "https", "scheme {scheme:?}");

        let input = environ.get_item("wsgi.input").unwrap().expect("wsgi.input");
        let read = input.call_method0("read").unwrap();
        assert_eq!(read.cast::<PyBytes>().unwrap().as_bytes(), body.as_slice());
        let _: &Bound<'_, PyDict> = &environ;
    });
});

fn body_bytes(body: &RequestBody) -> Vec<u8> {
    match body {
        RequestBody::Empty => Vec::new(),
        RequestBody::Memory(bytes) => bytes.clone(),
        RequestBody::File { .. } => unreachable!("bodies of the fuzzer's size stay in memory"),
    }
}

/// A str the way PEP 3333 wants it: every code point below 256, as bytes.
fn latin1_bytes(key: &str, text: &str) -> Vec<u8> {
    text.chars()
        .map(|c| u8::try_from(u32::from(c)).unwrap_or_else(|_| panic!("{key} holds {c:?}, not latin-1")))
        .collect()
}
