//! The router: a trie of path segments, and how a request path walks it.
//!
//! Each node of the trie stands for "the path so far". Its children are
//! reached by one segment each: a map from static text (`users`), and a list
//! of placeholders (`<int:id>`), tried in order of weight. A rule ends at the
//! node its last segment leads to. So `/users/`, `/users/<int:id>` and
//! `/users/me` share the `users` node, and matching `/users/42` costs one map
//! look-up and one digit check, however many rules there are.
//!
//! The rules for what wins, from werkzeug (so a Flask user is not surprised):
//! static text beats a placeholder at the same place; among placeholders,
//! `int`/`float` go before `string`/`uuid`, and `path` goes last; otherwise
//! rules keep the order they were added in. When the path matches but not
//! the method, the answer is 405 with the methods that would have worked; when
//! it matches only with a `/` added, the answer is a redirect there (308).

use std::collections::{BTreeSet, HashMap};

use crate::converters::{Converter, Value};
use crate::rule::{repr, Rule, Segment};

/// An edge to a child that a placeholder matches.
#[derive(Debug, Clone, PartialEq)]
enum Edge {
    /// One segment: `prefix`, then what the converter accepts, then `suffix`.
    Segment { prefix: String, converter: Converter, suffix: String },
    /// One or more whole segments (`<path:...>`).
    Path,
}

impl Edge {
    /// Sort key: more static text around the placeholder first, then the
    /// converter's weight. Equal keys keep insertion order (a stable sort).
    fn rank(&self) -> (std::cmp::Reverse<usize>, u32) {
        match self {
            Edge::Segment { prefix, converter, suffix } => {
                (std::cmp::Reverse(prefix.len() + suffix.len()), converter.weight())
            }
            Edge::Path => (std::cmp::Reverse(0), Converter::Path.weight()),
        }
    }
}

#[derive(Debug, Default)]
struct Node {
    statics: HashMap<String, usize>,
    dynamics: Vec<(Edge, usize)>,
    /// Rules that end here, in the order they were added.
    rules: Vec<usize>,
}

/// What the router says about a request.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Rule `rule` matched, with one value per variable, in the rule's order.
    Found {
        rule: usize,
        values: Vec<Value>,
    },
    /// Only this other path matches (a `/` added, or `//` merged): redirect.
    Redirect(String),
    /// The path matches, but only for these methods.
    MethodNotAllowed(BTreeSet<String>),
    NotFound,
}

/// What one walk through the trie collects.
#[derive(Default)]
struct Search {
    /// The placeholders' values on the current branch.
    values: Vec<Value>,
    /// Methods of rules whose path matched but whose methods did not.
    allowed: BTreeSet<String>,
    /// A rule would match with a `/` added. (Werkzeug stops at the first
    /// such rule; here a real match found later still wins, which is kinder.)
    slash_required: bool,
}

/// A set of rules, as a trie. Nodes live in one vector and point at each other
/// by index: simple to own, and cache-friendly to walk.
#[derive(Debug)]
pub struct Router {
    nodes: Vec<Node>,
    rules: Vec<Rule>,
    by_endpoint: HashMap<String, Vec<usize>>,
}

impl Default for Router {
    fn default() -> Self {
        Router { nodes: vec![Node::default()], rules: Vec::new(), by_endpoint: HashMap::new() }
    }
}

impl Router {
    pub fn new() -> Router {
        Router::default()
    }

    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    pub fn rule(&self, index: usize) -> &Rule {
        &self.rules[index]
    }

    // ANCHOR: insert
    /// Adds a rule, walking (and growing) the trie one segment at a time.
    /// A rule that would end on the same node as another one, for a method
    /// both answer, is a conflict: one of them could never be reached.
    pub fn add(&mut self, rule: Rule) -> Result<usize, String> {
        let mut node = 0;
        for segment in &rule.segments {
            node = match segment {
                Segment::Static(text) => match self.nodes[node].statics.get(text) {
                    Some(&child) => child,
                    None => {
                        let child = self.new_node();
                        self.nodes[node].statics.insert(text.clone(), child);
                        child
                    }
                },
                Segment::Dynamic { prefix, converter, suffix, .. } => {
                    let edge = match converter {
                        Converter::Path => Edge::Path,
                        _ => Edge::Segment {
                            prefix: prefix.clone(),
                            converter: converter.clone(),
                            suffix: suffix.clone(),
                        },
                    };
                    // Placeholders that match exactly the same text share a child.
                    match self.nodes[node].dynamics.iter().find(|(e, _)| *e == edge) {
                        Some(&(_, child)) => child,
                        None => {
                            let child = self.new_node();
                            let dynamics = &mut self.nodes[node].dynamics;
                            // Keep the list sorted by rank; after equals, so ties keep their order.
                            let at = dynamics.partition_point(|(e, _)| e.rank() <= edge.rank());
                            dynamics.insert(at, (edge, child));
                            child
                        }
                    }
                }
            };
        }
        for &other in &self.nodes[node].rules {
            let existing = &self.rules[other];
            let shared: Vec<&str> = match (&existing.methods, &rule.methods) {
                (None, None) => vec!["every method"],
                (Some(set), None) | (None, Some(set)) => set.iter().map(String::as_str).collect(),
                (Some(a), Some(b)) => a.intersection(b).map(String::as_str).collect(),
            };
            if !shared.is_empty() {
                return Err(format!(
                    "rule {} (endpoint {}) conflicts with rule {} (endpoint {}): both match the same URLs for {}",
                    repr(&rule.text),
                    repr(&rule.endpoint),
                    repr(&existing.text),
                    repr(&existing.endpoint),
                    shared.join(", ")
                ));
            }
        }
        let index = self.rules.len();
        self.nodes[node].rules.push(index);
        self.by_endpoint.entry(rule.endpoint.clone()).or_default().push(index);
        self.rules.push(rule);
        Ok(index)
    }
    // ANCHOR_END: insert

    fn new_node(&mut self) -> usize {
        self.nodes.push(Node::default());
        self.nodes.len() - 1
    }

    /// Matches a decoded path (`/users/42`) for a method (`GET`).
    pub fn match_path(&self, path: &str, method: &str) -> Outcome {
        // Like werkzeug, leading slashes collapse to one: `//x` is `/x`.
        let trimmed = path.trim_start_matches('/');
        let outcome = self.match_trimmed(path.is_empty(), trimmed, method);
        // `/a//b` that only matches as `/a/b`: redirect to the clean URL.
        if matches!(outcome, Outcome::NotFound | Outcome::MethodNotAllowed(_)) && trimmed.contains("//") {
            let mut merged = String::with_capacity(trimmed.len());
            for c in trimmed.chars() {
                if !(c == '/' && merged.ends_with('/')) {
                    merged.push(c);
                }
            }
            match self.match_trimmed(false, &merged, method) {
                Outcome::Found { .. } => return Outcome::Redirect(format!("/{merged}")),
                redirect @ Outcome::Redirect(_) => return redirect,
                _ => {}
            }
        }
        outcome
    }

    fn match_trimmed(&self, empty: bool, trimmed: &str, method: &str) -> Outcome {
        // "" has no segments; "/" has one empty segment; "/a/" has "a" and "".
        let segments: Vec<&str> = if empty { Vec::new() } else { trimmed.split('/').collect() };
        let mut search = Search::default();
        match self.walk(0, &segments, method, &mut search) {
            Some(rule) => Outcome::Found { rule, values: search.values },
            None if search.slash_required => Outcome::Redirect(if empty { "/".into() } else { format!("/{trimmed}/") }),
            None if !search.allowed.is_empty() => Outcome::MethodNotAllowed(search.allowed),
            None => Outcome::NotFound,
        }
    }

    // ANCHOR: match
    /// Follows `segments` from `node`, depth first: the static child first,
    /// then each placeholder in rank order, backing out of dead ends. `values`
    /// collects what the placeholders matched on the way down; `allowed` and
    /// `slash` remember near misses (wrong method; a `/` missing at the end).
    fn walk(&self, node: usize, segments: &[&str], method: &str, found: &mut Search) -> Option<usize> {
        let here = &self.nodes[node];
        let Some((&segment, rest)) = segments.split_first() else {
            // The whole path is used up: a rule ending here is a match, if it
            // takes this method; if not, remember what it takes (for 405).
            for &rule in &here.rules {
                match &self.rules[rule].methods {
                    Some(methods) if !methods.contains(method) => found.allowed.extend(methods.iter().cloned()),
                    _ => return Some(rule),
                }
            }
            // `/users` when only `/users/` exists: a redirect, unless some
            // other branch matches for real.
            if let Some(&slash) = here.statics.get("") {
                if self.nodes[slash].rules.iter().any(|&r| self.rules[r].allows(method)) {
                    found.slash_required = true;
                }
            }
            return None;
        };
        if let Some(&child) = here.statics.get(segment) {
            if let Some(rule) = self.walk(child, rest, method, found) {
                return Some(rule);
            }
        }
        for (edge, child) in &here.dynamics {
            match edge {
                Edge::Segment { prefix, converter, suffix } => {
                    let Some(inner) =
                        segment.strip_prefix(prefix.as_str()).and_then(|s| s.strip_suffix(suffix.as_str()))
                    else {
                        continue;
                    };
                    let Some(value) = converter.to_value(inner) else { continue };
                    found.values.push(value);
                    if let Some(rule) = self.walk(*child, rest, method, found) {
                        return Some(rule);
                    }
                    found.values.pop();
                }
                Edge::Path => {
                    // Take one segment, then two, ...: the shortest that lets
                    // the rest of the rule match (werkzeug's `[^/].*?`).
                    if segment.is_empty() {
                        continue;
                    }
                    let mut taken = String::new();
                    for count in 1..=segments.len() {
                        if count > 1 {
                            taken.push('/');
                        }
                        taken.push_str(segments[count - 1]);
                        found.values.push(Value::Str(taken.clone()));
                        if let Some(rule) = self.walk(*child, &segments[count..], method, found) {
                            return Some(rule);
                        }
                        found.values.pop();
                    }
                }
            }
        }
        None
    }
    // ANCHOR_END: match

    /// The rules that can build a URL for `endpoint`, best first: werkzeug
    /// prefers the rule that uses the most of the given values.
    pub fn rules_for(&self, endpoint: &str, method: Option<&str>) -> Vec<usize> {
        let mut found: Vec<usize> = self
            .by_endpoint
            .get(endpoint)
            .map(|rules| rules.iter().copied().filter(|&r| method.is_none_or(|m| self.rules[r].allows(m))).collect())
            .unwrap_or_default();
        found.sort_by_key(|&r| std::cmp::Reverse(self.rules[r].variables.len()));
        found
    }

    /// Builds the path for `endpoint` from `values` (Rust-side convenience; the
    /// Python binding does the same with Python values). Picks the first rule
    /// whose variables are all given.
    pub fn build(&self, endpoint: &str, values: &HashMap<String, Value>) -> Result<String, String> {
        let candidates = self.rules_for(endpoint, None);
        if candidates.is_empty() {
            return Err(format!("no rule has the endpoint {}", repr(endpoint)));
        }
        for rule in candidates {
            let rule = &self.rules[rule];
            if rule.variables.iter().all(|v| values.contains_key(v)) {
                return rule.build(|name, _| Ok(values[name].clone()));
            }
        }
        Err(format!("every rule for {} needs a value that was not given", repr(endpoint)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn router(rules: &[(&str, &str, Option<&[&str]>)]) -> Router {
        let mut router = Router::new();
        for (text, endpoint, methods) in rules {
            let methods: Option<Vec<String>> = methods.map(|m| m.iter().map(|s| s.to_string()).collect());
            router.add(Rule::parse(text, endpoint, methods.as_deref()).unwrap()).unwrap();
        }
        router
    }

    fn found(router: &Router, path: &str, method: &str) -> (String, Vec<Value>) {
        match router.match_path(path, method) {
            Outcome::Found { rule, values } => (router.rule(rule).endpoint.clone(), values),
            other => panic!("{path}: expected a match, got {other:?}"),
        }
    }

    const GET: Option<&[&str]> = Some(&["GET"]);

    #[test]
    fn static_beats_dynamic_and_int_beats_string() {
        let r =
            router(&[("/users/<name>", "by_name", GET), ("/users/<int:id>", "by_id", GET), ("/users/me", "me", GET)]);
        assert_eq!(found(&r, "/users/me", "GET").0, "me");
        assert_eq!(found(&r, "/users/42", "GET"), ("by_id".into(), vec![Value::Int(42)]));
        assert_eq!(found(&r, "/users/ada", "GET"), ("by_name".into(), vec![Value::Str("ada".into())]));
        assert_eq!(r.match_path("/users/", "GET"), Outcome::NotFound);
        assert_eq!(r.match_path("/users/a/b", "GET"), Outcome::NotFound);
    }

    #[test]
    fn backtracks_out_of_dead_ends() {
        let r = router(&[("/a/<x>/c", "dynamic", None), ("/a/b/d", "static", None)]);
        // The static child `b` is tried first and fails at `c`; the placeholder wins.
        assert_eq!(found(&r, "/a/b/c", "GET"), ("dynamic".into(), vec![Value::Str("b".into())]));
    }

    #[test]
    fn methods_give_405_with_allowed_list() {
        let r = router(&[("/form", "show", GET), ("/form", "send", Some(&["POST"]))]);
        assert_eq!(found(&r, "/form", "POST").0, "send");
        assert_eq!(found(&r, "/form", "HEAD").0, "show");
        let allowed: BTreeSet<String> = ["GET", "HEAD", "POST"].iter().map(|s| s.to_string()).collect();
        assert_eq!(r.match_path("/form", "DELETE"), Outcome::MethodNotAllowed(allowed));
    }

    #[test]
    fn missing_trailing_slash_redirects() {
        let r = router(&[("/", "index", GET), ("/docs/", "docs", GET), ("/leaf", "leaf", GET)]);
        assert_eq!(r.match_path("/docs", "GET"), Outcome::Redirect("/docs/".into()));
        assert_eq!(r.match_path("", "GET"), Outcome::Redirect("/".into()));
        assert_eq!(found(&r, "/", "GET").0, "index");
        // A leaf does not get a slash taken away: `/leaf/` is simply not there.
        assert_eq!(r.match_path("/leaf/", "GET"), Outcome::NotFound);
        // No redirect for a method the slashed rule does not take.
        assert_eq!(r.match_path("/docs", "POST"), Outcome::NotFound);
        // Doubled slashes redirect to the single-slash URL.
        assert_eq!(r.match_path("/docs//", "GET"), Outcome::Redirect("/docs/".into()));
        assert_eq!(found(&r, "//leaf", "GET").0, "leaf");
    }

    #[test]
    fn paths_take_slashes_and_stop_before_a_suffix() {
        let r = router(&[("/files/<path:rest>", "file", None), ("/wiki/<path:page>/edit", "edit", None)]);
        assert_eq!(found(&r, "/files/a/b.txt", "GET").1, vec![Value::Str("a/b.txt".into())]);
        assert_eq!(found(&r, "/files/a/b/", "GET").1, vec![Value::Str("a/b/".into())]);
        assert_eq!(found(&r, "/wiki/x/y/edit", "GET").1, vec![Value::Str("x/y".into())]);
        assert_eq!(r.match_path("/files", "GET"), Outcome::NotFound);
        assert_eq!(r.match_path("/files/", "GET"), Outcome::NotFound);
    }

    #[test]
    fn prefix_and_suffix_around_a_placeholder() {
        let r = router(&[("/page-<int:n>.html", "page", None), ("/<name>", "other", None)]);
        assert_eq!(found(&r, "/page-3.html", "GET"), ("page".into(), vec![Value::Int(3)]));
        assert_eq!(found(&r, "/page-x.html", "GET").0, "other");
    }

    #[test]
    fn conflicts_are_rejected() {
        let mut r = router(&[("/users/<int:id>", "a", GET)]);
        let error = r.add(Rule::parse("/users/<int:uid>", "b", Some(&["GET".into()])).unwrap()).unwrap_err();
        assert!(error.contains("conflicts with rule '/users/<int:id>'"), "{error}");
        assert!(error.contains("GET, HEAD"), "{error}");
        // Same path, other methods: fine.
        r.add(Rule::parse("/users/<int:id>", "c", Some(&["DELETE".into()])).unwrap()).unwrap();
        // A different converter is a different rule (int is tried first).
        r.add(Rule::parse("/users/<name>", "d", None).unwrap()).unwrap();
    }

    #[test]
    fn builds_urls() {
        let r = router(&[("/users/", "users", None), ("/users/<int:id>", "users", None)]);
        let mut values = HashMap::new();
        assert_eq!(r.build("users", &values).unwrap(), "/users/");
        values.insert("id".to_string(), Value::Int(7));
        assert_eq!(r.build("users", &values).unwrap(), "/users/7");
        assert!(r.build("nope", &values).unwrap_err().contains("no rule"));
    }

    // --- property: build, then match, gives back the endpoint and values ---

    fn arb_segment_text() -> impl Strategy<Value = String> {
        // Any text but '/', including spaces, '%', '?', '#' and non-ASCII,
        // which the builder must escape and matching gets back decoded.
        "[^/]{1,8}"
    }

    #[derive(Debug, Clone)]
    enum Piece {
        Static(String),
        Var(Converter),
    }

    fn arb_piece() -> impl Strategy<Value = Piece> {
        prop_oneof![
            "[a-z]{1,6}".prop_map(Piece::Static),
            Just(Piece::Var(Converter::String { min: 1, max: None })),
            Just(Piece::Var(Converter::Int { fixed_digits: 0, min: None, max: None, signed: false })),
            Just(Piece::Var(Converter::Int { fixed_digits: 0, min: None, max: None, signed: true })),
            Just(Piece::Var(Converter::Float { min: None, max: None, signed: false })),
            Just(Piece::Var(Converter::Uuid)),
            Just(Piece::Var(Converter::Path)),
        ]
    }

    fn arb_value(converter: &Converter) -> BoxedStrategy<Value> {
        match converter {
            Converter::String { .. } => arb_segment_text().prop_map(Value::Str).boxed(),
            Converter::Int { signed: false, .. } => (0..i64::MAX).prop_map(Value::Int).boxed(),
            Converter::Int { .. } => any::<i64>().prop_map(Value::Int).boxed(),
            // Python writes floats of 1e16 and up with an exponent, which the
            // float converter (digits.digits, as in werkzeug) does not accept.
            // Below 1e-4 it also uses an exponent: keep to thousandths and up.
            Converter::Float { .. } => {
                (0u64..1_000_000_000_000_000).prop_map(|n| Value::Float(n as f64 / 1000.0)).boxed()
            }
            Converter::Uuid => {
                "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}".prop_map(Value::Uuid).boxed()
            }
            Converter::Path => {
                proptest::collection::vec("[^/]{1,5}", 1..4).prop_map(|parts| Value::Str(parts.join("/"))).boxed()
            }
        }
    }

    fn rule_text(pieces: &[Piece], slash: bool) -> String {
        let mut text = String::new();
        for (i, piece) in pieces.iter().enumerate() {
            text.push('/');
            match piece {
                Piece::Static(s) => text.push_str(s),
                Piece::Var(c) => {
                    let spec = match c {
                        Converter::Int { signed: true, .. } => "int(signed=True)",
                        other => other.kind(),
                    };
                    text.push_str(&format!("<{spec}:v{i}>"));
                }
            }
        }
        if slash || pieces.is_empty() {
            text.push('/');
        }
        text
    }

    /// One rule (as pieces, plus a trailing slash flag) and values for it.
    /// With two `path` placeholders, `/a/b/c` splits more than one way, so
    /// the rule under test has at most one (the others may have several).
    fn arb_rule_and_values() -> impl Strategy<Value = (Vec<Piece>, bool, Vec<Value>)> {
        let pieces = proptest::collection::vec(arb_piece(), 0..5).prop_filter("at most one path", |p| {
            p.iter().filter(|p| matches!(p, Piece::Var(Converter::Path))).count() <= 1
        });
        (pieces, any::<bool>()).prop_flat_map(|(pieces, slash)| {
            let value_strategies: Vec<BoxedStrategy<Value>> = pieces
                .iter()
                .filter_map(|p| match p {
                    Piece::Var(c) => Some(arb_value(c)),
                    Piece::Static(_) => None,
                })
                .collect();
            (Just(pieces), Just(slash), value_strategies)
        })
    }

    proptest! {
        #[test]
        fn matching_the_built_url_gives_back_endpoint_and_values(
            (pieces, slash, values) in arb_rule_and_values(),
            others in proptest::collection::vec((proptest::collection::vec(arb_piece(), 0..4), any::<bool>()), 0..6),
        ) {
            // The rule under test goes first, so among equal-ranked
            // alternatives it is the one that wins; other rules sit around it.
            let mut router = Router::new();
            let text = rule_text(&pieces, slash);
            router.add(Rule::parse(&text, "target", None).unwrap()).unwrap();
            for (i, (other, other_slash)) in others.iter().enumerate() {
                let other_text = rule_text(other, *other_slash);
                if let Ok(rule) = Rule::parse(&other_text, &format!("other{i}"), None) {
                    let _ = router.add(rule); // conflicts are fine to skip
                }
            }
            let names = router.rule(0).variables.clone();
            let given: HashMap<String, Value> = names.iter().cloned().zip(values.iter().cloned()).collect();
            let url = router.build("target", &given).unwrap();
            // The server decodes %XX before the app sees PATH_INFO; do the same.
            let decoded = crate::percent::unquote(&url, false);
            match router.match_path(&decoded, "GET") {
                Outcome::Found { rule, values: matched } => {
                    // Another rule may legitimately win (e.g. a static segment
                    // equal to a generated value); then it must match the same path.
                    if rule == 0 {
                        prop_assert_eq!(matched, values, "url {}", url);
                    } else {
                        let rebuilt = router.rule(rule).build(|name, _| {
                            let i = router.rule(rule).variables.iter().position(|v| v == name).unwrap();
                            Ok(matched[i].clone())
                        }).unwrap();
                        prop_assert_eq!(crate::percent::unquote(&rebuilt, false), decoded);
                    }
                }
                other => prop_assert!(false, "{} built {} but matching gave {:?}", text, url, other),
            }
        }

        #[test]
        fn alone_a_rule_matches_its_own_url_exactly((pieces, slash, values) in arb_rule_and_values()) {
            let mut router = Router::new();
            let text = rule_text(&pieces, slash);
            router.add(Rule::parse(&text, "target", None).unwrap()).unwrap();
            let given: HashMap<String, Value> =
                router.rule(0).variables.iter().cloned().zip(values.iter().cloned()).collect();
            let url = router.build("target", &given).unwrap();
            let decoded = crate::percent::unquote(&url, false);
            prop_assert_eq!(router.match_path(&decoded, "GET"), Outcome::Found { rule: 0, values });
        }
    }
}
