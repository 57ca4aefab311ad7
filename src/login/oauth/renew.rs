//! Renewing a stored OAuth grant: the step is chosen by what the grant is. A browser login's
//! grant trades its refresh token; a grant without a person (client credentials, the JWT-bearer
//! grant of enterprise-managed authorization or of a workload) runs itself again; a sign-in at an identity
//! provider renews its ID token with the provider's refresh token.

use super::error::OAuthError;
use super::grant::{self, Tokens};
use super::registration::Client;
use super::{client_credentials, enterprise, idp, workload};
use crate::clock::unix_now;
use crate::http::Http;
use crate::secret::Secret;
use crate::store::{Credential, CredentialKind, OAuthGrant, StoreConfig, UnattendedGrant};

/// Renew a token this many seconds before it expires.
pub const SKEW_SECS: u64 = 60;

/// How a stored grant gets a new access token.
#[derive(Debug)]
pub enum Renewal<'a> {
    /// Trade the refresh token at the token endpoint (RFC 6749 section 6).
    RefreshToken(&'a Secret),
    /// Run the client credentials grant again.
    ClientCredentials,
    /// Exchange the sign-in at the identity provider for a new ID-JAG, and that for a token.
    IdJag,
    /// Renew the sign-in at an identity provider with its refresh token.
    IdpSignIn,
    /// Present the workload's token (as its file holds it now) again.
    Workload,
}

/// The renewal step for `grant`; `None` when it cannot be renewed (no refresh token).
pub fn renewal(grant: &OAuthGrant) -> Option<Renewal<'_>> {
    match grant.unattended.as_ref().map(|u| &u.grant) {
        None => grant.refresh_token.as_ref().map(Renewal::RefreshToken),
        Some(UnattendedGrant::ClientCredentials) => Some(Renewal::ClientCredentials),
        Some(UnattendedGrant::IdJag { .. }) => Some(Renewal::IdJag),
        Some(UnattendedGrant::IdpSignIn) => grant.refresh_token.as_ref().map(|_| Renewal::IdpSignIn),
        Some(UnattendedGrant::Workload { .. }) => Some(Renewal::Workload),
    }
}

/// Whether the grant can get a new access token without a person.
pub fn renewable(grant: &OAuthGrant) -> bool {
    renewal(grant).is_some()
}

/// Whether `credential` should be renewed before use at `now`: an OAuth credential that can be
/// renewed and has expired, or will within [`SKEW_SECS`].
pub fn is_due(credential: &Credential, now: u64) -> bool {
    credential.kind == CredentialKind::OAuth
        && credential.oauth.as_ref().is_some_and(|g| renewal(g).is_some())
        && credential.expires_at.is_some_and(|at| at <= now.saturating_add(SKEW_SECS))
}

/// New tokens for `grant`, from the step its kind calls for. `Ok(None)`: nothing to renew with.
/// `stores`: where the sign-in an ID-JAG comes from is kept.
pub async fn renew(http: &Http, grant: &OAuthGrant, stores: &StoreConfig) -> Result<Option<Tokens>, OAuthError> {
    let now = unix_now();
    match renewal(grant) {
        Some(Renewal::RefreshToken(refresh_token)) => {
            let client = Client::of_grant(grant);
            grant::refresh(http, &grant.token_endpoint, &client, refresh_token, &grant.resource).await.map(Some)
        }
        Some(Renewal::ClientCredentials) => client_credentials::renew(http, grant, now).await.map(Some),
        Some(Renewal::IdJag) => enterprise::renew(http, grant, stores, now).await.map(Some),
        Some(Renewal::IdpSignIn) => idp::refresh(http, grant, now).await.map(Some),
        Some(Renewal::Workload) => workload::renew(http, grant, now).await.map(Some),
        None => Ok(None),
    }
}

/// `credential` with the renewed tokens: a new access token and expiry; the refresh token and
/// scope replaced only when the server sent new ones (a response without a refresh token
/// keeps the old one).
pub fn renewed(credential: &Credential, tokens: Tokens, now: u64) -> Credential {
    let mut renewed = credential.clone();
    renewed.secret = tokens.access_token;
    renewed.expires_at = tokens.expires_in.map(|s| now.saturating_add(s));
    renewed.created_at = now;
    if let Some(oauth) = renewed.oauth.as_mut() {
        if tokens.refresh_token.is_some() {
            oauth.refresh_token = tokens.refresh_token;
        }
        if tokens.scope.is_some() {
            oauth.scope = tokens.scope;
        }
    }
    renewed
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::ClientAuth;

    fn oauth(expires_at: Option<u64>, refresh: bool) -> Credential {
        Credential {
            server: "https://a.example/mcp".into(),
            kind: CredentialKind::OAuth,
            secret: Secret::new("at"),
            expires_at,
            user: None,
            created_at: 0,
            oauth: Some(OAuthGrant {
                refresh_token: refresh.then(|| Secret::new("rt")),
                issuer: "https://as.example".into(),
                client_id: "c".into(),
                client_secret: None,
                client_auth: ClientAuth::None,
                token_endpoint: reqwest::Url::parse("https://as.example/token").expect("url"),
                revocation_endpoint: None,
                resource: "https://a.example/mcp".into(),
                scope: None,
                unattended: None,
            }),
        }
    }

    #[test]
    fn due_within_a_minute_of_expiry() {
        assert!(is_due(&oauth(Some(1000), true), 1000));
        assert!(is_due(&oauth(Some(1059), true), 1000));
        assert!(!is_due(&oauth(Some(1061), true), 1000));
        assert!(!is_due(&oauth(Some(500), false), 1000), "nothing to renew with");
        assert!(!is_due(&oauth(None, true), 1000), "no known expiry");
        assert!(is_due(&oauth(Some(u64::MAX), true), u64::MAX), "no overflow");
        let mut bearer = oauth(Some(0), true);
        bearer.kind = CredentialKind::Bearer;
        assert!(!is_due(&bearer, 1000));
    }

    #[test]
    fn grants_without_a_person_renew_by_running_again() {
        use crate::store::{Unattended, UnattendedGrant};
        let with = |grant: UnattendedGrant, refresh: bool| {
            let mut c = oauth(Some(1000), refresh);
            if let Some(g) = c.oauth.as_mut() {
                g.unattended = Some(Unattended { grant, client_jwt: None });
            }
            c
        };
        let cc = with(UnattendedGrant::ClientCredentials, false);
        assert!(is_due(&cc, 1000), "no refresh token, and still renewable");
        assert!(matches!(cc.oauth.as_ref().and_then(renewal), Some(Renewal::ClientCredentials)));
        let id_jag = with(UnattendedGrant::IdJag { idp: "https://idp.example".into(), id_token_file: None }, false);
        assert!(matches!(id_jag.oauth.as_ref().and_then(renewal), Some(Renewal::IdJag)));
        let workload = with(UnattendedGrant::Workload { token_file: "/run/token".into() }, false);
        assert!(is_due(&workload, 1000), "a workload presents its token again");
        assert!(matches!(workload.oauth.as_ref().and_then(renewal), Some(Renewal::Workload)));
        assert!(is_due(&with(UnattendedGrant::IdpSignIn, true), 1000));
        assert!(!is_due(&with(UnattendedGrant::IdpSignIn, false), 0), "a sign-in without a refresh token");
    }

    #[test]
    fn a_renewal_without_a_new_refresh_token_keeps_the_old_one() {
        let old = oauth(Some(10), true);
        let tokens = |refresh: Option<&str>| Tokens {
            access_token: Secret::new("at-2"),
            refresh_token: refresh.map(Secret::new),
            expires_in: Some(60),
            scope: None,
            warnings: Vec::new(),
        };
        let kept = renewed(&old, tokens(None), 100);
        assert_eq!((kept.secret.expose(), kept.expires_at, kept.created_at), ("at-2", Some(160), 100));
        assert_eq!(kept.oauth.as_ref().and_then(|g| g.refresh_token.clone()), Some(Secret::new("rt")));
        let rotated = renewed(&old, tokens(Some("rt-2")), 100);
        assert_eq!(rotated.oauth.and_then(|g| g.refresh_token), Some(Secret::new("rt-2")));
    }
}
