//! What a company identity provider's profile tells the person: which profile a login follows
//! and what it sends, a client the provider cannot take, and what to register where the
//! provider offers no registration of its own.

use super::Request;
use crate::error::Failure;
use crate::login::oauth::shared::provider::Provider;
use crate::login::oauth::shared::registration::ClientChoice;

/// A client the provider cannot take ends the login before anything is sent: Google's desktop
/// clients authenticate with their secret (Google does not keep it secret, but requires it).
pub fn check_client(provider: Provider, client: &ClientChoice) -> Result<(), Failure> {
    match client {
        ClientChoice::PreRegistered { client_secret: None, .. } if provider == Provider::Google => Err(Failure::usage(
            "Google's token endpoint takes a desktop client only with its client secret (Google does not treat it \
             as a secret, but requires it)",
        )
        .with_hint(
            "set AGENTVIEW_CLIENT_SECRET to the secret the Google Cloud console shows for the client, or pipe it: \
             printf '%s' \"$SECRET\" | agentview login --client-id ID --client-secret-stdin",
        )),
        _ => Ok(()),
    }
}

/// The line that says which provider's profile the login follows (`set`: by the user's setting,
/// else by the issuer's host) and what the request carries for it; none without a profile.
pub fn describe(provider: Provider, set: bool, request: &Request) -> Option<String> {
    if provider == Provider::Generic {
        return None;
    }
    let why = if set { "as set" } else { "by the issuer's address" };
    let mut changes = Vec::new();
    if request.resource.is_none() {
        changes.push("no resource parameter".to_string());
    }
    for (key, value) in &request.params {
        if key != "login_hint" {
            changes.push(format!("{key}={}", crate::sanitize::line(value, 200)));
        }
    }
    if let Some(scope) = &request.scope {
        changes.push(format!("scope \"{}\"", crate::sanitize::line(scope, 300)));
    }
    Some(format!("The authorization server is {} ({why}): asking with {}.", provider.title(), changes.join(", ")))
}

/// What to register where a provider offers agentview no registration of its own.
pub fn registration_hint(provider: Provider) -> Option<&'static str> {
    Some(match provider {
        Provider::Entra => {
            "register an application in the Microsoft Entra admin center (platform \"Mobile and desktop \
             applications\", redirect URI http://localhost/callback) with the API's permission, then: agentview login \
             --client-id <application (client) id> --redirect-uri http://localhost/callback"
        }
        Provider::Google => {
            "create an OAuth client of type \"Desktop app\" in the Google Cloud console, then: agentview login \
             --client-id ID, with its secret in AGENTVIEW_CLIENT_SECRET"
        }
        Provider::Auth0 => {
            "create a Native application in the Auth0 dashboard (allowed callback URL http://127.0.0.1/callback), \
             then: agentview login --client-id ID (or enable the tenant's Dynamic Application Registration)"
        }
        Provider::Okta => {
            "create an OIDC Native application integration in the Okta admin console (sign-in redirect URI \
             http://127.0.0.1/callback), then: agentview login --client-id ID"
        }
        Provider::Generic => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::Secret;

    #[test]
    fn googles_desktop_clients_bring_their_secret() {
        let bare = ClientChoice::PreRegistered { client_id: "id".into(), client_secret: None };
        let err = check_client(Provider::Google, &bare).expect_err("no secret");
        assert!(err.hint.unwrap_or_default().contains("AGENTVIEW_CLIENT_SECRET"));
        assert!(check_client(Provider::Okta, &bare).is_ok(), "a public client elsewhere");
        let with = ClientChoice::PreRegistered { client_id: "id".into(), client_secret: Some(Secret::new("s")) };
        assert!(check_client(Provider::Google, &with).is_ok());
    }

    #[test]
    fn the_profile_says_what_it_sends() {
        let request = Request {
            resource: None,
            scope: Some("api://app/.default offline_access".into()),
            params: vec![("login_hint".into(), "ada@example.com".into())],
        };
        let line = describe(Provider::Entra, false, &request).expect("a line");
        assert_eq!(
            line,
            "The authorization server is Microsoft Entra ID (by the issuer's address): asking with no resource \
             parameter, scope \"api://app/.default offline_access\"."
        );
        assert_eq!(describe(Provider::Generic, true, &request), None);
        assert!(
            registration_hint(Provider::Entra).is_some_and(|h| h.contains("--redirect-uri http://localhost/callback"))
        );
        assert_eq!(registration_hint(Provider::Generic), None);
    }
}
