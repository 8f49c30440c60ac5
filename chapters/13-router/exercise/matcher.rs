//! Exercise, chapter 13: match a request against the trie of routes.
//!
//! ```text
//! routes                              the trie (`Router::describe`)
//! GET  /user/<int:id>   -> user       /
//! POST /user/<int:id>   -> update         "user"
//! GET  /user/me         -> me                 "me"       GET -> me
//! GET  /user/<name>     -> by_name            <int>      GET -> user, POST -> update
//!                                             <string>   GET -> by_name
//!
//! GET    /user/42   -> Ok(user, id = 42)
//! GET    /user/me   -> Ok(me)              the fixed segment first
//! GET    /user/ada  -> Ok(by_name, name = "ada")   not an int: the next converter
//! DELETE /user/42   -> Err(MethodNotAllowed(["GET", "POST"]))
//! GET    /nowhere   -> Err(NotFound)
//! ```
//!
//! Given, in `crate::routes`: `split_path(path)` (the segments, or `None`),
//! `Node` (`statics`, `params`, `routes`), and `Converter::to_value(text)`,
//! which says whether a converter accepts a segment and with what value.
//!
//! Run the check with `cargo run -p course -- check 13`.
//! Stuck? `cargo run -p course -- hint 13`.

// The starter does not use its arguments yet; that is expected.
#![allow(unused_variables)]
// (Clippy would ask for `&mut [Value]` while nothing is pushed onto `values`.)
#![allow(clippy::ptr_arg)]
// The imports the reference uses; you will need them.
#![allow(unused_imports)]

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

/// Finds the route for `method` and `path` (text, already decoded).
pub fn match_path(router: &Router, method: &str, path: &str) -> Result<Match, Miss> {
    // TODO: Split the path with `split_path(path)`; `None` (no leading `/`)
    //   is a 404: `Err(Miss::NotFound)`.
    // TODO: Make the two collections the walk fills in: `values`, a
    //   `Vec<Value>`, and `allowed`, a `BTreeSet<String>` (sorted, no
    //   duplicates). Call `walk(&router.root, &segments, method, ...)`.
    // TODO: A `Some(found)` is the answer. Otherwise: nothing in `allowed`
    //   means 404; methods in it mean 405, with them as a sorted `Vec`.
    todo!("match_path")
}

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
    // TODO: No segment left (`segments.split_first()` is `None`): the path
    //   ends at this node. If `node.routes` has a `Leaf` for `method`, build
    //   the `Match`: its endpoint, and its `names` zipped with `values`
    //   (both in path order). If not, add every method of `node.routes` to
    //   `allowed` and return `None`.
    //
    // TODO: Otherwise, with `first` and `rest`:
    //   1. if `node.statics` has a child for `first`, walk it with `rest`;
    //      a `Some` is the answer, return it at once.
    //   2. then each `(converter, child)` of `node.params`, in the map's
    //      order (Int, Str, Path). Ask `converter.to_value(text)` where
    //      `text` is `first`, except for `Converter::Path`, which takes all
    //      the segments joined with "/" and leaves nothing for the child.
    //      `None`: try the next converter. `Some(value)`: push it on
    //      `values`, walk the child, return a `Some`; after a `None`, pop
    //      the value again before trying the next converter (backtracking).
    //   3. nothing worked: `None`.
    todo!("walk")
}
