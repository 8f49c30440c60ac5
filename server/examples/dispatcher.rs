//! `cargo run --example dispatcher`: the framework demo, served by wsgi-server.
//!
//! It runs `python-examples/framework_demo.py` (the source notes' `/hi/` and
//! `/hello/` apps behind `wsgi_framework.Dispatcher`, next to an `App` with
//! typed routes under `/app`) through the real server code, on
//! 127.0.0.1:8000. `--port N` (or `PORT=N`) picks another port; `--port 0`
//! any free one. Nothing needs installing with pip: `wsgi_framework` is
//! built into the server, and the demo's other imports are the standard library.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::exit;

use clap::Parser;
use wsgi_server::cli::Cli;

const USAGE: &str = "usage: cargo run --example dispatcher [-- --port N]   (or PORT=N cargo run --example dispatcher)";

/// The port from `--port N`, `--port=N` or `-p N`, else `PORT`, else 8000.
fn port_from_args() -> u16 {
    let mut args = std::env::args().skip(1);
    let mut given: Option<String> = std::env::var("PORT").ok().filter(|p| !p.is_empty());
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--port" | "-p" => given = args.next().or_else(|| fail_usage("--port needs a number")),
            "-h" | "--help" => {
                println!("{USAGE}");
                exit(0);
            }
            _ => match arg.strip_prefix("--port=") {
                Some(value) => given = Some(value.to_string()),
                None => fail_usage(&format!("unexpected argument {arg:?}")),
            },
        }
    }
    match given {
        None => 8000,
        Some(text) => {
            text.trim().parse().unwrap_or_else(|_| fail_usage(&format!("{text:?} is not a port number (0-65535)")))
        }
    }
}

fn fail_usage(message: &str) -> ! {
    eprintln!("dispatcher demo: {message}\n{USAGE}");
    exit(2)
}

/// What to try, and what each shows.
const TOURS: &[(&str, &str)] = &[
    ("/hi/there", "say_hi from dispatcher.py, mounted at /hi: it sees SCRIPT_NAME='/hi', PATH_INFO='/there'"),
    ("/hello/?name=Ada", "say_hello from dispatcher.py, mounted at /hello: reads ?name="),
    ("/app/", "the App mounted at /app: its routes, as JSON"),
    ("/app/hello/caf%C3%A9", "<name>: a string placeholder, percent-decoded; url_for escapes it back"),
    ("/app/users/42", "<int:id>: the view gets the int 42 (try /app/users/abc: 404)"),
    ("/app/files/docs/guide/intro.txt", "<path:rest>: a placeholder that takes slashes"),
    ("/app/price/9.99", "<float:amount>: a float placeholder"),
    ("/app/docs", "a rule that ends in '/': 308 redirect to /app/docs/ (curl -i shows Location)"),
    ("/app", "the mount point without its slash: 308 to /app/"),
    ("/nowhere", "no mount matches: the Dispatcher's fallback answers 404"),
    ("/hix", "mounts match whole segments: /hix is not /hi, so 404"),
];

fn main() {
    let mut port = port_from_args();
    if port == 0 {
        // Ask the system for a free port, so the URLs printed below are right.
        port = match TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()) {
            Ok(addr) => addr.port(),
            Err(error) => {
                eprintln!("dispatcher demo: cannot find a free port: {error}");
                exit(1);
            }
        };
    }
    let bind = format!("127.0.0.1:{port}");
    // Try the port first, for a clear message (the server would also refuse,
    // but only after starting Python). The probe closes before the server binds.
    if let Err(error) = TcpListener::bind(&bind) {
        eprintln!(
            "dispatcher demo: cannot listen on {bind}: {error}.\n\
             Another program is probably using port {port}. Stop it, or pick another port:\n    \
             cargo run --example dispatcher -- --port {}\n    PORT={} cargo run --example dispatcher",
            port.wrapping_add(1),
            port.wrapping_add(1),
        );
        exit(1);
    }

    let examples = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..").join("python-examples");
    let examples = examples.canonicalize().unwrap_or(examples);

    let base = format!("http://{bind}");
    println!("wsgi_framework demo: python-examples/framework_demo.py, served by wsgi-server on {base}\n");
    println!("Try these (curl -i shows the status line and headers):");
    let width = TOURS.iter().map(|(path, _)| base.len() + path.len()).max().unwrap_or(0);
    for (path, what) in TOURS {
        println!("  {:width$}  {what}", format!("{base}{path}"));
    }
    println!("  curl -i -X DELETE {base}/app/users/42        DELETE is allowed on that route; POST gets 405 and an Allow header");
    println!("  curl -i -d 'a=1&a=2' '{base}/app/echo?q=x'   a POSTed form and query string, echoed as JSON");
    println!("\nCtrl-C stops the server.\n");

    let cli = Cli::parse_from([
        "wsgi-server",
        "--bind",
        &bind,
        "--chdir",
        &examples.to_string_lossy(),
        "framework_demo:application",
    ]);
    exit(wsgi_server::cli::run(cli));
}
