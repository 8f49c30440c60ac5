//! Reading a rule like `/users/<int:id>/posts/` into the segments the router
//! stores, rejecting malformed rules with a message that says what is wrong.
//!
//! A rule is a path split at `/`. Each segment is either static text
//! (`users`) or a placeholder (`<int:id>`), possibly with static text around
//! it in the same segment (`page-<int:n>.html`). A rule ending in `/` has an
//! empty last segment: that is how `/users/` differs from `/users`.

use std::collections::BTreeSet;

use crate::converters::{Converter, Value};
use crate::percent::{quote, PATH_SAFE};

/// One segment of a rule.
#[derive(Debug, Clone, PartialEq)]
pub enum Segment {
    /// Matches exactly this text (after the request path is decoded).
    Static(String),
    /// `prefix<converter:name>suffix`. For `path`, prefix and suffix are empty
    /// and the placeholder may take several segments.
    Dynamic { prefix: String, converter: Converter, suffix: String, name: String },
}

/// A parsed rule: where it matches, for which methods, and its endpoint.
#[derive(Debug, Clone)]
pub struct Rule {
    /// The rule as written, for messages.
    pub text: String,
    pub segments: Vec<Segment>,
    /// `None`: every method. A set with `GET` always has `HEAD` too.
    pub methods: Option<BTreeSet<String>>,
    pub endpoint: String,
    /// The placeholder names, in order.
    pub variables: Vec<String>,
}

impl Rule {
    /// Parses `text` for `endpoint`; `methods` are upper-cased, and `GET`
    /// brings `HEAD` with it (a HEAD request is a GET without the body).
    pub fn parse(text: &str, endpoint: &str, methods: Option<&[String]>) -> Result<Rule, String> {
        let fail = |why: String| Err(format!("malformed rule {}: {why}", repr(text)));
        let Some(rest) = text.strip_prefix('/') else {
            return fail("a rule must start with '/'".into());
        };
        let mut segments = Vec::new();
        let mut variables: Vec<String> = Vec::new();
        let pieces = match split_segments(rest) {
            Ok(pieces) => pieces,
            Err(why) => return fail(why),
        };
        let last = pieces.len() - 1;
        for (index, piece) in pieces.iter().enumerate() {
            if piece.is_empty() && index != last {
                return fail("empty segment ('//'); only the last segment may be empty (a trailing '/')".into());
            }
            let segment = match parse_segment(piece) {
                Ok(segment) => segment,
                Err(why) => return fail(why),
            };
            if let Segment::Dynamic { name, .. } = &segment {
                if variables.contains(name) {
                    return fail(format!("the variable {} appears twice", repr(name)));
                }
                variables.push(name.clone());
            }
            segments.push(segment);
        }
        let methods = match methods {
            None => None,
            Some(list) => {
                let mut set = BTreeSet::new();
                for method in list {
                    let method = method.trim().to_ascii_uppercase();
                    if method.is_empty() || !method.bytes().all(|b| b.is_ascii_alphabetic() || b == b'-' || b == b'_') {
                        return Err(format!("rule {}: {} is not an HTTP method", repr(text), repr(&method)));
                    }
                    set.insert(method);
                }
                if set.is_empty() {
                    return Err(format!("rule {}: an empty list of methods would never match", repr(text)));
                }
                if set.contains("GET") {
                    set.insert("HEAD".to_string());
                }
                Some(set)
            }
        };
        Ok(Rule { text: text.to_string(), segments, methods, endpoint: endpoint.to_string(), variables })
    }

    /// Whether this rule answers `method`.
    pub fn allows(&self, method: &str) -> bool {
        self.methods.as_ref().is_none_or(|set| set.contains(method))
    }

    // ANCHOR: build
    /// Writes the rule's URL path with the given values: static text as it is
    /// (escaped), each placeholder through its converter's `to_url`, which
    /// escapes too. `value_of` supplies the value for a variable name.
    pub fn build(&self, mut value_of: impl FnMut(&str, &Converter) -> Result<Value, String>) -> Result<String, String> {
        let mut url = String::with_capacity(self.text.len() + 16);
        for segment in &self.segments {
            url.push('/');
            match segment {
                Segment::Static(text) => url.push_str(&quote(text, PATH_SAFE)),
                Segment::Dynamic { prefix, converter, suffix, name } => {
                    let value = value_of(name, converter)?;
                    url.push_str(&quote(prefix, PATH_SAFE));
                    url.push_str(&converter.to_url(&value).map_err(|why| format!("{name}: {why}"))?);
                    url.push_str(&quote(suffix, PATH_SAFE));
                }
            }
        }
        Ok(url)
    }
    // ANCHOR_END: build
}

/// Splits at `/` outside of `<...>`, so converter options may hold any text.
fn split_segments(rest: &str) -> Result<Vec<&str>, String> {
    let mut pieces = Vec::new();
    let mut depth = 0;
    let mut start = 0;
    for (at, c) in rest.char_indices() {
        match c {
            '<' if depth == 0 => depth = 1,
            '<' => return Err("'<' inside a placeholder".into()),
            '>' if depth == 1 => depth = 0,
            '>' => return Err("'>' without a '<' before it".into()),
            '/' if depth == 0 => {
                pieces.push(&rest[start..at]);
                start = at + 1;
            }
            _ => {}
        }
    }
    if depth != 0 {
        return Err("a '<' is never closed with '>'".into());
    }
    pieces.push(&rest[start..]);
    Ok(pieces)
}

/// Parses one segment: static text, or text around one `<...>` placeholder.
fn parse_segment(piece: &str) -> Result<Segment, String> {
    let Some(open) = piece.find('<') else {
        return Ok(Segment::Static(piece.to_string()));
    };
    let close = open + piece[open..].find('>').ok_or("a '<' is never closed with '>'")?;
    let (prefix, inside, suffix) = (&piece[..open], &piece[open + 1..close], &piece[close + 1..]);
    if suffix.contains('<') {
        return Err(format!("segment {} has two placeholders; use one per segment", repr(piece)));
    }
    // `<int(min=1):id>`, `<int:id>` or `<id>`.
    let (converter_spec, name) = match inside.rsplit_once(':') {
        Some((spec, name)) => (spec.trim(), name.trim()),
        None => ("default", inside.trim()),
    };
    if !is_identifier(name) {
        return Err(format!(
            "{} is not a valid variable name (letters, digits and '_', not starting with a digit)",
            repr(name)
        ));
    }
    let (converter_name, args) = match converter_spec.split_once('(') {
        Some((converter_name, rest)) => {
            let args = rest
                .strip_suffix(')')
                .ok_or_else(|| format!("converter options of <{inside}> are not closed with ')'"))?;
            (converter_name.trim(), args)
        }
        None => (converter_spec, ""),
    };
    let converter = Converter::from_rule(converter_name, args).map_err(|why| format!("<{inside}>: {why}"))?;
    if converter == Converter::Path && !(prefix.is_empty() && suffix.is_empty()) {
        return Err(format!("<{inside}> must fill whole segments; put static text in its own segment"));
    }
    Ok(Segment::Dynamic { prefix: prefix.to_string(), converter, suffix: suffix.to_string(), name: name.to_string() })
}

/// `text` quoted the way Python's `repr` quotes a string (`'users'`), for
/// error messages that Python programmers read.
pub fn repr(text: &str) -> String {
    let quote = if text.contains('\'') && !text.contains('"') { '"' } else { '\'' };
    let mut out = String::with_capacity(text.len() + 2);
    out.push(quote);
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() => out.push_str(&format!("\\x{:02x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> String {
        Rule::parse(text, "e", None).unwrap_err()
    }

    #[test]
    fn parses_segments() {
        let rule = Rule::parse("/users/<int:id>/page-<n>.html/", "e", Some(&["get".into()])).unwrap();
        assert_eq!(rule.segments.len(), 4);
        assert_eq!(rule.segments[0], Segment::Static("users".into()));
        assert!(matches!(&rule.segments[2], Segment::Dynamic { prefix, suffix, name, .. }
            if prefix == "page-" && suffix == ".html" && name == "n"));
        assert_eq!(rule.segments[3], Segment::Static(String::new()));
        assert_eq!(rule.variables, ["id", "n"]);
        assert_eq!(rule.methods.unwrap().into_iter().collect::<Vec<_>>(), ["GET", "HEAD"]);
        assert_eq!(Rule::parse("/", "e", None).unwrap().segments, [Segment::Static(String::new())]);
    }

    #[test]
    fn rejects_malformed_rules_clearly() {
        assert!(err("users").contains("must start with '/'"));
        assert!(err("/a//b").contains("empty segment"));
        assert!(err("/<int:id").contains("never closed"));
        assert!(err("/a>").contains("without a '<'"));
        assert!(err("/<1x>").contains("not a valid variable name"));
        assert!(err("/<a>/<a>").contains("appears twice"));
        assert!(err("/<a><b>").contains("two placeholders"));
        assert!(err("/<nope:a>").contains("unknown converter"));
        assert!(err("/x<path:p>").contains("whole segments"));
        assert!(err("/<int(min=1:a>").contains("not closed with ')'"));
        assert!(Rule::parse("/", "e", Some(&[])).unwrap_err().contains("never match"));
    }

    #[test]
    fn builds_with_escaping() {
        let rule = Rule::parse("/caf\u{e9}/<name>/<path:rest>", "e", None).unwrap();
        let url =
            rule.build(|name, _| Ok(Value::Str(if name == "name" { "a b?".into() } else { "x/y z".into() }))).unwrap();
        assert_eq!(url, "/caf%C3%A9/a%20b%3F/x/y%20z");
    }
}
