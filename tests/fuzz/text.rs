//! The loginUrl guard and the terminal sanitizer on hostile text.

use agentview::fuzzing::login_url::{check, is_loopback, registrable_domain};
use agentview::fuzzing::sanitize;
use reqwest::Url;

use super::generate::Rng;

fn is_bidi_or_invisible(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2069}' | '\u{FEFF}' | '\u{061C}')
}

/// No control characters (C0, C1, DEL, so no ESC / BEL / CSI) and no bidi or invisible ones.
pub fn assert_terminal_safe(text: &str) {
    let bad = text.chars().find(|c| c.is_control() && *c != '\n' || is_bidi_or_invisible(*c));
    assert!(bad.is_none(), "{bad:?} in {text:?}");
}

pub fn sanitize_case(rng: &mut Rng) {
    let input = rng.string(300);
    let max = rng.below(200);
    let out = sanitize::line(&input, max);
    assert_terminal_safe(&out);
    assert!(!out.contains('\n') && !out.contains("  "), "{out:?}");
    assert!(out.chars().count() <= max + 1, "{} chars for max {max}", out.chars().count());
    assert_eq!(out, out.trim());
    let long = sanitize::line(&input, 10_000);
    assert_eq!(sanitize::line(&long, 10_000), long, "sanitizing is idempotent");
    assert_terminal_safe(&sanitize::message(&input));
}

const SERVERS: &[&str] = &[
    "https://mcp.agentview.de/mcp",
    "http://127.0.0.1:8931/mcp",
    "https://agentview.co.uk/mcp",
    "https://x.github.io/mcp",
    "https://mcp.agentview.de./mcp",
];

fn candidate(rng: &mut Rng) -> String {
    let scheme = *rng.pick(&["https://", "http://", "HTTPS://", "javascript:", "data:", "file://", "", "https:", "//"]);
    let user = *rng.pick(&["", "", "", "user@", "u:p@", "agentview.de@", "@"]);
    let host = *rng.pick(&[
        "x.github.io",
        "evil.github.io",
        "github.io",
        "agentview.de.",
        "agentview.de",
        "mcp.agentview.de",
        "evil.example",
        "agentview.de.evil.example",
        "evilagentview.de",
        "127.0.0.1",
        "[::1]",
        "localhost",
        "127.0.0.1.nip.io",
        "аgentview.de",
        "AGENTVIEW.DE",
        "agentview.de.",
        "%61gentview.de",
        "xn--gentview-1fg.de",
        "agentview.co.uk",
        "co.uk",
        "0x7f.1",
        "2130706433",
        "",
    ]);
    let port = *rng.pick(&["", "", ":443", ":8931", ":0", ":99999", ":x"]);
    let path = *rng.pick(&["/login/s1", "", "/", "\\evil.example", "/%2e%2e/", "?next=https://evil", "#x"]);
    let mut url = format!("{scheme}{user}{host}{port}{path}");
    for _ in 0..rng.below(3) {
        let at = rng.below(url.chars().count() + 1);
        let mut chars: Vec<char> = url.chars().collect();
        chars.insert(at, rng.char());
        url = chars.into_iter().collect();
    }
    if rng.chance(5) {
        url.push_str(&"a".repeat(2100));
    }
    if rng.chance(10) {
        url = rng.string(60);
    }
    url
}

pub fn login_url_case(rng: &mut Rng) {
    let server = Url::parse(rng.pick::<&str>(SERVERS)).unwrap();
    let raw = candidate(rng);
    match check(&raw, &server) {
        Ok(url) => {
            // A trailing dot names the same host.
            let host = url.host_str().unwrap_or_default().trim_end_matches('.').to_ascii_lowercase();
            let server_host = server.host_str().unwrap_or_default().trim_end_matches('.').to_ascii_lowercase();
            let domain = registrable_domain(&server_host);
            assert!(
                url.scheme() == "https" || (url.scheme() == "http" && is_loopback(&host)),
                "{raw:?} accepted as {url}"
            );
            assert!(url.username().is_empty() && url.password().is_none(), "{raw:?} accepted with userinfo");
            assert!(
                host == server_host || host == domain || host.ends_with(&format!(".{domain}")),
                "{raw:?} accepted with host {host} for server {server}"
            );
            assert!(!url.as_str().chars().any(|c| c.is_control() || c.is_whitespace() || is_bidi_or_invisible(c)));
            assert!(raw.len() <= 2048);
        }
        Err(refused) => assert_terminal_safe(&refused.to_string()),
    }
}
