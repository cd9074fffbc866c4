//! Server addresses as people write them (`127.0.0.1:7234`, `localhost:7234`,
//! `http://[::1]:7234`), and whether one is this machine's.

use std::fmt;
use std::net::{IpAddr, SocketAddr};

use anyhow::{Context as _, bail};

/// A `host:port` the CLI connects to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerAddress {
    host: String,
    port: u16,
}

impl ServerAddress {
    pub fn parse(raw: &str) -> anyhow::Result<Self> {
        let trimmed = raw.trim();
        if trimmed.starts_with("https://") {
            bail!("'{raw}': TLS is not supported yet; use a plaintext address (host:port)");
        }
        let rest = trimmed.strip_prefix("http://").unwrap_or(trimmed);
        let rest = rest.trim_end_matches('/');
        let (host, port) = rest
            .rsplit_once(':')
            .with_context(|| format!("'{raw}' is not host:port (e.g. 127.0.0.1:7234)"))?;
        let port: u16 = port
            .parse()
            .with_context(|| format!("'{raw}': '{port}' is not a port number"))?;
        let host = host.trim_start_matches('[').trim_end_matches(']');
        if host.is_empty() || host.contains(char::is_whitespace) || host.contains('/') {
            bail!("'{raw}' is not host:port (e.g. 127.0.0.1:7234)");
        }
        if port == 0 {
            bail!("'{raw}': port 0 cannot be connected to");
        }
        Ok(Self {
            host: host.to_owned(),
            port,
        })
    }

    /// Whether the address is on this machine, so that the CLI may start
    /// and stop a server for it.
    pub fn is_local(&self) -> bool {
        if self.host.eq_ignore_ascii_case("localhost") {
            return true;
        }
        self.host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
    }

    /// The address a local server should bind: loopback only, `localhost`
    /// meaning 127.0.0.1.
    pub fn bind_address(&self) -> Option<SocketAddr> {
        if self.host.eq_ignore_ascii_case("localhost") {
            return Some(SocketAddr::from(([127, 0, 0, 1], self.port)));
        }
        let ip: IpAddr = self.host.parse().ok()?;
        ip.is_loopback().then_some(SocketAddr::new(ip, self.port))
    }

    /// The URI tonic connects to.
    pub fn uri(&self) -> String {
        format!("http://{self}")
    }
}

impl fmt::Display for ServerAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.host.contains(':') {
            write!(f, "[{}]:{}", self.host, self.port)
        } else {
            write!(f, "{}:{}", self.host, self.port)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_usual_spellings_parse() {
        let a = ServerAddress::parse("127.0.0.1:7234").unwrap();
        assert_eq!(a.to_string(), "127.0.0.1:7234");
        assert!(a.is_local());
        let a = ServerAddress::parse("http://localhost:9000/").unwrap();
        assert_eq!(a.to_string(), "localhost:9000");
        assert_eq!(a.bind_address().unwrap().to_string(), "127.0.0.1:9000");
        let a = ServerAddress::parse("[::1]:7234").unwrap();
        assert_eq!(a.to_string(), "[::1]:7234");
        assert!(a.is_local());
        assert_eq!(a.uri(), "http://[::1]:7234");
    }

    #[test]
    fn remote_hosts_are_not_local() {
        let a = ServerAddress::parse("stigmer.example.com:7234").unwrap();
        assert!(!a.is_local());
        assert!(a.bind_address().is_none());
        assert!(!ServerAddress::parse("10.0.0.5:7234").unwrap().is_local());
    }

    #[test]
    fn garbage_is_refused_with_the_expected_form() {
        for bad in [
            "7234",
            "host:",
            ":7234",
            "host:port",
            "https://x:443",
            "a b:1",
        ] {
            let err = ServerAddress::parse(bad).unwrap_err().to_string();
            assert!(err.contains(bad.trim()), "{bad}: {err}");
        }
    }
}
