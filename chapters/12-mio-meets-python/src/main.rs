//! `cargo run -p ch12-mio-meets-python [-- MODULE:CALLABLE]`: a mio event
//! loop with `WORKERS` (default 4) Python worker threads, serving
//! `slow:application` (this chapter's `slow.py`) unless told otherwise.

use std::net::TcpListener;
use std::process::ExitCode;

use ch12_mio_meets_python::python::{self, load_app, traceback};
use pyo3::prelude::*;
use pyo3::types::PyList;

fn main() -> ExitCode {
    let spec = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "slow:application".to_string());
    let workers: usize = std::env::var("WORKERS")
        .ok()
        .and_then(|w| w.parse().ok())
        .unwrap_or(4);
    python::init();
    let loaded = Python::attach(|py| {
        // This chapter's own folder, for slow.py.
        let path = py.import("sys")?.getattr("path")?.cast_into::<PyList>()?;
        path.insert(0, env!("CARGO_MANIFEST_DIR"))?;
        load_app(py, &spec)
    });
    let app = match loaded {
        Ok(app) => app,
        Err(err) => {
            Python::attach(|py| eprintln!("cannot load {spec}:\n{}", traceback(py, &err)));
            return ExitCode::FAILURE;
        }
    };
    let addr = ch12_mio_meets_python::listen_addr();
    let listener = match TcpListener::bind(&addr) {
        Ok(listener) => listener,
        Err(err) => {
            eprintln!("cannot listen on {addr}: {err}");
            return ExitCode::FAILURE;
        }
    };
    println!("Chapter 12 serving {spec} on http://{addr}/ with {workers} Python worker threads.");
    println!("A slow request and a quick one at once (the quick one does not wait):");
    println!("  curl http://{addr}/sleep?seconds=5 & curl http://{addr}/");
    println!("Keep-alive, two requests on one connection:");
    println!("  curl http://{addr}/ http://{addr}/");
    println!("Try WORKERS=1 to see what the workers are for. Stop with Ctrl-C.");
    // The loop thread never attaches to Python from here on.
    match ch12_mio_meets_python::run(listener, app, workers, None, true) {
        Ok(_) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("server failed: {err}");
            ExitCode::FAILURE
        }
    }
}
