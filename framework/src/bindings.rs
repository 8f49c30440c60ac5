//! The Python face of the Rust code: `Router`, `Match`, and the helper
//! functions the facade (`python/wsgi_framework/__init__.py`) calls.
//!
//! Everything here is a thin translation: Python values in, a call into the
//! plain-Rust modules, Python values out. The logic lives in `router`,
//! `percent`, `forms` and `http`, where it is tested without Python.

use std::collections::HashMap;
use std::sync::RwLock;

use pyo3::exceptions::{PyLookupError, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBytes, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};

use crate::converters::{Converter, Value};
use crate::forms::{self, CookieOptions};
use crate::http;
use crate::percent;
use crate::router::{Outcome, Router as Trie};
use crate::rule::{repr, Rule};

pyo3::create_exception!(
    wsgi_framework,
    RuleError,
    PyValueError,
    "A rule is malformed, or conflicts with one already added."
);
pyo3::create_exception!(
    wsgi_framework,
    BuildError,
    PyLookupError,
    "No URL can be built for this endpoint with these values."
);

/// The result of `Router.match`: what the router says about a path.
///
/// `status` is 200 (matched: see `endpoint` and `values`), 308 (redirect
/// to `redirect_to`, the path with a `/` added), 405 (see `allowed`) or 404.
#[pyclass(frozen, get_all, module = "wsgi_framework")]
pub struct Match {
    pub status: u16,
    pub endpoint: Option<String>,
    pub values: Py<PyDict>,
    /// The rule as written, when matched.
    pub rule: Option<String>,
    /// For 405: the methods that would have matched, sorted.
    pub allowed: Vec<String>,
    /// For 308: the path to redirect to (decoded text; escape it for a URL).
    pub redirect_to: Option<String>,
}

#[pymethods]
impl Match {
    fn __bool__(&self) -> bool {
        self.status == 200
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        match self.status {
            200 => format!(
                "<Match 200 {:?} {}>",
                self.endpoint.as_deref().unwrap_or(""),
                self.values.bind(py).repr().map(|r| r.to_string()).unwrap_or_default()
            ),
            308 => format!("<Match 308 -> {:?}>", self.redirect_to.as_deref().unwrap_or("")),
            405 => format!("<Match 405 allowed={:?}>", self.allowed),
            status => format!("<Match {status}>"),
        }
    }
}

/// `Router()`: URL rules in a segment trie. Add rules with `add`, then
/// `match` paths and `build` URLs.
#[pyclass(frozen, module = "wsgi_framework")]
pub struct Router {
    // Many threads match at once; adding a rule (at start-up) is rare.
    trie: RwLock<Trie>,
}

impl Router {
    fn read(&self) -> std::sync::RwLockReadGuard<'_, Trie> {
        self.trie.read().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

static UUID_CLASS: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// A matched value as the Python object the view receives.
fn value_to_python<'py>(py: Python<'py>, value: &Value) -> PyResult<Bound<'py, PyAny>> {
    Ok(match value {
        Value::Str(text) => PyString::new(py, text).into_any(),
        Value::Int(n) => n.into_pyobject(py)?.into_any(),
        Value::BigInt(digits) => py.get_type::<PyInt>().call1((digits,))?,
        Value::Float(x) => PyFloat::new(py, *x).into_any(),
        Value::Uuid(text) => UUID_CLASS.import(py, "uuid", "UUID")?.call1((text,))?,
    })
}

/// A Python value as the converter's kind of value, for building a URL.
fn python_to_value(value: &Bound<'_, PyAny>, converter: &Converter) -> PyResult<Value> {
    let py = value.py();
    let text = |v: &Bound<'_, PyAny>| -> PyResult<String> { Ok(v.str()?.to_str()?.to_string()) };
    Ok(match converter {
        Converter::String { .. } | Converter::Path => Value::Str(text(value)?),
        Converter::Int { .. } => match value.extract::<i64>() {
            Ok(n) => Value::Int(n),
            Err(_) => {
                let as_int = py.get_type::<PyInt>().call1((value,))?;
                match as_int.extract::<i64>() {
                    Ok(n) => Value::Int(n),
                    Err(_) => Value::BigInt(text(&as_int)?),
                }
            }
        },
        Converter::Float { .. } => match value.extract::<f64>() {
            Ok(x) => Value::Float(x),
            Err(_) => Value::Float(py.get_type::<PyFloat>().call1((value,))?.extract()?),
        },
        Converter::Uuid => {
            let uuid = text(value)?;
            if Converter::Uuid.to_value(&uuid).is_none() {
                return Err(PyValueError::new_err(format!("{} is not a UUID", repr(&uuid))));
            }
            Value::Uuid(uuid)
        }
    })
}

#[pymethods]
impl Router {
    #[new]
    fn new() -> Self {
        Router { trie: RwLock::new(Trie::new()) }
    }

    /// Adds `rule` for `endpoint`. `methods=None` means every method; a list
    /// with `GET` also answers `HEAD`. Raises `RuleError` (a `ValueError`)
    /// for a malformed rule or one that conflicts with an earlier rule.
    #[pyo3(signature = (rule, endpoint, methods = None))]
    fn add(&self, rule: &str, endpoint: &str, methods: Option<Vec<String>>) -> PyResult<()> {
        let parsed = Rule::parse(rule, endpoint, methods.as_deref()).map_err(RuleError::new_err)?;
        let mut trie = self.trie.write().unwrap_or_else(|poisoned| poisoned.into_inner());
        trie.add(parsed).map_err(RuleError::new_err)?;
        Ok(())
    }

    /// Matches a decoded path for a method, e.g. `match("/users/42", "GET")`.
    #[pyo3(name = "match", signature = (path, method = "GET"))]
    fn match_path(&self, py: Python<'_>, path: &str, method: &str) -> PyResult<Match> {
        let method = if method.bytes().any(|b| b.is_ascii_lowercase()) {
            std::borrow::Cow::Owned(method.to_ascii_uppercase())
        } else {
            std::borrow::Cow::Borrowed(method)
        };
        let trie = self.read();
        let values = PyDict::new(py);
        let mut result = Match {
            status: 404,
            endpoint: None,
            values: values.clone().unbind(),
            rule: None,
            allowed: Vec::new(),
            redirect_to: None,
        };
        match trie.match_path(path, &method) {
            Outcome::Found { rule, values: found } => {
                let rule = trie.rule(rule);
                for (name, value) in rule.variables.iter().zip(&found) {
                    values.set_item(name, value_to_python(py, value)?)?;
                }
                result.status = 200;
                result.endpoint = Some(rule.endpoint.clone());
                result.rule = Some(rule.text.clone());
            }
            Outcome::Redirect(to) => {
                result.status = 308;
                result.redirect_to = Some(to);
            }
            Outcome::MethodNotAllowed(allowed) => {
                result.status = 405;
                result.allowed = allowed.into_iter().collect();
            }
            Outcome::NotFound => {}
        }
        Ok(result)
    }

    /// Builds the URL path for `endpoint`: placeholders filled from `values`
    /// (converted and escaped), other values appended as a query string.
    /// Raises `BuildError` (a `LookupError`) when no rule fits.
    #[pyo3(signature = (endpoint, values = None, method = None, append_unknown = true))]
    fn build(
        &self,
        py: Python<'_>,
        endpoint: &str,
        values: Option<&Bound<'_, PyDict>>,
        method: Option<&str>,
        append_unknown: bool,
    ) -> PyResult<String> {
        // None means "not given", as in werkzeug.
        let mut given: HashMap<String, Bound<'_, PyAny>> = HashMap::new();
        let mut order: Vec<String> = Vec::new();
        if let Some(values) = values {
            for (key, value) in values.iter() {
                if value.is_none() {
                    continue;
                }
                let key: String = key.extract()?;
                order.push(key.clone());
                given.insert(key, value);
            }
        }
        let trie = self.read();
        let method = method.map(str::to_ascii_uppercase);
        let candidates = trie.rules_for(endpoint, method.as_deref());
        if candidates.is_empty() {
            let for_method = method.map(|m| format!(" for {m}")).unwrap_or_default();
            return Err(BuildError::new_err(format!("no rule has the endpoint {}{for_method}", repr(endpoint))));
        }
        let Some(&chosen) = candidates.iter().find(|&&r| trie.rule(r).variables.iter().all(|v| given.contains_key(v)))
        else {
            let rule = trie.rule(candidates[0]);
            let missing: Vec<&str> =
                rule.variables.iter().filter(|v| !given.contains_key(*v)).map(String::as_str).collect();
            return Err(BuildError::new_err(format!(
                "cannot build a URL for {}: rule {} needs a value for {}",
                repr(endpoint),
                repr(&rule.text),
                missing.join(", ")
            )));
        };
        let rule = trie.rule(chosen);
        let mut conversion_error = None;
        let built = rule.build(|name, converter| {
            python_to_value(&given[name], converter).map_err(|error| {
                let message = format!("cannot build a URL for {}: {name}: {error}", repr(endpoint));
                conversion_error = Some(error);
                message
            })
        });
        let mut url = match (built, conversion_error) {
            (Ok(url), _) => url,
            (Err(message), Some(error)) => {
                let wrapped = BuildError::new_err(message);
                wrapped.set_cause(py, Some(error));
                return Err(wrapped);
            }
            (Err(message), None) => return Err(BuildError::new_err(message)),
        };
        if append_unknown {
            let mut pairs: Vec<(String, String)> = Vec::new();
            for key in order.iter().filter(|k| !rule.variables.contains(k)) {
                let value = &given[key];
                // A list or tuple becomes `k=a&k=b`.
                if value.is_instance_of::<PyList>() || value.is_instance_of::<PyTuple>() {
                    for item in value.try_iter()? {
                        pairs.push((key.clone(), item?.str()?.to_str()?.to_string()));
                    }
                } else {
                    pairs.push((key.clone(), value.str()?.to_str()?.to_string()));
                }
            }
            if !pairs.is_empty() {
                url.push('?');
                url.push_str(&percent::urlencode(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str()))));
            }
        }
        Ok(url)
    }

    /// The methods `path` answers to (empty if it matches nothing, or if a
    /// rule there takes every method).
    fn allowed_methods(&self, path: &str) -> Vec<String> {
        match self.read().match_path(path, "\u{0}") {
            Outcome::MethodNotAllowed(allowed) => allowed.into_iter().collect(),
            _ => Vec::new(),
        }
    }

    /// The rules, as `(rule, endpoint, methods or None)` in the order added.
    #[getter]
    fn rules(&self) -> Vec<(String, String, Option<Vec<String>>)> {
        self.read()
            .rules()
            .iter()
            .map(|r| (r.text.clone(), r.endpoint.clone(), r.methods.as_ref().map(|m| m.iter().cloned().collect())))
            .collect()
    }

    fn __len__(&self) -> usize {
        self.read().rules().len()
    }

    fn __repr__(&self) -> String {
        format!("<Router with {} rules>", self.read().rules().len())
    }
}

// ---------------------------------------------------------------- functions

/// `quote(text, safe="/")`: percent-escapes `text` (as UTF-8) for a URL.
#[pyfunction]
#[pyo3(signature = (text, safe = "/"))]
fn quote(text: &str, safe: &str) -> String {
    percent::quote(text, safe.as_bytes())
}

/// `unquote(text, plus=False)`: decodes `%XX` (and `+` if `plus`) as UTF-8.
#[pyfunction]
#[pyo3(signature = (text, plus = false))]
fn unquote(text: &str, plus: bool) -> String {
    percent::unquote(text, plus)
}

/// `parse_query("a=1&a=2")` is `[("a", "1"), ("a", "2")]`.
#[pyfunction]
fn parse_query(query: &str) -> Vec<(String, String)> {
    percent::parse_query(query)
}

/// `urlencode([("q", "a b")])` is `"q=a+b"`.
#[pyfunction]
fn urlencode(pairs: Vec<(String, String)>) -> String {
    percent::urlencode(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
}

/// A WSGI string (bytes as latin-1) read as UTF-8 text.
#[pyfunction]
fn wsgi_to_text(text: &str) -> String {
    percent::wsgi_to_text(text)
}

/// Text as a WSGI string (its UTF-8 bytes as latin-1 characters).
#[pyfunction]
fn text_to_wsgi(text: &str) -> String {
    percent::text_to_wsgi(text)
}

/// `parse_options_header("text/html; charset=utf-8")` is
/// `("text/html", {"charset": "utf-8"})`.
#[pyfunction]
fn parse_options_header<'py>(py: Python<'py>, value: &str) -> PyResult<(String, Bound<'py, PyDict>)> {
    let (main, options) = forms::parse_options_header(value);
    let dict = PyDict::new(py);
    for (key, value) in options {
        dict.set_item(key, value)?;
    }
    Ok((main, dict))
}

/// `parse_cookie("a=1; b=2")` is `[("a", "1"), ("b", "2")]`.
#[pyfunction]
fn parse_cookie(header: &str) -> Vec<(String, String)> {
    forms::parse_cookie(header)
}

/// The value of a `Set-Cookie` header. `expires` is seconds since 1970.
#[pyfunction]
#[pyo3(signature = (key, value = "", max_age = None, expires = None, path = Some("/"), domain = None, secure = false, httponly = false, samesite = None))]
#[allow(clippy::too_many_arguments)]
fn dump_cookie(
    key: &str,
    value: &str,
    max_age: Option<i64>,
    expires: Option<i64>,
    path: Option<&str>,
    domain: Option<&str>,
    secure: bool,
    httponly: bool,
    samesite: Option<&str>,
) -> PyResult<String> {
    let options = CookieOptions { max_age, expires, path, domain, secure, httponly, samesite };
    forms::dump_cookie(key, value, &options).map_err(PyValueError::new_err)
}

/// Splits a multipart body: a list of `(name, filename or None,
/// content_type or None, headers, data)`. `ValueError` if malformed.
#[pyfunction]
#[allow(clippy::type_complexity)]
fn parse_multipart<'py>(
    py: Python<'py>,
    body: &[u8],
    boundary: &str,
) -> PyResult<Vec<(String, Option<String>, Option<String>, Vec<(String, String)>, Bound<'py, PyBytes>)>> {
    // Parsing a large upload takes a while and touches no Python object:
    // let other threads run meanwhile.
    let parts = py.detach(|| forms::parse_multipart(body, boundary)).map_err(PyValueError::new_err)?;
    Ok(parts.into_iter().map(|p| (p.name, p.filename, p.content_type, p.headers, PyBytes::new(py, &p.data))).collect())
}

/// `"404 Not Found"` for 404.
#[pyfunction]
fn status_line(code: u16) -> String {
    format!("{code} {}", http::reason_phrase(code))
}

/// An HTML error page for `code`, with `description` (escaped) or a default.
#[pyfunction]
#[pyo3(signature = (code, description = None))]
fn error_page(code: u16, description: Option<&str>) -> String {
    http::error_page(code, description)
}

/// The HTML page sent with a redirect to `location`.
#[pyfunction]
fn redirect_page(location: &str) -> String {
    http::redirect_page(location)
}

/// `http_date(0)` is `"Thu, 01 Jan 1970 00:00:00 GMT"`.
#[pyfunction]
fn http_date(timestamp: i64) -> String {
    http::http_date(timestamp)
}

/// `scheme://host[:port]` of the request in `environ`.
#[pyfunction]
fn host_url(environ: &Bound<'_, PyDict>) -> PyResult<String> {
    let get = |key: &str| -> PyResult<Option<String>> {
        match environ.get_item(key)? {
            Some(value) if !value.is_none() => Ok(Some(value.extract()?)),
            _ => Ok(None),
        }
    };
    let scheme = get("wsgi.url_scheme")?.unwrap_or_else(|| "http".into());
    Ok(http::host_url(
        &scheme,
        get("HTTP_HOST")?.as_deref(),
        &get("SERVER_NAME")?.unwrap_or_default(),
        &get("SERVER_PORT")?.unwrap_or_default(),
    ))
}

/// Puts the Rust classes and functions into `module` (`wsgi_framework._core`).
pub fn add_core(module: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = module.py();
    module.add_class::<Router>()?;
    module.add_class::<Match>()?;
    module.add_class::<crate::dispatcher::Dispatcher>()?;
    module.add_class::<crate::dispatcher::NotFoundApp>()?;
    module.add_class::<crate::headers::Headers>()?;
    module.add("RuleError", py.get_type::<RuleError>())?;
    module.add("BuildError", py.get_type::<BuildError>())?;
    module.add_function(wrap_pyfunction!(quote, module)?)?;
    module.add_function(wrap_pyfunction!(unquote, module)?)?;
    module.add_function(wrap_pyfunction!(parse_query, module)?)?;
    module.add_function(wrap_pyfunction!(urlencode, module)?)?;
    module.add_function(wrap_pyfunction!(wsgi_to_text, module)?)?;
    module.add_function(wrap_pyfunction!(text_to_wsgi, module)?)?;
    module.add_function(wrap_pyfunction!(parse_options_header, module)?)?;
    module.add_function(wrap_pyfunction!(parse_cookie, module)?)?;
    module.add_function(wrap_pyfunction!(dump_cookie, module)?)?;
    module.add_function(wrap_pyfunction!(parse_multipart, module)?)?;
    module.add_function(wrap_pyfunction!(status_line, module)?)?;
    module.add_function(wrap_pyfunction!(error_page, module)?)?;
    module.add_function(wrap_pyfunction!(redirect_page, module)?)?;
    module.add_function(wrap_pyfunction!(http_date, module)?)?;
    module.add_function(wrap_pyfunction!(host_url, module)?)?;
    Ok(())
}
