//! Link-time set-up for embedding CPython.
//!
//! The binary links libpython. Without an rpath pointing at the libpython
//! pyo3 was configured with, the dynamic loader may pick another copy on the
//! machine (a distribution's), whose `sys.prefix` differs, and every package
//! installed with that interpreter's pip silently disappears. The rpath pins it.
fn main() {
    pyo3_build_config::add_libpython_rpath_link_args();
}
