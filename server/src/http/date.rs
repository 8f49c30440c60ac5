//! The `Date` header, formatted by hand and cached per thread.
//!
//! Every response carries `Date: Sun, 06 Nov 1994 08:49:37 GMT` (RFC 9110's
//! IMF-fixdate). Formatting a date costs a few hundred nanoseconds, and a busy
//! server answers thousands of requests within the same second, so each thread
//! keeps the last string it made and only rebuilds it when the second changes.

use std::cell::RefCell;
use std::time::{SystemTime, UNIX_EPOCH};

/// A calendar date and time in UTC, split into fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CivilTime {
    pub year: i64,
    pub month: u32, // 1..=12
    pub day: u32,   // 1..=31
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
    pub weekday: u32, // 0 = Sunday
}

const WEEKDAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
pub const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

impl CivilTime {
    /// Splits seconds since the Unix epoch into a UTC calendar date.
    ///
    /// This is Howard Hinnant's `civil_from_days` algorithm: it counts in
    /// 400-year eras whose years start in March, so leap days fall at the end.
    pub fn from_unix(secs: u64) -> CivilTime {
        let days = (secs / 86_400) as i64;
        let rem = secs % 86_400;
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let day_of_era = z.rem_euclid(146_097);
        let year_of_era =
            (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
        let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
        let shifted_month = (5 * day_of_year + 2) / 153; // 0 = March
        let day = (day_of_year - (153 * shifted_month + 2) / 5 + 1) as u32;
        let month = if shifted_month < 10 { shifted_month + 3 } else { shifted_month - 9 } as u32;
        let year = year_of_era + era * 400 + i64::from(month <= 2);
        CivilTime {
            year,
            month,
            day,
            hour: (rem / 3600) as u32,
            minute: (rem / 60 % 60) as u32,
            second: (rem % 60) as u32,
            // 1970-01-01 was a Thursday (4).
            weekday: ((days + 4).rem_euclid(7)) as u32,
        }
    }

    /// `Sun, 06 Nov 1994 08:49:37 GMT`
    pub fn http_date(&self) -> String {
        format!(
            "{}, {:02} {} {} {:02}:{:02}:{:02} GMT",
            WEEKDAYS[self.weekday as usize],
            self.day,
            MONTHS[self.month as usize - 1],
            self.year,
            self.hour,
            self.minute,
            self.second
        )
    }
}

fn unix_now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

thread_local! {
    static CACHED: RefCell<(u64, String)> = const { RefCell::new((u64::MAX, String::new())) };
}

/// Calls `f` with the current HTTP date, rebuilding it at most once a second.
pub fn with_http_date<R>(f: impl FnOnce(&str) -> R) -> R {
    let now = unix_now();
    CACHED.with(|cell| {
        let mut cached = cell.borrow_mut();
        if cached.0 != now {
            *cached = (now, CivilTime::from_unix(now).http_date());
        }
        f(&cached.1)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_the_rfc_example() {
        assert_eq!(CivilTime::from_unix(784_111_777).http_date(), "Sun, 06 Nov 1994 08:49:37 GMT");
    }

    #[test]
    fn handles_leap_days_and_epoch() {
        assert_eq!(CivilTime::from_unix(0).http_date(), "Thu, 01 Jan 1970 00:00:00 GMT");
        assert_eq!(CivilTime::from_unix(951_782_400).http_date(), "Tue, 29 Feb 2000 00:00:00 GMT");
        // 2100 is not a leap year (divisible by 100, not by 400).
        assert_eq!(CivilTime::from_unix(4_107_542_399).http_date(), "Sun, 28 Feb 2100 23:59:59 GMT");
    }
}
