//! Link-time set-up for embedding CPython.
//!
//! This binary links libpython. The rpath pins the libpython that pyo3 was
//! configured with; without it the loader may find another copy on the
//! machine, whose `sys.prefix` (and installed packages) differ.
fn main() {
    pyo3_build_config::add_libpython_rpath_link_args();
}
