//! Which scopes to ask for (MCP authorization, "scope selection").

use crate::login::oauth::shared::discovery::Discovered;

/// The scope to ask for (MCP authorization, "scope selection"): the user's, else the
/// challenge's, else everything the resource lists, else none. `offline_access` is added
/// only when the authorization server lists it, and dropped when it does not.
pub fn choose_scope(discovered: &Discovered, requested: Option<&str>) -> Option<String> {
    let base = requested
        .map(str::to_string)
        .or_else(|| discovered.challenge.as_ref().and_then(|c| c.scope.clone()))
        .or_else(|| {
            let all = &discovered.resource.scopes_supported;
            (!all.is_empty()).then(|| all.join(" "))
        });
    let offline = discovered.server.scopes_supported.iter().any(|s| s == "offline_access");
    let mut scopes: Vec<&str> = base.as_deref().unwrap_or_default().split_whitespace().collect();
    scopes.retain(|s| *s != "offline_access" || offline);
    if offline && !scopes.is_empty() && !scopes.contains(&"offline_access") {
        scopes.push("offline_access");
    }
    scopes.dedup();
    (!scopes.is_empty()).then(|| scopes.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::login::oauth::shared::discovery::{AuthServer, Challenge, ProtectedResource};

    fn discovered(challenge: Option<&str>, prm: &[&str], auth_server: &[&str]) -> Discovered {
        Discovered {
            resource: ProtectedResource {
                resource: "https://a.example/mcp".into(),
                authorization_servers: vec!["https://as.example".into()],
                scopes_supported: prm.iter().map(|s| s.to_string()).collect(),
            },
            server: AuthServer {
                scopes_supported: auth_server.iter().map(|s| s.to_string()).collect(),
                ..AuthServer::example()
            },
            challenge: challenge.map(|s| Challenge { scope: Some(s.into()), ..Challenge::default() }),
            provider: crate::login::oauth::shared::provider::Provider::Generic,
        }
    }

    #[test]
    fn scopes_follow_the_selection_rules() {
        let d = discovered(Some("mcp:basic"), &["a", "b"], &[]);
        assert_eq!(choose_scope(&d, None).as_deref(), Some("mcp:basic"));
        assert_eq!(choose_scope(&d, Some("mine")).as_deref(), Some("mine"));
        let d = discovered(None, &["mcp:basic", "mcp:read", "mcp:write"], &[]);
        assert_eq!(choose_scope(&d, None).as_deref(), Some("mcp:basic mcp:read mcp:write"));
        assert_eq!(choose_scope(&discovered(None, &[], &[]), None), None);
        let d = discovered(None, &["mcp:basic"], &["mcp:basic", "offline_access"]);
        assert_eq!(choose_scope(&d, None).as_deref(), Some("mcp:basic offline_access"));
        let d = discovered(None, &["mcp:basic", "offline_access"], &["mcp:basic", "mcp:read"]);
        assert_eq!(choose_scope(&d, None).as_deref(), Some("mcp:basic"), "not listed by the AS: not asked for");
    }
}
