//! What the browser is given: a one-time address on the loopback listener, not the
//! authorization URL (whose state and PKCE challenge every local user could read in the
//! browser's argv), and an environment without agentview's secrets.

use super::*;

#[cfg(unix)]
#[test]
fn the_browser_gets_a_one_time_loopback_address_and_no_secrets() {
    let server = oauth_server(OAuthConfig::default());
    let mut av = Agentview::new(&server.mcp_url());
    let dir = av.dir.path().to_path_buf();
    let browser = support::cli::script(
        &dir,
        "browser",
        &format!(
            r#"cd '{dir}'
printf '%s' "$1" > argv
env > env
first=$(curl -s -o /dev/null -w '%{{http_code}} %{{redirect_url}}' "$1")
second=$(curl -s -o /dev/null -w '%{{http_code}}' "$1")
printf '%s' "$first" > first
printf '%s' "$second" > second
exec curl -fsSL -o /dev/null "${{first#* }}""#,
            dir = dir.display()
        ),
    );
    av.set("BROWSER", browser.to_str().unwrap())
        .set("AGENTVIEW_TOKEN", "avt_env_token_not_for_browsers")
        .set("AGENTVIEW_CLIENT_SECRET", "client-secret-not-for-browsers")
        .set("GRANT", "grant-not-for-browsers");
    let run = av.run(&["login", "--method", "oauth", "--header", "X-Grant: {env:GRANT}"]).expect_code(0);
    let read = |name: &str| std::fs::read_to_string(dir.join(name)).unwrap_or_default();
    let argv = read("argv");
    assert!(argv.starts_with("http://127.0.0.1:") && argv.contains("/start/"), "{argv}");
    for secret in ["code_challenge", "state=", "redirect_uri"] {
        assert!(!argv.contains(secret), "the browser's argv shows {secret}: {argv}");
    }
    let first = read("first");
    assert!(first.starts_with("302 "), "{first}");
    assert!(first.contains("code_challenge="), "the handoff leads to the authorization URL: {first}");
    assert_eq!(read("second"), "410", "a second use is refused");
    // The terminal still shows the whole URL, for copying.
    assert!(run.stderr.contains("code_challenge="), "{}", run.stderr);
    let env = read("env");
    assert!(!env.is_empty());
    for secret in ["avt_env_token_not_for_browsers", "client-secret-not-for-browsers", "grant-not-for-browsers"] {
        assert!(!env.contains(secret), "the browser inherited {secret}");
    }
}
