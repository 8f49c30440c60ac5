//! Support for the end-to-end tests in `tests/tests/`: they drive the real
//! `wsgi-server` binary the way a user runs it.
//!
//! | module | what it gives a test |
//! |---|---|
//! | [`server`] | start `wsgi-server` on `127.0.0.1:0` with an app from `tests/apps/` or `python-examples/`, read its log, stop it |
//! | [`client`] | a raw HTTP/1.1 client over `TcpStream`: exact bytes in, exact bytes out |
//! | [`json`] | a small JSON reader, to compare what apps answer with what a test expects |
//! | [`snapshot`] | raw responses as snapshot text (CR and LF visible, Date and ports redacted) |
//!
//! Every wait in here is a blocking read or a channel receive with an upper
//! bound ([`PATIENCE`] or [`STARTUP`]). The bounds are guards only: when the
//! server works they are never reached, and when it does not, the test fails
//! with a message instead of hanging.

use std::path::{Path, PathBuf};
use std::time::Duration;

pub mod client;
pub mod json;
pub mod server;
pub mod snapshot;

pub use client::{Conn, Response};
pub use json::Json;
pub use server::{Exit, ServerBuilder, WsgiServer};

/// The upper bound on one read from the server (a guard, never a delay).
pub const PATIENCE: Duration = Duration::from_secs(10);

/// The upper bound on a server start (importing Django on a busy CI machine).
pub const STARTUP: Duration = Duration::from_secs(30);

/// The repository root (computed from this crate's manifest, never hard-coded).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("tests/ has a parent").to_path_buf()
}

/// `tests/apps/`: the small WSGI apps written for these tests.
pub fn apps_dir() -> PathBuf {
    repo_root().join("tests").join("apps")
}

/// `python-examples/`: the example apps of the course.
pub fn examples_dir() -> PathBuf {
    repo_root().join("python-examples")
}

/// The `wsgi-server` binary next to this test executable:
/// `target/debug/deps/<test>` gives `target/debug/wsgi-server`.
pub fn server_binary() -> PathBuf {
    let exe = std::env::current_exe().expect("the path of the test executable");
    let profile_dir = exe.parent().and_then(Path::parent).expect("the test executable lives in target/<profile>/deps/");
    let binary = profile_dir.join(format!("wsgi-server{}", std::env::consts::EXE_SUFFIX));
    assert!(binary.is_file(), "{} does not exist: build it first: cargo build -p wsgi-server", binary.display());
    binary
}

/// CRC-32 (the zlib one, as Python's `zlib.crc32`): apps report a checksum of
/// large bodies instead of echoing them.
pub fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &byte in data {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

/// Lower-case hex of `data` (how a test hands bytes to an app in a query string).
pub fn hex(data: &[u8]) -> String {
    data.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc32_matches_zlib() {
        // python3 -c 'import zlib; print(zlib.crc32(b"hello, world"))'
        assert_eq!(crc32(b"hello, world"), 4289425978);
        assert_eq!(crc32(b""), 0);
    }
}
