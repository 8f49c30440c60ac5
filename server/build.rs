//! Build-time set-up: the libpython rpath, and a build id.
//!
//! The binary links libpython. Without an rpath pointing at the libpython
//! pyo3 was configured with, the dynamic loader may pick another copy on the
//! machine (a distribution's), whose `sys.prefix` differs, and every package
//! installed with that interpreter's pip silently disappears. The rpath pins it.
//!
//! `wsgi-server --workers N` execs `wsgi-server-master`, a second binary built
//! from the same sources. `cargo run` rebuilds only the binary it runs, so a
//! master left from an older build could meet a newer `wsgi-server` (with
//! other options, or another way of handing over sockets). Both binaries are
//! stamped with a hash of the crate's sources, `WSGI_SERVER_BUILD_ID`, and the
//! master steps aside when the two differ (see `master::become_master`).
use std::hash::Hasher;
use std::path::Path;

fn main() {
    pyo3_build_config::add_libpython_rpath_link_args();

    println!("cargo:rerun-if-changed=src");
    println!("cargo:rerun-if-changed=Cargo.toml");
    // FNV-1a over every file's path and bytes, in a fixed order: no crate
    // needed, and stable from one machine to the next.
    let mut hasher = Fnv1a(0xcbf2_9ce4_8422_2325);
    let mut files = Vec::new();
    collect(Path::new("src"), &mut files);
    files.push("Cargo.toml".into());
    files.sort();
    for file in files {
        hasher.write(file.to_string_lossy().as_bytes());
        hasher.write(&std::fs::read(&file).unwrap_or_default());
    }
    println!("cargo:rustc-env=WSGI_SERVER_BUILD_ID={:016x}", hasher.finish());
}

fn collect(dir: &Path, files: &mut Vec<std::path::PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, files);
        } else {
            files.push(path);
        }
    }
}

struct Fnv1a(u64);

impl Hasher for Fnv1a {
    fn write(&mut self, bytes: &[u8]) {
        for byte in bytes {
            self.0 = (self.0 ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01b3);
        }
    }

    fn finish(&self) -> u64 {
        self.0
    }
}
