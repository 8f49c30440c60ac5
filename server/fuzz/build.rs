//! The environ target embeds CPython, like the server binary: pin the rpath to
//! the libpython pyo3 was configured with (see `server/build.rs` for why).
fn main() {
    pyo3_build_config::add_libpython_rpath_link_args();
}
