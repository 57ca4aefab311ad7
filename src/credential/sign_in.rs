//! The sign-in at a company's identity provider that `login --idp` keeps, under the provider's
//! issuer, as the login finds it through the door: fresh by the one renewal rule, or renewed with
//! the provider's refresh token under the refresh lock and saved back where it came from. (A
//! renewal of an ID-JAG grant uses it the same way: `id_jag.rs`.)

use super::Door;
use super::id_jag::{is_fresh, load, save_to};
use super::rule::renewed;
use crate::error::Failure;
use crate::http::Http;
use crate::login::oauth::shared::error::OAuthError;
use crate::login::oauth::unattended::idp;
use crate::store::{Credential, Source};

/// A sign-in kept in a store, and the store that holds it.
#[derive(Debug)]
pub struct KeptSignIn {
    pub credential: Credential,
    pub source: Source,
}

/// What renewing a kept sign-in came to.
#[derive(Debug)]
pub enum SignInRenewal {
    /// Renewed, and saved where it came from (or a warning said why not).
    Renewed(Box<Credential>),
    /// The provider did not renew it: a new sign-in is needed.
    Refused(OAuthError),
}

impl KeptSignIn {
    /// Whether its ID token can still be exchanged at `now`: its expiry is known and it is not
    /// due by the one renewal rule.
    pub fn is_fresh(&self, now: u64) -> bool {
        is_fresh(&self.credential, now)
    }
}

impl Door<'_> {
    /// The sign-in kept for `issuer`, from the first store that has one.
    pub async fn kept_sign_in(&self, issuer: &str) -> Option<KeptSignIn> {
        load(&self.settings.store, issuer).await.map(|(credential, source)| KeptSignIn { credential, source })
    }

    /// Renew `kept` with the provider's refresh token, under the refresh lock every renewal takes,
    /// and keep the renewed sign-in where it came from (a store that refuses it is a warning: the
    /// renewed ID token is used all the same). A lock that cannot be had is the error.
    pub async fn renew_sign_in(&self, http: &Http, kept: &KeptSignIn) -> Result<SignInRenewal, Failure> {
        let Some(grant) = kept.credential.oauth_grant() else {
            return Ok(SignInRenewal::Refused(OAuthError::Proof("the kept sign-in is unusable".into())));
        };
        let _lock = self.refresh_lock().await?;
        let now = self.clock.unix_now();
        match idp::refresh(http, grant, now).await {
            Ok(tokens) => {
                let renewed = renewed(&kept.credential, tokens, now);
                if let Err(e) = save_to(&self.settings.store, kept.source, &renewed).await {
                    self.output.warn(&e.to_string());
                }
                Ok(SignInRenewal::Renewed(Box::new(renewed)))
            }
            Err(e) => Ok(SignInRenewal::Refused(e)),
        }
    }
}
