//! Percent-encoding, and the two ways a WSGI string can hold text.
//!
//! A URL may only carry a small set of ASCII characters; anything else is
//! sent as `%XX`, one escape per UTF-8 byte. This module turns text into that
//! form (`quote`, `urlencode`) and back (`unquote`, `parse_query`).
//!
//! WSGI (PEP 3333) adds a twist: the server hands the application `PATH_INFO`
//! and `QUERY_STRING` as "bytes in a `str`", one character per byte (latin-1),
//! because it cannot know which encoding the client meant. `é` sent as UTF-8
//! arrives as the two characters `Ã©`. [`wsgi_to_text`] undoes that for
//! routing (every browser sends UTF-8), and [`text_to_wsgi`] goes the other way
//! when we compare against what the server gave us.

/// Characters a path segment may contain as they are (the URL standard's
/// "path segment" set, the one werkzeug uses): everything else is escaped.
pub const PATH_SAFE: &[u8] = b"!$&'()*+,/:;=@";

/// Characters left alone in a form-encoded query string; space becomes `+`.
pub const QUERY_SAFE: &[u8] = b"!$'()*,/:;?@";

/// Letters, digits and `-._~` never need escaping anywhere in a URL.
fn is_unreserved(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~')
}

const HEX: &[u8; 16] = b"0123456789ABCDEF";

fn push_escape(out: &mut String, byte: u8) {
    out.push('%');
    out.push(HEX[usize::from(byte >> 4)] as char);
    out.push(HEX[usize::from(byte & 0x0f)] as char);
}

/// Escapes `text` (as UTF-8) for a URL, keeping unreserved bytes and `safe`.
///
/// `quote("a b/é", b"/")` is `"a%20b/%C3%A9"`, like Python's `urllib.parse.quote`.
pub fn quote(text: &str, safe: &[u8]) -> String {
    let mut out = String::with_capacity(text.len());
    for &byte in text.as_bytes() {
        if is_unreserved(byte) || safe.contains(&byte) {
            out.push(byte as char);
        } else {
            push_escape(&mut out, byte);
        }
    }
    out
}

/// Like [`quote`], but a space becomes `+`: the form encoding of query strings.
pub fn quote_plus(text: &str, safe: &[u8]) -> String {
    let mut out = String::with_capacity(text.len());
    for &byte in text.as_bytes() {
        if byte == b' ' {
            out.push('+');
        } else if is_unreserved(byte) || (safe.contains(&byte) && byte != b'+') {
            out.push(byte as char);
        } else {
            push_escape(&mut out, byte);
        }
    }
    out
}

fn hex_value(byte: u8) -> Option<u8> {
    (byte as char).to_digit(16).map(|d| d as u8)
}

/// Decodes `%XX` escapes (and `+` as a space when `plus_is_space`). A `%` not
/// followed by two hex digits is kept as it is: being lenient here is safer
/// than rejecting a whole request over one stray `%`.
pub fn unquote_bytes(input: &[u8], plus_is_space: bool) -> Vec<u8> {
    let mut out = Vec::with_capacity(input.len());
    let mut i = 0;
    while i < input.len() {
        match input[i] {
            b'%' if i + 2 < input.len() => match (hex_value(input[i + 1]), hex_value(input[i + 2])) {
                (Some(high), Some(low)) => {
                    out.push(high * 16 + low);
                    i += 3;
                    continue;
                }
                _ => out.push(b'%'),
            },
            b'+' if plus_is_space => out.push(b' '),
            byte => out.push(byte),
        }
        i += 1;
    }
    out
}

/// Decodes escapes and reads the bytes as UTF-8 (invalid bytes become U+FFFD).
pub fn unquote(input: &str, plus_is_space: bool) -> String {
    String::from_utf8_lossy(&unquote_bytes(input.as_bytes(), plus_is_space)).into_owned()
}

/// The bytes of a WSGI string: one byte per character. `None` if a character
/// is above U+00FF, which means the string was never a WSGI string.
pub fn wsgi_bytes(wsgi: &str) -> Option<Vec<u8>> {
    wsgi.chars().map(|c| u8::try_from(u32::from(c)).ok()).collect()
}

/// A WSGI string (bytes as latin-1) read as UTF-8 text: `"Ã©"` becomes `"é"`.
/// Werkzeug does the same before routing (invalid UTF-8 becomes U+FFFD).
pub fn wsgi_to_text(wsgi: &str) -> String {
    if wsgi.is_ascii() {
        return wsgi.to_string();
    }
    match wsgi_bytes(wsgi) {
        Some(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        // Not a latin-1 string: someone already decoded it; keep it.
        None => wsgi.to_string(),
    }
}

/// Text as a WSGI string: its UTF-8 bytes, one character each.
pub fn text_to_wsgi(text: &str) -> String {
    if text.is_ascii() {
        return text.to_string();
    }
    text.as_bytes().iter().map(|&b| char::from(b)).collect()
}

/// Splits a form-encoded string (`a=1&b=x+y&a=2`) into decoded pairs, in order,
/// keeping repeats. A key without `=` gets an empty value; empty pieces are
/// skipped. The input may be a WSGI string (bytes as latin-1) or plain text.
pub fn parse_query(query: &str) -> Vec<(String, String)> {
    let bytes = wsgi_bytes(query).unwrap_or_else(|| query.as_bytes().to_vec());
    let mut pairs = Vec::new();
    for piece in bytes.split(|&b| b == b'&') {
        if piece.is_empty() {
            continue;
        }
        let (key, value) = match piece.iter().position(|&b| b == b'=') {
            Some(at) => (&piece[..at], &piece[at + 1..]),
            None => (piece, &b""[..]),
        };
        let key = String::from_utf8_lossy(&unquote_bytes(key, true)).into_owned();
        let value = String::from_utf8_lossy(&unquote_bytes(value, true)).into_owned();
        pairs.push((key, value));
    }
    pairs
}

/// The opposite of [`parse_query`]: `[("q", "a b"), ("n", "1")]` gives `q=a+b&n=1`.
pub fn urlencode<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let mut out = String::new();
    for (key, value) in pairs {
        if !out.is_empty() {
            out.push('&');
        }
        out.push_str(&quote_plus(key, QUERY_SAFE));
        out.push('=');
        out.push_str(&quote_plus(value, QUERY_SAFE));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn quotes_like_python() {
        assert_eq!(quote("a b/é", b"/"), "a%20b/%C3%A9");
        assert_eq!(quote("100%", PATH_SAFE), "100%25");
        assert_eq!(quote("x?y#z", PATH_SAFE), "x%3Fy%23z");
        assert_eq!(quote("~user-name_1.2", b""), "~user-name_1.2");
        assert_eq!(quote_plus("a b+c", QUERY_SAFE), "a+b%2Bc");
    }

    #[test]
    fn unquotes_leniently() {
        assert_eq!(unquote("a%20b%2Fc", false), "a b/c");
        assert_eq!(unquote("a+b", false), "a+b");
        assert_eq!(unquote("a+b", true), "a b");
        assert_eq!(unquote("100%", false), "100%");
        assert_eq!(unquote("%zz%4", false), "%zz%4");
        assert_eq!(unquote("caf%C3%A9", false), "café");
        assert_eq!(unquote("bad%FF", false), "bad\u{fffd}");
    }

    #[test]
    fn wsgi_strings_round_trip() {
        let wsgi = text_to_wsgi("café");
        assert_eq!(wsgi, "caf\u{c3}\u{a9}");
        assert_eq!(wsgi_to_text(&wsgi), "café");
        assert_eq!(wsgi_to_text("plain"), "plain");
        // Already text (a character above U+00FF): left alone.
        assert_eq!(wsgi_to_text("€"), "€");
    }

    #[test]
    fn parses_query_strings() {
        assert_eq!(
            parse_query("a=1&b=x+y&a=2&&flag&e=%C3%A9"),
            vec![
                ("a".into(), "1".into()),
                ("b".into(), "x y".into()),
                ("a".into(), "2".into()),
                ("flag".into(), "".into()),
                ("e".into(), "é".into()),
            ]
        );
        // The same query as a WSGI string (é's UTF-8 bytes sent unescaped).
        assert_eq!(parse_query("e=caf\u{c3}\u{a9}"), vec![("e".into(), "café".into())]);
        assert_eq!(urlencode([("q", "a b&c"), ("n", "é")]), "q=a+b%26c&n=%C3%A9");
    }

    proptest! {
        #[test]
        fn quote_then_unquote_is_identity(text in ".*") {
            prop_assert_eq!(unquote(&quote(&text, PATH_SAFE), false), text.clone());
            prop_assert_eq!(unquote(&quote_plus(&text, QUERY_SAFE), true), text);
        }

        #[test]
        fn urlencode_then_parse_is_identity(pairs in proptest::collection::vec((".+", ".*"), 0..5)) {
            let encoded = urlencode(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())));
            prop_assert_eq!(parse_query(&encoded), pairs);
        }
    }
}
