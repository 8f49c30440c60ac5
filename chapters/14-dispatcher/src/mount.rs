//! Mounts: the exercise of chapter 14.
//!
//! An application does not have to live at the root of a site. Mounted at
//! `/api`, it answers `/api` and every path below, and it should not have to
//! know where it was mounted. So PEP 3333 splits the path in two:
//!
//! | key | means | at the root | mounted at `/api` |
//! |-----|-------|-------------|-------------------|
//! | `SCRIPT_NAME` | where the application is mounted | `""` | `"/api"` |
//! | `PATH_INFO` | the path inside the application | `"/api/users/42"` | `"/users/42"` |
//!
//! A dispatcher that hands a request to the application mounted at a prefix
//! *moves* the prefix from the front of `PATH_INFO` to the end of
//! `SCRIPT_NAME`. Their concatenation never changes: it is still the path
//! the client asked for, so the application can rebuild its own URLs.
//!
//! Two rules pick the mount:
//!
//! - whole segments only: `/api` takes `/api` and `/api/x`, never `/apix`;
//! - the longest prefix wins: with `/api` and `/api/v2` mounted, `/api/v2/x`
//!   goes to the second one, and `/api/v2x` to the first.

// ANCHOR: types
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
// ANCHOR_END: types

// ANCHOR: mount_matches
/// Does the mount at `prefix` take `path`? Only if `path` is the prefix
/// itself, or the prefix followed by a `/`.
pub fn mount_matches(prefix: &str, path: &str) -> bool {
    match path.strip_prefix(prefix) {
        Some(rest) => rest.is_empty() || rest.starts_with('/'),
        None => false,
    }
}
// ANCHOR_END: mount_matches

// ANCHOR: dispatch
/// Picks the mount for a request (the longest prefix that matches) and
/// shifts its prefix from `path_info` to `script_name`. `None`: no mount
/// takes the path, the fallback answers.
pub fn dispatch<'m, A>(
    mounts: &'m [Mount<A>],
    script_name: &str,
    path_info: &str,
) -> Option<Routed<'m, A>> {
    let mount = mounts
        .iter()
        .filter(|mount| mount_matches(&mount.prefix, path_info))
        .max_by_key(|mount| mount.prefix.len())?;
    Some(Routed {
        app: &mount.app,
        script_name: format!("{script_name}{}", mount.prefix),
        path_info: path_info[mount.prefix.len()..].to_string(),
    })
}
// ANCHOR_END: dispatch
