//! Chapter 13: a router.
//!
//! Until now one application answered every path. Real applications have
//! many pages, and a *router* picks the code for each request from its
//! method and path:
//!
//! - patterns with *converters*: `/hello/<name>`, `/user/<int:id>`,
//!   `/files/<path:rest>` ([`routes`]);
//! - stored in a *trie* of path segments, where fixed text beats a
//!   placeholder and the walk backtracks when a branch leads nowhere;
//!   matching it is the exercise ([`matcher::match_path`]);
//! - `404 Not Found` when no route has the path, `405 Method Not Allowed`
//!   with an `Allow` header when routes have it for other methods only;
//! - URL building, the other way round: an endpoint and its values give a
//!   path, percent-escaped ([`routes::Router::url_for`]).
//!
//! The router is written in Rust and runs as a WSGI application
//! ([`app::RoutedApp`]) around the Python endpoints of
//! `python-examples/routed_app.py`, on chapter 12's server ([`run`]): a
//! mio event loop owns the sockets, worker threads run Python.
//!
//! The server is not copied here: this crate depends on chapter 12's crate,
//! its reference solution used as a library (see `Cargo.toml`), and
//! re-exports its modules under their usual names. Nothing in the server
//! knows about routes: the router is a WSGI application like any other, so
//! any WSGI server could run it.

pub mod app;
pub mod routes;

/// Chapter 12's server and everything it carries (chapters 3 and 7 to 11).
pub use ch12_mio_meets_python::{
    conn, environ, gateway, head, python, request, response, start_response, worker,
};
pub use ch12_mio_meets_python::{listen_addr, run, DEFAULT_PORT};

#[cfg_attr(not(feature = "exercise"), path = "matcher.rs")]
#[cfg_attr(feature = "exercise", path = "../exercise/matcher.rs")]
pub mod matcher;
