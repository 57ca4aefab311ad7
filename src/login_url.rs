//! The loginUrl guard: a URL from the network is shown or opened only if it
//! points where the server lives.

use reqwest::Url;
use reqwest::Url as ServerUrl;

/// Longest loginUrl agentview accepts.
const MAX_LEN: usize = 2048;

/// Why a loginUrl was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UrlRefused {
    #[error("it is longer than {MAX_LEN} characters")]
    TooLong,
    #[error("it contains control, space or invisible characters")]
    BadCharacters,
    #[error("it is not a valid URL")]
    Invalid,
    #[error("its scheme \"{0}\" is not https")]
    Scheme(String),
    #[error("it embeds a user name or password")]
    Userinfo,
    #[error("its host {host} is outside the server's domain {domain}")]
    ForeignHost { host: String, domain: String },
}

/// Check `raw` against the server endpoint; returns the URL to show and open.
pub fn check(raw: &str, server: &ServerUrl) -> Result<Url, UrlRefused> {
    if raw.len() > MAX_LEN {
        return Err(UrlRefused::TooLong);
    }
    if raw.chars().any(|c| c.is_control() || c.is_whitespace() || is_format(c)) {
        return Err(UrlRefused::BadCharacters);
    }
    let url = Url::parse(raw).map_err(|_| UrlRefused::Invalid)?;
    // The scheme first: `javascript:` and `data:` have no host, and "not https" says why.
    let scheme_ok = matches!(url.scheme(), "https" | "http");
    if !scheme_ok {
        return Err(UrlRefused::Scheme(crate::sanitize::line(url.scheme(), 20)));
    }
    let host = url.host_str().ok_or(UrlRefused::Invalid)?.to_ascii_lowercase();
    if url.scheme() == "http" && !is_loopback(&host) {
        return Err(UrlRefused::Scheme("http".into()));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(UrlRefused::Userinfo);
    }
    let server_host = server.host_str().unwrap_or_default().to_ascii_lowercase();
    let domain = registrable_domain(&server_host);
    let inside = host == server_host || host == domain || host.ends_with(&format!(".{domain}"));
    if !inside {
        return Err(UrlRefused::ForeignHost { host: crate::sanitize::line(&host, 100), domain });
    }
    Ok(url)
}

fn is_format(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2069}' | '\u{FEFF}' | '\u{061C}')
}

pub fn is_loopback(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    if host == "localhost" || host.ends_with(".localhost") {
        return true;
    }
    host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// The domain a site owner controls: the last two labels, or three under
/// common second-level registries (`co.uk`, `com.au`, …). IP addresses and
/// single labels stand for themselves.
pub fn registrable_domain(host: &str) -> String {
    let host = host.trim_end_matches('.');
    if host.parse::<std::net::IpAddr>().is_ok() || host.starts_with('[') {
        return host.to_string();
    }
    let labels: Vec<&str> = host.split('.').collect();
    if labels.len() <= 2 {
        return host.to_string();
    }
    let n = labels.len();
    let second = labels[n - 2];
    let country_sld =
        labels[n - 1].len() == 2 && matches!(second, "co" | "com" | "net" | "org" | "gov" | "ac" | "edu" | "or" | "ne");
    let keep = if country_sld { 3 } else { 2 };
    labels[n - keep..].join(".")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn server() -> ServerUrl {
        ServerUrl::parse("https://mcp.agentview.de/mcp").expect("valid")
    }

    #[test]
    fn accepts_the_servers_domain() {
        for ok in ["https://agentview.de/login/x", "https://mcp.agentview.de/l?s=1", "https://auth.agentview.de/x"] {
            assert!(check(ok, &server()).is_ok(), "{ok}");
        }
        let local = ServerUrl::parse("http://127.0.0.1:8931/mcp").expect("valid");
        assert!(check("http://127.0.0.1:8931/login/abc", &local).is_ok());
    }

    #[test]
    fn refuses_hostile_urls() {
        let long = format!("https://agentview.de/{}", "a".repeat(3000));
        type Expect = fn(&UrlRefused) -> bool;
        let cases: Vec<(&str, Expect)> = vec![
            ("javascript:alert(1)", |e| matches!(e, UrlRefused::Scheme(_))),
            ("file:///etc/passwd", |e| matches!(e, UrlRefused::Scheme(_))),
            ("data:text/html,<b>x</b>", |e| matches!(e, UrlRefused::Scheme(_))),
            ("http://agentview.de/login", |e| matches!(e, UrlRefused::Scheme(_))),
            ("https://evil.example/login", |e| matches!(e, UrlRefused::ForeignHost { .. })),
            ("https://agentview.de.evil.example/", |e| matches!(e, UrlRefused::ForeignHost { .. })),
            ("https://evilagentview.de/", |e| matches!(e, UrlRefused::ForeignHost { .. })),
            ("https://user:pw@agentview.de/", |e| matches!(e, UrlRefused::Userinfo)),
            ("https://agentview.de/\u{1b}]8;;https://evil\u{7}", |e| matches!(e, UrlRefused::BadCharacters)),
            ("https://agentview.de/\u{202e}gpj.exe", |e| matches!(e, UrlRefused::BadCharacters)),
            ("https://agentview.de/a b", |e| matches!(e, UrlRefused::BadCharacters)),
            (long.as_str(), |e| matches!(e, UrlRefused::TooLong)),
            ("not a url", |e| matches!(e, UrlRefused::BadCharacters)),
            ("https://", |e| matches!(e, UrlRefused::Invalid)),
        ];
        for (raw, expect) in cases {
            match check(raw, &server()) {
                Err(e) => assert!(expect(&e), "{raw:?} gave {e:?}"),
                Ok(u) => panic!("{raw:?} was accepted as {u}"),
            }
        }
    }

    #[test]
    fn registrable_domains() {
        assert_eq!(registrable_domain("mcp.agentview.de"), "agentview.de");
        assert_eq!(registrable_domain("agentview.de"), "agentview.de");
        assert_eq!(registrable_domain("a.b.example.co.uk"), "example.co.uk");
        assert_eq!(registrable_domain("127.0.0.1"), "127.0.0.1");
        assert!(is_loopback("[::1]") && is_loopback("localhost") && !is_loopback("example.com"));
    }
}
