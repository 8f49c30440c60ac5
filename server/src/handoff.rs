//! How the master hands its listening sockets to a worker it starts.
//!
//! A worker is a fresh `wsgi-server` process. The master forks, and the child
//! at once replaces its program (`exec`) with the `wsgi-server` binary, which
//! starts Python and imports the app. Exec throws away the child's memory but
//! keeps its open file descriptors, except those marked close-on-exec (Rust
//! marks every descriptor it opens that way, so that nothing leaks into
//! programs we run by accident). Between fork and exec, the child clears that
//! mark on the listening sockets, and the master names them to the new
//! program in an environment variable: the same trick as systemd's socket
//! activation (`LISTEN_FDS`). An `--timeout` heartbeat file travels the same way.
//!
//! Why exec, when the forked child already holds everything? Because of what
//! the master would otherwise be. A process that links libpython pays for it
//! even if it never starts Python: the dynamic loader fills in about a
//! megabyte of libpython's pointers at start-up, in pages of the process's
//! own. The master is a separate binary, `wsgi-server-master`, that does not
//! link libpython at all, so it costs about 3 MB instead of 6; and a worker,
//! being exec'd, never carries a copy of the master.

use std::ffi::OsString;
use std::fs::File;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, RawFd};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::Command;

use socket2::{Domain, Socket};

use crate::http::Listener;

/// The descriptors of the listening sockets, comma-separated: `3,4`.
pub const LISTEN_FDS: &str = "WSGI_SERVER_LISTEN_FDS";
/// The descriptor of the worker's heartbeat file (with `--timeout`).
pub const HEARTBEAT_FD: &str = "WSGI_SERVER_HEARTBEAT_FD";

/// Starts one worker: `exe` with the server's own arguments, inheriting the
/// listening sockets `listeners` and the `heartbeat` file. Returns its pid.
pub fn start_worker(exe: &Path, args: &[OsString], listeners: &[RawFd], heartbeat: Option<&File>) -> io::Result<libc::pid_t> {
    let heartbeat = heartbeat.map(AsRawFd::as_raw_fd);
    let mut inherited: Vec<RawFd> = listeners.to_vec();
    inherited.extend(heartbeat);
    let fds: Vec<String> = listeners.iter().map(RawFd::to_string).collect();
    let master = std::process::id() as libc::pid_t;

    let mut command = Command::new(exe);
    command.args(args).env(LISTEN_FDS, fds.join(",")).env_remove(HEARTBEAT_FD);
    if let Some(fd) = heartbeat {
        command.env(HEARTBEAT_FD, fd.to_string());
    }
    // ANCHOR: between_fork_and_exec
    // SAFETY: the closure runs in the child between fork and exec, where only
    // async-signal-safe calls are allowed; fcntl, prctl, getppid and _exit are.
    unsafe {
        command.pre_exec(move || {
            for &fd in &inherited {
                set_cloexec(fd, false)?;
            }
            // If the master dies, so does the worker: no orphan serving stale
            // code. The setting survives exec. (A master that died before this
            // line would be missed, hence the check after it.)
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM);
            if libc::getppid() != master {
                libc::_exit(1);
            }
            Ok(())
        });
    }
    // ANCHOR_END: between_fork_and_exec
    // std's spawn resets the signal mask and SIGPIPE, and exec resets every
    // signal handler to its default: until the worker has booted and set up
    // its own graceful handling, TERM or INT simply ends it. That is what a
    // worker still importing the app should do when its master stops.
    let child = command.spawn()?;
    Ok(child.id() as libc::pid_t)
}

/// What a worker inherited from its master.
pub struct Inherited {
    pub listeners: Vec<Listener>,
    pub heartbeat: Option<File>,
}

/// In a worker: takes the sockets and heartbeat file named in the
/// environment. `None` when this process was not started by a master. The
/// variables are removed (so that the app, and any program it starts, never
/// sees them) and the descriptors are marked close-on-exec again.
pub fn take_inherited() -> io::Result<Option<Inherited>> {
    let Some(fds) = std::env::var_os(LISTEN_FDS) else {
        return Ok(None);
    };
    let heartbeat = std::env::var_os(HEARTBEAT_FD);
    std::env::remove_var(LISTEN_FDS);
    std::env::remove_var(HEARTBEAT_FD);

    let mut listeners = Vec::new();
    for fd in fds.to_string_lossy().split(',').filter(|s| !s.is_empty()) {
        listeners.push(adopt_listener(parse_fd(LISTEN_FDS, fd)?)?);
    }
    let heartbeat = match heartbeat {
        Some(fd) => {
            let fd = parse_fd(HEARTBEAT_FD, &fd.to_string_lossy())?;
            set_cloexec(fd, true)?;
            // SAFETY: the master passed this descriptor to us alone, for us to own.
            Some(unsafe { File::from_raw_fd(fd) })
        }
        None => None,
    };
    Ok(Some(Inherited { listeners, heartbeat }))
}

/// A descriptor number from the variable `name` (never stdin, stdout or stderr).
fn parse_fd(name: &str, text: &str) -> io::Result<RawFd> {
    text.trim()
        .parse()
        .ok()
        .filter(|fd: &RawFd| *fd > 2)
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, format!("{name}: {text:?} is not a descriptor")))
}

/// Marks `fd` close-on-exec, or clears the mark. Two fcntl calls and no
/// allocation: safe to call between fork and exec.
fn set_cloexec(fd: RawFd, on: bool) -> io::Result<()> {
    // SAFETY: plain fcntl on a descriptor number; no memory is involved.
    let flags = unsafe { libc::fcntl(fd, libc::F_GETFD) };
    if flags < 0 {
        return Err(io::Error::last_os_error());
    }
    let flags = if on { flags | libc::FD_CLOEXEC } else { flags & !libc::FD_CLOEXEC };
    if unsafe { libc::fcntl(fd, libc::F_SETFD, flags) } < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// Wraps an inherited descriptor, after checking that it is a listening
/// socket: a wrong number must fail here, clearly, not in the event loop.
fn adopt_listener(fd: RawFd) -> io::Result<Listener> {
    set_cloexec(fd, true)?;
    // SAFETY: the master passed this descriptor to us alone, for us to own;
    // set_cloexec just proved it is open.
    let socket = unsafe { Socket::from_raw_fd(fd) };
    let not_listening = || io::Error::new(io::ErrorKind::InvalidInput, format!("descriptor {fd} is not a listening socket"));
    if !socket.is_listener().map_err(|_| not_listening())? {
        return Err(not_listening());
    }
    if socket.domain()? == Domain::UNIX {
        Listener::from_std_unix(socket.into())
    } else {
        Listener::from_std_tcp(socket.into())
    }
}
