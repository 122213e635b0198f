//! The `Host` header, checked before it reaches anything that builds a URL from it (API
//! Gateway's event, `lambda_http`'s request URI): a name or address with an optional port, and
//! nothing else. Whether a host is loopback decides who may fetch `/local/*`.

use std::net::{Ipv4Addr, Ipv6Addr};

/// Why a `Host` header was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadHost;

/// The request's host, if it sent exactly one well-formed `Host` header; `Ok(None)` when it
/// sent none (HTTP/1.0) or an empty one.
pub fn request_host(headers: &http::HeaderMap) -> Result<Option<String>, BadHost> {
    let mut values = headers.get_all(http::header::HOST).iter();
    let (Some(value), None) = (values.next(), values.next()) else {
        return match headers.get(http::header::HOST) {
            None => Ok(None),
            Some(_) => Err(BadHost),
        };
    };
    let host = value.to_str().map_err(|_| BadHost)?;
    if host.is_empty() {
        return Ok(None);
    }
    if is_authority(host) {
        Ok(Some(host.to_ascii_lowercase()))
    } else {
        Err(BadHost)
    }
}

/// `name[:port]`, `a.b.c.d[:port]` or `[v6][:port]`, with a port of 1-65535.
fn is_authority(host: &str) -> bool {
    let (name, port) = split_port(host);
    let port_ok = port.is_none_or(|port| {
        !port.is_empty()
            && port.len() <= 5
            && port.chars().all(|c| c.is_ascii_digit())
            && port.parse::<u16>().is_ok_and(|p| p > 0)
    });
    let name_ok = match name.strip_prefix('[').and_then(|n| n.strip_suffix(']')) {
        Some(v6) => v6.parse::<Ipv6Addr>().is_ok(),
        None => {
            !name.is_empty()
                && name.len() <= 253
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
        }
    };
    port_ok && name_ok
}

/// The host name and the port text after the last `:` outside brackets.
fn split_port(host: &str) -> (&str, Option<&str>) {
    if host.starts_with('[') {
        return match host.find(']') {
            Some(end) => match &host[end + 1..] {
                "" => (host, None),
                rest => (&host[..=end], Some(rest.strip_prefix(':').unwrap_or("x"))),
            },
            None => (host, None),
        };
    }
    match host.rsplit_once(':') {
        Some((name, port)) => (name, Some(port)),
        None => (host, None),
    }
}

/// Whether a (well-formed) host names this machine: `localhost`, `127.0.0.0/8` or `[::1]`.
pub fn is_loopback(host: &str) -> bool {
    let (name, _) = split_port(host);
    if name == "localhost" {
        return true;
    }
    match name.strip_prefix('[').and_then(|n| n.strip_suffix(']')) {
        Some(v6) => v6.parse::<Ipv6Addr>().is_ok_and(|ip| ip.is_loopback()),
        None => name.parse::<Ipv4Addr>().is_ok_and(|ip| ip.is_loopback()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn host(values: &[&str]) -> Result<Option<String>, BadHost> {
        let mut headers = http::HeaderMap::new();
        for value in values {
            headers.append(
                http::header::HOST,
                http::HeaderValue::from_str(value).expect("value"),
            );
        }
        request_host(&headers)
    }

    #[test]
    fn hosts_are_names_or_addresses_with_a_port_and_nothing_else() {
        for good in [
            "localhost",
            "127.0.0.1:3000",
            "api.example.com",
            "[::1]",
            "[::1]:8080",
        ] {
            assert!(host(&[good]).is_ok_and(|h| h.is_some()), "{good}");
        }
        assert_eq!(host(&[]), Ok(None));
        assert_eq!(host(&[""]), Ok(None));
        for bad in [
            "x:99999",
            "a b",
            "[::1",
            "x:",
            "x:0",
            "x:1:2",
            "a@b",
            "x/guidelines/g?",
            "[::1]x",
            "x#y",
            "x?y",
            "[zz]",
            "x:-1",
        ] {
            assert_eq!(host(&[bad]), Err(BadHost), "{bad}");
        }
        assert_eq!(host(&["a", "b"]), Err(BadHost), "two Host headers");
    }

    #[test]
    fn only_this_machine_is_loopback() {
        for local in [
            "localhost",
            "localhost:3000",
            "127.0.0.1",
            "127.9.9.9:80",
            "[::1]:1",
        ] {
            assert!(is_loopback(local), "{local}");
        }
        for remote in [
            "evil.example",
            "localhost.evil.example",
            "10.0.0.1",
            "[::2]",
            "0.0.0.0",
        ] {
            assert!(!is_loopback(remote), "{remote}");
        }
    }
}
