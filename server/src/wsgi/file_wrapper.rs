//! `wsgi.file_wrapper`: turns a file-like object into a response iterable.
//!
//! `environ['wsgi.file_wrapper'](f, block_size)` returns an iterable that
//! reads `f` in blocks, with a `close()` that closes `f` (PEP 3333, "Optional
//! Platform-Specific File Handling"). The gateway recognises this type and,
//! when the wrapped object is a real file ([`real_file`]), has the kernel send
//! it with `sendfile`; the plain iteration below is the portable fallback
//! (sockets, `BytesIO`, anything with a `read`).

use std::fs::File;
use std::os::fd::{BorrowedFd, RawFd};
use std::sync::Mutex;

use pyo3::prelude::*;

#[pyclass(frozen, module = "wsgi_server")]
pub struct FileWrapper {
    pub(crate) filelike: Py<PyAny>,
    pub(crate) block_size: usize,
    closed: Mutex<bool>,
}

#[pymethods]
impl FileWrapper {
    #[new]
    #[pyo3(signature = (filelike, block_size = 8192))]
    fn new(filelike: Py<PyAny>, block_size: usize) -> Self {
        FileWrapper { filelike, block_size: block_size.max(1), closed: Mutex::new(false) }
    }

    fn __iter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    fn __next__<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        let block = self.filelike.bind(py).call_method1("read", (self.block_size,))?;
        Ok(if block.len()? == 0 { None } else { Some(block) })
    }

    fn close(&self, py: Python<'_>) -> PyResult<()> {
        let mut closed = self.closed.lock().unwrap_or_else(|e| e.into_inner());
        if std::mem::replace(&mut *closed, true) {
            return Ok(());
        }
        let filelike = self.filelike.bind(py);
        if filelike.hasattr("close")? {
            filelike.call_method0("close")?;
        }
        Ok(())
    }
}

/// If `filelike` is a regular file, a duplicate of its descriptor, its
/// current position and how many bytes remain. Anything else (no `fileno`,
/// a pipe, a socket) returns `None` and is iterated instead.
pub fn real_file(filelike: &Bound<'_, PyAny>) -> Option<(File, u64, u64)> {
    let fd: RawFd = filelike.call_method0("fileno").ok()?.extract().ok()?;
    // tell() knows about Python's own read buffer; the descriptor's offset may not.
    let position: u64 = filelike.call_method0("tell").ok()?.extract().ok()?;
    // SAFETY: the descriptor belongs to `filelike`, which is alive for this call;
    // we only borrow it to duplicate it.
    let borrowed = unsafe { BorrowedFd::borrow_raw(fd) };
    // Our own duplicate: the app may close its file before the loop has sent it.
    let file = File::from(borrowed.try_clone_to_owned().ok()?);
    let metadata = file.metadata().ok()?;
    if !metadata.is_file() {
        return None;
    }
    Some((file, position, metadata.len().saturating_sub(position)))
}
