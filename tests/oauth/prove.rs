//! A login proves its token: the new token is shown to the MCP endpoint before "Logged in", and a
//! token the server refuses, or a server that cannot be asked, leaves nothing behind.

use super::*;
use support::server::{Fault, Match, OAuthEndpoint, OAuthFault};

fn initializes_with_a_token(server: &TestServer) -> Vec<u16> {
    server
        .requests()
        .into_iter()
        .filter(|r| r.authorization && r.rpc_method.as_deref() == Some("initialize"))
        .map(|r| r.status)
        .collect()
}

/// The one `error:` line and the `hint:` line.
fn error_and_hint(run: &Run) -> (String, String) {
    let line = |prefix: &str| {
        run.stderr.lines().find(|l| l.trim_start().starts_with(prefix)).unwrap_or_default().trim().to_string()
    };
    (line("error:"), line("hint:"))
}

/// Every login shows its new token to the server once, and the server took it.
#[test]
fn the_login_asks_the_server_with_its_new_token() {
    let server = oauth_server(OAuthConfig::default());
    let av = with_browser(&server);
    login(&av);
    assert_eq!(initializes_with_a_token(&server), [200]);
}

/// The server wants a scope the token lacks (403 insufficient_scope): the login says so, names
/// the scope to ask for (what was granted and what the server wants), revokes the new tokens,
/// stores nothing and exits 4. What the hint says then works.
#[test]
fn a_token_the_server_refuses_is_revoked_and_not_kept() {
    let server = oauth_server(OAuthConfig::default());
    server.push_oauth_fault(OAuthFault::InsufficientScope { required: "mcp:write".into(), count: u32::MAX });
    let av = with_browser(&server);
    let run = av.run(&["login", "--method", "oauth", "--scope", "mcp:read"]);
    assert_eq!(run.code, 4, "{}", run.stderr);
    assert!(!run.stderr.contains("Logged in"), "{}", run.stderr);
    let (error, hint) = error_and_hint(&run);
    let refused = "error: the server refused the new token: missing scope \"mcp:write\" (the server says: ";
    assert!(error.starts_with(refused), "{}", run.stderr);
    assert!(hint.contains("--scope \"mcp:read offline_access mcp:write\""), "{}", run.stderr);
    assert!(hint.contains("nothing was stored"), "{}", run.stderr);
    assert!(!av.credentials_file().exists() || stored(&av).is_null(), "nothing stored");
    let revoked = server.oauth_requests_to(OAuthEndpoint::Revoke);
    let hints: Vec<&str> = revoked.iter().filter_map(|r| r.params.get("token_type_hint").map(String::as_str)).collect();
    assert_eq!(hints, ["refresh_token", "access_token"], "both new tokens revoked");
    for what in ["refresh token", "access token"] {
        assert!(run.stderr.contains(&format!("Revoked the new {what} at")), "said per token: {}", run.stderr);
    }
    let run = av.run(&["login", "--method", "oauth", "--scope", "mcp:read offline_access mcp:write"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(initializes_with_a_token(&server), [403, 200]);
}

/// A server that gives no answer is asked again; one that still gives none fails the login,
/// naming --no-verify, and the new tokens are revoked; with --no-verify the login asks nothing.
#[test]
fn a_server_that_cannot_be_asked_fails_the_login_naming_no_verify() {
    let server = oauth_server(OAuthConfig::default());
    let initialize = || Match::Method("initialize".into());
    server.push_fault(Fault::Status { on: initialize(), status: 503, count: 3 });
    let av = with_browser(&server);
    let run = av.run(&["login", "--method", "oauth"]);
    assert_eq!(run.code, 7, "{}", run.stderr);
    let (error, hint) = error_and_hint(&run);
    assert!(error.starts_with("error: could not ask the server whether it takes the new token"), "{}", run.stderr);
    assert!(hint.contains("--no-verify") && hint.contains("nothing was stored"), "{}", run.stderr);
    assert_eq!(initializes_with_a_token(&server), [503, 503, 503], "asked three times");
    assert!(!av.credentials_file().exists() || stored(&av).is_null());
    assert_eq!(server.oauth_requests_to(OAuthEndpoint::Revoke).len(), 2, "both new tokens revoked");

    server.push_fault(Fault::Status { on: initialize(), status: 503, count: 1 });
    let run = av.run(&["login", "--method", "oauth"]).expect_code(0);
    assert!(run.stderr.contains("Logged in"), "a second answer counts: {}", run.stderr);

    server.push_fault(Fault::Status { on: initialize(), status: 503, count: 1 });
    let before = initializes_with_a_token(&server).len();
    let run = av.run(&["login", "--method", "oauth", "--force", "--no-verify"]).expect_code(0);
    assert!(run.stderr.contains("--no-verify"), "{}", run.stderr);
    assert_eq!(initializes_with_a_token(&server).len(), before, "nothing asked");
    server.clear_faults();
    av.run(&["status", "--check"]).expect_code(0);
}
