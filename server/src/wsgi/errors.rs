//! `wsgi.errors`: where an application writes error text; it goes to our log.
//!
//! Text is collected until a newline (or `flush()`), so a traceback written
//! piece by piece becomes whole log lines rather than fragments.

use std::sync::Mutex;

use pyo3::prelude::*;

#[pyclass(frozen, module = "wsgi_server")]
#[derive(Default)]
pub struct ErrorStream {
    partial: Mutex<String>,
}

impl ErrorStream {
    fn emit_complete_lines(&self, flush_all: bool) {
        let mut partial = self.partial.lock().unwrap_or_else(|e| e.into_inner());
        while let Some(newline) = partial.find('\n') {
            let line: String = partial.drain(..=newline).collect();
            log::error!("[wsgi.errors] {}", line.trim_end_matches('\n'));
        }
        if flush_all && !partial.is_empty() {
            log::error!("[wsgi.errors] {}", partial.as_str());
            partial.clear();
        }
    }
}

#[pymethods]
impl ErrorStream {
    fn write(&self, text: &str) -> usize {
        self.partial.lock().unwrap_or_else(|e| e.into_inner()).push_str(text);
        self.emit_complete_lines(false);
        text.chars().count()
    }

    fn writelines(&self, lines: Vec<String>) {
        for line in lines {
            self.write(&line);
        }
    }

    fn flush(&self) {
        self.emit_complete_lines(true);
    }
}
