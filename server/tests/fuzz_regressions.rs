//! Inputs the fuzz targets (`server/fuzz`) found, kept as regular tests.
//!
//! Each test replays the request that made a target fail, through the same
//! path the target takes (the sans-IO `RequestReader`, then the code under
//! test), and checks the invariant that was broken.

use std::collections::HashMap;

use pyo3::prelude::*;
use pyo3::types::PyString;
use wsgi_server::http::buffer::ReadBuffer;
use wsgi_server::http::reader::{ParsedRequest, ReadEvent, RequestReader};
use wsgi_server::http::{Config, ListenAddr, PeerAddr};
use wsgi_server::wsgi::environ::EnvironBuilder;
use wsgi_server::wsgi::proxy::TrustedProxies;
use wsgi_server::wsgi::EnvironSettings;

/// The first request of `raw`, read as the engine reads it.
fn read_request(raw: &[u8]) -> ParsedRequest {
    let mut reader = RequestReader::default();
    let mut buf = ReadBuffer::default();
    buf.extend_from_slice(raw);
    loop {
        match reader.advance(&mut buf, &Config::default()).expect("the engine accepts it") {
            ReadEvent::SendContinue => continue,
            ReadEvent::Request(request) => return request,
            ReadEvent::NeedMore => panic!("incomplete request"),
        }
    }
}

/// The `str` items of the environ built for the first request of `raw`.
fn environ_of(raw: &[u8]) -> HashMap<String, String> {
    let request = read_request(raw);
    Python::initialize();
    Python::attach(|py| {
        let settings = EnvironSettings {
            url_scheme: "http".into(),
            script_name: String::new(),
            trusted_proxies: TrustedProxies::parse("127.0.0.1").unwrap(),
            multithread: true,
            multiprocess: false,
        };
        let builder = EnvironBuilder::new(py, &settings).unwrap();
        let peer = PeerAddr::Tcp("192.0.2.1:40000".parse().unwrap());
        let local = ListenAddr::Tcp("127.0.0.1:8000".parse().unwrap());
        let environ = builder.build(py, &request.head, request.body, peer, &local).unwrap();
        environ
            .iter()
            .filter(|(_, value)| value.is_instance_of::<PyString>())
            .map(|(key, value)| (key.extract().unwrap(), value.extract().unwrap()))
            .collect()
    })
}

/// environ target: `Content-Length: 5, 5` (valid framing: the values agree)
/// reached the app as CONTENT_LENGTH "5, 5", and `int()` of it fails.
#[test]
fn content_length_in_the_environ_is_a_number_when_the_header_repeats_it() {
    for raw in [
        &b"POST /echo HTTP/1.1\r\nHost: example.test\r\nContent-Length: 5, 5\r\n\r\nhello"[..],
        b"POST /echo HTTP/1.1\r\nHost: example.test\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello",
        b"POST /echo HTTP/1.1\r\nHost: example.test\r\nContent-Length: 005\r\n\r\nhello",
    ] {
        let environ = environ_of(raw);
        assert_eq!(environ.get("CONTENT_LENGTH").map(String::as_str), Some("5"), "{}", String::from_utf8_lossy(raw));
    }
    let environ = environ_of(b"GET / HTTP/1.1\r\nHost: example.test\r\nContent-Length: 0, 0\r\n\r\n");
    assert_eq!(environ.get("CONTENT_LENGTH").map(String::as_str), Some("0"));
}

/// environ target: `Host: :` and `Host: :80` are valid Host values (an empty
/// reg-name), and gave an empty SERVER_NAME, which PEP 3333 forbids.
#[test]
fn server_name_is_never_empty() {
    for host in [&b":"[..], b":80", b": "] {
        let raw = [&b"GET / HTTP/1.1\r\nHost: "[..], host, b"\r\n\r\n"].concat();
        let environ = environ_of(&raw);
        assert_eq!(environ["SERVER_NAME"], "127.0.0.1", "Host {:?}", String::from_utf8_lossy(host));
        assert_eq!(environ["SERVER_PORT"], "8000");
    }
}
