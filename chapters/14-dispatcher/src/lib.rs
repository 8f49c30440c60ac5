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
//! ([`server`]): a mio event loop owns the sockets, worker threads run
//! Python.

pub mod conn;
pub mod dispatcher;
pub mod environ;
pub mod gateway;
pub mod head;
pub mod python;
pub mod request;
pub mod response;
pub mod server;
pub mod start_response;
pub mod worker;

#[cfg_attr(not(feature = "exercise"), path = "mount.rs")]
#[cfg_attr(feature = "exercise", path = "../exercise/mount.rs")]
pub mod mount;

pub use server::{listen_addr, run};

/// What `cargo run -p ch14-dispatcher` mounts when given no arguments.
pub const DEFAULT_MOUNTS: &[(&str, &str)] = &[
    ("/hello", "hello:application"),
    ("/api", "environ_dump:application"),
    ("/api/v2", "dispatcher:application"),
];
