//! `parse_head`: any bytes in, a head or a refusal out, and never a panic.
//!
//! Beyond "does not panic", a parsed head must keep the framing promises the
//! rest of the engine relies on:
//! - the head length is within the input and the limits;
//! - the same bytes cut short at any point are "need more", never a different
//!   head or a refusal (what a slow client sends must not change the answer);
//! - `Content-Length` framing means every Content-Length element is digits
//!   with that value; chunked framing means HTTP/1.1, a single `chunked`
//!   coding and no Content-Length at all;
//! - HTTP/1.1 has exactly one Host; the path is `*` or starts with `/`.
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;
use wsgi_server::http::request::{parse_head, BodyFraming, RequestHead};
use wsgi_server::http::{Config, Version};

fuzz_target!(|data: &[u8]| {
    for config in common::configs() {
        check(data, &config);
    }
});

fn check(data: &[u8], config: &Config) {
    let result = parse_head(data, config);
    let Ok(Some((head, used))) = result else {
        if let Err(error) = &result {
            assert!((400..600).contains(&error.status), "status {}", error.status);
        }
        return;
    };
    assert!(used > 0 && used <= data.len());
    assert!(used <= config.max_head, "head of {used} bytes over the limit");
    assert!(data[..used].ends_with(b"\n"), "a head ends with its empty line");

    // The head alone parses to the same thing; every shorter prefix needs more.
    assert_eq!(parse_head(&data[..used], config).ok().flatten(), Some((head.clone(), used)));
    let step = (used / 16).max(1);
    for cut in (0..used).step_by(step).chain([used - 1]) {
        match parse_head(&data[..cut], config) {
            Ok(None) => {}
            other => panic!("prefix of {cut}/{used} bytes gave {other:?}, expected NeedMore"),
        }
    }

    check_framing(&head);
}

fn check_framing(head: &RequestHead) {
    assert!(!head.method.is_empty());
    assert!(head.path == b"*" || head.path.first() == Some(&b'/'), "path {:?}", head.path);
    let named = |name: &'static str| head.headers.iter().filter(move |h| h.name.eq_ignore_ascii_case(name));
    let hosts = named("host").count();
    match head.version {
        Version::Http11 => assert_eq!(hosts, 1),
        Version::Http10 => assert!(hosts <= 1),
    }
    for header in head.headers.iter() {
        assert!(!header.value.iter().any(|b| (*b < 0x20 && *b != b'\t') || *b == 0x7f));
        assert!(!header.value.starts_with(b" ") && !header.value.ends_with(b" "));
    }
    let lengths: Vec<&[u8]> = named("content-length")
        .flat_map(|h| h.value.split(|b| *b == b','))
        .map(<[u8]>::trim_ascii)
        .collect();
    match head.framing {
        BodyFraming::Length(n) => {
            assert!(n > 0);
            assert!(!lengths.is_empty());
            for text in lengths {
                assert!(!text.is_empty() && text.iter().all(u8::is_ascii_digit), "Content-Length {text:?}");
                let value: u64 = std::str::from_utf8(text).unwrap().parse().expect("fits in u64");
                assert_eq!(value, n);
            }
            assert_eq!(named("transfer-encoding").count(), 0);
        }
        BodyFraming::Chunked => {
            assert_eq!(head.version, Version::Http11);
            assert!(lengths.is_empty(), "chunked with a Content-Length");
            let codings: Vec<Vec<u8>> = named("transfer-encoding")
                .flat_map(|h| h.value.split(|b| *b == b','))
                .map(|c| c.trim_ascii().to_ascii_lowercase())
                .collect();
            assert_eq!(codings, [b"chunked".to_vec()]);
        }
        BodyFraming::None => {
            assert_eq!(named("transfer-encoding").count(), 0);
            for text in lengths {
                assert!(text.iter().all(|b| *b == b'0'), "a body of {text:?} bytes was dropped");
            }
        }
    }
    if head.version == Version::Http10 {
        assert!(!head.expects_continue);
    }
}
