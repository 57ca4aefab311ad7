//! What the door finds without waiting on anything but the stores (a keyring call waits at most
//! its timeout): `AGENTVIEW_TOKEN`, the token kept for the client in the environment, or the
//! stored credential; and what must happen to it before it is handed out (nothing, a renewal,
//! or a new token for the client in the environment). The async door and the runtime-free one
//! (`token`'s way in) decide by this one function.

use super::rule::is_due;
use crate::error::{Exit, Failure};
use crate::login::oauth::shared::trust;
use crate::login::oauth::unattended::jwt;
use crate::output::Output;
use crate::settings::Settings;
use crate::settings::client::{ClientProof, EnvClient, Workload};
use crate::store::{self, ClientJwt, Credential, Flow, Source, StoreChoice, StoreConfig, StoreError};

/// A credential and where it came from.
#[derive(Debug)]
pub struct Found {
    pub credential: Credential,
    pub source: Source,
    /// "the Secret Service keyring", a file path, or "AGENTVIEW_TOKEN".
    pub location: String,
    /// Set when the client in the environment got it: the variables, for `status`.
    pub from_environment: Option<String>,
}

/// The result of a lookup: what was found, and stores that could not be read.
#[derive(Debug, Default)]
pub(super) struct Lookup {
    pub(super) found: Option<Found>,
    /// Stores that failed on read, with their real error (shown by `status` and `-v`).
    pub(super) errors: Vec<(String, StoreError)>,
    /// What the store that held the credential wants the user told (a keyring that forgets at
    /// reboot), or that the server's entry is a sign-in at an identity provider.
    pub(super) notes: Vec<String>,
}

/// What the door must do with what it found.
#[derive(Debug)]
pub(super) enum Looked {
    /// Hand it out, or say why not: nothing is due.
    Settled(Lookup),
    /// The client in the environment has no token kept that is not due: it gets one.
    EnvClient(EnvClient),
    /// The stored credential is due: it is renewed first.
    Due(Lookup),
}

/// Look: `AGENTVIEW_TOKEN`, which overrides every store; else, with a client in the environment,
/// the token kept for it while it is not due (a store it cannot be kept in is refused before
/// anything is sent); else the stored credential, due or not. Blocking: run it off an async
/// thread.
pub(super) fn look(settings: &Settings, now: u64) -> Result<Looked, Failure> {
    if let Some(found) = from_environment(settings, now) {
        return Ok(Looked::Settled(Lookup { found: Some(found), ..Lookup::default() }));
    }
    let lookup = look_in_stores(&settings.store, &settings.key());
    if let Some(client) = &settings.env_client {
        refuse_unreadable(settings, &lookup)?;
        let kept = lookup
            .found
            .as_ref()
            .is_some_and(|f| is_for(settings, &f.credential, client) && !is_due(&f.credential, now));
        return Ok(if kept {
            Looked::Settled(marked(lookup, Some(client.describe())))
        } else {
            Looked::EnvClient(client.clone())
        });
    }
    Ok(match &lookup.found {
        Some(found) if is_due(&found.credential, now) => Looked::Due(lookup),
        _ => Looked::Settled(lookup),
    })
}

/// Store read failures: shown with `-v`; fatal unless the store is merely
/// unavailable under `--store auto` (a headless machine without a keyring).
pub(super) fn report_read_errors(lookup: &Lookup, settings: &Settings, output: &Output) -> anyhow::Result<()> {
    for note in &lookup.notes {
        output.warn(note);
    }
    for (store, error) in &lookup.errors {
        let skippable = settings.store.choice == crate::store::StoreChoice::Auto
            && matches!(error, crate::store::StoreError::Unavailable { .. });
        if skippable {
            output.verbose(&format!("skipped {store}: {error}"));
        } else if lookup.found.is_none() {
            // The file was read (it is the store, or `auto` reads it after the keyring): fix it;
            // a keyring that failed may not be where the credential is.
            let hint = if store.ends_with(crate::store::file::FILE_NAME) {
                "fix what is named above, or remove the credentials file and log in again"
            } else {
                "if the credential is in the file store, pass --store file (or --store auto)"
            };
            return Err(Failure::new(Exit::Store, error.to_string()).with_hint(hint).into());
        } else {
            output.warn(&format!("could not read {store}: {error}"));
        }
    }
    Ok(())
}

/// `lookup` with its credential marked as the environment's client's (`how`), if it is.
pub(super) fn marked(mut lookup: Lookup, how: Option<String>) -> Lookup {
    if let Some(found) = lookup.found.as_mut()
        && how.is_some()
    {
        found.from_environment = how;
    }
    lookup
}

/// The credential the environment gives: `AGENTVIEW_TOKEN`, which overrides every store.
fn from_environment(settings: &Settings, now: u64) -> Option<Found> {
    let secret = settings.env_token.as_ref()?;
    let mut credential =
        Credential::bearer(settings.server.clone(), secret.clone(), now).for_account(settings.account.clone());
    // A JWT says until when it is good (`exp`): read for display and the live or expired verdict
    // only, never trusted for anything else (the signature is the server's to check).
    credential.expires_at = jwt::claims(secret.expose()).ok().and_then(|claims| jwt::date(&claims, "exp"));
    Some(Found { credential, source: Source::Env, location: "AGENTVIEW_TOKEN".into(), from_environment: None })
}

/// Look in the stores in order; the first that holds a credential under `key` (the server's
/// account) wins, and only
/// it has something to say (a keyring that forgets at reboot): a store that did not hold the
/// credential is no reader's concern. A sign-in at an identity provider, kept under the
/// provider's address, is no server's credential: it is said, not found.
pub(super) fn look_in_stores(config: &StoreConfig, key: &str) -> Lookup {
    let mut lookup = Lookup::default();
    for store in store::stores_for_read(config) {
        match store.load(key) {
            Ok(Some(credential)) if credential.is_sign_in() => {
                lookup.notes.push(format!(
                    "{} holds a sign-in at an identity provider (for `login --idp`), kept in {}: it is no credential \
                     for a server, and agentview does not hand it out",
                    crate::sanitize::line(key, 200),
                    store.describe()
                ));
            }
            Ok(Some(credential)) => {
                lookup.notes = store.notes();
                lookup.found = Some(Found {
                    credential,
                    source: store.source(),
                    location: store.describe(),
                    from_environment: None,
                });
                return lookup;
            }
            Ok(None) => {}
            Err(e) => lookup.errors.push((store.describe(), e)),
        }
    }
    lookup
}

/// A store that holds something it cannot read (a corrupt or refused credentials file) stops
/// the client in the environment before its grant runs: the token could not be kept, and
/// each call would ask again. Under `--store auto` a keyring that fails is no such store:
/// the token goes to the file then.
pub(super) fn refuse_unreadable(settings: &Settings, lookup: &Lookup) -> Result<(), Failure> {
    let Some((_, error)) = lookup.errors.iter().find(|(store, _)| {
        settings.store.choice != StoreChoice::Auto || store.ends_with(crate::store::file::FILE_NAME)
    }) else {
        return Ok(());
    };
    let hint = match settings.store.choice {
        StoreChoice::File => "nothing was sent; fix what is named above, or remove the credentials file".to_string(),
        _ => "nothing was sent; fix what is named above (the token of the client in the environment is kept there)"
            .to_string(),
    };
    Err(Failure::new(Exit::Store, format!("cannot keep a token for the client in the environment: {error}"))
        .with_hint(hint))
}

/// Whether `credential` is the token of `client`, got with the same grant and proof (a new
/// key, assertion or token file in the environment means a new token), from an
/// authorization server the pin (if any) names.
pub(super) fn is_for(settings: &Settings, credential: &Credential, client: &EnvClient) -> bool {
    let Some(grant) = credential.oauth_grant() else { return false };
    if settings.auth_server.as_deref().is_some_and(|pin| !trust::names(pin, &grant.issuer)) {
        return false;
    }
    let (client_id, proof) = match (client, &grant.flow) {
        (EnvClient::Client { client_id, proof }, Flow::ClientCredentials) => (client_id.as_str(), Some(proof)),
        (EnvClient::Workload(Workload { token_file, client_id, proof }), Flow::Workload { token_file: kept })
            if same_path(token_file, kept) =>
        {
            (client_id.as_deref().unwrap_or_default(), proof.as_ref())
        }
        _ => return false,
    };
    grant.client_id == client_id
        && match (proof, grant.client_auth.jwt()) {
            (None, None) => grant.client_secret.is_none(),
            // The cache keeps no secret; a login's record (or an older cache) holds the one
            // it was got with.
            (Some(ClientProof::Secret(secret)), None) => match &grant.client_secret {
                Some(kept) => kept == secret,
                None => grant.from_environment,
            },
            (Some(ClientProof::Key { path, key_id }), Some(ClientJwt::Key { path: kept, key_id: kept_id, .. })) => {
                same_path(path, kept) && key_id == kept_id
            }
            (Some(ClientProof::AssertionFile(path)), Some(ClientJwt::AssertionFile { path: kept, .. })) => {
                same_path(path, kept)
            }
            _ => false,
        }
}

/// Whether the path given in the environment is the one kept (absolute) with the credential.
fn same_path(given: &std::path::Path, kept: &std::path::Path) -> bool {
    std::path::absolute(given).is_ok_and(|g| g == kept)
}
