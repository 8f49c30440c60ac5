//! Route patterns, the segment trie that stores them, and URL building.
//!
//! A *pattern* is a path whose segments are either fixed text or a
//! *placeholder* with a *converter*:
//!
//! | pattern | matches | values |
//! |---------|---------|--------|
//! | `/hello/<name>` | `/hello/Ada` | `name = "Ada"` (one segment, not empty) |
//! | `/user/<int:id>` | `/user/42` | `id = 42` (digits only, a number) |
//! | `/files/<path:rest>` | `/files/a/b.txt` | `rest = "a/b.txt"` (the rest, `/` included) |
//!
//! A list of patterns tried one after the other (a regex each) costs a
//! test per route for every request. A *trie* shares the work: the node for
//! `/user` is reached once, whatever follows. Each node has children reached
//! by fixed text (a map look-up) and children reached by a placeholder, one
//! per converter:
//!
//! ```text
//! /                        GET -> index
//!     "hello"
//!         <string>         GET -> hello
//!     "user"
//!         "me"             GET -> me
//!         <int>            GET -> user, POST -> update_user
//! ```
//!
//! Matching is the exercise (`matcher.rs`); building the trie and building
//! URLs back from an endpoint and its values are here.

use std::collections::BTreeMap;
use std::fmt;

/// What a placeholder accepts. The order of the variants is the order in
/// which the matcher tries them: the strictest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Converter {
    /// `<int:id>`: one segment of ASCII digits, as a number.
    Int,
    /// `<name>` or `<string:name>`: one segment, not empty.
    Str,
    /// `<path:rest>`: one or more segments, the `/` between them included.
    /// Only allowed as the last segment of a pattern.
    Path,
}

impl fmt::Display for Converter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Converter::Int => "int",
            Converter::Str => "string",
            Converter::Path => "path",
        })
    }
}

/// A value taken from a path, or given to [`Router::url_for`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Int(u64),
    Str(String),
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Int(n) => write!(f, "{n}"),
            Value::Str(s) => write!(f, "{s:?}"),
        }
    }
}

// ANCHOR: to_value
impl Converter {
    /// The value of `text` for this converter, or `None` if it does not
    /// match. `text` is one segment, or for `Path` the rest of the path.
    pub fn to_value(self, text: &str) -> Option<Value> {
        match self {
            Converter::Int if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) => {
                // Too many digits for a u64: not a match (the next converter may take it).
                text.parse().ok().map(Value::Int)
            }
            Converter::Int => None,
            Converter::Str | Converter::Path if !text.is_empty() => Some(Value::Str(text.into())),
            Converter::Str | Converter::Path => None,
        }
    }
}
// ANCHOR_END: to_value

/// One segment of a pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    Static(String),
    Param { name: String, converter: Converter },
}

/// Where a route ends: its endpoint, and the names of its placeholders in
/// order (the matcher collects the values in the same order).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Leaf {
    pub endpoint: String,
    pub names: Vec<String>,
}

// ANCHOR: node
/// A node of the trie: "the path so far".
#[derive(Debug, Default)]
pub struct Node {
    /// Children reached by a fixed segment, such as `hello` or `me`.
    pub statics: BTreeMap<String, Node>,
    /// Children reached by a placeholder, one per converter. A `BTreeMap`
    /// iterates in key order: `Int`, then `Str`, then `Path`.
    pub params: BTreeMap<Converter, Node>,
    /// The routes that end here, by method.
    pub routes: BTreeMap<String, Leaf>,
}
// ANCHOR_END: node

/// A route table that cannot work.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RouteError {
    /// The pattern is malformed; the string says how.
    BadPattern(String, &'static str),
    /// Two routes for the same method end on the same node: one of them
    /// could never be reached.
    Duplicate(String, String),
    /// An endpoint with two different patterns: which would `url_for` build?
    TwoPatterns(String),
}

impl fmt::Display for RouteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RouteError::BadPattern(pattern, why) => write!(f, "bad pattern {pattern:?}: {why}"),
            RouteError::Duplicate(method, pattern) => {
                write!(f, "{method} {pattern} clashes with a route added before")
            }
            RouteError::TwoPatterns(endpoint) => {
                write!(f, "endpoint {endpoint:?} already has another pattern")
            }
        }
    }
}

/// The segments of a pattern. `/` has none; `/hello/` ends with an empty
/// static segment, so a trailing slash is part of the route.
pub fn parse_pattern(pattern: &str) -> Result<Vec<Segment>, RouteError> {
    let bad = |why| Err(RouteError::BadPattern(pattern.to_string(), why));
    let Some(rest) = pattern.strip_prefix('/') else {
        return bad("a pattern starts with /");
    };
    let mut segments = Vec::new();
    let pieces: Vec<&str> = if rest.is_empty() {
        vec![]
    } else {
        rest.split('/').collect()
    };
    for (i, piece) in pieces.iter().enumerate() {
        let last = i + 1 == pieces.len();
        let Some(inner) = piece.strip_prefix('<').and_then(|p| p.strip_suffix('>')) else {
            if piece.contains(['<', '>']) {
                return bad("a placeholder is a whole segment, like /<name>/");
            }
            if piece.is_empty() && !last {
                return bad("an empty segment (//)");
            }
            segments.push(Segment::Static(piece.to_string()));
            continue;
        };
        let (converter, name) = match inner.split_once(':') {
            None => (Converter::Str, inner),
            Some(("string", name)) => (Converter::Str, name),
            Some(("int", name)) => (Converter::Int, name),
            Some(("path", name)) => (Converter::Path, name),
            Some(_) => return bad("the converters are string, int and path"),
        };
        let identifier = name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !identifier {
            return bad("a placeholder's name is a Python identifier");
        }
        if converter == Converter::Path && !last {
            return bad("<path:...> takes the rest of the path, so it comes last");
        }
        let seen = segments
            .iter()
            .any(|s| matches!(s, Segment::Param { name: n, .. } if n == name));
        if seen {
            return bad("two placeholders with the same name");
        }
        segments.push(Segment::Param {
            name: name.to_string(),
            converter,
        });
    }
    Ok(segments)
}

/// The segments of a request path, for the matcher: `/` has none,
/// `/hello/Ada` has two. The empty path (what an application mounted at
/// `/app` sees for `/app`) counts as `/`. A path without its leading `/`
/// matches nothing.
pub fn split_path(path: &str) -> Option<Vec<&str>> {
    if path.is_empty() || path == "/" {
        return Some(vec![]);
    }
    path.strip_prefix('/').map(|rest| rest.split('/').collect())
}

/// A route table: the trie, and each endpoint's pattern for URL building.
#[derive(Debug, Default)]
pub struct Router {
    pub root: Node,
    /// Endpoint to (pattern as written, its segments).
    pub patterns: BTreeMap<String, (String, Vec<Segment>)>,
}

impl Router {
    pub fn new() -> Router {
        Router::default()
    }

    // ANCHOR: add
    /// Adds a route: `method` requests for paths matching `pattern` go to
    /// `endpoint`. Walks down the trie, growing it where a child is missing.
    pub fn add(&mut self, method: &str, pattern: &str, endpoint: &str) -> Result<(), RouteError> {
        let segments = parse_pattern(pattern)?;
        if let Some((known, _)) = self.patterns.get(endpoint) {
            if known != pattern {
                return Err(RouteError::TwoPatterns(endpoint.to_string()));
            }
        }
        let mut node = &mut self.root;
        let mut names = Vec::new();
        for segment in &segments {
            node = match segment {
                Segment::Static(text) => node.statics.entry(text.clone()).or_default(),
                Segment::Param { name, converter } => {
                    names.push(name.clone());
                    node.params.entry(*converter).or_default()
                }
            };
        }
        if node.routes.contains_key(method) {
            return Err(RouteError::Duplicate(
                method.to_string(),
                pattern.to_string(),
            ));
        }
        let leaf = Leaf {
            endpoint: endpoint.to_string(),
            names,
        };
        node.routes.insert(method.to_string(), leaf);
        self.patterns
            .insert(endpoint.to_string(), (pattern.to_string(), segments));
        Ok(())
    }
    // ANCHOR_END: add

    /// The trie drawn as text, one node per line, for the curious (and
    /// for a snapshot).
    pub fn describe(&self) -> String {
        fn walk(node: &Node, label: &str, depth: usize, out: &mut String) {
            let routes: Vec<String> = node
                .routes
                .iter()
                .map(|(method, leaf)| format!("{method} -> {}", leaf.endpoint))
                .collect();
            let label = format!("{}{label}", "    ".repeat(depth));
            let line = format!("{label:<28} {}", routes.join(", "));
            out.push_str(line.trim_end());
            out.push('\n');
            for (text, child) in &node.statics {
                walk(child, &format!("{text:?}"), depth + 1, out);
            }
            for (converter, child) in &node.params {
                walk(child, &format!("<{converter}>"), depth + 1, out);
            }
        }
        let mut out = String::new();
        walk(&self.root, "/", 0, &mut out);
        out
    }

    // ANCHOR: url_for
    /// The path of `endpoint` with these values, percent-escaped, so that
    /// matching it (once the server has decoded it) gives the same values.
    pub fn url_for(
        &self,
        endpoint: &str,
        values: &[(String, Value)],
    ) -> Result<String, BuildError> {
        let Some((_, segments)) = self.patterns.get(endpoint) else {
            return Err(BuildError::UnknownEndpoint(endpoint.to_string()));
        };
        for (name, _) in values {
            let known = segments
                .iter()
                .any(|s| matches!(s, Segment::Param { name: n, .. } if n == name));
            if !known {
                return Err(BuildError::Unexpected(name.clone()));
            }
        }
        let mut url = String::new();
        for segment in segments {
            url.push('/');
            let (name, converter) = match segment {
                Segment::Static(text) => {
                    url.push_str(&escape(text, false));
                    continue;
                }
                Segment::Param { name, converter } => (name, *converter),
            };
            let Some((_, value)) = values.iter().find(|(n, _)| n == name) else {
                return Err(BuildError::Missing(name.clone()));
            };
            let invalid = |why| BuildError::Invalid(name.clone(), why);
            match (converter, value) {
                (Converter::Int, Value::Int(n)) => url.push_str(&n.to_string()),
                (Converter::Int, Value::Str(_)) => return Err(invalid("<int> needs a number")),
                (_, Value::Int(_)) => return Err(invalid("<string> and <path> need text")),
                (_, Value::Str(s)) if s.is_empty() => return Err(invalid("an empty value")),
                // `%2F` would come back as `/` once the server decodes PATH_INFO,
                // and then the path has one segment too many.
                (Converter::Str, Value::Str(s)) if s.contains('/') => {
                    return Err(invalid("a / cannot go in one segment"))
                }
                (converter, Value::Str(s)) => {
                    url.push_str(&escape(s, converter == Converter::Path))
                }
            }
        }
        if url.is_empty() {
            url.push('/');
        }
        Ok(url)
    }
    // ANCHOR_END: url_for
}

/// Why no URL can be built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BuildError {
    UnknownEndpoint(String),
    /// A placeholder without a value.
    Missing(String),
    /// A value for no placeholder.
    Unexpected(String),
    /// A value its converter refuses.
    Invalid(String, &'static str),
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BuildError::UnknownEndpoint(e) => write!(f, "no endpoint is called {e:?}"),
            BuildError::Missing(name) => write!(f, "no value for <{name}>"),
            BuildError::Unexpected(name) => write!(f, "the pattern has no <{name}>"),
            BuildError::Invalid(name, why) => write!(f, "bad value for <{name}>: {why}"),
        }
    }
}

// ANCHOR: escape
/// Percent-escapes `text` as UTF-8: letters, digits and `-._~` stay as
/// they are (the "unreserved" characters of RFC 3986), and `/` too when
/// `keep_slash`; every other byte becomes `%XX`.
pub fn escape(text: &str, keep_slash: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for &byte in text.as_bytes() {
        let plain = byte.is_ascii_alphanumeric()
            || matches!(byte, b'-' | b'.' | b'_' | b'~')
            || (keep_slash && byte == b'/');
        if plain {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}
// ANCHOR_END: escape

/// `PATH_INFO` as text. The environ holds the path's bytes read as latin-1
/// (chapter 10); routes are written in Unicode, so the bytes are read again
/// as UTF-8. A path that is not UTF-8 names no route: `None`.
pub fn path_text(path_info: &str) -> Option<String> {
    let bytes: Option<Vec<u8>> = path_info.chars().map(|c| u8::try_from(c).ok()).collect();
    String::from_utf8(bytes?).ok()
}
