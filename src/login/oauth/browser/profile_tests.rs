//! Tests of `profile.rs`: what each provider's profile asks for, and the user's settings over it.

use super::*;
use crate::login::oauth::shared::discovery::{AuthServer, ProtectedResource};

const MCP: &str = "https://mcp.example/mcp";

fn discovered(provider: Provider, prm: &[&str], listed: &[&str], openid: bool) -> Discovered {
    Discovered {
        resource: ProtectedResource {
            resource: MCP.into(),
            authorization_servers: vec!["https://as.example".into()],
            scopes_supported: prm.iter().map(|s| s.to_string()).collect(),
        },
        server: AuthServer {
            scopes_supported: listed.iter().map(|s| s.to_string()).collect(),
            openid,
            prompt_values: vec!["select_account".into()],
            ..AuthServer::example()
        },
        challenge: None,
        provider,
    }
}

const OIDC: [&str; 4] = ["openid", "profile", "email", "offline_access"];

fn plan_with(d: &Discovered, resource: &ResourceChoice, scope: Option<&str>, params: &[(&str, &str)]) -> Request {
    let params: Vec<(String, String)> = params.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    plan(d, &Wanted { resource, scope, params: &params, login_hint: None, select_account: false }).expect("a plan")
}

fn default_plan(d: &Discovered) -> Request {
    plan_with(d, &ResourceChoice::Published, None, &[])
}

#[test]
fn without_a_profile_the_specifications_rules_apply() {
    let d = discovered(Provider::Generic, &["mcp:tools"], &OIDC, true);
    let r = default_plan(&d);
    assert_eq!(r.resource.as_deref(), Some(MCP));
    assert_eq!(r.scope.as_deref(), Some("mcp:tools offline_access"), "no openid added");
    assert_eq!(r.params, [("prompt".to_string(), "consent".to_string())], "OIDC Core §11");
    let plain = discovered(Provider::Generic, &["mcp:tools"], &["mcp:tools", "offline_access"], false);
    assert!(default_plan(&plain).params.is_empty(), "no prompt at a plain OAuth server");
    let none = discovered(Provider::Generic, &["mcp:tools"], &[], true);
    assert!(default_plan(&none).params.is_empty(), "no offline_access, no prompt");
}

#[test]
fn entra_leaves_out_the_resource_and_asks_for_the_apis_scope() {
    let d = discovered(Provider::Entra, &["api://app/user_impersonation"], &OIDC, true);
    let r = default_plan(&d);
    assert_eq!(r.resource, None, "AADSTS9010010 otherwise");
    assert_eq!(r.scope.as_deref(), Some("api://app/user_impersonation openid profile email offline_access"));
    assert!(r.params.is_empty(), "no prompt=consent: admins may be the only ones who consent");
    let r = plan_with(&d, &ResourceChoice::Published, Some("api://app/.default"), &[]);
    assert_eq!(r.scope.as_deref(), Some("api://app/.default openid profile email offline_access"));
    let r = plan_with(&d, &ResourceChoice::Uri("api://app".into()), None, &[]);
    assert_eq!(r.resource.as_deref(), Some("api://app"), "a resource the user names is sent");
    // No API scope anywhere: the login stops before a browser opens, saying what to set.
    let bare = discovered(Provider::Entra, &[], &OIDC, true);
    let wanted = Wanted {
        resource: &ResourceChoice::Published,
        scope: None,
        params: &[],
        login_hint: None,
        select_account: false,
    };
    let err = plan(&bare, &wanted).expect_err("no API scope");
    assert!(err.hint.as_deref().unwrap_or_default().contains("--scope api://"), "{err:?}");
    let wanted = Wanted { scope: Some("openid profile"), ..wanted };
    assert!(plan(&bare, &wanted).is_err(), "OpenID scopes alone get a token for Microsoft Graph");
}

#[test]
fn google_asks_for_offline_access_its_own_way() {
    let d =
        discovered(Provider::Google, &["openid", "https://www.googleapis.com/auth/userinfo.email"], &OIDC[..3], true);
    let r = default_plan(&d);
    assert_eq!(r.resource.as_deref(), Some(MCP));
    assert_eq!(r.scope.as_deref(), Some("openid https://www.googleapis.com/auth/userinfo.email profile email"));
    assert_eq!(r.param("access_type"), Some("offline"));
    assert_eq!(r.param("prompt"), Some("consent"), "a refresh token on a repeat consent too");
    let r = plan_with(&d, &ResourceChoice::Published, Some("openid offline_access"), &[]);
    assert!(!r.scope.unwrap_or_default().contains("offline_access"), "an invalid scope at Google");
    // The user's parameters win, and an empty one leaves the profile's out.
    let r = plan_with(&d, &ResourceChoice::Published, None, &[("prompt", ""), ("access_type", "online")]);
    assert_eq!(r.param("prompt"), None);
    assert_eq!(r.param("access_type"), Some("online"));
}

#[test]
fn auth0_names_the_audience() {
    let d = discovered(Provider::Auth0, &["read:tools"], &OIDC, true);
    let r = default_plan(&d);
    assert_eq!(r.param("audience"), Some(MCP));
    assert_eq!(r.scope.as_deref(), Some("read:tools openid profile email offline_access"));
    assert_eq!(r.param("prompt"), None);
    let r = plan_with(&d, &ResourceChoice::Uri("https://api.example".into()), None, &[]);
    assert_eq!(r.param("audience"), Some("https://api.example"), "the resource the user named");
    let r = plan_with(&d, &ResourceChoice::Published, None, &[("audience", "https://other.example")]);
    assert_eq!(r.param("audience"), Some("https://other.example"), "the user's audience");
    assert_eq!(r.params.iter().filter(|(k, _)| k == "audience").count(), 1);
}

#[test]
fn okta_asks_for_offline_access_even_unlisted() {
    let d = discovered(Provider::Okta, &["mcp:tools"], &["openid", "mcp:tools"], true);
    let r = default_plan(&d);
    assert_eq!(r.scope.as_deref(), Some("mcp:tools openid offline_access"));
    assert_eq!(r.resource.as_deref(), Some(MCP));
    assert!(r.params.is_empty());
    let r = plan_with(&d, &ResourceChoice::Omit, None, &[("domain_hint", "contoso.com")]);
    assert_eq!(r.resource, None);
    assert_eq!(r.param("domain_hint"), Some("contoso.com"));
}

#[test]
fn a_login_hint_and_prompts_add_up() {
    let d = discovered(Provider::Google, &["openid"], &OIDC[..3], true);
    let wanted = Wanted {
        resource: &ResourceChoice::Published,
        scope: None,
        params: &[],
        login_hint: Some("ada@example.com"),
        select_account: false,
    };
    let mut r = plan(&d, &wanted).expect("a plan");
    assert_eq!(r.param("login_hint"), Some("ada@example.com"));
    r.add_prompt("select_account");
    r.add_prompt("consent");
    assert_eq!(r.param("prompt"), Some("consent select_account"));
    let mut empty = Request::default();
    empty.add_prompt("select_account");
    assert_eq!(empty.param("prompt"), Some("select_account"));
}
