//! The server URL in its one normal form, which is also the key its credential is stored under.

use std::fmt;

use reqwest::Url;

use crate::error::Failure;

/// A server URL: https (http only for loopback), no credentials, no fragment, lowercase host,
/// no default port, no trailing slash. Two spellings of one server are equal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerUrl {
    url: Url,
    key: String,
}

impl ServerUrl {
    /// Parse what the user gave (`--server`, `AGENTVIEW_SERVER`).
    pub fn parse(raw: &str) -> Result<ServerUrl, Failure> {
        let url = normalize(raw)?;
        Ok(ServerUrl { key: url.to_string(), url })
    }

    /// The normal form as text: the store key.
    pub fn as_str(&self) -> &str {
        &self.key
    }

    pub fn url(&self) -> &Url {
        &self.url
    }
}

impl fmt::Display for ServerUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.key)
    }
}

impl serde::Serialize for ServerUrl {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.key)
    }
}

/// Parse and normalize `--server`: https (http only for loopback), no
/// credentials, no fragment, lowercase host, no default port, no trailing slash.
pub(crate) fn normalize(raw: &str) -> Result<Url, Failure> {
    let trimmed = raw.trim();
    if !trimmed.is_empty() && !trimmed.contains("://") {
        return Err(no_scheme(raw, trimmed.trim_start_matches('/')));
    }
    let mut url = Url::parse(trimmed).map_err(|e| Failure::usage(format!("--server \"{raw}\" is not a URL ({e})")))?;
    let host = url.host_str().unwrap_or_default().to_string();
    match url.scheme() {
        "https" => {}
        "http" if Reach::of(&host) == Reach::Loopback => {}
        "http" => {
            return Err(Failure::usage(format!(
                "--server {raw} uses plain http; use https (http is allowed only for localhost)"
            )));
        }
        other => return Err(Failure::usage(format!("--server must be an https URL, not {other}:"))),
    }
    if host.is_empty() {
        return Err(Failure::usage(format!("--server \"{raw}\" has no host")));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Failure::usage("--server must not contain a user name or password (they would show in `ps`)"));
    }
    url.set_fragment(None);
    let path = url.path().trim_end_matches('/').to_string();
    url.set_path(if path.is_empty() { "/" } else { &path });
    Ok(url)
}

/// `--server` without a scheme: the URL it most likely means. A server on this machine
/// (`localhost`, a loopback address) is nearly always a development server speaking plain HTTP,
/// and https to it fails in a TLS handshake that says nothing useful; anywhere else only https
/// is allowed.
fn no_scheme(raw: &str, bare: &str) -> Failure {
    let loopback = Url::parse(&format!("http://{bare}"))
        .ok()
        .and_then(|url| url.host_str().map(|host| Reach::of(host) == Reach::Loopback))
        .unwrap_or(false);
    if loopback {
        Failure::usage(format!("--server \"{raw}\" has no scheme: did you mean http://{bare}?")).with_hint(format!(
            "a server on this machine usually speaks plain HTTP; use https://{bare} if it has a TLS certificate"
        ))
    } else {
        Failure::usage(format!("--server \"{raw}\" has no scheme: did you mean https://{bare}?"))
    }
}

/// How far inside a network a host is, by its name or literal address alone (no lookup).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Reach {
    /// Anywhere on the internet (a host name, or a public address).
    Public,
    /// A private, link-local, shared or unspecified address: a network the user is on.
    Private,
    /// This machine: `localhost` or a loopback address. `*.localhost` names are not trusted to
    /// be this machine: a resolver may send them to the network's DNS server.
    Loopback,
}

impl Reach {
    pub fn of(host: &str) -> Reach {
        let bare = host.trim_start_matches('[').trim_end_matches(']');
        if bare.eq_ignore_ascii_case("localhost") {
            return Reach::Loopback;
        }
        match bare.parse::<std::net::IpAddr>() {
            Ok(ip) => Reach::of_ip(ip),
            Err(_) => Reach::Public,
        }
    }

    pub fn of_ip(ip: std::net::IpAddr) -> Reach {
        use std::net::IpAddr;
        match ip {
            IpAddr::V4(v4) => {
                let [a, b, ..] = v4.octets();
                if v4.is_loopback() {
                    Reach::Loopback
                } else if v4.is_private()
                    || v4.is_link_local()
                    || v4.is_unspecified()
                    || v4.is_broadcast()
                    || a == 0
                    || (a == 100 && (64..128).contains(&b))
                {
                    Reach::Private
                } else {
                    Reach::Public
                }
            }
            IpAddr::V6(v6) => {
                if let Some(v4) = v6.to_ipv4_mapped() {
                    return Reach::of_ip(IpAddr::V4(v4));
                }
                let first = v6.segments()[0];
                if v6.is_loopback() {
                    Reach::Loopback
                } else if v6.is_unspecified() || (first & 0xfe00) == 0xfc00 || (first & 0xffc0) == 0xfe80 {
                    Reach::Private
                } else {
                    Reach::Public
                }
            }
        }
    }
}

/// The domain a site owner controls, by the Public Suffix List (its private section too, so
/// `x.github.io` owns only `x.github.io`, and `example.co.uk` sits under `co.uk`). IP
/// addresses, single labels and hosts that are themselves a public suffix stand for themselves.
pub fn registrable_domain(host: &str) -> String {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    if host.parse::<std::net::IpAddr>().is_ok() || host.starts_with('[') {
        return host;
    }
    psl::domain_str(&host).map_or_else(|| host.clone(), str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reach_of_hosts() {
        for host in ["localhost", "LOCALHOST", "127.0.0.1", "127.8.9.1", "[::1]", "::ffff:127.0.0.1"] {
            assert_eq!(Reach::of(host), Reach::Loopback, "{host}");
        }
        for host in [
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "100.64.0.1",
            "[fd00::1]",
            "fe80::1",
            "::",
            "[::ffff:10.0.0.1]",
        ] {
            assert_eq!(Reach::of(host), Reach::Private, "{host}");
        }
        for host in ["agentview.de", "reg.evil.localhost", "8.8.8.8", "172.32.0.1", "100.128.0.1", "[2001:db8::1]"] {
            assert_eq!(Reach::of(host), Reach::Public, "{host}");
        }
    }

    #[test]
    fn servers_normalize_to_one_key() {
        let a = ServerUrl::parse("HTTPS://AgentView.DE:443/mcp/").expect("ok");
        let b = ServerUrl::parse("https://agentview.de/mcp#x").expect("ok");
        assert_eq!(a.as_str(), "https://agentview.de/mcp");
        assert_eq!(a, b);
        let local = ServerUrl::parse("http://127.0.0.1:8931/mcp").expect("ok");
        assert_eq!(local.as_str(), "http://127.0.0.1:8931/mcp");
        assert_eq!(local.url().port(), Some(8931));
        assert!(ServerUrl::parse("http://agentview.de/mcp").is_err());
        assert!(ServerUrl::parse("https://u:p@agentview.de/mcp").is_err());
        assert!(ServerUrl::parse("ftp://agentview.de").is_err());
        let err = ServerUrl::parse("agentview.de/mcp").expect_err("no scheme");
        assert!(err.message.contains("did you mean https://agentview.de/mcp"), "{}", err.message);
        for local in ["localhost:8931/mcp", "127.0.0.1:8931/mcp", "[::1]:8931/mcp", "LOCALHOST/mcp"] {
            let err = ServerUrl::parse(local).expect_err("no scheme");
            assert!(err.message.contains(&format!("did you mean http://{local}?")), "{}", err.message);
        }
        for elsewhere in ["10.0.0.1:8931/mcp", "a.localhost/mcp", "::1/mcp"] {
            let err = ServerUrl::parse(elsewhere).expect_err("no scheme");
            assert!(err.message.contains("did you mean https://"), "{elsewhere}: {}", err.message);
        }
    }
}
