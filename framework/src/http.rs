//! Small HTTP facts the framework needs: reason phrases, error pages, dates
//! for cookies, and the scheme-and-host part of the request URL.

use std::fmt::Write;

/// The standard reason phrase for a status code (RFC 9110), or `"Unknown"`.
pub fn reason_phrase(code: u16) -> &'static str {
    match code {
        100 => "Continue",
        101 => "Switching Protocols",
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        204 => "No Content",
        206 => "Partial Content",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        304 => "Not Modified",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        406 => "Not Acceptable",
        409 => "Conflict",
        410 => "Gone",
        411 => "Length Required",
        412 => "Precondition Failed",
        413 => "Content Too Large",
        414 => "URI Too Long",
        415 => "Unsupported Media Type",
        418 => "I'm a teapot",
        422 => "Unprocessable Content",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Unknown",
    }
}

/// What an error page says when the app gives no description of its own.
pub fn default_description(code: u16) -> &'static str {
    match code {
        400 => "The browser (or proxy) sent a request that this server could not understand.",
        401 => "The server could not verify that you are authorized to access this URL.",
        403 => "You do not have the permission to access this URL.",
        404 => "The requested URL was not found on the server.",
        405 => "The method is not allowed for the requested URL.",
        413 => "The data value transmitted exceeds the capacity limit.",
        415 => "The server does not support the media type transmitted in the request.",
        500 => "The server met an internal error and was unable to complete your request.",
        _ => "",
    }
}

/// Escapes text for HTML: `&`, `<`, `>`, `"` and `'`.
pub fn html_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A small HTML error page, in the shape werkzeug (and so Flask) sends.
pub fn error_page(code: u16, description: Option<&str>) -> String {
    let reason = reason_phrase(code);
    let description = html_escape(description.unwrap_or_else(|| default_description(code)));
    format!(
        "<!doctype html>\n<html lang=en>\n<title>{code} {reason}</title>\n<h1>{reason}</h1>\n<p>{description}</p>\n"
    )
}

/// The page sent with a redirect, for clients that do not follow it.
pub fn redirect_page(location: &str) -> String {
    let location = html_escape(location);
    format!(
        "<!doctype html>\n<html lang=en>\n<title>Redirecting...</title>\n<h1>Redirecting...</h1>\n\
         <p>You should be redirected automatically to the target URL: <a href=\"{location}\">{location}</a>. \
         If not, click the link.\n"
    )
}

/// An HTTP date (`Sun, 06 Nov 1994 08:49:37 GMT`) from seconds since 1970.
pub fn http_date(timestamp: i64) -> String {
    let days = timestamp.div_euclid(86_400);
    let seconds = timestamp.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    // 1970-01-01 was a Thursday.
    let weekday = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"][days.rem_euclid(7) as usize];
    let month_name =
        ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"][(month - 1) as usize];
    let mut out = String::with_capacity(29);
    let _ = write!(
        out,
        "{weekday}, {day:02} {month_name} {year:04} {:02}:{:02}:{:02} GMT",
        seconds / 3600,
        seconds / 60 % 60,
        seconds % 60
    );
    out
}

/// Days since 1970-01-01 to (year, month, day), Howard Hinnant's algorithm.
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let mp = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    (year_of_era + era * 400 + i64::from(month <= 2), month, day)
}

/// `scheme://host[:port]` of a request, the way PEP 3333 reconstructs it:
/// the `Host` header if there is one, else SERVER_NAME and SERVER_PORT
/// (the port left out when it is the scheme's default).
pub fn host_url(scheme: &str, http_host: Option<&str>, server_name: &str, server_port: &str) -> String {
    match http_host.filter(|h| !h.is_empty()) {
        Some(host) => {
            // A Host header with the default port is written without it.
            let host = match (scheme, host.rsplit_once(':')) {
                ("http", Some((name, "80"))) | ("https", Some((name, "443"))) if !name.ends_with(':') => name,
                _ => host,
            };
            format!("{scheme}://{host}")
        }
        None => {
            let default = matches!((scheme, server_port), ("http", "80") | ("https", "443"));
            if default || server_port.is_empty() {
                format!("{scheme}://{server_name}")
            } else {
                format!("{scheme}://{server_name}:{server_port}")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_dates() {
        assert_eq!(http_date(0), "Thu, 01 Jan 1970 00:00:00 GMT");
        assert_eq!(http_date(784_111_777), "Sun, 06 Nov 1994 08:49:37 GMT");
        assert_eq!(http_date(951_782_400), "Tue, 29 Feb 2000 00:00:00 GMT");
        assert_eq!(http_date(4_107_542_400), "Mon, 01 Mar 2100 00:00:00 GMT");
    }

    #[test]
    fn error_pages_escape() {
        let page = error_page(404, Some("<b>no</b>"));
        assert!(page.contains("<title>404 Not Found</title>"));
        assert!(page.contains("&lt;b&gt;no&lt;/b&gt;"));
        assert!(error_page(405, None).contains("not allowed"));
    }

    #[test]
    fn host_urls() {
        assert_eq!(host_url("http", Some("example.com:80"), "x", "1"), "http://example.com");
        assert_eq!(host_url("http", Some("example.com:8000"), "x", "1"), "http://example.com:8000");
        assert_eq!(host_url("https", None, "example.com", "443"), "https://example.com");
        assert_eq!(host_url("http", None, "127.0.0.1", "8000"), "http://127.0.0.1:8000");
        assert_eq!(host_url("http", Some("[::1]:80"), "x", "1"), "http://[::1]");
    }
}
