//! `cargo run -p ch13-router [-- MODULE]`: serves the routes of a Python
//! module (by default `routed_app`, from `python-examples/`) through the
//! router written in Rust, on chapter 12's mio loop with `WORKERS`
//! (default 4) Python worker threads.

use std::net::TcpListener;
use std::process::ExitCode;

use ch13_router::app::RoutedApp;
use ch13_router::python::{self, traceback};
use pyo3::prelude::*;

fn main() -> ExitCode {
    let module = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "routed_app".to_string());
    let workers: usize = std::env::var("WORKERS")
        .ok()
        .and_then(|w| w.parse().ok())
        .unwrap_or(4);
    python::init();
    let loaded = Python::attach(|py| -> PyResult<(Py<PyAny>, String)> {
        let routed = RoutedApp::from_module(py.import(module.as_str())?.as_any())?;
        let table = routed.router.describe();
        // A Rust value moved into a Python object: the server calls it like
        // any WSGI application.
        Ok((Bound::new(py, routed)?.into_any().unbind(), table))
    })
    .map_err(|err| Python::attach(|py| traceback(py, &err)));
    let (app, table) = match loaded {
        Ok(loaded) => loaded,
        Err(traceback) => {
            eprintln!("cannot load the routes of {module}:\n{traceback}");
            return ExitCode::FAILURE;
        }
    };
    let addr = ch13_router::listen_addr();
    let listener = match TcpListener::bind(&addr) {
        Ok(listener) => listener,
        Err(err) => {
            eprintln!("cannot listen on {addr}: {err}");
            return ExitCode::FAILURE;
        }
    };
    println!("Chapter 13: the routes of {module}.py, as a trie:\n\n{table}");
    println!("Serving on http://{addr}/ with {workers} Python worker threads.");
    println!("Try:   curl http://{addr}/                       # URLs built by url_for");
    println!("       curl http://{addr}/hello/Ada%20Lovelace");
    println!("       curl http://{addr}/user/42                # an int");
    println!("       curl http://{addr}/user/me                # static beats <int:id>");
    println!("       curl -i http://{addr}/user/ada            # 404: not an int");
    println!("       curl http://{addr}/files/docs/read%20me.txt");
    println!("       curl -i -X DELETE http://{addr}/files/x   # 405, Allow: GET, PUT");
    println!("Stop with Ctrl-C.");
    // The loop thread never attaches to Python from here on.
    match ch13_router::run(listener, app, workers, None, true) {
        Ok(_) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("server failed: {err}");
            ExitCode::FAILURE
        }
    }
}
