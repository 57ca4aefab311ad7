//! What an authorization request asks for: the `resource`, the scope and the extra parameters,
//! by the provider's profile and the user's settings. A profile only chooses what a user could set
//! by hand (`--resource`, `--scope`, `--authorize-param`), and what the user sets wins:
//!
//! - Microsoft Entra ID: no `resource` (it refuses one beside v2 scopes: AADSTS9010010); the
//!   API's scope from the resource's metadata or `--scope` (`api://<app>/.default`);
//!   `offline_access` for a refresh token.
//! - Google: `access_type=offline` and `prompt=consent` for a refresh token (on a repeat consent
//!   too); never `offline_access`, an invalid scope there. Its desktop clients send their secret.
//! - Auth0: `audience` = the protected resource: only then is the token one the API takes.
//! - Okta: `offline_access` for a refresh token.
//!
//! At each of them `openid` (with `profile` and `email` where listed) names the person for
//! `status`. Without a profile: the MCP specification's rules alone (`scope.rs`), and
//! `prompt=consent` beside `offline_access` at an OpenID provider (OpenID Connect Core §11).

pub mod advice;

use super::scope::choose_scope;
use crate::error::Failure;
use crate::login::oauth::shared::discovery::Discovered;
use crate::login::oauth::shared::provider::Provider;
use crate::login::settings::ResourceChoice;

/// What the user's settings say about the request.
#[derive(Debug, Clone, Copy)]
pub struct Wanted<'a> {
    pub resource: &'a ResourceChoice,
    pub scope: Option<&'a str>,
    /// `--authorize-param`, in order; an empty value leaves the parameter out.
    pub params: &'a [(String, String)],
    pub login_hint: Option<&'a str>,
    /// The server has another account: the person may be signed in as its identity at the
    /// authorization server, so they are asked to pick one (`prompt=select_account`).
    pub select_account: bool,
}

/// The authorization request's choices, which the code exchange and renewals repeat where RFC
/// 8707 says so (the `resource`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Request {
    /// The `resource` every request carries, or none.
    pub resource: Option<String>,
    pub scope: Option<String>,
    /// Extra parameters of the authorization request, in order.
    pub params: Vec<(String, String)>,
}

impl Request {
    /// The value of an extra parameter.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// Add `value` to the `prompt` parameter (space-separated values, OpenID Connect Core 3.1.2.1).
    pub fn add_prompt(&mut self, value: &str) {
        match self.params.iter_mut().find(|(k, _)| k == "prompt") {
            Some((_, prompt)) if prompt.split(' ').any(|v| v == value) => {}
            Some((_, prompt)) => *prompt = format!("{prompt} {value}"),
            None => self.params.push(("prompt".into(), value.into())),
        }
    }
}

/// Scopes that name the person or the session, not an API.
const OPENID_SCOPES: [&str; 6] = ["openid", "profile", "email", "offline_access", "address", "phone"];

/// The request `provider`'s profile and the user's settings make, for what discovery found. A
/// login that cannot work fails here, before a browser opens: Entra with no API scope to ask for.
pub fn plan(discovered: &Discovered, wanted: &Wanted<'_>) -> Result<Request, Failure> {
    let provider = discovered.provider;
    let server = &discovered.server;
    let published = &discovered.resource.resource;
    let resource = match wanted.resource {
        ResourceChoice::Omit => None,
        ResourceChoice::Uri(uri) => Some(uri.clone()),
        ResourceChoice::Published if provider == Provider::Entra => None,
        ResourceChoice::Published => Some(published.clone()),
    };
    let base = choose_scope(discovered, wanted.scope);
    let mut scopes: Vec<String> = base.as_deref().unwrap_or_default().split_whitespace().map(str::to_string).collect();
    if provider == Provider::Entra && !scopes.iter().any(|s| !OPENID_SCOPES.contains(&s.as_str())) {
        return Err(Failure::usage(
            "Microsoft Entra ID issues a token for the MCP server's API only for that API's scope, and neither \
             --scope nor the server's metadata names one",
        )
        .with_hint("log in with --scope api://<application id of the API>/.default (scope = \"…\" in config.toml)"));
    }
    if provider != Provider::Generic && !scopes.is_empty() {
        let listed = |s: &str| server.scopes_supported.iter().any(|l| l == s);
        let mut add = |scope: &str| {
            if !scopes.iter().any(|s| s == scope) {
                scopes.push(scope.to_string());
            }
        };
        if server.openid || listed("openid") {
            add("openid");
            for scope in ["profile", "email"].into_iter().filter(|s| listed(s)) {
                add(scope);
            }
        }
        if matches!(provider, Provider::Entra | Provider::Okta) {
            add("offline_access");
        }
        if provider == Provider::Google {
            scopes.retain(|s| s != "offline_access");
        }
        // offline_access last, as people write it.
        scopes.sort_by_key(|s| s == "offline_access");
    }
    let scope = (!scopes.is_empty()).then(|| scopes.join(" "));
    let offline = scopes.iter().any(|s| s == "offline_access");
    let mut request = Request { resource, scope, params: Vec::new() };
    match provider {
        Provider::Google => {
            request.params.push(("access_type".into(), "offline".into()));
            request.add_prompt("consent");
        }
        Provider::Auth0 => {
            let audience = match wanted.resource {
                ResourceChoice::Uri(uri) => uri.clone(),
                _ => published.clone(),
            };
            request.params.push(("audience".into(), audience));
        }
        // An OpenID provider issues a refresh token for offline_access only when the person is
        // asked for consent (OIDC Core §11). Entra, Okta and Auth0 do not ask for that; Entra
        // asking would stop a person whose organization lets only admins consent.
        Provider::Generic if server.openid && offline => request.add_prompt("consent"),
        _ => {}
    }
    if let Some(hint) = wanted.login_hint {
        request.params.push(("login_hint".into(), hint.to_string()));
    }
    if wanted.select_account && server.prompt_values.iter().any(|v| v == "select_account") {
        request.add_prompt("select_account");
    }
    for (key, value) in wanted.params {
        request.params.retain(|(k, _)| k != key);
        if !value.is_empty() {
            request.params.push((key.clone(), value.clone()));
        }
    }
    Ok(request)
}

#[cfg(test)]
#[path = "profile_tests.rs"]
mod tests;
