//! Chapter 14: a dispatcher, and mounts.
//!
//! Chapter 13 routed inside one application. A site is often several
//! applications side by side: an API under `/api`, a blog under `/blog`.
//! A *dispatcher* sends each request to the one mounted at the longest
//! matching prefix, and tells it where it is mounted by moving the prefix
//! from `PATH_INFO` to `SCRIPT_NAME` ([`mount`], the exercise).
//!
//! The dispatcher is a WSGI application written in Rust ([`dispatcher`]);
//! the applications it mounts are the Python ones of `python-examples/`,
//! among them the source notes' own `Dispatcher` (`dispatcher.py`), which
//! then shifts the path a second time. It all runs on chapter 12's server
//! ([`run`]): a mio event loop owns the sockets, worker threads run Python.
//!
//! The server is not copied here: this crate depends on chapter 12's crate,
//! its reference solution used as a library (see `Cargo.toml`), and
//! re-exports its modules under their usual names. Nothing in the server
//! knows about mounts: the dispatcher is a WSGI application like any other.

pub mod dispatcher;

/// Chapter 12's server and everything it carries (chapters 3 and 7 to 11).
pub use ch12_mio_meets_python::{
    conn, environ, gateway, head, python, request, response, start_response, worker,
};
pub use ch12_mio_meets_python::{listen_addr, run, DEFAULT_PORT};

#[cfg_attr(not(feature = "exercise"), path = "mount.rs")]
#[cfg_attr(feature = "exercise", path = "../exercise/mount.rs")]
pub mod mount;

/// What `cargo run -p ch14-dispatcher` mounts when given no arguments.
pub const DEFAULT_MOUNTS: &[(&str, &str)] = &[
    ("/hello", "hello:application"),
    ("/api", "environ_dump:application"),
    ("/api/v2", "dispatcher:application"),
];
