//! `wsgi.input`: the request body as a Python file-like object, in Rust.
//!
//! PEP 3333 asks for `read(size)`, `readline(size)`, `readlines(hint)` and
//! iteration. The engine has already read the whole body (into memory or a
//! spooled temporary file), so every method is a plain read with no socket
//! behind it: `read()` at the end simply returns `b""`, which is what
//! `wsgi.input_terminated = True` promises frameworks.
//!
//! All methods share one position, so mixing them works: a `readline()`
//! leaves the stream right after the newline, and a later `read(n)` starts
//! there. For spooled bodies a small buffer sits in front of the file.

use std::io::{BufRead, BufReader, Read};
use std::sync::Mutex;

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyList};

use crate::http::RequestBody;

enum Source {
    Memory { bytes: Vec<u8>, pos: usize },
    File(BufReader<std::fs::File>),
}

impl Source {
    /// Up to `limit` bytes (all that remain when `None`).
    fn read(&mut self, limit: Option<usize>) -> std::io::Result<Vec<u8>> {
        match self {
            Source::Memory { bytes, pos } => {
                let end = limit.map_or(bytes.len(), |n| (*pos + n).min(bytes.len()));
                let out = bytes[*pos..end].to_vec();
                *pos = end;
                Ok(out)
            }
            Source::File(reader) => {
                let mut out = Vec::new();
                match limit {
                    None => {
                        reader.read_to_end(&mut out)?;
                    }
                    Some(n) => {
                        reader.take(n as u64).read_to_end(&mut out)?;
                    }
                }
                Ok(out)
            }
        }
    }

    /// One line including its `\n`, or up to `limit` bytes of it.
    fn read_line(&mut self, limit: Option<usize>) -> std::io::Result<Vec<u8>> {
        match self {
            Source::Memory { bytes, pos } => {
                let rest = &bytes[*pos..];
                let mut end = rest.iter().position(|b| *b == b'\n').map_or(rest.len(), |i| i + 1);
                if let Some(n) = limit {
                    end = end.min(n);
                }
                let out = rest[..end].to_vec();
                *pos += end;
                Ok(out)
            }
            Source::File(reader) => {
                let mut out = Vec::new();
                match limit {
                    None => {
                        reader.read_until(b'\n', &mut out)?;
                    }
                    Some(n) => {
                        reader.by_ref().take(n as u64).read_until(b'\n', &mut out)?;
                    }
                }
                Ok(out)
            }
        }
    }
}

/// The `wsgi.input` object.
#[pyclass(frozen, module = "wsgi_server")]
pub struct InputStream {
    source: Mutex<Source>,
}

impl InputStream {
    pub fn new(body: RequestBody) -> Self {
        let source = match body {
            RequestBody::Empty => Source::Memory { bytes: Vec::new(), pos: 0 },
            RequestBody::Memory(bytes) => Source::Memory { bytes, pos: 0 },
            RequestBody::File { file, .. } => Source::File(BufReader::with_capacity(64 * 1024, file)),
        };
        InputStream { source: Mutex::new(source) }
    }

    // ANCHOR: with_source
    fn with_source<R>(
        &self,
        py: Python<'_>,
        f: impl FnOnce(&mut Source) -> std::io::Result<R> + Send,
    ) -> PyResult<R>
    where
        R: Send,
    {
        // Reading a spooled body touches the disk: let other threads run Python meanwhile.
        py.detach(|| {
            let mut source = self.source.lock().unwrap_or_else(|e| e.into_inner());
            f(&mut source)
        })
        .map_err(|e| PyValueError::new_err(format!("could not read the request body: {e}")))
    }
    // ANCHOR_END: with_source
}

/// Python's convention: a negative or missing size means "everything".
fn size_limit(size: Option<isize>) -> Option<usize> {
    size.and_then(|n| usize::try_from(n).ok())
}

#[pymethods]
impl InputStream {
    #[pyo3(signature = (size = None))]
    fn read<'py>(&self, py: Python<'py>, size: Option<isize>) -> PyResult<Bound<'py, PyBytes>> {
        let bytes = self.with_source(py, |s| s.read(size_limit(size)))?;
        Ok(PyBytes::new(py, &bytes))
    }

    #[pyo3(signature = (size = None))]
    fn readline<'py>(&self, py: Python<'py>, size: Option<isize>) -> PyResult<Bound<'py, PyBytes>> {
        let bytes = self.with_source(py, |s| s.read_line(size_limit(size)))?;
        Ok(PyBytes::new(py, &bytes))
    }

    /// Lines until the end, or until about `hint` bytes have been read.
    #[pyo3(signature = (hint = None))]
    fn readlines<'py>(&self, py: Python<'py>, hint: Option<isize>) -> PyResult<Bound<'py, PyList>> {
        let hint = size_limit(hint).filter(|n| *n > 0);
        let lines = self.with_source(py, |s| {
            let mut lines = Vec::new();
            let mut total = 0;
            loop {
                let line = s.read_line(None)?;
                if line.is_empty() {
                    break;
                }
                total += line.len();
                lines.push(line);
                if hint.is_some_and(|h| total >= h) {
                    break;
                }
            }
            Ok(lines)
        })?;
        PyList::new(py, lines.iter().map(|l| PyBytes::new(py, l)))
    }

    fn __iter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    fn __next__<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyBytes>>> {
        let line = self.with_source(py, |s| s.read_line(None))?;
        Ok((!line.is_empty()).then(|| PyBytes::new(py, &line)))
    }

    /// Nothing to release: the body belongs to the request.
    fn close(&self) {}
}
