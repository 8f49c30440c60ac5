//! A small stderr logger: timestamp, level, message.
//!
//! The `log` crate is only a facade; something must print. This is that
//! something, kept tiny: one line per record, written with a single `write`
//! so lines from different threads never interleave.

use std::io::Write;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::http::date::{CivilTime, MONTHS};

struct StderrLogger {
    level: log::LevelFilter,
}

impl log::Log for StderrLogger {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        metadata.level() <= self.level
    }

    fn log(&self, record: &log::Record<'_>) {
        if !self.enabled(record.metadata()) {
            return;
        }
        let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
        let t = CivilTime::from_unix(now.as_secs());
        let line = format!(
            "[{:02}/{}/{} {:02}:{:02}:{:02} +0000] [{}] [{}] {}\n",
            t.day,
            MONTHS[t.month as usize - 1],
            t.year,
            t.hour,
            t.minute,
            t.second,
            std::process::id(),
            record.level(),
            record.args()
        );
        let _ = std::io::stderr().lock().write_all(line.as_bytes());
    }

    fn flush(&self) {}
}

/// Installs the logger (once; later calls only change nothing).
pub fn init(level: log::LevelFilter) {
    if log::set_boxed_logger(Box::new(StderrLogger { level })).is_ok() {
        log::set_max_level(level);
    }
}
