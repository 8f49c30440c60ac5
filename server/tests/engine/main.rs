//! The HTTP/1.1 engine's test suite (issue 2), as one test binary so the
//! workspace links one executable instead of six (compile time matters).
//!
//! | module | what it proves |
//! |---|---|
//! | [`fixtures`] | every raw request in `fixtures/requests/` gets exactly the response in its snapshot |
//! | [`handlers`] | handlers that panic, answer nothing or send a broken head cost one 500, nothing more |
//! | [`limits`] | the default limits, at their exact boundaries, over real sockets |
//! | [`props`] | property tests: read splitting, chunked round trip, garbage, pipelining |
//! | [`clients`] | real clients nobody here wrote (Python's `http.client`, `curl`) reuse connections |
//! | [`deadlines`] | timeouts, backpressure and the stop handle, without depending on timing |
//! | [`threads`] | a job that blocks never stops the loop: another worker, or the watchdog, runs it |
//!
//! Apart from the pure property tests (which drive the parser without I/O),
//! every test talks to a real [`wsgi_server::http::Server`] on `127.0.0.1:0`,
//! answered by the engine's [`EchoHandler`](wsgi_server::http::echo::EchoHandler)
//! or a small handler written here. Waits are blocking reads (or channel
//! receives) with a generous upper bound, never sleeps: a slow machine makes
//! the suite slower, not red. (The one sleep paces a trickling client.)

mod common;

mod clients;
mod deadlines;
mod fixtures;
mod handlers;
mod limits;
mod props;
mod threads;
