//! loginUrl values a server must not get opened or printed.

use serde_json::json;

use super::support::server::ServerConfig;
use super::{CREATE, Hostile, check_all, hostile, patch};

fn url(name: &'static str, value: &str, says: &'static str) -> Hostile {
    hostile(name, vec![patch(CREATE, json!({"loginUrl": value}))], 7, says)
}

#[test]
fn login_urls_are_checked_before_anything_is_shown() {
    let long = format!("https://127.0.0.1/login/{}", "a".repeat(5000));
    let cases = vec![
        url("javascript scheme", "javascript:alert(document.cookie)", "scheme \"javascript\" is not https"),
        url("file scheme", "file:///etc/passwd", "scheme \"file\" is not https"),
        url("data scheme", "data:text/html,<script>alert(1)</script>", "scheme \"data\" is not https"),
        url("plain http elsewhere", "http://evil.example/login", "scheme \"http\" is not https"),
        url("foreign host", "https://evil.example/login/x", "host evil.example is outside"),
        url("look-alike host", "https://127.0.0.1.evil.example/login", "is outside the server's domain"),
        url("userinfo", "https://user:secret@127.0.0.1/login/x", "embeds a user name or password"),
        url("ANSI escape", "https://127.0.0.1/login/\u{1b}[31mred\u{1b}[0m", "control, space or invisible"),
        url("OSC 8 hyperlink", "https://127.0.0.1/\u{1b}]8;;https://evil.example\u{7}x\u{1b}]8;;\u{7}", "control"),
        url("bidi override", "https://127.0.0.1/login/\u{202e}gpj.exe", "control, space or invisible"),
        url("C1 control", "https://127.0.0.1/login/\u{9b}31m", "control, space or invisible"),
        url("absurdly long", &long, "longer than 2048"),
        url("not a URL", "click-here", "not a valid URL"),
        Hostile {
            name: "login page on another host",
            config: ServerConfig { login_host: Some("localhost".into()), ..ServerConfig::default() },
            faults: vec![],
            code: 7,
            says: "host localhost is outside",
        },
    ];
    let n = check_all(cases);
    assert!(n >= 14);
}
