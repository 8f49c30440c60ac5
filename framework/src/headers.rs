//! `Headers`: an ordered, case-insensitive, multi-valued set of HTTP headers,
//! used for both requests and responses.
//!
//! HTTP header names ignore case (`content-type` is `Content-Type`), a name
//! may repeat (`Set-Cookie`), and order can matter, so neither a `dict` nor a
//! list of pairs quite fits. Values are checked on the way in: a newline in a
//! header value would let an attacker write headers of their own (response
//! splitting), so it is refused.
//!
//! The environ spells request headers the CGI way (`HTTP_USER_AGENT`);
//! [`Headers::from_environ`] turns them back into `User-Agent`.

use std::sync::{Mutex, MutexGuard};

use pyo3::exceptions::{PyKeyError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString, PyTuple};

use crate::rule::repr;

/// Whether `name` is an HTTP token (RFC 9110): what a header name may be.
pub fn is_token(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// Checks a header before it is stored; the message says what is wrong.
pub fn check_header(name: &str, value: &str) -> Result<(), String> {
    if !is_token(name) {
        return Err(format!("{} is not a valid header name", repr(name)));
    }
    if value.chars().any(|c| matches!(c, '\r' | '\n' | '\0')) {
        return Err(format!("the value of header {} contains a newline or NUL, which could forge headers", repr(name)));
    }
    Ok(())
}

/// `HTTP_X_FORWARDED_FOR` to `X-Forwarded-For`; `CONTENT_TYPE` to `Content-Type`.
pub fn environ_key_to_name(key: &str) -> Option<String> {
    let raw = match key {
        "CONTENT_TYPE" | "CONTENT_LENGTH" => key,
        _ => key.strip_prefix("HTTP_")?,
    };
    let mut name = String::with_capacity(raw.len());
    for (i, word) in raw.split('_').enumerate() {
        if i > 0 {
            name.push('-');
        }
        let mut chars = word.chars();
        if let Some(first) = chars.next() {
            name.push(first.to_ascii_uppercase());
            name.extend(chars.map(|c| c.to_ascii_lowercase()));
        }
    }
    Some(name)
}

/// `Headers(items=None)`: `items` may be a dict, another `Headers`, or pairs.
#[pyclass(frozen, module = "wsgi_framework", sequence)]
pub struct Headers {
    // frozen pyclasses are shared between threads: the list sits behind a lock.
    items: Mutex<Vec<(String, String)>>,
}

impl Headers {
    fn lock(&self) -> MutexGuard<'_, Vec<(String, String)>> {
        // A panic while holding the lock cannot leave the Vec half-changed
        // in a way that matters here, so a poisoned lock is still used.
        self.items.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub fn from_pairs(pairs: Vec<(String, String)>) -> Headers {
        Headers { items: Mutex::new(pairs) }
    }

    fn text(value: &Bound<'_, PyAny>) -> PyResult<String> {
        match value.cast::<PyString>() {
            Ok(s) => Ok(s.to_str()?.to_string()),
            Err(_) => Ok(value.str()?.to_str()?.to_string()),
        }
    }

    fn checked(name: &Bound<'_, PyAny>, value: &Bound<'_, PyAny>) -> PyResult<(String, String)> {
        let (name, value) = (Self::text(name)?, Self::text(value)?);
        check_header(&name, &value).map_err(PyValueError::new_err)?;
        Ok((name, value))
    }

    fn pairs_of(items: &Bound<'_, PyAny>) -> PyResult<Vec<(String, String)>> {
        let mut pairs = Vec::new();
        if let Ok(other) = items.cast::<Headers>() {
            return Ok(other.get().lock().clone());
        }
        let iterable = match items.cast::<PyDict>() {
            Ok(dict) => dict.items().into_any(),
            Err(_) => match items.hasattr("items") {
                Ok(true) => items.call_method0("items")?,
                _ => items.clone(),
            },
        };
        for pair in iterable.try_iter()? {
            let pair = pair?;
            let (name, value): (Bound<'_, PyAny>, Bound<'_, PyAny>) = pair.extract()?;
            // {"Set-Cookie": ["a=1", "b=2"]} means two headers.
            if let Ok(list) = value.cast::<PyList>() {
                for item in list.iter() {
                    pairs.push(Self::checked(&name, &item)?);
                }
            } else {
                pairs.push(Self::checked(&name, &value)?);
            }
        }
        Ok(pairs)
    }
}

#[pymethods]
impl Headers {
    #[new]
    #[pyo3(signature = (items = None))]
    fn new(items: Option<&Bound<'_, PyAny>>) -> PyResult<Self> {
        let pairs = match items {
            Some(items) if !items.is_none() => Self::pairs_of(items)?,
            _ => Vec::new(),
        };
        Ok(Headers::from_pairs(pairs))
    }

    /// The request headers in a WSGI environ (`HTTP_*`, `CONTENT_TYPE`,
    /// `CONTENT_LENGTH`), with their HTTP names. Empty values are skipped
    /// for the two CGI ones (servers set them to `""` when absent).
    #[staticmethod]
    fn from_environ(environ: &Bound<'_, PyDict>) -> PyResult<Headers> {
        let mut pairs = Vec::new();
        for (key, value) in environ.iter() {
            let Ok(key) = key.cast::<PyString>() else { continue };
            let key = key.to_str()?;
            let Some(name) = environ_key_to_name(key) else { continue };
            let Ok(value) = value.cast::<PyString>() else { continue };
            let value = value.to_str()?;
            if value.is_empty() && !key.starts_with("HTTP_") {
                continue;
            }
            pairs.push((name, value.to_string()));
        }
        Ok(Headers::from_pairs(pairs))
    }

    /// The first value for `name` (any case); `KeyError` if there is none.
    fn __getitem__(&self, name: &str) -> PyResult<String> {
        self.lock()
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
            .ok_or_else(|| PyKeyError::new_err(name.to_string()))
    }

    /// Replaces every `name` header by one with `value`.
    fn __setitem__(&self, name: &Bound<'_, PyAny>, value: &Bound<'_, PyAny>) -> PyResult<()> {
        self.set(name, value)
    }

    /// Removes every `name` header; `KeyError` if there was none.
    fn __delitem__(&self, name: &str) -> PyResult<()> {
        let mut items = self.lock();
        let before = items.len();
        items.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
        if items.len() == before {
            return Err(PyKeyError::new_err(name.to_string()));
        }
        Ok(())
    }

    fn __contains__(&self, name: &str) -> bool {
        self.lock().iter().any(|(n, _)| n.eq_ignore_ascii_case(name))
    }

    fn __len__(&self) -> usize {
        self.lock().len()
    }

    /// Iterates over `(name, value)` pairs, like werkzeug's `Headers`.
    fn __iter__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        Ok(self.items(py)?.into_any().try_iter()?.into_any())
    }

    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        match Self::pairs_of(other) {
            Ok(pairs) => *self.lock() == pairs,
            Err(_) => false,
        }
    }

    fn __repr__(&self) -> String {
        format!("Headers({:?})", *self.lock())
    }

    /// The first value for `name`, or `default`. With `type` (say `int`),
    /// the value is converted, and `default` returned if that fails.
    #[pyo3(signature = (name, default = None, r#type = None))]
    fn get<'py>(
        &self,
        py: Python<'py>,
        name: &str,
        default: Option<Bound<'py, PyAny>>,
        r#type: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let default = default.unwrap_or_else(|| py.None().into_bound(py));
        let found = self.lock().iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.clone());
        let Some(value) = found else { return Ok(default) };
        match r#type {
            None => Ok(PyString::new(py, &value).into_any()),
            Some(convert) => match convert.call1((value,)) {
                Ok(converted) => Ok(converted),
                Err(error) if error.is_instance_of::<PyValueError>(py) => Ok(default),
                Err(error) => Err(error),
            },
        }
    }

    /// Every value for `name`, in order (`[]` if none).
    fn getlist(&self, name: &str) -> Vec<String> {
        self.lock().iter().filter(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.clone()).collect()
    }

    /// Same as `getlist` (the name `wsgiref.headers` uses).
    fn get_all(&self, name: &str) -> Vec<String> {
        self.getlist(name)
    }

    /// Adds a header, keeping those with the same name.
    fn add(&self, name: &Bound<'_, PyAny>, value: &Bound<'_, PyAny>) -> PyResult<()> {
        let pair = Self::checked(name, value)?;
        self.lock().push(pair);
        Ok(())
    }

    /// Sets a header: the first one with that name gets the value (keeping
    /// its place), the others are removed; appended if there was none.
    fn set(&self, name: &Bound<'_, PyAny>, value: &Bound<'_, PyAny>) -> PyResult<()> {
        let (name, value) = Self::checked(name, value)?;
        let mut items = self.lock();
        match items.iter().position(|(n, _)| n.eq_ignore_ascii_case(&name)) {
            Some(first) => {
                items[first] = (name.clone(), value);
                let mut index = 0;
                items.retain(|(n, _)| {
                    index += 1;
                    index - 1 == first || !n.eq_ignore_ascii_case(&name)
                });
            }
            None => items.push((name, value)),
        }
        Ok(())
    }

    /// The value of `name`; if missing, adds it with `default` first.
    fn setdefault(&self, name: &Bound<'_, PyAny>, default: &Bound<'_, PyAny>) -> PyResult<String> {
        let (name, value) = Self::checked(name, default)?;
        let mut items = self.lock();
        if let Some((_, existing)) = items.iter().find(|(n, _)| n.eq_ignore_ascii_case(&name)) {
            return Ok(existing.clone());
        }
        items.push((name, value.clone()));
        Ok(value)
    }

    /// Adds every header of `items` (a dict, `Headers` or pairs).
    fn extend(&self, items: &Bound<'_, PyAny>) -> PyResult<()> {
        let pairs = Self::pairs_of(items)?;
        self.lock().extend(pairs);
        Ok(())
    }

    /// Removes every `name` header and returns the first value, or `default`.
    #[pyo3(signature = (name, default = None))]
    fn pop(&self, py: Python<'_>, name: &str, default: Option<Py<PyAny>>) -> PyResult<Py<PyAny>> {
        let mut items = self.lock();
        let first = items.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.clone());
        items.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
        match (first, default) {
            (Some(value), _) => Ok(PyString::new(py, &value).into_any().unbind()),
            (None, Some(default)) => Ok(default),
            (None, None) => Err(PyKeyError::new_err(name.to_string())),
        }
    }

    fn keys(&self) -> Vec<String> {
        self.lock().iter().map(|(n, _)| n.clone()).collect()
    }

    fn values(&self) -> Vec<String> {
        self.lock().iter().map(|(_, v)| v.clone()).collect()
    }

    /// `(name, value)` pairs, in order, repeats included.
    fn items<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let items = self.lock();
        let tuples =
            items.iter().map(|(n, v)| PyTuple::new(py, [n.as_str(), v.as_str()])).collect::<PyResult<Vec<_>>>()?;
        PyList::new(py, tuples)
    }

    /// The list of `(name, value)` tuples that `start_response` takes.
    fn to_wsgi_list<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        self.items(py)
    }

    fn copy(&self) -> Headers {
        Headers::from_pairs(self.lock().clone())
    }

    fn clear(&self) {
        self.lock().clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_from_the_environ() {
        assert_eq!(environ_key_to_name("HTTP_USER_AGENT").as_deref(), Some("User-Agent"));
        assert_eq!(environ_key_to_name("HTTP_X_FORWARDED_FOR").as_deref(), Some("X-Forwarded-For"));
        assert_eq!(environ_key_to_name("CONTENT_TYPE").as_deref(), Some("Content-Type"));
        assert_eq!(environ_key_to_name("PATH_INFO"), None);
    }

    #[test]
    fn refuses_header_injection() {
        assert!(check_header("X-A", "ok").is_ok());
        assert!(check_header("X-A", "a\r\nSet-Cookie: x").unwrap_err().contains("newline"));
        assert!(check_header("Bad Name", "v").unwrap_err().contains("not a valid header name"));
        assert!(check_header("", "v").is_err());
    }
}
