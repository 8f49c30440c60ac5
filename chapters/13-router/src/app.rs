//! The router as a WSGI application, written in Rust.
//!
//! [`RoutedApp`] is a `#[pyclass]` with a `__call__(environ, start_response)`:
//! to the server it is an application like `hello:application`; to the
//! endpoints, WSGI applications themselves, it is the one calling them. An
//! object in the middle like this is a *middleware*. For each request it:
//!
//! 1. matches `REQUEST_METHOD` and `PATH_INFO` against its trie;
//! 2. on a match, puts the values taken from the path in
//!    `environ["wsgiorg.routing_args"]` (the wsgi.org convention: a tuple
//!    `(positional, keyword)`), and a URL builder in
//!    `environ["router.url_for"]`, then calls the endpoint;
//! 3. otherwise answers itself: `404 Not Found`, or `405 Method Not Allowed`
//!    with the `Allow` header.
//!
//! The route table comes from Python: a module's `ROUTES`, a list of
//! `(method, pattern, endpoint)` where the endpoint names a WSGI application
//! of the module (see `python-examples/routed_app.py`).

use std::collections::BTreeMap;
use std::sync::Arc;

use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyBytes, PyDict, PyInt, PyList, PyString, PyTuple};

use crate::matcher::{match_path, Miss};
use crate::routes::{escape, path_text, Router, Value};

/// A router and the WSGI applications its endpoints name. `frozen` and
/// made of `Sync` parts, as pyo3 requires of an object Python threads share.
#[pyclass(frozen)]
pub struct RoutedApp {
    pub router: Arc<Router>,
    pub endpoints: BTreeMap<String, Py<PyAny>>,
}

impl RoutedApp {
    /// Builds the router from `module.ROUTES`. A bad pattern or a missing
    /// endpoint fails here, at start-up, rather than on some request.
    pub fn from_module(module: &Bound<'_, PyAny>) -> PyResult<RoutedApp> {
        let routes: Vec<(String, String, String)> = module.getattr("ROUTES")?.extract()?;
        let mut router = Router::new();
        let mut endpoints = BTreeMap::new();
        for (method, pattern, endpoint) in routes {
            router
                .add(&method, &pattern, &endpoint)
                .map_err(|err| PyValueError::new_err(err.to_string()))?;
            let app = module.getattr(endpoint.as_str())?;
            if !app.is_callable() {
                let why = format!("endpoint {endpoint:?} is not a WSGI application");
                return Err(PyTypeError::new_err(why));
            }
            endpoints.insert(endpoint, app.unbind());
        }
        Ok(RoutedApp {
            router: Arc::new(router),
            endpoints,
        })
    }
}

/// `environ[key]` as a `str`, or `""` when the key is missing.
fn get_str(environ: &Bound<'_, PyDict>, key: &str) -> PyResult<String> {
    match environ.get_item(key)? {
        Some(value) => value.extract(),
        None => Ok(String::new()),
    }
}

/// Answers with a short text, the way an application does.
fn answer<'py>(
    start_response: &Bound<'py, PyAny>,
    status: &str,
    mut headers: Vec<(String, String)>,
    text: String,
) -> PyResult<Bound<'py, PyAny>> {
    let py = start_response.py();
    headers.push(("Content-Type".into(), "text/plain; charset=utf-8".into()));
    start_response.call1((status, headers))?;
    let body = PyBytes::new(py, text.as_bytes());
    Ok(PyList::new(py, [body])?.into_any())
}

#[pymethods]
impl RoutedApp {
    // ANCHOR: call
    fn __call__<'py>(
        &self,
        environ: Bound<'py, PyDict>,
        start_response: Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let py = environ.py();
        let method = get_str(&environ, "REQUEST_METHOD")?;
        let path_info = get_str(&environ, "PATH_INFO")?;
        // Routes are Unicode; PATH_INFO is bytes read as latin-1.
        let path = path_text(&path_info);
        let outcome = match &path {
            Some(path) => match_path(&self.router, &method, path),
            None => Err(Miss::NotFound),
        };
        // For the messages: the path as text, or its odd bytes escaped.
        let shown = path.unwrap_or_else(|| {
            let escaped = path_info.chars().map(|c| match c.is_ascii() {
                true => c.to_string(),
                false => format!("%{:02X}", u32::from(c)),
            });
            escaped.collect()
        });
        match outcome {
            Ok(found) => {
                let keywords = PyDict::new(py);
                for (name, value) in &found.values {
                    match value {
                        Value::Int(n) => keywords.set_item(name, n)?,
                        Value::Str(s) => keywords.set_item(name, s)?,
                    }
                }
                environ.set_item("wsgiorg.routing_args", (PyTuple::empty(py), keywords))?;
                let script_name = get_str(&environ, "SCRIPT_NAME")?;
                let url_for = UrlFor {
                    router: Arc::clone(&self.router),
                    script_name: path_text(&script_name).unwrap_or_default(),
                };
                environ.set_item("router.url_for", url_for)?;
                let endpoint = self.endpoints[&found.endpoint].bind(py);
                endpoint.call1((environ, start_response))
            }
            Err(Miss::NotFound) => answer(
                &start_response,
                "404 Not Found",
                vec![],
                format!("No route for {shown}\n"),
            ),
            Err(Miss::MethodNotAllowed(methods)) => answer(
                &start_response,
                "405 Method Not Allowed",
                vec![("Allow".into(), methods.join(", "))],
                format!(
                    "{method} is not allowed for {shown}; try {}\n",
                    methods.join(", ")
                ),
            ),
        }
    }
    // ANCHOR_END: call
}

/// `url_for(endpoint, **values)`, handed to the endpoints in the environ.
/// It builds from the same trie the request was matched with, and puts
/// `SCRIPT_NAME` in front: where the whole application is mounted
/// (chapter 14), `""` at the root.
#[pyclass(frozen)]
pub struct UrlFor {
    pub router: Arc<Router>,
    pub script_name: String,
}

#[pymethods]
impl UrlFor {
    #[pyo3(signature = (endpoint, **values))]
    fn __call__(&self, endpoint: &str, values: Option<&Bound<'_, PyDict>>) -> PyResult<String> {
        let mut pairs = Vec::new();
        for (name, value) in values.into_iter().flat_map(|v| v.iter()) {
            let value = if value.is_instance_of::<PyBool>() {
                return Err(PyTypeError::new_err(
                    "a URL value is an int or a str, not a bool",
                ));
            } else if value.is_instance_of::<PyInt>() {
                Value::Int(value.extract()?)
            } else if let Ok(text) = value.cast::<PyString>() {
                Value::Str(text.to_str()?.to_string())
            } else {
                return Err(PyTypeError::new_err("a URL value is an int or a str"));
            };
            pairs.push((name.extract::<String>()?, value));
        }
        let path = self
            .router
            .url_for(endpoint, &pairs)
            .map_err(|err| PyValueError::new_err(err.to_string()))?;
        Ok(format!("{}{path}", escape(&self.script_name, true)))
    }
}
