//! The dispatcher as a WSGI application, written in Rust.
//!
//! [`Dispatcher`] does in Rust what `python-examples/dispatcher.py` does in
//! Python: it is a *middleware*, an application to the server and a server
//! to the applications mounted in it. For each request it
//!
//! 1. reads `SCRIPT_NAME` and `PATH_INFO` and picks a mount ([`dispatch`]);
//! 2. calls that application with a *copy* of the environ where the prefix
//!    has moved from `PATH_INFO` to `SCRIPT_NAME` (the caller's dictionary is
//!    never changed: a middleware further out may still read it);
//! 3. when no mount takes the path, calls the fallback application with the
//!    environ as it came, by default [`NotFound`], a `404` written in Rust.

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList};

use crate::mount::{dispatch, Mount};
use crate::python::load_app;

/// A mount prefix as the dispatcher compares it: `api/`, `/api/` and `/api`
/// all become `/api`. The root is refused: it would take every path, which
/// is what the fallback is for. The text becomes the environ's form, UTF-8
/// bytes read as latin-1, because that is how `PATH_INFO` arrives.
pub fn normalize_prefix(prefix: &str) -> Result<String, String> {
    let trimmed = prefix.trim_matches('/');
    if trimmed.is_empty() {
        return Err(format!(
            "{prefix:?}: the root takes every path; make that app the fallback"
        ));
    }
    if trimmed.contains("//") {
        return Err(format!("{prefix:?}: an empty segment (//)"));
    }
    Ok(format!("/{trimmed}").bytes().map(char::from).collect())
}

/// Normalized mounts, two at the same prefix refused.
pub fn mount_table<A>(mounts: Vec<(&str, A)>) -> Result<Vec<Mount<A>>, String> {
    let mut table: Vec<Mount<A>> = Vec::new();
    for (prefix, app) in mounts {
        let prefix = normalize_prefix(prefix)?;
        if table.iter().any(|mount| mount.prefix == prefix) {
            return Err(format!("{prefix:?}: two apps mounted at the same prefix"));
        }
        table.push(Mount { prefix, app });
    }
    Ok(table)
}

/// `environ[key]` as a `str`, or `""` when the key is missing.
fn get_str(environ: &Bound<'_, PyDict>, key: &str) -> PyResult<String> {
    match environ.get_item(key)? {
        Some(value) => value.extract(),
        None => Ok(String::new()),
    }
}

/// Applications mounted at prefixes, and the one that answers the rest.
/// `frozen` and made of `Sync` parts, as pyo3 requires.
#[pyclass(frozen)]
pub struct Dispatcher {
    pub mounts: Vec<Mount<Py<PyAny>>>,
    pub fallback: Py<PyAny>,
}

impl Dispatcher {
    /// A dispatcher from `(prefix, "module:callable")` pairs; `fallback` is
    /// another `module:callable`, or `None` for [`NotFound`].
    pub fn load(py: Python<'_>, mounts: &[(&str, &str)], fallback: Option<&str>) -> PyResult<Self> {
        let mut apps = Vec::new();
        for (prefix, spec) in mounts {
            apps.push((*prefix, load_app(py, spec)?));
        }
        let mounts = mount_table(apps).map_err(pyo3::exceptions::PyValueError::new_err)?;
        let fallback = match fallback {
            Some(spec) => load_app(py, spec)?,
            None => Bound::new(py, NotFound)?.into_any().unbind(),
        };
        Ok(Dispatcher { mounts, fallback })
    }
}

#[pymethods]
impl Dispatcher {
    // ANCHOR: call
    fn __call__<'py>(
        &self,
        environ: Bound<'py, PyDict>,
        start_response: Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let py = environ.py();
        let script_name = get_str(&environ, "SCRIPT_NAME")?;
        let path_info = get_str(&environ, "PATH_INFO")?;
        match dispatch(&self.mounts, &script_name, &path_info) {
            Some(routed) => {
                // A shallow copy: same values, but our changes stay ours.
                let inner = environ.copy()?;
                inner.set_item("SCRIPT_NAME", routed.script_name)?;
                inner.set_item("PATH_INFO", routed.path_info)?;
                routed.app.bind(py).call1((inner, start_response))
            }
            None => self.fallback.bind(py).call1((environ, start_response)),
        }
    }
    // ANCHOR_END: call
}

/// The default fallback: a WSGI application written in Rust that answers
/// `404 Not Found` and says which path nothing is mounted at.
#[pyclass(frozen)]
pub struct NotFound;

#[pymethods]
impl NotFound {
    fn __call__<'py>(
        &self,
        environ: Bound<'py, PyDict>,
        start_response: Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let py = environ.py();
        let path = get_str(&environ, "SCRIPT_NAME")? + &get_str(&environ, "PATH_INFO")?;
        // The environ's text is bytes read as latin-1: each char is one byte
        // of what the client sent, so it goes back out as that byte.
        let mut body = b"Nothing is mounted at ".to_vec();
        body.extend(path.chars().map(|c| u8::try_from(c).unwrap_or(b'?')));
        body.push(b'\n');
        let headers = vec![("Content-Type", "text/plain; charset=utf-8")];
        start_response.call1(("404 Not Found", headers))?;
        Ok(PyList::new(py, [PyBytes::new(py, &body)])?.into_any())
    }
}
