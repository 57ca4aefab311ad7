//! The loginUrl guard: a URL from the network is shown or opened only if it
//! points where the server lives.

use reqwest::Url;
use reqwest::Url as ServerUrl;

use crate::server_url::Reach;
pub use crate::server_url::registrable_domain;

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
    // A trailing dot names the same host (the fully qualified form).
    let host = url.host_str().ok_or(UrlRefused::Invalid)?.trim_end_matches('.').to_ascii_lowercase();
    if url.scheme() == "http" && !is_loopback(&host) {
        return Err(UrlRefused::Scheme("http".into()));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(UrlRefused::Userinfo);
    }
    let server_host = server.host_str().unwrap_or_default().trim_end_matches('.').to_ascii_lowercase();
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

/// Whether `host` is this machine (see [`Reach`]).
pub fn is_loopback(host: &str) -> bool {
    Reach::of(host) == Reach::Loopback
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
        assert_eq!(registrable_domain("x.github.io"), "x.github.io");
        assert_eq!(registrable_domain("a.x.github.io"), "x.github.io");
        assert_eq!(registrable_domain("mcp.example.com.au"), "example.com.au");
        assert_eq!(registrable_domain("Agentview.DE."), "agentview.de");
        assert_eq!(registrable_domain("github.io"), "github.io");
    }

    fn at(server: &str) -> ServerUrl {
        ServerUrl::parse(server).expect("valid")
    }

    #[test]
    fn private_suffixes_are_not_shared_domains() {
        let pages = at("https://x.github.io/mcp");
        assert!(check("https://x.github.io/login/1", &pages).is_ok());
        assert!(check("https://a.x.github.io/login/1", &pages).is_ok());
        for foreign in ["https://evil.github.io/login/1", "https://github.io/login/1"] {
            assert!(matches!(check(foreign, &pages), Err(UrlRefused::ForeignHost { .. })), "{foreign}");
        }
    }

    #[test]
    fn country_code_suffixes() {
        let uk = at("https://mcp.example.co.uk/mcp");
        assert!(check("https://login.example.co.uk/x", &uk).is_ok());
        assert!(check("https://example.co.uk/x", &uk).is_ok());
        for foreign in ["https://evil.co.uk/x", "https://co.uk/x", "https://example.org.uk/x"] {
            assert!(matches!(check(foreign, &uk), Err(UrlRefused::ForeignHost { .. })), "{foreign}");
        }
    }

    #[test]
    fn a_trailing_dot_is_the_same_host() {
        assert!(check("https://agentview.de./login/x", &server()).is_ok());
        assert!(check("https://login.agentview.de./x", &at("https://mcp.agentview.de./mcp")).is_ok());
        assert!(check("https://agentview.de/x", &at("https://agentview.de./mcp")).is_ok());
        assert!(matches!(check("https://evil.de./x", &server()), Err(UrlRefused::ForeignHost { .. })));
    }
}
