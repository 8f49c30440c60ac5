//! Reading what a request carries besides its path: header parameters
//! (`multipart/form-data; boundary=...`), cookies, and multipart bodies
//! (HTML forms with file uploads); and writing a `Set-Cookie` header.

use crate::http::http_date;
use crate::percent::unquote_bytes;
use crate::rule::repr;

/// Splits `text/html; charset="utf-8"` into `("text/html", [("charset", "utf-8")])`.
/// The main value and the keys are lower-cased (they are case-insensitive);
/// quoted values are unquoted; `key*=UTF-8''caf%C3%A9` (RFC 8187) is decoded.
pub fn parse_options_header(value: &str) -> (String, Vec<(String, String)>) {
    let mut parts = split_outside_quotes(value, ';').into_iter();
    let main = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
    let mut options = Vec::new();
    for part in parts {
        let Some((key, raw)) = part.split_once('=') else { continue };
        let key = key.trim().to_ascii_lowercase();
        let raw = raw.trim();
        if let Some(key) = key.strip_suffix('*') {
            // charset'language'percent-encoded-bytes
            let mut pieces = raw.splitn(3, '\'');
            let (charset, _language, encoded) = (pieces.next(), pieces.next(), pieces.next());
            if let (Some(_charset), Some(encoded)) = (charset, encoded) {
                let bytes = unquote_bytes(encoded.as_bytes(), false);
                options.retain(|(k, _): &(String, String)| k != key);
                options.push((key.to_string(), String::from_utf8_lossy(&bytes).into_owned()));
                continue;
            }
        }
        if options.iter().any(|(k, _)| *k == key) {
            continue; // the first value wins; a `key*` form seen earlier stays
        }
        options.push((key, unquote_string(raw)));
    }
    (main, options)
}

/// Splits at `separator` except inside double quotes.
fn split_outside_quotes(value: &str, separator: char) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut start, mut quoted, mut escaped) = (0, false, false);
    for (at, c) in value.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            c if c == separator && !quoted => {
                parts.push(&value[start..at]);
                start = at + c.len_utf8();
            }
            _ => {}
        }
    }
    parts.push(&value[start..]);
    parts
}

/// `"a \"b\""` to `a "b"`; text without quotes is returned as it is.
fn unquote_string(raw: &str) -> String {
    let Some(inner) = raw.strip_prefix('"').and_then(|r| r.strip_suffix('"')) else {
        return raw.to_string();
    };
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(next) = chars.next() {
                out.push(next);
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Reads a `Cookie` header (`a=1; b="x y"`) into pairs, in order. Pieces
/// without `=` are skipped; quoted values lose their quotes and escapes
/// (`\"`, `\\` and the octal `\073` that some servers write for `;`).
pub fn parse_cookie(header: &str) -> Vec<(String, String)> {
    let mut pairs = Vec::new();
    for piece in header.split(';') {
        let Some((name, value)) = piece.split_once('=') else { continue };
        let name = name.trim();
        if name.is_empty() {
            continue;
        }
        let value = value.trim();
        let value = match value.strip_prefix('"').and_then(|v| v.strip_suffix('"')) {
            Some(inner) => unescape_cookie(inner),
            None => value.to_string(),
        };
        pairs.push((name.to_string(), value));
    }
    pairs
}

fn unescape_cookie(inner: &str) -> String {
    let bytes = inner.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\\' && i + 1 < bytes.len() {
            let octal = bytes.get(i + 1..i + 4).filter(|d| d.iter().all(|b| (b'0'..=b'7').contains(b)));
            if let Some(digits) = octal {
                out.push(digits.iter().fold(0u8, |n, d| n.wrapping_mul(8).wrapping_add(d - b'0')));
                i += 4;
            } else {
                out.push(bytes[i + 1]);
                i += 2;
            }
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Bytes a cookie value may hold without quotes (RFC 6265's cookie-octet).
fn is_cookie_octet(b: u8) -> bool {
    matches!(b, 0x21 | 0x23..=0x2B | 0x2D..=0x3A | 0x3C..=0x5B | 0x5D..=0x7E)
}

/// Options of a `Set-Cookie` header.
#[derive(Debug, Default, Clone)]
pub struct CookieOptions<'a> {
    pub max_age: Option<i64>,
    /// Seconds since 1970.
    pub expires: Option<i64>,
    pub path: Option<&'a str>,
    pub domain: Option<&'a str>,
    pub secure: bool,
    pub httponly: bool,
    pub samesite: Option<&'a str>,
}

/// Writes a `Set-Cookie` value. A value with characters a cookie may not
/// carry bare is quoted, with `\"`, `\\` and octal escapes, which
/// [`parse_cookie`] (and werkzeug, and Python's `http.cookies`) read back.
pub fn dump_cookie(name: &str, value: &str, options: &CookieOptions<'_>) -> Result<String, String> {
    if name.is_empty() || !name.bytes().all(|b| is_cookie_octet(b) && b != b'=') {
        return Err(format!("{} is not a valid cookie name", repr(name)));
    }
    let mut out = format!("{name}=");
    if value.bytes().all(is_cookie_octet) {
        out.push_str(value);
    } else {
        out.push('"');
        for &b in value.as_bytes() {
            match b {
                b'"' | b'\\' => {
                    out.push('\\');
                    out.push(b as char);
                }
                _ if is_cookie_octet(b) || b == b' ' || b == b',' => out.push(b as char),
                _ => out.push_str(&format!("\\{b:03o}")),
            }
        }
        out.push('"');
    }
    let check = |what: &str, text: &str| -> Result<(), String> {
        if text.bytes().any(|b| b == b';' || b.is_ascii_control()) {
            Err(format!("cookie {what} {} cannot contain ';' or control characters", repr(text)))
        } else {
            Ok(())
        }
    };
    if let Some(domain) = options.domain {
        check("domain", domain)?;
        out.push_str("; Domain=");
        out.push_str(domain);
    }
    if let Some(expires) = options.expires {
        out.push_str("; Expires=");
        out.push_str(&http_date(expires));
    }
    if let Some(max_age) = options.max_age {
        out.push_str(&format!("; Max-Age={}", max_age.max(0)));
    }
    if options.secure {
        out.push_str("; Secure");
    }
    if options.httponly {
        out.push_str("; HttpOnly");
    }
    if let Some(path) = options.path {
        check("path", path)?;
        out.push_str("; Path=");
        out.push_str(path);
    }
    if let Some(samesite) = options.samesite {
        let canonical = match samesite.to_ascii_lowercase().as_str() {
            "strict" => "Strict",
            "lax" => "Lax",
            "none" => "None",
            _ => return Err(format!("samesite must be 'Strict', 'Lax' or 'None', not {}", repr(samesite))),
        };
        out.push_str("; SameSite=");
        out.push_str(canonical);
    }
    Ok(out)
}

/// One part of a `multipart/form-data` body: a form field, or a file.
#[derive(Debug, Clone, PartialEq)]
pub struct Part {
    pub name: String,
    /// Set for file inputs (possibly to `""` when no file was chosen).
    pub filename: Option<String>,
    pub content_type: Option<String>,
    pub headers: Vec<(String, String)>,
    pub data: Vec<u8>,
}

fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    if needle.is_empty() || from > haystack.len() {
        return None;
    }
    let first = needle[0];
    let mut at = from;
    while at + needle.len() <= haystack.len() {
        let offset = haystack[at..=haystack.len() - needle.len()].iter().position(|&b| b == first)?;
        at += offset;
        if &haystack[at..at + needle.len()] == needle {
            return Some(at);
        }
        at += 1;
    }
    None
}

/// Splits a `multipart/form-data` body (RFC 7578) into its parts.
///
/// The body is `--BOUNDARY CRLF headers CRLF CRLF data CRLF --BOUNDARY ...
/// --BOUNDARY--`. Text before the first boundary and after the last is
/// ignored, as the RFC says. A body that breaks the format is an error
/// (the framework answers 400), never a panic.
pub fn parse_multipart(body: &[u8], boundary: &str) -> Result<Vec<Part>, String> {
    if boundary.is_empty() || boundary.len() > 200 {
        return Err("the multipart boundary is missing or too long".into());
    }
    let delimiter = format!("--{boundary}").into_bytes();
    let separator = format!("\r\n--{boundary}").into_bytes();
    let mut at = find(body, &delimiter, 0).ok_or("the body does not contain the multipart boundary")?;
    at += delimiter.len();
    let mut parts = Vec::new();
    loop {
        if body[at..].starts_with(b"--") {
            return Ok(parts); // the closing delimiter
        }
        // Some clients put spaces after the boundary; then the line ends.
        while body.get(at) == Some(&b' ') || body.get(at) == Some(&b'\t') {
            at += 1;
        }
        if !body[at..].starts_with(b"\r\n") {
            return Err("a multipart boundary is not followed by a line end".into());
        }
        at += 2;
        let head_end = find(body, b"\r\n\r\n", at)
            .or_else(|| body[at..].starts_with(b"\r\n").then_some(at.saturating_sub(2)))
            .ok_or("a multipart part has no blank line after its headers")?;
        let head = String::from_utf8_lossy(&body[at..head_end.max(at)]).into_owned();
        let data_start = head_end + 4;
        let data_end = find(body, &separator, data_start).ok_or("a multipart part is never closed by the boundary")?;

        let mut headers = Vec::new();
        for line in head.split("\r\n").filter(|l| !l.is_empty()) {
            let (name, value) =
                line.split_once(':').ok_or_else(|| format!("bad multipart header line {}", repr(line)))?;
            headers.push((name.trim().to_string(), value.trim().to_string()));
        }
        let header =
            |wanted: &str| headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(wanted)).map(|(_, v)| v.clone());
        let disposition = header("content-disposition").ok_or("a multipart part has no Content-Disposition")?;
        let (kind, options) = parse_options_header(&disposition);
        if kind != "form-data" {
            return Err(format!("a multipart part is {}, not form-data", repr(&kind)));
        }
        let option = |wanted: &str| options.iter().find(|(k, _)| k == wanted).map(|(_, v)| v.clone());
        let name = option("name").ok_or("a multipart part has no name")?;
        parts.push(Part {
            name,
            filename: option("filename"),
            content_type: header("content-type"),
            headers,
            data: body[data_start..data_end].to_vec(),
        });
        at = data_end + separator.len();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_headers() {
        let (main, options) = parse_options_header("Multipart/Form-Data; boundary=\"a;b\"; charset=utf-8");
        assert_eq!(main, "multipart/form-data");
        assert_eq!(options, [("boundary".into(), "a;b".into()), ("charset".into(), "utf-8".into())]);
        let (_, options) = parse_options_header("attachment; filename*=UTF-8''caf%C3%A9.txt; filename=\"x\"");
        assert_eq!(options, [("filename".into(), "café.txt".into())]);
    }

    #[test]
    fn cookies_round_trip() {
        assert_eq!(
            parse_cookie("a=1; b=\"x y\"; junk; c=\"q\\\"\\073\""),
            [("a".into(), "1".into()), ("b".into(), "x y".into()), ("c".into(), "q\";".into())]
        );
        let options = CookieOptions { path: Some("/"), httponly: true, max_age: Some(60), ..Default::default() };
        let header = dump_cookie("session", "a b;é", &options).unwrap();
        assert_eq!(header, "session=\"a b\\073\\303\\251\"; Max-Age=60; HttpOnly; Path=/");
        let value = header.split("; ").next().unwrap();
        assert_eq!(parse_cookie(value), [("session".into(), "a b;é".into())]);
        assert!(dump_cookie("a;b", "", &CookieOptions::default()).is_err());
        let samesite = CookieOptions { samesite: Some("lax"), expires: Some(0), ..Default::default() };
        assert_eq!(
            dump_cookie("a", "1", &samesite).unwrap(),
            "a=1; Expires=Thu, 01 Jan 1970 00:00:00 GMT; SameSite=Lax"
        );
    }

    #[test]
    fn multipart_fields_and_files() {
        let body = b"preamble\r\n--XyZ\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nhello\r\n\
--XyZ\r\nContent-Disposition: form-data; name=\"upload\"; filename=\"a.txt\"\r\nContent-Type: text/plain\r\n\r\n\
line1\r\nline2\r\n--XyZ--\r\n";
        let parts = parse_multipart(body, "XyZ").unwrap();
        assert_eq!(parts.len(), 2);
        assert_eq!((parts[0].name.as_str(), parts[0].data.as_slice()), ("title", &b"hello"[..]));
        assert_eq!(parts[1].filename.as_deref(), Some("a.txt"));
        assert_eq!(parts[1].content_type.as_deref(), Some("text/plain"));
        assert_eq!(parts[1].data, b"line1\r\nline2");
    }

    #[test]
    fn broken_multipart_is_an_error_not_a_panic() {
        assert!(parse_multipart(b"", "b").is_err());
        assert!(parse_multipart(b"--b\r\nContent-Disposition: form-data; name=a\r\n\r\nno end", "b").is_err());
        assert!(parse_multipart(b"--b\r\nX: y\r\n\r\nv\r\n--b--", "b").is_err());
        assert!(parse_multipart(b"--bxx", "b").is_err());
        assert_eq!(parse_multipart(b"--b--", "b").unwrap(), []);
    }

    proptest::proptest! {
        #[test]
        fn multipart_never_panics(body in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..200)) {
            let mut framed = b"--b\r\n".to_vec();
            framed.extend_from_slice(&body);
            let _ = parse_multipart(&framed, "b");
            let _ = parse_multipart(&body, "b");
        }
    }
}
