//! Link-time set-up: the unit-test binary links libpython (pyo3 without
//! `extension-module`), so, like wsgi-server, it gets an rpath to the
//! libpython pyo3 was configured with rather than whichever copy the loader
//! finds first. For a maturin build (`extension-module`) this prints nothing.
fn main() {
    pyo3_build_config::add_libpython_rpath_link_args();
}
