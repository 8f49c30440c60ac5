//! The Dispatcher: a WSGI middleware that sends each request to the app
//! mounted on the longest matching path prefix.
//!
//! This is the source notes' `Dispatcher` (and werkzeug's
//! `DispatcherMiddleware`) made exact:
//!
//! - prefixes match whole segments: `/api` takes `/api` and `/api/users`,
//!   never `/apix`;
//! - the longest prefix wins: with `/api` and `/api/v2` mounted, `/api/v2/x`
//!   goes to the second;
//! - the matched prefix *moves* from `PATH_INFO` to the end of `SCRIPT_NAME`,
//!   in a copy of the environ, so the inner app routes on its own paths and
//!   can still rebuild full URLs (`SCRIPT_NAME + PATH_INFO` never changes);
//! - anything else goes to the fallback app, a 404 by default.

use std::collections::HashMap;

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyTuple};

use crate::http::error_page;
use crate::percent::{text_to_wsgi, wsgi_to_text};
use crate::rule::repr;

/// Prefixes and where they point, without any Python in it (so the property
/// tests can run it on their own).
#[derive(Debug, Default, Clone)]
pub struct MountTable {
    /// WSGI-form prefix (`/api`, no trailing slash) to the index of its app.
    prefixes: HashMap<String, usize>,
}

impl MountTable {
    /// `api/`, `/api/` and `/api` all mean the mount `/api`. The root itself
    /// is refused: it would catch everything, which is what the fallback is for.
    pub fn normalize(prefix: &str) -> Result<String, String> {
        let trimmed = prefix.trim_end_matches('/');
        if trimmed.is_empty() {
            return Err(format!(
                "cannot mount an app at {}: it would catch every path; pass it as the fallback instead",
                repr(prefix)
            ));
        }
        if trimmed.contains("//") {
            return Err(format!("mount prefix {} has an empty segment ('//')", repr(prefix)));
        }
        let with_slash = if trimmed.starts_with('/') { trimmed.to_string() } else { format!("/{trimmed}") };
        // PATH_INFO arrives as bytes-in-a-str (latin-1); compare like with like.
        Ok(text_to_wsgi(&with_slash))
    }

    /// Adds a prefix (already normalized) for app number `index`.
    pub fn insert(&mut self, prefix: String, index: usize) -> Result<(), String> {
        if self.prefixes.contains_key(&prefix) {
            return Err(format!("two apps are mounted at {}", repr(&wsgi_to_text(&prefix))));
        }
        self.prefixes.insert(prefix, index);
        Ok(())
    }

    // ANCHOR: find_mount
    /// Finds the longest mounted prefix of `path` that ends at a segment
    /// boundary. Returns the app's index and where `path` splits: `path[..at]`
    /// is the prefix, `path[at..]` what the app sees as its `PATH_INFO`.
    pub fn find(&self, path: &str) -> Option<(usize, usize)> {
        // Try the whole path, then cut one segment off the end at a time:
        // `/api/v2/x`, `/api/v2`, `/api`. The first hit is the longest.
        let mut end = path.len();
        loop {
            if let Some(&index) = self.prefixes.get(&path[..end]) {
                return Some((index, end));
            }
            end = path[..end].rfind('/')?;
            if end == 0 {
                return None;
            }
        }
    }
    // ANCHOR_END: find_mount
}

/// `Dispatcher(mounts, fallback=None)`: a WSGI app that routes on path prefixes.
///
/// `mounts` maps prefixes to WSGI apps (a dict, or a list of pairs).
#[pyclass(frozen, module = "wsgi_framework")]
pub struct Dispatcher {
    table: MountTable,
    /// The apps, with their prefixes as given (normalized text).
    apps: Vec<(String, Py<PyAny>)>,
    fallback: Py<PyAny>,
}

#[pymethods]
impl Dispatcher {
    #[new]
    #[pyo3(signature = (mounts = None, fallback = None))]
    fn new(py: Python<'_>, mounts: Option<&Bound<'_, PyAny>>, fallback: Option<Py<PyAny>>) -> PyResult<Self> {
        let mut table = MountTable::default();
        let mut apps = Vec::new();
        if let Some(mounts) = mounts {
            let pairs = match mounts.cast::<PyDict>() {
                Ok(dict) => dict.items().into_any(),
                Err(_) => mounts.clone(),
            };
            for pair in pairs.try_iter()? {
                let (prefix, app): (String, Py<PyAny>) = pair?.extract()?;
                if !app.bind(py).is_callable() {
                    return Err(pyo3::exceptions::PyTypeError::new_err(format!(
                        "the app mounted at {} is not callable (a WSGI app is a callable)",
                        repr(&prefix)
                    )));
                }
                let key = MountTable::normalize(&prefix).map_err(pyo3::exceptions::PyValueError::new_err)?;
                table.insert(key.clone(), apps.len()).map_err(pyo3::exceptions::PyValueError::new_err)?;
                apps.push((wsgi_to_text(&key), app));
            }
        }
        let fallback = match fallback {
            Some(app) => app,
            None => Bound::new(py, NotFoundApp)?.into_any().unbind(),
        };
        Ok(Dispatcher { table, apps, fallback })
    }

    // ANCHOR: prefix_shift
    /// The WSGI entry point.
    fn __call__(
        &self,
        py: Python<'_>,
        environ: &Bound<'_, PyDict>,
        start_response: &Bound<'_, PyAny>,
    ) -> PyResult<Py<PyAny>> {
        let path: String = match environ.get_item("PATH_INFO")? {
            Some(value) => value.extract()?,
            None => String::new(),
        };
        let Some((index, at)) = self.table.find(&path) else {
            return self.fallback.call1(py, (environ, start_response));
        };
        // A copy: the caller's environ stays as it was (the server may log it).
        let inner = environ.copy()?;
        let script_name: String = match environ.get_item("SCRIPT_NAME")? {
            Some(value) => value.extract()?,
            None => String::new(),
        };
        // GET /api/users with /api mounted: SCRIPT_NAME "" -> "/api",
        // PATH_INFO "/api/users" -> "/users". Nothing is lost or added.
        inner.set_item("SCRIPT_NAME", script_name + &path[..at])?;
        inner.set_item("PATH_INFO", &path[at..])?;
        self.apps[index].1.call1(py, (inner, start_response))
    }
    // ANCHOR_END: prefix_shift

    /// Where `path` (a WSGI `PATH_INFO`) would go: `(prefix, rest)` for a
    /// mount, `None` for the fallback.
    fn split(&self, path: &str) -> Option<(String, String)> {
        self.table.find(path).map(|(_, at)| (path[..at].to_string(), path[at..].to_string()))
    }

    /// The mounts, as a dict from prefix to app.
    #[getter]
    fn mounts<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let dict = PyDict::new(py);
        for (prefix, app) in &self.apps {
            dict.set_item(prefix, app)?;
        }
        Ok(dict)
    }

    #[getter]
    fn fallback(&self, py: Python<'_>) -> Py<PyAny> {
        self.fallback.clone_ref(py)
    }

    fn __repr__(&self) -> String {
        let prefixes: Vec<&str> = self.apps.iter().map(|(p, _)| p.as_str()).collect();
        format!("<Dispatcher {prefixes:?}>")
    }
}

/// The default fallback: `404 Not Found` for any request.
#[pyclass(frozen, module = "wsgi_framework")]
pub struct NotFoundApp;

#[pymethods]
impl NotFoundApp {
    #[new]
    fn new() -> Self {
        NotFoundApp
    }

    fn __call__<'py>(
        &self,
        py: Python<'py>,
        environ: &Bound<'py, PyDict>,
        start_response: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyList>> {
        let _ = environ;
        let body = error_page(404, None);
        let headers = PyList::new(
            py,
            [
                PyTuple::new(py, ["Content-Type", "text/html; charset=utf-8"])?,
                PyTuple::new(py, ["Content-Length".to_string(), body.len().to_string()])?,
            ],
        )?;
        start_response.call1(("404 Not Found", headers))?;
        PyList::new(py, [pyo3::types::PyBytes::new(py, body.as_bytes())])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn table(prefixes: &[&str]) -> MountTable {
        let mut table = MountTable::default();
        for (i, p) in prefixes.iter().enumerate() {
            table.insert(MountTable::normalize(p).unwrap(), i).unwrap();
        }
        table
    }

    #[test]
    fn whole_segments_and_longest_wins() {
        let t = table(&["/api", "/api/v2", "hi/"]);
        assert_eq!(t.find("/api"), Some((0, 4)));
        assert_eq!(t.find("/api/"), Some((0, 4)));
        assert_eq!(t.find("/api/users"), Some((0, 4)));
        assert_eq!(t.find("/apix"), None);
        assert_eq!(t.find("/api/v2/x"), Some((1, 7)));
        assert_eq!(t.find("/api/v20"), Some((0, 4)));
        assert_eq!(t.find("/hi/there"), Some((2, 3)));
        assert_eq!(t.find("/"), None);
        assert_eq!(t.find(""), None);
        assert_eq!(t.find("api"), None);
    }

    #[test]
    fn refuses_bad_mounts() {
        assert!(MountTable::normalize("/").unwrap_err().contains("fallback"));
        assert!(MountTable::normalize("").is_err());
        assert!(MountTable::normalize("/a//b").is_err());
        let mut t = table(&["/a"]);
        assert!(t.insert(MountTable::normalize("/a/").unwrap(), 1).unwrap_err().contains("two apps"));
    }

    #[test]
    fn non_ascii_prefixes_match_wsgi_paths() {
        let t = table(&["/café"]);
        // The server hands over é's UTF-8 bytes, one character each.
        // (`at` is a byte offset: each of those two characters is two bytes in Rust.)
        assert_eq!(t.find("/caf\u{c3}\u{a9}/menu"), Some((0, 8)));
    }

    fn arb_prefix() -> impl Strategy<Value = String> {
        proptest::collection::vec("[a-c]{1,2}", 1..4).prop_map(|segments| format!("/{}", segments.join("/")))
    }

    fn arb_path() -> impl Strategy<Value = String> {
        // Paths built from the same small alphabet so they often hit mounts,
        // including empty segments and trailing slashes.
        proptest::collection::vec("[a-c]{0,2}", 0..6).prop_map(|segments| {
            if segments.is_empty() {
                String::new()
            } else {
                format!("/{}", segments.join("/"))
            }
        })
    }

    proptest! {
        /// For any mount table and path: SCRIPT_NAME + PATH_INFO after dispatch
        /// equals the original, the prefix is a mount on a segment boundary,
        /// and no longer mount would also have matched.
        #[test]
        fn dispatch_moves_a_whole_prefix(
            prefixes in proptest::collection::btree_set(arb_prefix(), 0..6),
            script in prop_oneof![Just(String::new()), arb_prefix()],
            path in arb_path(),
        ) {
            let prefixes: Vec<&str> = prefixes.iter().map(String::as_str).collect();
            let t = table(&prefixes);
            let (script_after, path_after) = match t.find(&path) {
                Some((index, at)) => {
                    let prefix = &path[..at];
                    prop_assert_eq!(prefix, prefixes[index]);
                    prop_assert!(path_after_is_boundary(&path[at..]));
                    for longer in &prefixes {
                        if longer.len() > prefix.len() {
                            let covers = path == *longer || path.starts_with(&format!("{longer}/"));
                            prop_assert!(!covers, "{} also matches {}", longer, path);
                        }
                    }
                    (format!("{script}{prefix}"), path[at..].to_string())
                }
                None => {
                    for mount in &prefixes {
                        let covers = path == *mount || path.starts_with(&format!("{mount}/"));
                        prop_assert!(!covers, "{} matches {} but was not found", mount, path);
                    }
                    (script.clone(), path.clone())
                }
            };
            prop_assert_eq!(format!("{script_after}{path_after}"), format!("{script}{path}"));
        }
    }

    fn path_after_is_boundary(rest: &str) -> bool {
        rest.is_empty() || rest.starts_with('/')
    }
}
