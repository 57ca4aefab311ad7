//! The one door to a usable credential: an OAuth access token that has expired, or will within
//! a minute, is renewed first. Single flight across processes: a lock, a second read of the
//! store, a refresh only if nobody else did one, and the rotated pair saved at once.

use std::fs::{File, OpenOptions};
use std::path::Path;
use std::time::{Duration, Instant};

use reqwest::Url;

use super::grant;
use super::http::Http;
use super::registration::Client;
use crate::clock::unix_now;
use crate::error::{Exit, Failure};
use crate::lookup::{self, Found, Lookup};
use crate::output::Output;
use crate::settings::Settings;
use crate::store::{self, Credential, CredentialKind, Source};

/// Renew a token this many seconds before it expires.
pub const SKEW_SECS: u64 = 60;
const LOCK_FILE: &str = "refresh.lock";

/// Whether `credential` should be renewed before use at `now`.
pub fn is_due(credential: &Credential, now: u64) -> bool {
    credential.kind == CredentialKind::OAuth
        && credential.oauth.as_ref().is_some_and(|g| g.refresh_token.is_some())
        && credential.expires_at.is_some_and(|at| at <= now.saturating_add(SKEW_SECS))
}

/// `AGENTVIEW_TOKEN` or the stored credential, renewed first when it is due.
pub async fn effective(settings: &Settings, output: &Output) -> anyhow::Result<Lookup> {
    let now = unix_now();
    let lookup = lookup::effective(settings, now);
    match &lookup.found {
        Some(found) if found.source != Source::Env && is_due(&found.credential, now) => {
            renew(settings, output, lookup).await
        }
        _ => Ok(lookup),
    }
}

/// Renew the found credential under the refresh lock.
pub async fn renew(settings: &Settings, output: &Output, seen: Lookup) -> anyhow::Result<Lookup> {
    renew_when(settings, output, seen, false).await
}

/// Renew the found credential under the refresh lock although it is not due yet: the server
/// refused it. Another process that renewed it meanwhile still wins.
pub async fn renew_rejected(settings: &Settings, output: &Output, seen: Lookup) -> anyhow::Result<Lookup> {
    renew_when(settings, output, seen, true).await
}

async fn renew_when(settings: &Settings, output: &Output, seen: Lookup, force: bool) -> anyhow::Result<Lookup> {
    let Some(found) = seen.found.as_ref() else { return Ok(seen) };
    let _lock = lock(&settings.store.config_dir, settings.request_timeout + Duration::from_secs(10), output).await?;
    // Another process may have renewed it while we waited for the lock.
    let again = lookup::stored(settings);
    let now = unix_now();
    let current = match again.found.as_ref() {
        Some(now_found) if now_found.credential.secret != found.credential.secret => {
            output.verbose("another agentview process renewed the token meanwhile");
            return Ok(again);
        }
        Some(now_found) if force || is_due(&now_found.credential, now) => now_found,
        _ => return Ok(again),
    };
    let Some(grant) = current.credential.oauth.clone() else { return Ok(again) };
    let Some(refresh_token) = grant.refresh_token.clone() else { return Ok(again) };
    let endpoint = Url::parse(&grant.token_endpoint)
        .map_err(|_| Failure::new(Exit::Store, "the stored credential's token endpoint is not a URL"))?;
    let http = Http::standalone(&user_agent(), settings.request_timeout, trace(output))
        .map_err(|e| e.into_failure("cannot renew the token"))?;
    output.verbose(&format!("renewing the access token at {}", grant.issuer));
    let result = grant::refresh(&http, &endpoint, &Client::of_grant(&grant), &refresh_token, &grant.resource).await;
    let tokens = match result {
        Ok(tokens) => tokens,
        Err(e) if e.is_invalid_grant() => {
            for store in store::stores_for_read(&settings.store).into_iter().filter(|s| s.source() == current.source) {
                let _ = store.delete(settings.server.as_str());
            }
            return Err(Failure::new(
                Exit::NotLoggedIn,
                format!("the authorization server no longer accepts the stored refresh token ({e}); the credential was removed"),
            )
            .with_hint(format!("log in again: {}", settings.command("login")))
            .into());
        }
        Err(e) if current.credential.is_live(now) => {
            output.warn(&format!("could not renew the access token ({e}); using the current one until it expires"));
            return Ok(again);
        }
        Err(e) => {
            return Err(e
                .into_failure("the access token expired and could not be renewed (the stored credential is kept)")
                .into());
        }
    };
    for warning in &tokens.warnings {
        output.warn(warning);
    }
    let mut renewed = current.credential.clone();
    renewed.secret = tokens.access_token;
    renewed.expires_at = tokens.expires_in.map(|s| now.saturating_add(s));
    renewed.created_at = now;
    if let Some(oauth) = renewed.oauth.as_mut() {
        // A response without a new refresh token keeps the old one.
        if tokens.refresh_token.is_some() {
            oauth.refresh_token = tokens.refresh_token;
        }
        if tokens.scope.is_some() {
            oauth.scope = tokens.scope;
        }
    }
    save(settings, current, &renewed).await?;
    let source = current.source;
    let location = current.location.clone();
    Ok(Lookup {
        found: Some(Found { credential: renewed, source, location }),
        errors: again.errors,
        notes: again.notes,
    })
}

async fn save(settings: &Settings, found: &Found, credential: &Credential) -> Result<(), Failure> {
    let Some(store) = store::stores_for_read(&settings.store).into_iter().find(|s| s.source() == found.source) else {
        return Err(Failure::new(Exit::Store, "the store the credential came from is not configured"));
    };
    let to_save = credential.clone();
    let saved = tokio::task::spawn_blocking(move || store.save(&to_save))
        .await
        .map_err(|e| Failure::new(Exit::Store, format!("saving the renewed token failed: {e}")))?;
    saved.map_err(|e| {
        Failure::new(Exit::Store, format!("the token was renewed but could not be stored: {e}"))
            .with_source(e)
            .with_hint("the old refresh token may no longer work; log in again: agentview login")
    })
}

/// The cross-process refresh lock in the config dir, waited for at most `wait`.
async fn lock(dir: &Path, wait: Duration, output: &Output) -> Result<Option<File>, Failure> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    let mut options = OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let file = match builder.create(dir).and_then(|()| options.open(dir.join(LOCK_FILE))) {
        Ok(file) => file,
        Err(e) => {
            output.verbose(&format!("renewing without the refresh lock: {e}"));
            return Ok(None);
        }
    };
    let deadline = Instant::now() + wait;
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(Some(file)),
            Err(std::fs::TryLockError::WouldBlock) if Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(Failure::new(
                    Exit::Store,
                    format!("another agentview process has been renewing the token for over {} s", wait.as_secs()),
                ));
            }
            Err(std::fs::TryLockError::Error(e)) => {
                output.verbose(&format!("renewing without the refresh lock: {e}"));
                return Ok(None);
            }
        }
    }
}

pub fn user_agent() -> String {
    format!("agentview/{}", env!("CARGO_PKG_VERSION"))
}

/// `-v` lines for the OAuth requests (URLs without queries, statuses; never bodies).
pub fn trace(output: &Output) -> Option<crate::mcp::transport::Trace> {
    output.is_verbose().then(|| {
        let output = *output;
        std::sync::Arc::new(move |line: &str| output.verbose(line)) as crate::mcp::transport::Trace
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::Secret;
    use crate::store::{ClientAuth, OAuthGrant};

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
                token_endpoint: "https://as.example/token".into(),
                revocation_endpoint: None,
                resource: "https://a.example/mcp".into(),
                scope: None,
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
}
