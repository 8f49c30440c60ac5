//! Matching a request against the trie: the exercise of chapter 13.
//!
//! The walk is depth-first, one segment per level. At each node it tries,
//! in this order:
//!
//! 1. the static child named like the segment (`/user/me` beats `/user/<int:id>`);
//! 2. the placeholder children, strictest first: `<int>`, then `<string>`,
//!    then `<path>`, which takes every remaining segment at once.
//!
//! A child that leads nowhere is not the end: the walk *backtracks* and tries
//! the next one. With `/a/b/c` and `/a/<x>/d`, the path `/a/b/d` goes down
//! `b`, finds no `d`, comes back and succeeds through `<x>`.
//!
//! When the segments run out, the node reached may have routes. One for the
//! request's method is a match. Routes for *other* methods are remembered:
//! if nothing matches in the end, the answer is `405 Method Not Allowed` with
//! those methods (the `Allow` header), rather than `404 Not Found`.

use std::collections::BTreeSet;

use crate::routes::{split_path, Converter, Node, Router, Value};

/// A route found for a request: its endpoint, and each placeholder's value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Match {
    pub endpoint: String,
    pub values: Vec<(String, Value)>,
}

/// Why no route answers a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Miss {
    /// No route has this path: `404 Not Found`.
    NotFound,
    /// Routes have this path, but for these other methods (sorted):
    /// `405 Method Not Allowed` with `Allow: GET, POST`.
    MethodNotAllowed(Vec<String>),
}

// ANCHOR: match_path
/// Finds the route for `method` and `path` (text, already decoded).
pub fn match_path(router: &Router, method: &str, path: &str) -> Result<Match, Miss> {
    let Some(segments) = split_path(path) else {
        return Err(Miss::NotFound);
    };
    let mut values = Vec::new();
    let mut allowed = BTreeSet::new();
    if let Some(found) = walk(&router.root, &segments, method, &mut values, &mut allowed) {
        return Ok(found);
    }
    if allowed.is_empty() {
        Err(Miss::NotFound)
    } else {
        Err(Miss::MethodNotAllowed(allowed.into_iter().collect()))
    }
}
// ANCHOR_END: match_path

// ANCHOR: walk
/// Matches `segments` below `node`. `values` holds the placeholder values
/// taken on the way down; `allowed` collects the methods of routes whose
/// path matched but whose method did not.
pub fn walk(
    node: &Node,
    segments: &[&str],
    method: &str,
    values: &mut Vec<Value>,
    allowed: &mut BTreeSet<String>,
) -> Option<Match> {
    let Some((first, rest)) = segments.split_first() else {
        // The whole path is consumed: does a route end here?
        if let Some(leaf) = node.routes.get(method) {
            let values = leaf.names.iter().cloned().zip(values.iter().cloned());
            return Some(Match {
                endpoint: leaf.endpoint.clone(),
                values: values.collect(),
            });
        }
        allowed.extend(node.routes.keys().cloned());
        return None;
    };
    // 1. Fixed text first.
    if let Some(child) = node.statics.get(*first) {
        if let Some(found) = walk(child, rest, method, values, allowed) {
            return Some(found);
        }
    }
    // 2. Placeholders, in the order of `Converter`: Int, Str, Path.
    for (&converter, child) in &node.params {
        let (text, rest) = match converter {
            Converter::Path => (segments.join("/"), &[][..]),
            _ => (first.to_string(), rest),
        };
        let Some(value) = converter.to_value(&text) else {
            continue;
        };
        values.push(value);
        if let Some(found) = walk(child, rest, method, values, allowed) {
            return Some(found);
        }
        // Backtrack: this value belongs to a branch that failed.
        values.pop();
    }
    None
}
// ANCHOR_END: walk
