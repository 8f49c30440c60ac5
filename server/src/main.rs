//! The `wsgi-server` binary: parse the command line and run.

use clap::Parser;

fn main() {
    let cli = wsgi_server::cli::Cli::parse();
    std::process::exit(wsgi_server::cli::run(cli));
}
