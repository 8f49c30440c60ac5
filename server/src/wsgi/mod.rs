//! The WSGI gateway: hosting a Python application (PEP 3333) on the engine.
//!
//! | module | what it does |
//! |---|---|
//! | [`interpreter`] | starting CPython, `sys.path`, virtualenvs, importing the app |
//! | [`gateway`] | the engine handler: call the app, iterate, `close()`, faults |
//! | [`environ`] | the `environ` dictionary, CGI names, latin-1 strings |
//! | [`start_response`] | `start_response`, `exc_info`, `write()`, header checks |
//! | [`input`] | `wsgi.input`, the request body as a file |
//! | [`errors`] | `wsgi.errors`, into the server's log |
//! | [`proxy`] | believing `X-Forwarded-*` and `Forwarded` from trusted proxies only |
//! | [`file_wrapper`] | `wsgi.file_wrapper` |

pub mod environ;
pub mod errors;
pub mod file_wrapper;
pub mod gateway;
pub mod input;
pub mod interpreter;
pub mod proxy;
pub mod start_response;

pub use environ::EnvironSettings;
pub use gateway::WsgiHandler;
