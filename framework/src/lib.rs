//! `wsgi_framework`: a small web framework for Python whose routing and
//! request plumbing are written in Rust.
//!
//! The plain-Rust modules hold the logic, testable without Python:
//!
//! - [`percent`]: percent-encoding, query strings, WSGI's latin-1 strings;
//! - [`converters`] and [`rule`]: what `/users/<int:id>` means;
//! - [`router`]: the segment trie that matches paths and builds URLs;
//! - [`dispatcher`]: the mount table behind the `Dispatcher` middleware;
//! - [`forms`]: cookies, header parameters, multipart bodies;
//! - [`http`]: reason phrases, error pages, dates;
//! - [`headers`]: the `Headers` class.
//!
//! `bindings` turns them into the Python module `wsgi_framework._core`, and
//! the facade `python/wsgi_framework/__init__.py` (App, Request, Response,
//! abort, ...) is written in Python on top of it, where Python is clearer.
//!
//! The same code reaches Python two ways:
//!
//! 1. `pip install ./framework` (maturin) builds this crate as the extension
//!    `wsgi_framework/_core.*.so`, next to the facade's `__init__.py`;
//! 2. `wsgi-server` links this crate and registers [`package_module`] as the
//!    built-in module `wsgi_framework` before Python starts. That module
//!    creates `_core` itself and runs the facade's source, compiled in with
//!    `include_str!`, so `import wsgi_framework` works with nothing installed.
//!
//! Either way there is one facade file and one Rust core.

use std::ffi::CString;

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

mod bindings;
pub mod converters;
pub mod dispatcher;
pub mod forms;
pub mod headers;
pub mod http;
pub mod percent;
pub mod router;
pub mod rule;

/// The facade's Python source, the same file pip installs.
pub const FACADE_SOURCE: &str = include_str!("../python/wsgi_framework/__init__.py");

// ANCHOR: core_module
/// `wsgi_framework._core`, as maturin builds it (`PyInit__core`).
#[pymodule(name = "_core")]
fn core_module(module: &Bound<'_, PyModule>) -> PyResult<()> {
    bindings::add_core(module)
}
// ANCHOR_END: core_module

// ANCHOR: package_module
/// The whole `wsgi_framework` package in one built-in module, for programs
/// that embed Python (`wsgi-server`): the Rust core as `wsgi_framework._core`,
/// and the facade's source run in this module's namespace.
#[pymodule(name = "wsgi_framework")]
fn package_module(module: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = module.py();
    let core = PyModule::new(py, "wsgi_framework._core")?;
    bindings::add_core(&core)?;
    // Make this module a package, so the facade's `from ._core import ...`
    // finds the submodule the way it does in the pip-installed package.
    py.import("sys")?.getattr("modules")?.set_item("wsgi_framework._core", &core)?;
    module.setattr("_core", &core)?;
    module.setattr("__path__", PyList::empty(py))?;
    module.setattr("__package__", "wsgi_framework")?;
    if let Ok(spec) = module.getattr("__spec__") {
        if !spec.is_none() {
            spec.setattr("submodule_search_locations", PyList::empty(py))?;
        }
    }
    // Compile with a file name, so tracebacks point into the facade.
    let source = CString::new(FACADE_SOURCE).expect("the facade has no NUL byte");
    let code = py.import("builtins")?.getattr("compile")?.call1((
        source.to_str().expect("the facade is UTF-8"),
        "<wsgi_framework/__init__.py, built into the server>",
        "exec",
    ))?;
    let namespace: Bound<'_, PyDict> = module.dict();
    py.import("builtins")?.getattr("exec")?.call1((code, &namespace))?;
    Ok(())
}

// `pyo3::append_to_inittab!(wsgi_framework)` in wsgi-server reads these two
// names from the crate root: the module's name and its init function.
#[doc(hidden)]
pub use package_module::{__pyo3_init, __PYO3_NAME};
// ANCHOR_END: package_module
