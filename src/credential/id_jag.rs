//! Renewing a grant of enterprise-managed authorization: the ID token of the sign-in kept under
//! the identity provider's issuer (vetted like any stored grant, renewed when due and saved where
//! it came from, or read from its file), exchanged for a new ID-JAG, traded for a new token.

use super::rule::{due_at, renewed};
use super::vet;
use crate::http::Http;
use crate::login::oauth::shared::error::OAuthError;
use crate::login::oauth::shared::registration::Client;
use crate::login::oauth::shared::tokens::Tokens;
use crate::login::oauth::unattended::enterprise::trade;
use crate::login::oauth::unattended::token_exchange::Exchange;
use crate::login::oauth::unattended::{idp, proof};
use crate::secret::Secret;
use crate::store::{self, Credential, Flow, OAuthGrant, Source, StoreConfig};

/// New tokens for a stored grant of enterprise-managed authorization: the sign-in's ID token
/// (from the kept sign-in, vetted like any stored grant and renewed when due, or from its file),
/// then both steps again (`pinned`: the user pinned the grant's authorization server). Runs under
/// the refresh lock the door holds.
pub async fn renew_id_jag(
    http: &Http,
    grant: &mut OAuthGrant,
    stores: &StoreConfig,
    pinned: bool,
    now: u64,
) -> Result<Tokens, OAuthError> {
    let Flow::IdJag { idp: issuer, id_token_file } = grant.flow.clone() else {
        return Err(OAuthError::Proof("the stored grant is not one of enterprise-managed authorization".into()));
    };
    let shown = crate::sanitize::line(&issuer, 200);
    let (kept, source) = load(stores, &issuer).await.ok_or_else(|| {
        OAuthError::Proof(format!("the sign-in at {shown} is no longer stored; log in again with --idp {shown}"))
    })?;
    let idp_grant = kept.oauth_grant().ok_or_else(|| OAuthError::Proof("the kept sign-in is unusable".into()))?;
    // The ID token, its refresh token and agentview's secret at the provider go only to the
    // provider's own token endpoint.
    if idp_grant.issuer != issuer {
        return Err(OAuthError::Refused(format!(
            "the sign-in kept for {shown} names another identity provider ({}); nothing was sent",
            crate::sanitize::line(&idp_grant.issuer, 200)
        )));
    }
    let at_idp = reqwest::Url::parse(&idp::key(&issuer))
        .map_err(|_| OAuthError::Refused(format!("the identity provider {shown} is not a URL; nothing was sent")))?;
    vet::grant(http, idp_grant, &at_idp, None).await.map_err(|e| e.into_oauth())?;
    let id_token: Secret = match &id_token_file {
        Some(path) => proof::read_jwt_file(path, "the ID token", now)?,
        None if is_fresh(&kept, now) => kept.secret.clone(),
        None => {
            let tokens = idp::refresh(http, idp_grant, now).await?;
            let renewed = renewed(&kept, tokens, now);
            save_to(stores, source, &renewed).await?;
            renewed.secret
        }
    };
    let idp_client = Client::of_grant(idp_grant);
    let client = proof::client_of_grant(grant, pinned, now)?;
    let exchange = Exchange {
        idp: &issuer,
        token_endpoint: &idp_grant.token_endpoint,
        client: &idp_client,
        id_token: &id_token,
        audience: &grant.issuer,
        resource: grant.resource.as_deref(),
        scope: grant.scope.as_deref(),
    };
    trade(http, &exchange, &grant.token_endpoint, &client).await
}

/// The sign-in kept for `issuer`, and the store that holds it: the first store with one.
pub(super) async fn load(stores: &StoreConfig, issuer: &str) -> Option<(Credential, Source)> {
    let (config, key) = (stores.clone(), idp::key(issuer));
    tokio::task::spawn_blocking(move || {
        store::stores_for_read(&config).into_iter().find_map(|store| match store.load(&key) {
            Ok(Some(credential)) if credential.is_sign_in() => Some((credential, store.source())),
            _ => None,
        })
    })
    .await
    .ok()
    .flatten()
}

/// Keep a renewed sign-in in the store it came from.
pub(super) async fn save_to(stores: &StoreConfig, source: Source, credential: &Credential) -> Result<(), OAuthError> {
    let (config, credential) = (stores.clone(), credential.clone());
    let saved = tokio::task::spawn_blocking(move || {
        let store = store::stores_for_read(&config).into_iter().find(|s| s.source() == source)?;
        Some(store.save(&credential).map_err(|e| e.to_string()))
    })
    .await;
    match saved {
        Ok(Some(Ok(()))) => Ok(()),
        Ok(Some(Err(why))) => Err(OAuthError::Proof(format!("the renewed sign-in could not be stored: {why}"))),
        _ => Err(OAuthError::Proof("the store of the sign-in is not configured".into())),
    }
}

/// Whether a kept sign-in's ID token can still be exchanged at `now`: its expiry is known and it
/// is not due by the one renewal rule.
pub(super) fn is_fresh(credential: &Credential, now: u64) -> bool {
    credential.expires_at.is_some_and(|at| !due_at(at, credential.created_at, now))
}
