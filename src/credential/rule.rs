//! The one renewal rule, for every reader of a credential (`token`, `exec`, `status`, the
//! bridge, the client in the environment, a kept sign-in at an identity provider): when a
//! credential is due, which step renews its grant, and what a renewal changes in it.

use crate::login::oauth::shared::tokens::Tokens;
use crate::store::{Credential, Flow, OAuthGrant};

/// Renew a token at most this many seconds before it expires (less for a token that lives less
/// than twice as long: see [`due_at`]).
const SKEW_SECS: u64 = 60;

/// How a stored grant gets a new access token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Renewal {
    /// Trade the refresh token at the token endpoint (RFC 6749 section 6).
    RefreshToken,
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
pub fn renewal(grant: &OAuthGrant) -> Option<Renewal> {
    let refresh = grant.refresh_token.is_some();
    match grant.flow {
        Flow::AuthorizationCode | Flow::Device => refresh.then_some(Renewal::RefreshToken),
        Flow::ClientCredentials => Some(Renewal::ClientCredentials),
        Flow::IdJag { .. } => Some(Renewal::IdJag),
        Flow::IdpSignIn => refresh.then_some(Renewal::IdpSignIn),
        Flow::Workload { .. } => Some(Renewal::Workload),
    }
}

/// Whether the grant can get a new access token without a person.
pub fn renewable(grant: &OAuthGrant) -> bool {
    renewal(grant).is_some()
}

/// The one renewal rule, for every reader (`token`, `exec`, `status`, the bridge, the client in
/// the environment, a kept sign-in at an identity provider): a token issued at `created_at` that
/// expires at `expires_at` is due at `now` when what is left of its life is at most
/// min(60 s, half of it). So a token that lives an hour is renewed a minute before it expires,
/// one that lives 30 s after 15 s, and a live token issued this second is never due: a reader
/// that just got one uses it instead of asking again. One that has expired is always due (a
/// reader renews at most once per run all the same). All unix seconds.
pub fn due_at(expires_at: u64, created_at: u64, now: u64) -> bool {
    if expires_at <= now {
        return true;
    }
    if now == created_at {
        return false;
    }
    let lifetime = expires_at.saturating_sub(created_at);
    expires_at - now <= SKEW_SECS.min(lifetime / 2)
}

/// Whether `credential` should be renewed before use at `now`: an OAuth credential that can be
/// renewed, with a known expiry that is due by [`due_at`].
pub fn is_due(credential: &Credential, now: u64) -> bool {
    credential.oauth_grant().is_some_and(|g| renewal(g).is_some())
        && credential.expires_at.is_some_and(|at| due_at(at, credential.created_at, now))
}

/// `credential` with the renewed tokens: a new access token and expiry; the refresh token and
/// scope replaced only when the server sent new ones (a response without a refresh token
/// keeps the old one).
pub fn renewed(credential: &Credential, tokens: Tokens, now: u64) -> Credential {
    let mut renewed = credential.clone();
    renewed.secret = tokens.access_token;
    renewed.expires_at = tokens.expires_in.map(|s| now.saturating_add(s));
    renewed.created_at = now;
    if let Some(oauth) = renewed.oauth_grant_mut() {
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
    use crate::secret::Secret;
    use crate::server_url::ServerUrl;
    use crate::store::GrantAuth;

    fn oauth(expires_at: Option<u64>, refresh: bool) -> Credential {
        let grant = OAuthGrant {
            refresh_token: refresh.then(|| Secret::new("rt")),
            issuer: "https://as.example".into(),
            client_id: "c".into(),
            client_secret: None,
            client_auth: GrantAuth::None,
            token_endpoint: reqwest::Url::parse("https://as.example/token").expect("url"),
            revocation_endpoint: None,
            resource: Some("https://a.example/mcp".into()),
            scope: None,
            flow: Flow::AuthorizationCode,
            from_environment: false,
        };
        let server = ServerUrl::parse("https://a.example/mcp").expect("url");
        Credential::oauth(server, Secret::new("at"), expires_at, grant, 0)
    }

    #[test]
    fn due_within_a_minute_of_expiry() {
        assert!(is_due(&oauth(Some(1000), true), 1000));
        assert!(is_due(&oauth(Some(1059), true), 1000));
        assert!(is_due(&oauth(Some(1060), true), 1000));
        assert!(!is_due(&oauth(Some(1061), true), 1000));
        assert!(!is_due(&oauth(Some(500), false), 1000), "nothing to renew with");
        assert!(!is_due(&oauth(None, true), 1000), "no known expiry");
        assert!(is_due(&oauth(Some(u64::MAX), true), u64::MAX), "no overflow");
        let mut bearer = oauth(Some(0), true);
        bearer.grant = crate::store::Grant::Bearer;
        assert!(!is_due(&bearer, 1000));
    }

    #[test]
    fn short_lives_are_due_after_half_of_them() {
        // 30 s: used for 15 s, then renewed.
        assert!(!due_at(1_030, 1_000, 1_001));
        assert!(!due_at(1_030, 1_000, 1_014));
        assert!(due_at(1_030, 1_000, 1_015));
        // 2 s: the second after it was issued.
        assert!(!due_at(1_002, 1_000, 1_000));
        assert!(due_at(1_002, 1_000, 1_001));
        // An hour: a minute before it ends.
        assert!(!due_at(4_600, 1_000, 4_539));
        assert!(due_at(4_600, 1_000, 4_540));
    }

    #[test]
    fn a_live_token_issued_this_second_is_never_due() {
        for lifetime in [1, 2, 30, 3_600] {
            assert!(!due_at(1_000 + lifetime, 1_000, 1_000), "{lifetime}");
        }
        // Expired is due, whenever it was issued.
        assert!(due_at(1_000, 1_000, 1_000));
        assert!(due_at(900, 1_000, 1_000), "an expiry before the issue");
        // Issued "later" than now (the clock went back): due only by what is left of it.
        assert!(!due_at(2_000, 1_500, 1_000));
        assert!(due_at(1_001, 1_500, 1_001));
    }

    #[test]
    fn grants_without_a_person_renew_by_running_again() {
        let with = |flow: Flow, refresh: bool| {
            let mut c = oauth(Some(1000), refresh);
            if let Some(g) = c.oauth_grant_mut() {
                g.flow = flow;
            }
            c
        };
        let cc = with(Flow::ClientCredentials, false);
        assert!(is_due(&cc, 1000), "no refresh token, and still renewable");
        assert!(matches!(cc.oauth_grant().and_then(renewal), Some(Renewal::ClientCredentials)));
        let id_jag = with(Flow::IdJag { idp: "https://idp.example".into(), id_token_file: None }, false);
        assert!(matches!(id_jag.oauth_grant().and_then(renewal), Some(Renewal::IdJag)));
        let workload = with(Flow::Workload { token_file: "/run/token".into() }, false);
        assert!(is_due(&workload, 1000), "a workload presents its token again");
        assert!(matches!(workload.oauth_grant().and_then(renewal), Some(Renewal::Workload)));
        assert!(is_due(&with(Flow::IdpSignIn, true), 1000));
        assert!(!is_due(&with(Flow::IdpSignIn, false), 0), "a sign-in without a refresh token");
    }

    #[test]
    fn a_renewal_without_a_new_refresh_token_keeps_the_old_one() {
        let old = oauth(Some(10), true);
        let tokens = |refresh: Option<&str>| Tokens {
            access_token: Secret::new("at-2"),
            refresh_token: refresh.map(Secret::new),
            expires_in: Some(60),
            scope: None,
            id_token: None,
            warnings: Vec::new(),
        };
        let kept = renewed(&old, tokens(None), 100);
        assert_eq!((kept.secret.expose(), kept.expires_at, kept.created_at), ("at-2", Some(160), 100));
        assert_eq!(kept.oauth_grant().and_then(|g| g.refresh_token.clone()), Some(Secret::new("rt")));
        let rotated = renewed(&old, tokens(Some("rt-2")), 100);
        assert_eq!(rotated.oauth_grant().and_then(|g| g.refresh_token.clone()), Some(Secret::new("rt-2")));
    }
}
