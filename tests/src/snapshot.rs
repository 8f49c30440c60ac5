//! Raw responses as snapshot text.
//!
//! [`render`] shows exactly what was on the wire; [`FILTERS`] are the insta
//! redactions for what changes from run to run (the date, ports, the
//! version). Use [`assert_raw_snapshot!`](crate::assert_raw_snapshot).

/// Renders bytes as text that shows exactly what was on the wire: printable
/// ASCII as itself, `\r` and `\n` escaped (each `\n` also ends the line, so a
/// response still reads as lines), anything else as `\xNN`.
///
/// Escaping CR matters: insta normalises CRLF to LF when it compares
/// snapshots, so raw text could not tell `\r\n` from a bare `\n`.
pub fn render(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() + bytes.len() / 8);
    for &byte in bytes {
        match byte {
            b'\r' => out.push_str("\\r"),
            b'\n' => out.push_str("\\n\n"),
            b'\\' => out.push_str("\\\\"),
            0x20..=0x7e => out.push(char::from(byte)),
            _ => out.push_str(&format!("\\x{byte:02x}")),
        }
    }
    out
}

/// insta filters (regex, replacement) applied to every raw snapshot.
pub const FILTERS: &[(&str, &str)] = &[
    (r"Date: [A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT", "Date: [date]"),
    (r"wsgi-server/\d+\.\d+\.\d+", "wsgi-server/[version]"),
    (r"127\.0\.0\.1:\d+", "127.0.0.1:[port]"),
    (r#""(REMOTE_PORT|SERVER_PORT)": \["str", "\d+"\]"#, r#""$1": ["str", "[port]"]"#),
];

/// One more filter for responses whose body shows a port (its digits change
/// the length): the length is checked by the test instead.
pub const LENGTH_FILTER: (&str, &str) = (r"Content-Length: \d+", "Content-Length: [length]");

/// `assert_raw_snapshot!("name", response)`: snapshots `response.raw`,
/// rendered and redacted. `assert_raw_snapshot!("name", response, redact_length)`
/// also hides the Content-Length value (see [`LENGTH_FILTER`]).
#[macro_export]
macro_rules! assert_raw_snapshot {
    ($name:expr, $response:expr) => {
        $crate::assert_raw_snapshot!(@with $name, $response, $crate::snapshot::FILTERS.to_vec())
    };
    ($name:expr, $response:expr, redact_length) => {{
        let mut filters = $crate::snapshot::FILTERS.to_vec();
        filters.push($crate::snapshot::LENGTH_FILTER);
        $crate::assert_raw_snapshot!(@with $name, $response, filters)
    }};
    (@with $name:expr, $response:expr, $filters:expr) => {{
        let mut settings = ::insta::Settings::clone_current();
        for (regex, replacement) in $filters {
            settings.add_filter(regex, replacement);
        }
        let text = $crate::snapshot::render(&$response.raw);
        settings.bind(|| ::insta::assert_snapshot!($name, text));
    }};
}
