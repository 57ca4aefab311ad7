//! More scope on demand: a server that answers 403 `insufficient_scope` gets a login for the
//! union of the granted and the challenged scopes, stored in place of the old grant, and the
//! request sent again; with `--no-login`, the error names the scopes and the command to run.

use serde_json::{Value, json};

use crate::bridge::support::{Clients, Driver, LOCAL_TOOLS, Raw, local_server};
use crate::support::cli::{Agentview, curl_browser};
use crate::support::server::{OAuthConfig, OAuthEndpoint, OAuthFault, TestServer};

/// Logged in with mcp:read only; from now on the server wants mcp:write too.
fn read_only(server: &TestServer) -> Agentview {
    let mut av = Agentview::new(&server.mcp_url());
    av.set("BROWSER", &curl_browser("-fsSL"));
    av.run(&["login", "--method", "oauth", "--scope", "mcp:read"]).expect_code(0);
    assert_eq!(granted(&av).as_deref(), Some("mcp:read offline_access"));
    server.push_oauth_fault(OAuthFault::InsufficientScope { required: "mcp:write".into(), count: u32::MAX });
    av
}

fn granted(av: &Agentview) -> Option<String> {
    let doc: Value = serde_json::from_slice(&std::fs::read(av.credentials_file()).expect("stored")).expect("JSON");
    doc["credentials"][av.server.as_str()]["oauth"]["scope"].as_str().map(str::to_string)
}

#[test]
fn a_request_refused_for_lack_of_scope_logs_in_for_the_union_and_is_answered() {
    let Some(clients) = Clients::find() else { return };
    let server = local_server(false, Some(OAuthConfig { require_token: true, ..OAuthConfig::default() }));
    let av = read_only(&server);
    let mut client = Driver::start(&clients, &av, &[]);
    client.ok(json!({"op": "connect"}));
    assert!(client.call(LOCAL_TOOLS.echo, json!({"text": "wider"})).contains("wider"));
    assert_eq!(server.token_requests("authorization_code"), 2, "the first login and one for more scope");
    let authorizations = server.oauth_requests_to(OAuthEndpoint::Authorize);
    assert_eq!(
        authorizations.last().and_then(|a| a.params.get("scope")).map(String::as_str),
        Some("mcp:read offline_access mcp:write"),
        "the union of the granted and the challenged scopes"
    );
    let scope = granted(&av).unwrap_or_default();
    assert!(scope.split(' ').any(|s| s == "mcp:write") && scope.split(' ').any(|s| s == "mcp:read"), "{scope}");
    let stderr = client.seen()["stderr"].as_str().unwrap().to_string();
    assert!(stderr.contains("needs the scope \"mcp:write\""), "{stderr}");
    // The wider grant serves the rest of the session: no further login.
    client.ok(json!({"op": "list"}));
    assert_eq!(server.token_requests("authorization_code"), 2);
}

#[test]
fn without_a_login_the_error_names_the_missing_scope_and_the_command() {
    let server = local_server(false, Some(OAuthConfig { require_token: true, ..OAuthConfig::default() }));
    let av = read_only(&server);
    let mut bridge = Raw::with_args(&av, &["bridge", "--no-login"]);
    let refused = bridge.handshake();
    let message = refused["error"]["message"].as_str().unwrap_or_default();
    assert!(message.contains("\"mcp:write\""), "{refused}");
    assert!(message.contains("login --scope \"mcp:read offline_access mcp:write\"`"), "{message}");
    assert_eq!(server.token_requests("authorization_code"), 1, "no login started");
    bridge.close_stdin();
    assert_eq!(bridge.exit_code(), 0);
}

#[test]
fn status_check_names_the_missing_scope_and_the_command() {
    let server = local_server(false, Some(OAuthConfig { require_token: true, ..OAuthConfig::default() }));
    let av = read_only(&server);
    let run = av.run(&["status", "--check"]).expect_code(4);
    let said = format!("{}{}", run.stdout, run.stderr);
    assert!(said.contains("\"mcp:write\""), "{said}");
    assert!(said.contains("login --scope \"mcp:read offline_access mcp:write\"`"), "{said}");
    assert_eq!(server.token_requests("authorization_code"), 1, "a check never logs in");
}
