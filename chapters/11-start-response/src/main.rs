//! `cargo run -p ch11-start-response [-- MODULE:CALLABLE [--validate]]`:
//! a server that streams responses, running `clock:application` unless told
//! otherwise. `--validate` wraps the app in `wsgiref.validate.validator`,
//! which raises as soon as either side breaks PEP 3333.

use std::net::TcpListener;
use std::process::ExitCode;

use ch11_start_response::python::{self, load_app, traceback};
use pyo3::prelude::*;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let validate = args.iter().any(|a| a == "--validate");
    let spec = args
        .iter()
        .find(|a| !a.starts_with("--"))
        .cloned()
        .unwrap_or_else(|| "clock:application".to_string());
    python::init();
    let loaded = Python::attach(|py| {
        let app = load_app(py, &spec)?;
        if !validate {
            return Ok(app);
        }
        let validator = py.import("wsgiref.validate")?.getattr("validator")?;
        Ok(validator.call1((app,))?.unbind())
    });
    let app = match loaded {
        Ok(app) => app,
        Err(err) => {
            Python::attach(|py| eprintln!("cannot load {spec}:\n{}", traceback(py, &err)));
            return ExitCode::FAILURE;
        }
    };
    let addr = ch11_start_response::listen_addr();
    let listener = match TcpListener::bind(&addr) {
        Ok(listener) => listener,
        Err(err) => {
            eprintln!("cannot listen on {addr}: {err}");
            return ExitCode::FAILURE;
        }
    };
    let checked = if validate {
        " inside wsgiref.validate.validator"
    } else {
        ""
    };
    println!("Chapter 11 serving {spec}{checked} on http://{addr}/");
    println!("The clock:        curl -i http://{addr}/    curl -i -X POST http://{addr}/");
    println!("A middleware, checked by the standard library's validator:");
    println!("  cargo run -p ch11-start-response -- dispatcher:application --validate");
    println!("  curl -i http://{addr}/hi/there   curl -i 'http://{addr}/hello/?name=Ada'   curl -i http://{addr}/nowhere");
    println!("Stop with Ctrl-C.");
    match ch11_start_response::serve(listener, app, None) {
        Ok(_) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("server failed: {err}");
            ExitCode::FAILURE
        }
    }
}
