//! agentview itself against the models of company identity providers, each login with its
//! provider's profile set by `AGENTVIEW_PROVIDER` (the models run on 127.0.0.1, where no host
//! names a provider; the unit tests of `provider.rs` show the hosts that do): the login, its own
//! check of the new token at the MCP endpoint, a tools call with the stored token, renewal,
//! logout; and what fails at each provider without its profile, each now a login or a clear
//! refusal.

use serde_json::Value;

use super::*;

mod auth0;
mod entra;
mod google;
mod okta;

/// agentview for `peer`, signing in as `user`, with `provider`'s profile.
fn agentview_with(peer: &Peer, user: &str, provider: &str) -> Agentview {
    let mut av = peer.agentview_as(user);
    av.set("AGENTVIEW_PROVIDER", provider);
    av
}

/// The MCP endpoint's authenticated `initialize` requests, and how it answered each.
fn authenticated_initializes(peer: &Peer) -> Vec<Value> {
    peer.requests_to("/mcp").into_iter().filter(|r| r["auth"] == "bearer" && r["rpc"] == "initialize").collect()
}

/// The login asked the MCP endpoint with its new token, and the endpoint took it.
fn assert_checked_by_the_login(peer: &Peer) {
    let asked = authenticated_initializes(peer);
    assert!(asked.iter().any(|r| r["status"] == 200), "the login did not check its token at /mcp\n{}", peer.log_text());
}

/// Make the stored access token due, as if its lifetime had passed (nothing waits): the next
/// reader renews it.
fn make_due(av: &Agentview) {
    let path = av.credentials_file();
    let mut doc: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    doc["credentials"][av.server.as_str()]["expires_at"] = Value::from(1_000_000_000u64);
    std::fs::write(&path, serde_json::to_vec_pretty(&doc).unwrap()).unwrap();
}

/// `agentview token` with a due token: a new one, which the MCP endpoint takes.
fn renewed(av: &Agentview, peer: &Peer) -> String {
    let old = support::peers::stored(av)["token"].as_str().unwrap().to_string();
    make_due(av);
    let run = av.run(&["token"]);
    assert_eq!(run.code, 0, "{}", explain(&run, peer));
    let new = run.stdout.trim_end().to_string();
    run.assert_stderr_clean(&new);
    assert_ne!(new, old, "renewed");
    assert!(accepted(peer, &new), "the renewed token is refused\n{}", peer.log_text());
    new
}

/// The one `error:` line and the `hint:` line of a failed run.
fn error_and_hint(run: &Run) -> (String, String) {
    let line = |prefix: &str| {
        run.stderr.lines().find(|l| l.trim_start().starts_with(prefix)).unwrap_or_default().trim().to_string()
    };
    (line("error:"), line("hint:"))
}
