//! The MCP Inspector's CLI mode, a one-shot client, through the bridge: it lists and calls tools,
//! logged in beforehand or not (the bridge then logs in on the first request).

use std::process::Stdio;

use serde_json::Value;

use crate::bridge::support::{Clients, local_server, logged_in};
use crate::support::cli::{Agentview, binary, curl_browser, wait_with_deadline};
use crate::support::server::OAuthConfig;

#[test]
fn the_inspector_cli_lists_and_calls_tools_through_the_bridge() {
    let Some(clients) = Clients::find() else { return };
    let server = local_server(true, Some(OAuthConfig { require_token: true, ..OAuthConfig::default() }));
    let av = logged_in(&server);
    lists_and_calls(&clients, &av);
    assert!(server.oauth_counts().rejected_on_mcp == 0, "every request carried the credential");
}

#[test]
fn with_no_credential_the_inspectors_first_request_logs_in() {
    let Some(clients) = Clients::find() else { return };
    let server = local_server(true, Some(OAuthConfig { require_token: true, ..OAuthConfig::default() }));
    let mut av = Agentview::new(&server.mcp_url());
    // The Inspector passes on only the variables it is given: the browser by agentview's own name.
    av.set("AGENTVIEW_BROWSER", &curl_browser("-fsSL"));
    lists_and_calls(&clients, &av);
    assert_eq!(server.token_requests("authorization_code"), 1, "one login, then the stored credential");
    assert_eq!(server.oauth_counts().rejected_on_mcp, 1, "only the first request went without a credential");
}

fn lists_and_calls(clients: &Clients, av: &Agentview) {
    let run = |method: &[&str]| {
        let mut command = clients.node();
        command.arg(clients.bin("mcp-inspector")).arg("--cli");
        // The Inspector gives the server command only these variables (and its defaults).
        for (key, value) in av.env_pairs().iter().filter(|(k, _)| k.starts_with("AGENTVIEW_")) {
            command.arg("-e").arg(format!("{key}={value}"));
        }
        command.arg(binary()).arg("bridge").args(method);
        let child = command.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("starts");
        wait_with_deadline(child, std::time::Duration::from_secs(90)).expect_code(0)
    };
    let listed: Value = serde_json::from_str(&run(&["--method", "tools/list"]).stdout).expect("JSON");
    let names: Vec<&str> = listed["tools"].as_array().unwrap().iter().filter_map(|t| t["name"].as_str()).collect();
    assert!(names.contains(&"echo") && names.contains(&"create_auth_session"), "{names:?}");
    let called = run(&["--method", "tools/call", "--tool-name", "echo", "--tool-arg", "text=inspected"]);
    let result: Value = serde_json::from_str(&called.stdout).expect("JSON");
    assert_eq!(result["content"][0]["text"], serde_json::json!({"text": "inspected"}).to_string());
}
