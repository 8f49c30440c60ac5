//! Starting the embedded interpreter and importing the application.
//!
//! An embedded CPython is not the `python3` you run in a shell, in three ways
//! that matter here:
//!
//! - it does not notice a virtualenv (that works through `pyvenv.cfg` next to
//!   `sys.executable`, and our executable is a Rust binary), so we add the
//!   venv's `site-packages` named by `VIRTUAL_ENV` ourselves;
//! - the current directory is not on `sys.path`, so `hello:application` would
//!   not import: we put the app's directory first, as gunicorn does;
//! - `sys.argv` is empty, which some libraries trip over.

use std::path::{Path, PathBuf};

use pyo3::prelude::*;
use pyo3::types::PyList;

/// Puts our directories on `sys.path`, honours `VIRTUAL_ENV`, sets `sys.argv`.
pub fn prepare(py: Python<'_>, app_dir: &Path, pythonpath: &[PathBuf], argv: &[String]) -> PyResult<()> {
    let sys = py.import("sys")?;
    let path = sys.getattr("path")?.cast_into::<PyList>()?;
    // ANCHOR: virtualenv
    if let Ok(venv) = std::env::var("VIRTUAL_ENV") {
        if !venv.is_empty() {
            let version = py.version_info();
            let site_packages = Path::new(&venv)
                .join("lib")
                .join(format!("python{}.{}", version.major, version.minor))
                .join("site-packages");
            // addsitedir also processes .pth files (editable installs use them),
            // but appends; a venv's packages must win over the base interpreter's,
            // so the entries it added move to the front.
            let before = path.len();
            py.import("site")?.call_method1("addsitedir", (site_packages.to_string_lossy().as_ref(),))?;
            let added = path.get_slice(before, path.len());
            path.del_slice(before, path.len())?;
            for (offset, entry) in added.iter().enumerate() {
                path.insert(offset, entry)?;
            }
        }
    }
    // ANCHOR_END: virtualenv
    for dir in pythonpath.iter().rev() {
        path.insert(0, dir.to_string_lossy().as_ref())?;
    }
    path.insert(0, app_dir.to_string_lossy().as_ref())?;
    sys.setattr("argv", PyList::new(py, argv)?)?;
    Ok(())
}

/// Imports `MODULE:NAME`, `MODULE:obj.attr`, or `MODULE:factory()` (called with
/// no arguments). Without `:NAME`, the callable is `application`.
pub fn load_app(py: Python<'_>, spec: &str) -> PyResult<Py<PyAny>> {
    let (module_name, object_path) = spec.split_once(':').unwrap_or((spec, "application"));
    let (object_path, call_factory) = match object_path.strip_suffix("()") {
        Some(path) => (path, true),
        None => (object_path, false),
    };
    if module_name.is_empty() || object_path.is_empty() {
        return Err(pyo3::exceptions::PyValueError::new_err(format!(
            "expected MODULE:CALLABLE, got {spec:?}"
        )));
    }
    let mut object = py.import(module_name)?.into_any();
    for attribute in object_path.split('.') {
        object = object.getattr(attribute)?;
    }
    if call_factory {
        object = object.call0()?;
    }
    if !object.is_callable() {
        return Err(pyo3::exceptions::PyTypeError::new_err(format!(
            "{spec} is not callable (a WSGI application is a callable)"
        )));
    }
    Ok(object.unbind())
}

/// A Python exception with its traceback, as text for the log.
pub fn format_exception(py: Python<'_>, error: &PyErr) -> String {
    let formatted = py
        .import("traceback")
        // The three-argument form: the traceback lives in the PyErr, and the
        // exception object's __traceback__ is not always set (on Python 3.11 a
        // raise inside the app logged only "AppError: ..." without the frames).
        .and_then(|tb| {
            tb.call_method1("format_exception", (error.get_type(py), error.value(py), error.traceback(py)))
        })
        .and_then(|lines| lines.extract::<Vec<String>>());
    match formatted {
        Ok(lines) => lines.concat().trim_end().to_string(),
        Err(_) => error.to_string(),
    }
}
