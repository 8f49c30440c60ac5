//! The command line: `wsgi-server [OPTIONS] MODULE:CALLABLE`.
//!
//! The options follow gunicorn's names where gunicorn has one, so that
//! moving between the two is easy.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use clap::Parser;
use pyo3::prelude::*;

use crate::http::access_log::AccessLog;
use crate::http::{Config, Listener, Server};
use crate::listen::{self, BindSpec, SocketFiles};
use crate::wsgi::proxy::TrustedProxies;
use crate::wsgi::{interpreter, EnvironSettings, WsgiHandler};

#[derive(Debug, Parser)]
#[command(
    name = "wsgi-server",
    version,
    about = "Serve a Python WSGI application (PEP 3333) over HTTP/1.1.",
    long_about = "Serve a Python WSGI application (PEP 3333) over HTTP/1.1.\n\n\
        APP names the application the way gunicorn does: MODULE:CALLABLE (for example \
        hello:application), MODULE:FACTORY() to call a function that returns the \
        application, or just MODULE to use its `application`.\n\n\
        The module is imported from the current directory (or --chdir), then --pythonpath, \
        then the virtualenv named by VIRTUAL_ENV, then the interpreter's own packages."
)]
pub struct Cli {
    /// The WSGI application: MODULE:CALLABLE or MODULE:FACTORY().
    pub app: String,

    /// Address to listen on: HOST:PORT (port 0 picks a free port) or
    /// unix:PATH for a Unix domain socket. Repeat to listen on several.
    #[arg(short, long, default_value = "127.0.0.1:8000", value_name = "ADDRESS")]
    pub bind: Vec<String>,

    /// Most connections the kernel queues for us before we accept them.
    #[arg(long, default_value_t = 2048, value_name = "N")]
    pub backlog: i32,

    /// Worker processes, each with its own Python and event loop, under a
    /// master process that replaces them when they die and handles signals
    /// (TERM/INT graceful stop, QUIT fast stop, HUP reload, TTIN/TTOU one more
    /// or one fewer). Without it the server is a single process.
    #[arg(short, long, value_name = "N")]
    pub workers: Option<usize>,

    /// Seconds: with --workers, a worker whose event loop makes no progress for
    /// this long is killed and replaced; in any mode, a request still running
    /// after this long is logged with its path. 0 turns both off.
    #[arg(long, default_value_t = 30.0, value_name = "SECONDS")]
    pub timeout: f64,

    /// With --workers: a worker leaves gracefully after this many requests and
    /// the master starts a fresh one (bounds memory leaks in long-running apps).
    #[arg(long, value_name = "N")]
    pub max_requests: Option<u64>,

    /// Adds a random 0..=J to --max-requests per worker, so that workers do not
    /// all restart at the same moment.
    #[arg(long, default_value_t = 0, value_name = "J")]
    pub max_requests_jitter: u64,

    /// Threads that run the application. Blocking apps (sleeping, waiting on a
    /// database) need one thread per request they should serve at once.
    #[arg(long, default_value_t = 8, value_name = "N")]
    pub threads: usize,

    /// Change to this directory before importing the application.
    #[arg(long, value_name = "DIR")]
    pub chdir: Option<PathBuf>,

    /// Extra directory to put on sys.path (repeatable).
    #[arg(long, value_name = "DIR")]
    pub pythonpath: Vec<PathBuf>,

    /// Largest request body in bytes; larger ones get 413 before they are read.
    #[arg(long, default_value_t = 1024 * 1024 * 1024, value_name = "BYTES")]
    pub max_body: u64,

    /// Bodies larger than this are kept in a temporary file instead of memory.
    #[arg(long, default_value_t = 1024 * 1024, value_name = "BYTES")]
    pub spool_threshold: usize,

    /// Most connections open at once; further clients wait in the backlog.
    #[arg(long, default_value_t = 10_000, value_name = "N")]
    pub max_connections: usize,

    /// Seconds an idle keep-alive connection stays open.
    #[arg(long, default_value_t = 5.0, value_name = "SECONDS")]
    pub keepalive: f64,

    /// Seconds a client has to send a complete request head.
    #[arg(long, default_value_t = 10.0, value_name = "SECONDS")]
    pub header_timeout: f64,

    /// Seconds on stop for in-flight requests to finish.
    #[arg(long, default_value_t = 30.0, value_name = "SECONDS")]
    pub graceful_timeout: f64,

    /// Write one line per request to FILE, or to standard output with "-".
    #[arg(long, value_name = "FILE")]
    pub access_log: Option<String>,

    /// The access-log line, in gunicorn's atoms: %(h)s remote address, %(t)s time,
    /// %(r)s request line, %(s)s status, %(b)s bytes, %(f)s referer, %(a)s user
    /// agent, %(D)s microseconds, %(m)s %(U)s %(q)s %(H)s %(B)s %(T)s %(M)s %(L)s %(p)s.
    #[arg(long, value_name = "FORMAT", default_value = crate::http::access_log::COMBINED_FORMAT)]
    pub access_log_format: String,

    /// Peers allowed to set the client address and scheme with X-Forwarded-For,
    /// X-Forwarded-Proto or Forwarded (comma-separated IPs, or * for all).
    /// From anyone else those headers are ignored. Unix-socket peers are trusted.
    #[arg(long, default_value = "127.0.0.1,::1", value_name = "IPS")]
    pub forwarded_allow_ips: String,

    /// The path the application is mounted under behind a proxy: it becomes
    /// SCRIPT_NAME, and is removed from the front of PATH_INFO.
    #[arg(long, default_value = "", value_name = "PATH")]
    pub root_path: String,

    /// Print every request as it crosses the wire and the WSGI calls it causes
    /// (`<` request, `>` response, `wsgi:` the calls in between), to stderr.
    #[arg(long)]
    pub trace: bool,

    /// Log level: error, warn, info, debug or trace.
    #[arg(long, default_value = "info", value_name = "LEVEL")]
    pub log_level: log::LevelFilter,
}

impl Cli {
    pub fn engine_config(&self) -> Config {
        Config {
            max_body: self.max_body,
            spool_threshold: self.spool_threshold,
            max_connections: self.max_connections.max(1),
            keepalive_timeout: seconds(self.keepalive),
            header_timeout: seconds(self.header_timeout),
            graceful_timeout: seconds(self.graceful_timeout),
            threads: self.threads.max(1),
            slow_request: (self.timeout > 0.0).then(|| seconds(self.timeout)),
            trace: self.trace,
            ..Config::default()
        }
    }
}

/// Seconds as a Duration, at most a year: deadlines are added to the clock,
/// and `--timeout 1e20` (or `inf`) must mean "practically never", not a panic.
fn seconds(value: f64) -> Duration {
    const A_YEAR: f64 = 365.0 * 24.0 * 3600.0;
    Duration::from_secs_f64(if value.is_nan() { A_YEAR } else { value.clamp(0.0, A_YEAR) })
}

/// Runs the server described by `cli`; returns the process exit status.
///
/// The same binary plays two parts: the whole server (one process), or one
/// worker started by a master, which it recognises by the sockets it inherits.
/// With `--workers`, it first becomes the master (see [`crate::master`]).
pub fn run(cli: Cli) -> i32 {
    crate::logging::init(cli.log_level);
    match crate::handoff::take_inherited() {
        Ok(Some(inherited)) => return run_worker(&cli, inherited),
        Ok(None) => {}
        Err(error) => {
            eprintln!("wsgi-server: cannot take the sockets from the master: {error}");
            return crate::master::BOOT_ERROR;
        }
    }
    if cli.workers.is_some() {
        return crate::master::become_master(&cli);
    }

    if let Err(status) = enter_app_dir(&cli) {
        return status;
    }
    let settings = match Settings::of(&cli) {
        Ok(settings) => settings,
        Err(status) => return status,
    };
    // Listen first: a taken port fails before a slow import, as in gunicorn.
    let (listeners, socket_files) = match open_listeners(&cli) {
        Ok(opened) => opened,
        Err(status) => return status,
    };
    let status = serve(&cli, listeners, settings.config, &settings.trusted_proxies, false);
    drop(socket_files);
    status
}

/// One worker of a master: the master already changed directory, checked
/// the options and opened the sockets.
fn run_worker(cli: &Cli, inherited: crate::handoff::Inherited) -> i32 {
    let Ok(settings) = Settings::of(cli) else {
        return crate::master::BOOT_ERROR;
    };
    let heartbeat = inherited.heartbeat.map(|file| {
        crate::http::config::Heartbeat(Arc::new(move || {
            let _ = file.set_modified(std::time::SystemTime::now());
        }))
    });
    let config = Config { max_requests: worker_max_requests(cli), heartbeat, ..settings.config };
    let multiprocess = cli.workers.is_some_and(|n| n > 1);
    match serve(cli, inherited.listeners, config, &settings.trusted_proxies, multiprocess) {
        // A worker that cannot load the app tells the master so.
        1 if !WORKER_BOOTED.load(std::sync::atomic::Ordering::SeqCst) => crate::master::BOOT_ERROR,
        status => status,
    }
}

/// `--chdir`: done once, by the first process; workers inherit the directory.
pub fn enter_app_dir(cli: &Cli) -> Result<(), i32> {
    if let Some(dir) = &cli.chdir {
        if let Err(error) = std::env::set_current_dir(dir) {
            eprintln!("wsgi-server: cannot change to {}: {error}", dir.display());
            return Err(1);
        }
    }
    Ok(())
}

/// The options that need checking before anything starts. The master checks
/// them too, so that a typo fails once, plainly, not in every worker.
pub struct Settings {
    pub config: Config,
    pub trusted_proxies: TrustedProxies,
}

impl Settings {
    pub fn of(cli: &Cli) -> Result<Settings, i32> {
        let mut config = cli.engine_config();
        let trusted_proxies = match TrustedProxies::parse(&cli.forwarded_allow_ips) {
            Ok(trusted) => trusted,
            Err(problem) => {
                eprintln!("wsgi-server: --forwarded-allow-ips: {problem}");
                return Err(1);
            }
        };
        if let Some(destination) = &cli.access_log {
            match AccessLog::open(destination, &cli.access_log_format) {
                Ok(log) => config.access_log = Some(Arc::new(log)),
                Err(error) => {
                    eprintln!("wsgi-server: cannot open the access log {destination}: {error}");
                    return Err(1);
                }
            }
        }
        Ok(Settings { config, trusted_proxies })
    }
}

/// Opens every `--bind` address. The socket files of Unix sockets are
/// removed when the returned [`SocketFiles`] is dropped.
pub fn open_listeners(cli: &Cli) -> Result<(Vec<Listener>, SocketFiles), i32> {
    let mut listeners = Vec::new();
    let mut socket_files = SocketFiles::default();
    for bind in &cli.bind {
        let spec = BindSpec::parse(bind);
        match listen::open(&spec, cli.backlog) {
            Ok(listener) => listeners.push(listener),
            Err(error) => {
                eprintln!("wsgi-server: cannot listen on {spec}: {error}");
                return Err(1);
            }
        }
        if let BindSpec::Unix(path) = spec {
            socket_files.0.push(path);
        }
    }
    Ok((listeners, socket_files))
}

/// Set by a worker once its application is loaded: a worker that fails
/// before that has a broken app, one that fails after has had bad luck.
static WORKER_BOOTED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// This worker's request budget: --max-requests plus its own share of jitter
/// (the pid and the clock are random enough to spread restarts).
fn worker_max_requests(cli: &Cli) -> Option<u64> {
    let max = cli.max_requests.filter(|max| *max > 0)?;
    if cli.max_requests_jitter == 0 {
        return Some(max);
    }
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::from(d.subsec_nanos()));
    let seed = nanos ^ u64::from(std::process::id()).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    Some(max + seed % (cli.max_requests_jitter + 1))
}

/// Starts Python, loads the app and serves until stopped: the whole life of
/// a single-process server, or of one worker.
fn serve(cli: &Cli, listeners: Vec<Listener>, config: Config, trusted_proxies: &TrustedProxies, multiprocess: bool) -> i32 {
    let app_dir = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    // Built-in `wsgi_framework` (framework/), so apps can import it with no pip install.
    pyo3::append_to_inittab!(wsgi_framework);
    interpreter::initialize();
    let argv: Vec<String> = std::env::args().collect();
    let handler = Python::attach(|py| -> Result<WsgiHandler, String> {
        let describe = |error: PyErr| interpreter::format_exception(py, &error);
        interpreter::prepare(py, &app_dir, &cli.pythonpath, &argv).map_err(describe)?;
        let app = interpreter::load_app(py, &cli.app).map_err(describe)?;
        let settings = EnvironSettings {
            url_scheme: "http".to_string(),
            script_name: cli.root_path.trim_end_matches('/').to_string(),
            trusted_proxies: trusted_proxies.clone(),
            multithread: config.threads > 1,
            multiprocess,
        };
        WsgiHandler::new(py, app, &settings).map(|h| h.with_trace(cli.trace)).map_err(describe)
    });
    let handler = match handler {
        Ok(handler) => handler,
        Err(traceback) => {
            eprintln!("{traceback}");
            eprintln!("wsgi-server: cannot load the application {:?} (see the traceback above)", cli.app);
            return 1;
        }
    };

    let server = match Server::from_listeners(listeners, config, Arc::new(handler)) {
        Ok(server) => server,
        Err(error) => {
            eprintln!("wsgi-server: cannot start the event loop: {error}");
            return 1;
        }
    };
    if let Err(error) = crate::signals::stop_on_signals(server.stop_handle()) {
        eprintln!("wsgi-server: cannot install signal handlers: {error}");
        return 1;
    }
    if cli.workers.is_some() {
        WORKER_BOOTED.store(true, std::sync::atomic::Ordering::SeqCst);
        log::info!("worker {} serving {}", std::process::id(), cli.app);
    } else {
        for addr in server.local_addrs().unwrap_or_default() {
            println!("wsgi-server: serving {} on {addr}", cli.app);
        }
    }
    // Tests and scripts read that line through a pipe: make sure it leaves now.
    use std::io::Write;
    let _ = std::io::stdout().flush();
    match server.run() {
        Ok(()) => 0,
        Err(error) => {
            eprintln!("wsgi-server: {error}");
            1
        }
    }
}
