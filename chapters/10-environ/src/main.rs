//! `cargo run -p ch10-environ [-- MODULE:CALLABLE]`: chapter 9's server
//! with a real environ; the default app, `environ_dump:application`, sends
//! each request's environ back.

use std::net::TcpListener;
use std::process::ExitCode;

use ch10_environ::python::{self, load_app, traceback};
use pyo3::prelude::*;

fn main() -> ExitCode {
    let spec = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "environ_dump:application".to_string());
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
    let addr = ch10_environ::listen_addr();
    let listener = match TcpListener::bind(&addr) {
        Ok(listener) => listener,
        Err(err) => {
            eprintln!("cannot listen on {addr}: {err}");
            return ExitCode::FAILURE;
        }
    };
    println!("Chapter 10: CPython {version} runs inside this process.");
    println!("Serving {spec} on http://{addr}/ (one request per connection).");
    println!("Try:   curl 'http://{addr}/caf%C3%A9/a%20b?q=caf%C3%A9&x=1' -H 'X-Demo: yes'");
    println!("       curl --data 'name=Ada' http://{addr}/form");
    println!("       curl http://{addr}/ -H 'X_Sneaky: dropped' -H 'Cookie: a=1' -H 'Cookie: b=2'");
    println!("Stop with Ctrl-C.");
    match ch10_environ::serve(listener, app, None) {
        Ok(_) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("server failed: {err}");
            ExitCode::FAILURE
        }
    }
}
