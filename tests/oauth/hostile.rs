//! Hostile callbacks and answers: each ends in one error line with the right exit code,
//! nothing stored, no panic, nothing on the terminal that could rewrite it.

use super::*;
use support::fixture::assert_terminal_safe;
use support::server::{OAuthEndpoint, OAuthFault};

/// Log in with `fault` queued; expect `code`, an error line containing `needle`, nothing stored.
fn refused(fault: OAuthFault, code: i32, needle: &str) -> (TestServer, Run) {
    let server = oauth_server(OAuthConfig::default());
    server.push_oauth_fault(fault);
    let av = with_browser(&server);
    let run = av.run(&["login", "--method", "oauth"]).expect_code(code);
    let errors: Vec<&str> = run.stderr.lines().filter(|l| l.starts_with("error:")).collect();
    assert_eq!(errors.len(), 1, "one error line:\n{}", run.stderr);
    assert!(errors[0].contains(needle), "{needle:?} not in {:?}\n{}", errors[0], run.stderr);
    assert_terminal_safe(&run.stderr);
    assert!(!av.credentials_file().exists() || stored(&av).is_null(), "nothing stored");
    (server, run)
}

fn no_token_request(server: &TestServer) {
    assert!(server.oauth_requests_to(OAuthEndpoint::Token).is_empty(), "no code was exchanged");
}

#[test]
fn callbacks_that_fail_their_checks() {
    let (server, _) = refused(OAuthFault::WrongState, 7, "state does not match");
    no_token_request(&server);
    let (server, _) = refused(OAuthFault::WrongIss, 7, "RFC 9207");
    no_token_request(&server);
    let (server, _) = refused(OAuthFault::MissingIss, 7, "no iss");
    no_token_request(&server);
}

#[test]
fn an_error_callback_is_shown_sanitized_and_exits_5() {
    let description = "you said no\u{1b}]8;;https://evil.example\u{7}click\u{1b}]8;;\u{7}\u{202e}\nreally";
    let fault = OAuthFault::CallbackError { error: "access_denied".into(), description: description.into() };
    let (server, run) = refused(fault, 5, "access_denied");
    no_token_request(&server);
    assert!(run.stderr.contains("you said no"), "{}", run.stderr);
}

fn raw_token(body: String, content_type: &str) -> OAuthFault {
    OAuthFault::Raw { on: OAuthEndpoint::Token, status: 200, content_type: content_type.into(), body, count: 1 }
}

#[test]
fn token_answers_that_are_refused() {
    refused(raw_token("<html><body>Sign in</body></html>".into(), "text/html"), 7, "HTML");
    refused(raw_token(format!("{{\"access_token\":\"{}\"}}", "a".repeat(1_100_000)), "application/json"), 7, "1 MiB");
    let mac = r#"{"access_token":"at","token_type":"mac"}"#.to_string();
    refused(raw_token(mac, "application/json"), 7, "token_type");
    refused(raw_token(r#"{"token_type":"Bearer"}"#.into(), "application/json"), 7, "no access_token");
    let error = r#"{"error":"invalid_grant","error_description":"the code was used"}"#.to_string();
    refused(raw_token(error, "application/json"), 4, "invalid_grant");
}

#[test]
fn metadata_that_is_refused_before_any_authorization() {
    let other = OAuthFault::PrmWrongResource { resource: "https://evil.example/mcp".into() };
    let (server, _) = refused(other, 7, "not for");
    assert!(server.oauth_requests_to(OAuthEndpoint::Authorize).is_empty());
    assert_eq!(server.registrations(), 0);
    let (server, _) = refused(OAuthFault::MetadataWithoutS256, 7, "S256");
    assert!(server.oauth_requests_to(OAuthEndpoint::Authorize).is_empty());
    let wrong = OAuthFault::MetadataWrongIssuer { issuer: "https://attacker.example".into() };
    let (server, _) = refused(wrong, 7, "issuer");
    assert!(server.oauth_requests_to(OAuthEndpoint::Authorize).is_empty());
    assert_eq!(server.registrations(), 0);
}

#[test]
fn no_secret_reaches_stderr_at_any_verbosity() {
    for flags in [&["login", "--method", "oauth"][..], &["-v", "login", "--method", "oauth"][..]] {
        let server = oauth_server(OAuthConfig::default());
        let av = with_browser(&server);
        let run = av.run(flags).expect_code(0);
        let entry = stored(&av);
        let authorize = &server.oauth_requests_to(OAuthEndpoint::Authorize)[0];
        let token = &server.oauth_requests_to(OAuthEndpoint::Token)[0];
        let secrets = [
            entry["token"].as_str().unwrap(),
            entry["oauth"]["refresh_token"].as_str().unwrap(),
            token.param("code").unwrap(),
            token.param("code_verifier").unwrap(),
        ];
        for secret in secrets {
            run.assert_no_leak(secret);
        }
        assert!(authorize.param("state").is_some());
        expire_locally(&av);
        let renewed = av.run(&["-v", "status"]).expect_code(0);
        let entry = stored(&av);
        renewed.assert_no_leak(entry["token"].as_str().unwrap());
        renewed.assert_no_leak(entry["oauth"]["refresh_token"].as_str().unwrap());
        let out = av.run(&["-v", "logout"]).expect_code(0);
        out.assert_no_leak(entry["oauth"]["refresh_token"].as_str().unwrap());
    }
}

/// Unix: the "browser" is a shell script.
#[cfg(unix)]
#[test]
fn a_callback_with_an_overlong_code_says_so() {
    let server = oauth_server(OAuthConfig::default());
    let mut av = Agentview::new(&server.mcp_url());
    // A "browser" that follows the redirects to the callback, then sends it with a 5000-character code.
    let browser = support::cli::script(
        av.dir.path(),
        "browser",
        r#"url=$1
for _ in 1 2 3 4 5 6; do
  next=$(curl -s -o /dev/null -w '%{redirect_url}' "$url")
  case "$next" in *code=*) break ;; esac
  url=$next
done
long=$(head -c 5000 /dev/zero | tr '\0' A)
curl -s -o /dev/null "$(printf %s "$next" | sed "s/code=[^&]*/code=$long/")""#,
    );
    av.set("BROWSER", &browser.display().to_string());
    let run = av.run(&["login", "--method", "oauth"]).expect_code(7);
    let errors: Vec<&str> = run.stderr.lines().filter(|l| l.starts_with("error:")).collect();
    assert_eq!(errors.len(), 1, "one error line:\n{}", run.stderr);
    assert!(errors[0].contains("too long"), "{}", run.stderr);
    assert!(!errors[0].contains("neither a code nor an error"), "{}", run.stderr);
    no_token_request(&server);
}
