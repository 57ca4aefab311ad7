//! Renewing a stored OAuth grant: the step is chosen by what the grant is ([`Renewal`]). A
//! browser login's grant trades its refresh token; a grant without a person (client credentials,
//! the JWT-bearer grant of enterprise-managed authorization or of a workload) runs itself again;
//! a sign-in at an identity provider renews its ID token with the provider's refresh token.

use super::id_jag::renew_id_jag;
use super::rule::{Renewal, renewal};
use crate::http::Http;
use crate::login::oauth::shared::error::OAuthError;
use crate::login::oauth::shared::registration::Client;
use crate::login::oauth::shared::tokens::{self, Tokens};
use crate::login::oauth::unattended::{client_credentials, idp, workload};
use crate::store::{OAuthGrant, StoreConfig};

/// New tokens for `grant`, from the step its kind calls for, sent where the grant says (vetted
/// by the caller first). `Ok(None)`: nothing to renew with. `stores`: where the sign-in an ID-JAG
/// comes from is kept. `pinned`: the user pinned the grant's authorization server, which may then
/// be sent a token someone else issued for another audience. What the grant keeps of a client
/// assertion it presented is updated in `grant`, sent or refused: the caller keeps it.
pub async fn renew(
    http: &Http,
    grant: &mut OAuthGrant,
    stores: &StoreConfig,
    pinned: bool,
    now: u64,
) -> Result<Option<Tokens>, OAuthError> {
    match renewal(grant) {
        Some(Renewal::RefreshToken) => {
            let Some(refresh_token) = grant.refresh_token.as_ref() else { return Ok(None) };
            let client = Client::of_grant(grant);
            tokens::refresh(http, &grant.token_endpoint, &client, refresh_token, grant.resource.as_deref())
                .await
                .map(Some)
        }
        Some(Renewal::ClientCredentials) => client_credentials::renew(http, grant, pinned, now).await.map(Some),
        Some(Renewal::IdJag) => renew_id_jag(http, grant, stores, pinned, now).await.map(Some),
        Some(Renewal::IdpSignIn) => idp::refresh(http, grant, now).await.map(Some),
        Some(Renewal::Workload) => workload::renew(http, grant, pinned, now).await.map(Some),
        None => Ok(None),
    }
}
