//! Opening the listening sockets named by `--bind`.
//!
//! `--bind HOST:PORT` opens a TCP socket; `--bind unix:PATH` a Unix domain
//! socket, the usual way for a reverse proxy on the same machine to reach its
//! app server. Both are opened before the application is imported, so a port
//! that is taken fails at once, and so that (later) a master process can open
//! them once and hand them to every worker it forks.

use std::io;
use std::net::{SocketAddr, ToSocketAddrs};
use std::path::{Path, PathBuf};

use socket2::{Domain, SockAddr, Socket, Type};

use crate::http::Listener;

/// One `--bind` value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BindSpec {
    Tcp(String),
    Unix(PathBuf),
}

impl BindSpec {
    pub fn parse(text: &str) -> BindSpec {
        match text.strip_prefix("unix:") {
            Some(path) => BindSpec::Unix(PathBuf::from(path)),
            None => BindSpec::Tcp(text.to_string()),
        }
    }
}

impl std::fmt::Display for BindSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BindSpec::Tcp(addr) => f.write_str(addr),
            BindSpec::Unix(path) => write!(f, "unix:{}", path.display()),
        }
    }
}

/// Opens a listening socket with the given backlog (the queue of connections
/// the kernel has accepted for us but we have not yet taken).
pub fn open(spec: &BindSpec, backlog: i32) -> io::Result<Listener> {
    match spec {
        BindSpec::Tcp(addr) => {
            let addr: SocketAddr = addr.to_socket_addrs()?.next().ok_or_else(|| {
                io::Error::new(io::ErrorKind::InvalidInput, format!("{addr:?} names no address"))
            })?;
            let socket = Socket::new(Domain::for_address(addr), Type::STREAM, None)?;
            // Lets a restarted server bind while old connections sit in TIME_WAIT.
            socket.set_reuse_address(true)?;
            socket.bind(&addr.into())?;
            socket.listen(backlog)?;
            Listener::from_std_tcp(socket.into())
        }
        BindSpec::Unix(path) => {
            remove_stale_socket(path)?;
            let socket = Socket::new(Domain::UNIX, Type::STREAM, None)?;
            socket.bind(&SockAddr::unix(path)?)?;
            socket.listen(backlog)?;
            let listener: std::os::unix::net::UnixListener = socket.into();
            Listener::from_std_unix(listener)
        }
    }
}

/// A socket file left by a server that died is in the way of `bind`. If
/// nobody answers on it, it is stale and we remove it; if someone does, the
/// address is really in use and we must not steal it.
fn remove_stale_socket(path: &Path) -> io::Result<()> {
    if !path.exists() {
        return Ok(());
    }
    match std::os::unix::net::UnixStream::connect(path) {
        Ok(_) => Err(io::Error::new(
            io::ErrorKind::AddrInUse,
            format!("another server is listening on {}", path.display()),
        )),
        Err(_) => {
            log::info!("removing stale socket file {}", path.display());
            std::fs::remove_file(path)
        }
    }
}

/// Removes our Unix socket files when the server exits.
#[derive(Debug, Default)]
pub struct SocketFiles(pub Vec<PathBuf>);

impl Drop for SocketFiles {
    fn drop(&mut self) {
        for path in &self.0 {
            let _ = std::fs::remove_file(path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_bind_values() {
        assert_eq!(BindSpec::parse("127.0.0.1:8000"), BindSpec::Tcp("127.0.0.1:8000".into()));
        assert_eq!(BindSpec::parse("unix:/run/app.sock"), BindSpec::Unix("/run/app.sock".into()));
    }

    #[test]
    fn replaces_a_stale_socket_file_but_not_a_live_one() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("app.sock");
        // A live listener: binding again must fail with AddrInUse.
        let live = open(&BindSpec::Unix(path.clone()), 16).unwrap();
        let error = open(&BindSpec::Unix(path.clone()), 16).unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::AddrInUse);
        // Once it is gone, the file left behind is stale and is replaced.
        drop(live);
        assert!(path.exists());
        open(&BindSpec::Unix(path.clone()), 16).unwrap();
    }
}
