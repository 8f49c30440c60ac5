//! `cargo run -p ch09-embed-python [-- MODULE:CALLABLE]`: a Rust server
//! that imports a WSGI application from `python-examples/` (default
//! `hello:application`) and calls it for every request.

use std::net::TcpListener;
use std::process::ExitCode;

use ch09_embed_python::python::{self, load_app, traceback};
use pyo3::prelude::*;

fn main() -> ExitCode {
    let spec = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "hello:application".to_string());
    python::init();
    let loaded = Python::attach(|py| {
        let v = py.version_info();
        let version = format!("{}.{}.{}", v.major, v.minor, v.patch);
        load_app(py, &spec)
            .map(|app| (app, version))
            .map_err(|err| traceback(py, &err))
    });
    let (app, version) = match loaded {
        Ok(loaded) => loaded,
        Err(traceback) => {
            eprintln!("cannot load {spec}:\n{traceback}");
            return ExitCode::FAILURE;
        }
    };
    let addr = ch09_embed_python::listen_addr();
    let listener = match TcpListener::bind(&addr) {
        Ok(listener) => listener,
        Err(err) => {
            eprintln!("cannot listen on {addr}: {err}");
            return ExitCode::FAILURE;
        }
    };
    println!("Chapter 9: CPython {version} runs inside this process.");
    println!("Serving {spec} on http://{addr}/ (one request per connection).");
    println!("Try:   curl -i http://{addr}/");
    println!("Other apps:   cargo run -p ch09-embed-python -- clock:application");
    println!("              cargo run -p ch09-embed-python -- dispatcher:application");
    println!("Stop with Ctrl-C.");
    match ch09_embed_python::serve(listener, app, None) {
        Ok(_) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("server failed: {err}");
            ExitCode::FAILURE
        }
    }
}
