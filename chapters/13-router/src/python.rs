//! Starting the embedded interpreter and finding the application, from
//! chapter 9. This is chapter 9's module, unchanged apart from this header.
//! This chapter's app, `routed_app.py`, is one of `python-examples/`.
//!
//! Our Rust binary *contains* CPython: pyo3 links `libpython`, and
//! [`init`] starts the interpreter inside our own process. Three things make
//! an embedded interpreter differ from the `python3` you run in a shell:
//!
//! - it starts once per process, and every thread that wants to run Python
//!   code must *attach* to it first (`Python::attach`), which takes the
//!   **GIL**, the global interpreter lock: one thread runs Python at a time;
//! - the current directory is not on `sys.path`, so `import hello` finds
//!   nothing until we add the folder of the examples ourselves;
//! - `sys.argv` is empty, which some libraries do not expect.

use std::path::PathBuf;
use std::sync::Once;

use pyo3::prelude::*;
use pyo3::types::PyList;

/// The `python-examples/` folder of the workspace, where `hello.py` lives.
pub fn examples_dir() -> PathBuf {
    let dir = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../python-examples"
    ));
    dir.canonicalize().unwrap_or(dir)
}

// ANCHOR: init
/// Starts the interpreter (once per process, whoever calls first) and puts
/// `python-examples/` at the front of `sys.path`.
pub fn init() {
    static START: Once = Once::new();
    START.call_once(|| {
        // Starts CPython and releases the GIL again: from now on, any thread
        // may attach. (Signal handling stays ours: Ctrl-C stops the server.)
        Python::initialize();
        Python::attach(|py| -> PyResult<()> {
            let sys = py.import("sys")?;
            let path = sys.getattr("path")?.cast_into::<PyList>()?;
            path.insert(0, examples_dir().to_string_lossy().as_ref())?;
            sys.setattr("argv", PyList::new(py, ["wsgi-from-scratch"])?)?;
            Ok(())
        })
        .expect("set up sys.path and sys.argv");
    });
}
// ANCHOR_END: init

// ANCHOR: load_app
/// Imports `MODULE:NAME` (e.g. `hello:application`) and returns the object.
/// Without `:NAME`, the name is `application`, as in most WSGI servers.
pub fn load_app(py: Python<'_>, spec: &str) -> PyResult<Py<PyAny>> {
    let (module, name) = spec.split_once(':').unwrap_or((spec, "application"));
    let app = py.import(module)?.getattr(name)?;
    if !app.is_callable() {
        return Err(pyo3::exceptions::PyTypeError::new_err(format!(
            "{spec} is not callable: a WSGI application is a callable"
        )));
    }
    // `Py` is a reference that is not tied to the GIL: it can be kept in a
    // struct and sent to other threads, and used again after attaching.
    Ok(app.unbind())
}
// ANCHOR_END: load_app

/// A Python exception with its traceback, as the text Python would print.
pub fn traceback(py: Python<'_>, error: &PyErr) -> String {
    let lines = py
        .import("traceback")
        .and_then(|tb| tb.call_method1("format_exception", (error.value(py),)))
        .and_then(|lines| lines.extract::<Vec<String>>());
    match lines {
        Ok(lines) => lines.concat().trim_end().to_string(),
        Err(_) => error.to_string(),
    }
}
