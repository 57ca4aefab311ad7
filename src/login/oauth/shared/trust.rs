//! Where something secret may go, by the rules a fresh login and a renewal share: the
//! authorization server the user pinned (`AGENTVIEW_AUTH_SERVER`), compared as an issuer, and a
//! client secret from the environment only to an authorization server on the MCP server's own
//! site (or the pinned one). A token someone else issued goes only where its audience says
//! (`unattended/audience.rs`).

use reqwest::Url;

use super::error::OAuthError;
use crate::sanitize;
use crate::server_url::registrable_domain;

/// An issuer as a pin compares it (RFC 3986 section 6.2.3, and no further): the scheme and host in
/// lower case, the scheme's default port left out, everything after the host exactly as written
/// (a path, a trailing slash or an escape makes another issuer, as RFC 8414 compares issuers).
/// `None` for what is no issuer URL.
fn comparable(issuer: &str) -> Option<String> {
    let (scheme, rest) = issuer.trim().split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    if authority.is_empty() || authority.contains('@') {
        return None;
    }
    let (host, port) = match authority.rfind(':') {
        // A colon inside an IPv6 literal is no port separator.
        Some(at) if !authority[at..].contains(']') => (&authority[..at], &authority[at + 1..]),
        _ => (authority, ""),
    };
    let default = match scheme.as_str() {
        "https" => "443",
        "http" => "80",
        _ => "",
    };
    let port = if port.is_empty() || port == default { String::new() } else { format!(":{port}") };
    Some(format!("{scheme}://{}{port}{tail}", host.to_ascii_lowercase()))
}

/// Whether the pin `pinned` names `issuer`.
pub fn names(pinned: &str, issuer: &str) -> bool {
    comparable(pinned).is_some_and(|pin| comparable(issuer).is_some_and(|issuer| pin == issuer))
}

/// With an authorization server pinned, refuse `issuer`, the one `server` names (or a stored
/// credential was issued by), when it is another.
pub fn check_pinned(server: &Url, issuer: &str, pinned: Option<&str>) -> Result<(), OAuthError> {
    match pinned {
        Some(pinned) if !names(pinned, issuer) => Err(OAuthError::Refused(format!(
            "{} names the authorization server {}, but AGENTVIEW_AUTH_SERVER pins {}; nothing was sent",
            sanitize::line(server.as_str(), 200),
            sanitize::line(issuer, 200),
            sanitize::line(pinned, 200)
        ))),
        _ => Ok(()),
    }
}

/// Whether `issuer` is on `server`'s own site: its host, or a host of the same registrable
/// domain by the Public Suffix List (as for the login URL: `x.github.io` does not vouch for
/// `y.github.io`; an IP address only for itself).
pub fn at_home(issuer: &str, server: &Url) -> bool {
    let host = |url: &Url| url.host_str().unwrap_or_default().trim_end_matches('.').to_ascii_lowercase();
    let Ok(issuer) = Url::parse(issuer) else { return false };
    let (issuer, server) = (host(&issuer), host(server));
    !issuer.is_empty() && (issuer == server || registrable_domain(&issuer) == registrable_domain(&server))
}

/// A client secret from the environment (`variable`) goes only to an authorization server on
/// `server`'s own site, unless the user pinned the one `server` names (checked before this).
pub fn check_home(server: &Url, issuer: &str, pinned: Option<&str>, variable: &str) -> Result<(), OAuthError> {
    if pinned.is_some() || at_home(issuer, server) {
        return Ok(());
    }
    let site = registrable_domain(server.host_str().unwrap_or_default());
    let issuer = sanitize::line(issuer, 200);
    Err(OAuthError::Refused(format!(
        "{} names the authorization server {issuer}, which is not on its own site ({}); the client secret in \
         {variable} goes only to an authorization server there, or to the one AGENTVIEW_AUTH_SERVER names: \
         nothing was sent (where {issuer} is right, pin it: AGENTVIEW_AUTH_SERVER={issuer})",
        sanitize::line(server.as_str(), 200),
        sanitize::line(&site, 200),
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pin_compares_scheme_and_host_case_and_the_default_port_only() {
        for (pin, issuer) in [
            ("https://as.example", "https://as.example"),
            ("HTTPS://AS.Example/Tenant", "https://as.example/Tenant"),
            ("https://as.example:443/t", "https://as.example/t"),
            ("http://127.0.0.1:80", "HTTP://127.0.0.1"),
            ("http://127.0.0.1:8080/x", "http://127.0.0.1:8080/x"),
            ("https://[::1]:443/", "https://[::1]/"),
        ] {
            assert!(names(pin, issuer), "{pin} names {issuer}");
        }
        for (pin, issuer) in [
            ("https://as.example/", "https://as.example"),
            ("https://as.example/tenant", "https://as.example/tenant/"),
            ("https://as.example/Tenant", "https://as.example/tenant"),
            ("https://as.example:8443", "https://as.example"),
            ("http://as.example", "https://as.example"),
            ("https://as.example/t%41", "https://as.example/tA"),
            ("https://as.example.evil", "https://as.example"),
            ("as.example", "as.example"),
            ("https://user@as.example", "https://user@as.example"),
        ] {
            assert!(!names(pin, issuer), "{pin} does not name {issuer}");
        }
    }

    #[test]
    fn the_pin_refusal_names_both() {
        let server = Url::parse("https://mcp.example/mcp").expect("url");
        check_pinned(&server, "https://AS.example", Some("https://as.example:443")).expect("the same issuer");
        let refused = check_pinned(&server, "https://b.example", Some("https://a.example")).expect_err("another");
        let said = refused.to_string();
        assert!(said.contains("https://b.example") && said.contains("pins https://a.example"), "{said}");
        check_pinned(&server, "https://b.example", None).expect("nothing pinned");
    }

    #[test]
    fn home_is_the_servers_registrable_domain() {
        let server = Url::parse("https://mcp.agentview.de/mcp").expect("url");
        for home in ["https://auth.agentview.de", "https://agentview.de/oauth", "https://mcp.agentview.de/as"] {
            assert!(at_home(home, &server), "{home}");
        }
        for away in ["https://agentview.de.evil.example", "https://login.example.com", "not a url"] {
            assert!(!at_home(away, &server), "{away}");
        }
        let pages = Url::parse("https://x.github.io/mcp").expect("url");
        assert!(!at_home("https://y.github.io", &pages), "a public suffix vouches for nobody");
        let local = Url::parse("http://127.0.0.1:8931/mcp").expect("url");
        assert!(at_home("http://127.0.0.1:9000", &local), "the same address, another port");
        assert!(!at_home("http://127.0.0.2:9000", &local));
        let refused = check_home(&local, "http://127.0.0.2:9000", None, "AGENTVIEW_CLIENT_SECRET").expect_err("away");
        let said = refused.to_string();
        assert!(said.contains("http://127.0.0.2:9000") && said.contains("AGENTVIEW_AUTH_SERVER"), "{said}");
        check_home(&local, "http://127.0.0.2:9000", Some("http://127.0.0.2:9000"), "V").expect("pinned");
    }
}
