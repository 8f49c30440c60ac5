//! `cargo run -p ch14-dispatcher [-- PREFIX=MODULE:CALLABLE ... [MODULE:CALLABLE]]`:
//! mounts Python applications at prefixes, behind a dispatcher written in
//! Rust. A `MODULE:CALLABLE` without a prefix answers whatever no mount
//! takes (by default a 404). Without arguments, the mounts of
//! `DEFAULT_MOUNTS`. It serves on chapter 12's mio loop with `WORKERS`
//! (default 4) Python worker threads.

use std::net::TcpListener;
use std::process::ExitCode;

use ch14_dispatcher::dispatcher::Dispatcher;
use ch14_dispatcher::python::{self, traceback};
use ch14_dispatcher::DEFAULT_MOUNTS;
use pyo3::prelude::*;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut mounts: Vec<(&str, &str)> = Vec::new();
    let mut fallback = None;
    for arg in &args {
        match arg.split_once('=') {
            Some((prefix, spec)) => mounts.push((prefix, spec)),
            None => fallback = Some(arg.as_str()),
        }
    }
    if args.is_empty() {
        mounts = DEFAULT_MOUNTS.to_vec();
    }
    let workers: usize = std::env::var("WORKERS")
        .ok()
        .and_then(|w| w.parse().ok())
        .unwrap_or(4);
    python::init();
    let loaded = Python::attach(|py| -> PyResult<Py<PyAny>> {
        let dispatcher = Dispatcher::load(py, &mounts, fallback)?;
        Ok(Bound::new(py, dispatcher)?.into_any().unbind())
    });
    let app = match loaded {
        Ok(app) => app,
        Err(err) => {
            let traceback = Python::attach(|py| traceback(py, &err));
            eprintln!("cannot build the dispatcher:\n{traceback}");
            return ExitCode::FAILURE;
        }
    };
    let addr = ch14_dispatcher::listen_addr();
    let listener = match TcpListener::bind(&addr) {
        Ok(listener) => listener,
        Err(err) => {
            eprintln!("cannot listen on {addr}: {err}");
            return ExitCode::FAILURE;
        }
    };
    println!("Chapter 14: a dispatcher in Rust, with these mounts:");
    for (prefix, spec) in &mounts {
        println!("    {prefix:<12} {spec}");
    }
    println!(
        "    {:<12} {}",
        "(the rest)",
        fallback.unwrap_or("404 Not Found")
    );
    println!("Serving on http://{addr}/ with {workers} Python worker threads.");
    if args.is_empty() {
        println!("Try:   curl http://{addr}/api/v2/hi/there       # two dispatchers, two shifts");
        println!("       curl 'http://{addr}/api/v2/hello/?name=Ada'");
        println!("       curl -s http://{addr}/api/v2x | grep -E \"SCRIPT_NAME|PATH_INFO\"");
        println!("       curl http://{addr}/hello");
        println!("       curl -i http://{addr}/hellothere          # whole segments only: 404");
    }
    println!("Stop with Ctrl-C.");
    // The loop thread never attaches to Python from here on.
    match ch14_dispatcher::run(listener, app, workers, None, true) {
        Ok(_) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("server failed: {err}");
            ExitCode::FAILURE
        }
    }
}
