//! `--trace`: every layer of every request, printed as it happens.
//!
//! A teaching aid in the spirit of `curl -v` and of the hand-written server
//! in the source notes: `< ` lines are the request as the parser understood
//! it, `> ` lines the response head as it goes on the wire, and indented
//! lines the WSGI calls in between (environ handed over, `start_response`,
//! chunks yielded, `close()`). Lines go to standard error, one write per line.

use std::io::Write;

/// Prints one trace line.
pub fn line(text: &str) {
    let mut out = std::io::stderr().lock();
    let _ = out.write_all(format!("{text}\n").as_bytes());
}

/// A short, printable summary of some body bytes.
pub fn summarize(bytes: &[u8], total: u64) -> String {
    let shown: String = bytes.iter().take(40).flat_map(|b| std::ascii::escape_default(*b)).map(char::from).collect();
    let more = if total > 40 { "..." } else { "" };
    format!("[body: {total} bytes: b\"{shown}{more}\"]")
}
