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
//! `python-examples/routed_app.py`, on chapter 12's server ([`server`]): a
//! mio event loop owns the sockets, worker threads run Python.

pub mod app;
pub mod conn;
pub mod environ;
pub mod gateway;
pub mod head;
pub mod python;
pub mod request;
pub mod response;
pub mod routes;
pub mod server;
pub mod start_response;
pub mod worker;

#[cfg_attr(not(feature = "exercise"), path = "matcher.rs")]
#[cfg_attr(feature = "exercise", path = "../exercise/matcher.rs")]
pub mod matcher;

pub use server::{listen_addr, run};
