//! wsgi-server behind a real nginx, the way the deployment chapter sets it up.
//!
//! One nginx on loopback balances between two wsgi-server instances, one on
//! TCP and one on a Unix socket. The tests check that both are used, that the
//! client's address and the scheme nginx reports reach the app as REMOTE_ADDR
//! and `wsgi.url_scheme`, and that the same headers sent straight to the
//! server by someone who is not the proxy are ignored.
//!
//! The client connects from 127.0.0.2 (all of 127.0.0.0/8 is loopback), so
//! its address differs from nginx's 127.0.0.1, which the server trusts.
//! nginx comes from Debian's package; the test command installs it.

mod support;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const NGINX: &str = "/usr/sbin/nginx";

const APP: &str = r#"
import os

def application(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    line = f"{os.getpid()} {environ['REMOTE_ADDR']} {environ['wsgi.url_scheme']}"
    return [line.encode()]
"#;

struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_server(dir: &Path, bind: &str) -> (Running, String) {
    let mut command = support::wsgi_server();
    command.args(["--chdir", dir.to_str().unwrap(), "--bind", bind, "whoami"]).stderr(Stdio::null());
    let (child, address) = support::spawn_and_wait(command);
    (Running(child), address)
}

/// A request from 127.0.0.2; returns (pid, REMOTE_ADDR, url_scheme).
fn ask(to: SocketAddr, extra_headers: &str) -> (String, String, String) {
    let socket = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
    socket.bind(&SocketAddr::from(([127, 0, 0, 2], 0)).into()).unwrap();
    socket.connect(&to.into()).unwrap();
    let mut stream: TcpStream = socket.into();
    stream.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let request = format!("GET / HTTP/1.1\r\nHost: example.test\r\n{extra_headers}Connection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    assert!(response.starts_with("HTTP/1.1 200 OK"), "{response}");
    let body = response.split("\r\n\r\n").nth(1).unwrap();
    let parts: Vec<&str> = body.split(' ').collect();
    (parts[0].to_string(), parts[1].to_string(), parts[2].to_string())
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

#[test]
fn nginx_balances_two_servers_and_forwards_the_client() {
    assert!(Path::new(NGINX).exists(), "nginx is needed: apt-get install nginx-light (the test command does)");
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("whoami.py"), APP).unwrap();
    let socket = dir.path().join("b.sock");
    let (_tcp_server, tcp_address) = start_server(dir.path(), "127.0.0.1:0");
    let (_unix_server, _) = start_server(dir.path(), &format!("unix:{}", socket.display()));
    let tcp_address = tcp_address.trim_start_matches("http://").to_string();

    // nginx in the foreground, one process, every file in our temp folder.
    let nginx_port = free_port();
    let prefix = dir.path();
    let conf = format!(
        r#"
daemon off;
master_process off;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log;
events {{ worker_connections 64; }}
http {{
    access_log off;
    client_body_temp_path {prefix}/body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    upstream app {{
        server {tcp_address};
        server unix:{socket};
    }}
    server {{
        listen 127.0.0.1:{nginx_port};
        location / {{
            proxy_pass http://app;
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            # As if nginx had terminated TLS for this request.
            proxy_set_header X-Forwarded-Proto https;
            proxy_set_header Forwarded "";
        }}
    }}
}}
"#,
        prefix = prefix.display(),
        socket = socket.display(),
    );
    let conf_path = prefix.join("nginx.conf");
    std::fs::write(&conf_path, conf).unwrap();
    let _nginx = Running(
        Command::new(NGINX)
            .args(["-p", prefix.to_str().unwrap(), "-c", conf_path.to_str().unwrap()])
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let nginx: SocketAddr = ([127, 0, 0, 1], nginx_port).into();
    // Wait (bounded) until nginx accepts connections.
    let ready = (0..300).any(|_| {
        TcpStream::connect(nginx).is_ok() || {
            std::thread::sleep(Duration::from_millis(50));
            false
        }
    });
    assert!(ready, "nginx did not start: {}", std::fs::read_to_string(prefix.join("error.log")).unwrap_or_default());

    // Round robin over both servers; each sees the real client and https.
    let mut pids = std::collections::HashSet::new();
    for _ in 0..6 {
        let (pid, remote_addr, scheme) = ask(nginx, "");
        assert_eq!(remote_addr, "127.0.0.2", "REMOTE_ADDR is the client, not nginx");
        assert_eq!(scheme, "https");
        pids.insert(pid);
    }
    assert_eq!(pids.len(), 2, "both servers (TCP and Unix socket) answer");

    // The same headers sent straight to the server by a stranger are ignored.
    let direct: SocketAddr = tcp_address.parse().unwrap();
    let (_, remote_addr, scheme) = ask(direct, "X-Forwarded-For: 6.6.6.6\r\nX-Forwarded-Proto: https\r\n");
    assert_eq!(remote_addr, "127.0.0.2");
    assert_eq!(scheme, "http");
}
