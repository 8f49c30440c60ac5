//! Starting the embedded interpreter and importing the application.
//!
//! An embedded CPython is not the `python3` you run in a shell, in three ways
//! that matter here:
//!
//! - it does not notice a virtualenv (that works through `pyvenv.cfg` next to
//!   `sys.executable`, and our executable is a Rust binary), so [`initialize`]
//!   tells it that its executable is the venv's `python` named by
//!   `VIRTUAL_ENV`: it then starts exactly as that `python` would (the venv's
//!   packages, and the base install's only if the venv includes them);
//! - the current directory is not on `sys.path`, so `hello:application` would
//!   not import: we put the app's directory first, as gunicorn does;
//! - `sys.argv` is empty, which some libraries trip over.

use std::path::{Path, PathBuf};

use pyo3::prelude::*;
use pyo3::types::PyList;

// ANCHOR: initialize
/// Starts CPython, as the `python` of the virtualenv named by `VIRTUAL_ENV`
/// if there is one. Call it after `append_to_inittab!`, before any `attach`.
///
/// Starting as the base interpreter and adding the venv's `site-packages`
/// (what we did first) also ran the base install's `.pth` files: on a
/// machine whose base `site-packages` imports a few packages at start-up,
/// that was 69 modules (101 instead of the venv python's 32) and 3.5 MB of
/// memory no app asked for.
pub fn initialize() {
    if let Some(python) = venv_python() {
        if let Err(problem) = initialize_as(&python) {
            log::warn!("cannot start Python as {}: {problem}; starting the base interpreter", python.display());
        }
    }
    // Starts the interpreter unless it already runs (then it does nothing).
    Python::initialize();
}

/// `$VIRTUAL_ENV/bin/python`, when the venv has one and a `pyvenv.cfg`.
fn venv_python() -> Option<PathBuf> {
    let venv = PathBuf::from(std::env::var_os("VIRTUAL_ENV").filter(|v| !v.is_empty())?);
    let python = venv.join("bin").join("python");
    (venv.join("pyvenv.cfg").is_file() && python.exists()).then_some(python)
}

fn initialize_as(python: &Path) -> Result<(), String> {
    use pyo3::ffi;
    use std::os::unix::ffi::OsStrExt;
    let executable = std::ffi::CString::new(python.as_os_str().as_bytes()).map_err(|e| e.to_string())?;
    // SAFETY: the PyConfig API as documented ("Python Initialization
    // Configuration"): init, set, initialise from it, clear; the interpreter
    // copies what it keeps, so the CString may go after the call.
    unsafe {
        let mut config = std::mem::MaybeUninit::<ffi::PyConfig>::uninit();
        ffi::PyConfig_InitPythonConfig(config.as_mut_ptr());
        let mut config = config.assume_init();
        // Our own signal handling stays in charge (Ctrl-C is not a
        // KeyboardInterrupt inside the app), and our argv is not Python's.
        config.install_signal_handlers = 0;
        config.parse_argv = 0;
        let target = std::ptr::addr_of_mut!(config.executable);
        let mut status = ffi::PyConfig_SetBytesString(&mut config, target, executable.as_ptr());
        if ffi::PyStatus_Exception(status) == 0 {
            status = ffi::Py_InitializeFromConfig(&config);
        }
        ffi::PyConfig_Clear(&mut config);
        if ffi::PyStatus_Exception(status) == 0 {
            // The main thread holds the GIL now; `Python::initialize` would
            // release it after starting the interpreter itself, so we must.
            ffi::PyEval_SaveThread();
        } else {
            let message = status.err_msg;
            return Err(if message.is_null() {
                "initialisation failed".to_string()
            } else {
                std::ffi::CStr::from_ptr(message).to_string_lossy().into_owned()
            });
        }
    }
    Ok(())
}
// ANCHOR_END: initialize

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
            // Normally [`initialize`] started Python as the venv's own, and
            // this directory is on the path already (addsitedir skips it).
            // For a venv without `bin/python` or `pyvenv.cfg`: addsitedir also
            // processes .pth files (editable installs use them), but appends;
            // a venv's packages must win over the base interpreter's, so the
            // entries it added move to the front.
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
