//! The `wsgi-server` binary.
//!
//! Until the WSGI gateway lands, it serves the engine's echo handler, which
//! shows the HTTP layer working on its own: `wsgi-server --bind 127.0.0.1:8000`.

use std::sync::Arc;

use wsgi_server::http::{echo::EchoHandler, Config, Server};

fn main() {
    wsgi_server::logging::init(log::LevelFilter::Info);
    let mut bind = "127.0.0.1:8000".to_string();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--bind" | "-b" => bind = args.next().unwrap_or(bind),
            "--help" | "-h" => {
                println!("usage: wsgi-server [--bind HOST:PORT]   (serves the engine's echo handler)");
                return;
            }
            other => {
                eprintln!("wsgi-server: unknown argument {other:?} (try --help)");
                std::process::exit(2);
            }
        }
    }
    let server = match Server::bind(bind.as_str(), Config::default(), Arc::new(EchoHandler)) {
        Ok(server) => server,
        Err(error) => {
            eprintln!("wsgi-server: cannot listen on {bind}: {error}");
            std::process::exit(1);
        }
    };
    if let Some(addr) = server.local_tcp_addr() {
        println!("wsgi-server: listening on http://{addr}");
    }
    if let Err(error) = server.run() {
        eprintln!("wsgi-server: {error}");
        std::process::exit(1);
    }
}
