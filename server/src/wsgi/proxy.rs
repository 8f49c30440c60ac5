//! Trusting a reverse proxy, and nobody else.
//!
//! Behind nginx, every connection comes from nginx: the socket's peer address
//! is the proxy's, and the scheme is plain `http` even when the browser used
//! `https`. The proxy tells us the truth in headers (`X-Forwarded-For`,
//! `X-Forwarded-Proto`, or RFC 7239's `Forwarded`). But anyone can send those
//! headers, so they are believed only when the connection comes from an
//! address listed in `--forwarded-allow-ips` (by default the loopback
//! addresses, where a proxy on the same machine connects from).
//!
//! With several proxies in a chain, each appends the address it saw, so the
//! list is read from the right, skipping trusted proxies: the first address
//! that is not a trusted proxy is the client. (The leftmost entry is whatever
//! the client itself claimed, which proves nothing.)

use std::net::IpAddr;

/// Which peers may set the client address and scheme.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TrustedProxies {
    /// `*`: every peer (only sensible when the network guarantees it).
    Everyone,
    Addresses(Vec<IpAddr>),
}

impl TrustedProxies {
    /// Parses `127.0.0.1,::1` or `*`.
    pub fn parse(text: &str) -> Result<TrustedProxies, String> {
        if text.trim() == "*" {
            return Ok(TrustedProxies::Everyone);
        }
        let mut addresses = Vec::new();
        for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            addresses.push(part.parse().map_err(|_| format!("not an IP address: {part:?}"))?);
        }
        Ok(TrustedProxies::Addresses(addresses))
    }

    pub fn trusts(&self, ip: IpAddr) -> bool {
        match self {
            TrustedProxies::Everyone => true,
            TrustedProxies::Addresses(list) => list.contains(&ip) || list.contains(&canonical(ip)),
        }
    }
}

/// `::ffff:127.0.0.1` is 127.0.0.1 arriving on an IPv6 socket.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// What a trusted proxy told us about the original request.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Forwarded {
    pub client: Option<String>,
    pub scheme: Option<String>,
}

/// Reads the forwarding headers of a request that came from a trusted proxy.
///
/// The `X-Forwarded-*` pair wins when present, and RFC 7239's `Forwarded` is
/// read only without it. A proxy passes on the headers it does not set itself:
/// nginx, configured the usual way, sets `X-Forwarded-For` but forwards a
/// client's own `Forwarded` untouched, so preferring `Forwarded` would let any
/// client choose its REMOTE_ADDR. (A proxy that sets only `Forwarded` must
/// strip client-sent `X-Forwarded-*`.)
pub fn read_forwarded(
    trusted: &TrustedProxies,
    forwarded: Option<&str>,
    x_forwarded_for: Option<&str>,
    x_forwarded_proto: Option<&str>,
) -> Forwarded {
    let forwarded = forwarded.filter(|_| x_forwarded_for.is_none() && x_forwarded_proto.is_none());
    if let Some(value) = forwarded {
        let mut fors = Vec::new();
        let mut last_proto = None;
        for element in value.split(',') {
            for pair in element.split(';') {
                let Some((key, raw)) = pair.split_once('=') else { continue };
                let raw = raw.trim().trim_matches('"');
                match key.trim().to_ascii_lowercase().as_str() {
                    "for" => fors.push(node_address(raw)),
                    "proto" => last_proto = Some(raw.to_ascii_lowercase()),
                    _ => {}
                }
            }
        }
        return Forwarded { client: rightmost_untrusted(trusted, &fors), scheme: valid_scheme(last_proto) };
    }
    let fors: Vec<String> = x_forwarded_for
        .map(|v| v.split(',').map(|a| a.trim().to_string()).filter(|a| !a.is_empty()).collect())
        .unwrap_or_default();
    let proto = x_forwarded_proto
        .and_then(|v| v.split(',').next_back())
        .map(|p| p.trim().to_ascii_lowercase());
    Forwarded { client: rightmost_untrusted(trusted, &fors), scheme: valid_scheme(proto) }
}

/// `192.0.2.60`, `"[2001:db8::1]:4711"` or `192.0.2.60:8080` to the bare address.
fn node_address(node: &str) -> String {
    if let Some(rest) = node.strip_prefix('[') {
        return rest.split(']').next().unwrap_or_default().to_string();
    }
    match node.split_once(':') {
        Some((addr, _port)) if !node[addr.len() + 1..].contains(':') => addr.to_string(),
        _ => node.to_string(),
    }
}

fn rightmost_untrusted(trusted: &TrustedProxies, chain: &[String]) -> Option<String> {
    let mut candidate = None;
    for address in chain.iter().rev() {
        candidate = Some(address.clone());
        match address.parse::<IpAddr>() {
            Ok(ip) if trusted.trusts(ip) && !matches!(trusted, TrustedProxies::Everyone) => continue,
            _ => break,
        }
    }
    candidate
}

fn valid_scheme(proto: Option<String>) -> Option<String> {
    proto.filter(|p| p == "http" || p == "https")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn loopback() -> TrustedProxies {
        TrustedProxies::parse("127.0.0.1,::1").unwrap()
    }

    #[test]
    fn parses_the_allow_list() {
        assert!(loopback().trusts("127.0.0.1".parse().unwrap()));
        assert!(loopback().trusts("::ffff:127.0.0.1".parse().unwrap()));
        assert!(!loopback().trusts("192.0.2.1".parse().unwrap()));
        assert_eq!(TrustedProxies::parse("*").unwrap(), TrustedProxies::Everyone);
        assert!(TrustedProxies::parse("not-an-ip").is_err());
    }

    #[test]
    fn x_forwarded_for_is_read_from_the_right() {
        let seen = read_forwarded(&loopback(), None, Some("6.6.6.6, 203.0.113.9, 127.0.0.1"), Some("https"));
        assert_eq!(seen.client.as_deref(), Some("203.0.113.9"));
        assert_eq!(seen.scheme.as_deref(), Some("https"));
    }

    #[test]
    fn x_forwarded_wins_over_a_forwarded_header_a_client_slipped_through() {
        // nginx sets X-Forwarded-For and passes the client's own Forwarded on.
        let seen = read_forwarded(&loopback(), Some("for=1.2.3.4;proto=https"), Some("198.51.100.1"), None);
        assert_eq!(seen.client.as_deref(), Some("198.51.100.1"));
        assert_eq!(seen.scheme, None);
    }

    #[test]
    fn forwarded_alone_is_read_and_handles_ipv6_and_ports() {
        let seen = read_forwarded(
            &loopback(),
            Some(r#"for=192.0.2.60;proto=http, for="[2001:db8::1]:4711";proto=https"#),
            None,
            None,
        );
        assert_eq!(seen.client.as_deref(), Some("2001:db8::1"));
        assert_eq!(seen.scheme.as_deref(), Some("https"));
        assert_eq!(node_address("192.0.2.60:8080"), "192.0.2.60");
    }

    #[test]
    fn unknown_schemes_are_ignored() {
        let seen = read_forwarded(&loopback(), None, None, Some("javascript"));
        assert_eq!(seen, Forwarded::default());
    }
}
