//! The `wsgi-server-master` binary: the master process of `--workers N`.
//!
//! `wsgi-server --workers N` replaces itself with this program at once. It
//! is a separate binary for one reason: it does not link libpython, so the
//! process that only watches workers does not pay for a Python it never runs
//! (see `wsgi_server::handoff`). The workers it starts are `wsgi-server`.

use clap::Parser;

fn main() {
    let cli = wsgi_server::cli::Cli::parse();
    wsgi_server::logging::init(cli.log_level);
    let worker = match std::env::var_os(wsgi_server::master::WORKER_EXE) {
        Some(path) => std::path::PathBuf::from(path),
        // Started by hand: the workers are the `wsgi-server` beside us.
        None => match std::env::current_exe() {
            Ok(exe) => exe.with_file_name("wsgi-server"),
            Err(error) => {
                eprintln!("wsgi-server-master: cannot find its own binary: {error}");
                std::process::exit(1);
            }
        },
    };
    std::env::remove_var(wsgi_server::master::WORKER_EXE);
    if let Some(error) = wsgi_server::master::hand_back_if_from_another_build(&worker) {
        eprintln!("wsgi-server-master: cannot run {}: {error}", worker.display());
        std::process::exit(1);
    }
    std::process::exit(wsgi_server::master::main(&cli, worker));
}
