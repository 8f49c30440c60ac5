//! Exercise, chapter 14: pick the mount for a request and shift its prefix.
//!
//! ```text
//! mounts: /api -> api, /api/v2 -> v2, /hello -> hello
//!
//! SCRIPT_NAME  PATH_INFO        goes to   SCRIPT_NAME     PATH_INFO
//! ""           "/api/users/42"  api       "/api"          "/users/42"
//! ""           "/api"           api       "/api"          ""
//! ""           "/api/v2/x"      v2        "/api/v2"       "/x"       the longest prefix
//! ""           "/api/v2x"       api       "/api"          "/v2x"     whole segments only
//! ""           "/apix"          (the fallback: no mount takes it)
//! "/site"      "/hello/you"     hello     "/site/hello"   "/you"     appended, not replaced
//! ```
//!
//! Whatever happens, `SCRIPT_NAME + PATH_INFO` is the same before and after.
//!
//! Run the check with `cargo run -p course -- check 14`.
//! Stuck? `cargo run -p course -- hint 14`.

// The starter does not use its arguments yet; that is expected.
#![allow(unused_variables)]

/// An application mounted at a prefix. The prefix is normalized (see
/// `dispatcher::mount_table`): it starts with `/`, has no `/` at the end and
/// no empty segment, such as `/api` or `/api/v2`. Like `PATH_INFO`, it is
/// in the environ's latin-1 form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mount<A> {
    pub prefix: String,
    pub app: A,
}

/// Where a request goes: the application, and the environ's two keys as
/// that application must see them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Routed<'m, A> {
    pub app: &'m A,
    pub script_name: String,
    pub path_info: String,
}

/// Does the mount at `prefix` take `path`? Only if `path` is the prefix
/// itself, or the prefix followed by a `/`.
pub fn mount_matches(prefix: &str, path: &str) -> bool {
    // TODO: `path.starts_with(prefix)` is not enough: `/apix` starts with
    //   `/api`. Take what follows the prefix (`path.strip_prefix(prefix)`
    //   gives `Some(rest)` or `None`): the mount matches when `rest` is
    //   empty (the path IS the prefix) or starts with '/'.
    todo!("mount_matches")
}

/// Picks the mount for a request (the longest prefix that matches) and
/// shifts its prefix from `path_info` to `script_name`. `None`: no mount
/// takes the path, the fallback answers.
pub fn dispatch<'m, A>(
    mounts: &'m [Mount<A>],
    script_name: &str,
    path_info: &str,
) -> Option<Routed<'m, A>> {
    // TODO: Among the `mounts` whose prefix matches `path_info`
    //   (`mount_matches`), take the one with the longest prefix
    //   (`.iter().filter(...).max_by_key(...)`). None match: `None`.
    // TODO: Shift: the new SCRIPT_NAME is the old one followed by the
    //   prefix (never replace it: this dispatcher may itself be mounted
    //   somewhere), and the new PATH_INFO is what follows the prefix in
    //   `path_info` (maybe "", when the path is the prefix itself).
    todo!("dispatch")
}
