//! Device logins started with `--no-wait`, waiting for `--resume`: kept in
//! `<config dir>/device-logins.json` (0600, a private file of the config dir like the credential
//! file) under a random handle. The handle is all a command line or an agent's output carries: the
//! device code, which would get the token to whoever polls with it, stays in the file, and the
//! entry goes when the login ends.

use std::collections::BTreeMap;
use std::path::Path;

use reqwest::Url;
use serde::{Deserialize, Serialize};

use crate::error::Failure;
use crate::login::oauth::browser::pkce::random_token;
use crate::login::oauth::device::DeviceCode;
use crate::login::oauth::shared::discovery::AuthServer;
use crate::login::oauth::shared::registration::{Client, ClientChoice};
use crate::secret::{Secret, check_token_shape};
use crate::store::ClientAuth;
use crate::store::private::{PrivateDir, PrivateError};

/// Larger than any set of waiting logins; a bigger file is not ours.
const MAX_FILE: u64 = 256 * 1024;
/// Logins kept at most (the oldest go first): a program that starts logins and never resumes
/// them cannot grow the file.
const MAX_LOGINS: usize = 32;

/// One waiting device login: what its polls send, and what its credential records.
#[derive(Serialize, Deserialize, Clone)]
pub struct PendingLogin {
    pub server: String,
    pub issuer: String,
    token_endpoint: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    revocation_endpoint: Option<String>,
    /// The `resource` the requests carry; none where the login sent none (Entra ID).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    client_id: String,
    client_auth: ClientAuth,
    /// A registration's secret, kept where plaintext secrets are allowed (`--store file`);
    /// otherwise the resume is given it again, as the login was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    client_secret: Option<String>,
    device_code: String,
    pub user_code: String,
    /// Unix seconds when the code expires.
    pub expires_at: u64,
    /// Seconds between polls.
    pub interval: u64,
}

/// No `Debug` with secrets: the device code and a client secret are left out.
impl std::fmt::Debug for PendingLogin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PendingLogin")
            .field("server", &self.server)
            .field("issuer", &self.issuer)
            .field("client_id", &self.client_id)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

/// What a kept login's text turns into, checked.
#[derive(Debug)]
pub struct Parts {
    pub token_endpoint: Url,
    pub revocation_endpoint: Option<Url>,
    pub device_code: Secret,
    client_id: String,
    client_auth: ClientAuth,
    client_secret: Option<Secret>,
}

impl PendingLogin {
    /// A login to keep until `expires_at`. A client secret is kept only where the settings
    /// allow plaintext secrets.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        server: &str,
        auth: &AuthServer,
        client: &Client,
        resource: Option<&str>,
        scope: Option<&str>,
        code: &DeviceCode,
        expires_at: u64,
        keep_secret: bool,
    ) -> PendingLogin {
        PendingLogin {
            server: server.to_string(),
            issuer: auth.issuer.clone(),
            token_endpoint: auth.token_endpoint.to_string(),
            revocation_endpoint: auth.revocation_endpoint.as_ref().map(Url::to_string),
            resource: resource.map(str::to_string),
            scope: scope.map(str::to_string),
            client_id: client.client_id.clone(),
            client_auth: client.auth,
            client_secret: client.client_secret.as_ref().filter(|_| keep_secret).map(|s| s.expose().to_string()),
            device_code: code.device_code.expose().to_string(),
            user_code: code.user_code.clone(),
            expires_at,
            interval: code.interval.as_secs(),
        }
    }

    /// The kept text, checked as a stored credential is: URLs that are http(s), secrets that
    /// could be sent as they are.
    pub fn parts(&self) -> Result<Parts, String> {
        let endpoint = |url: &str, what: &str| -> Result<Url, String> {
            let parsed = Url::parse(url).map_err(|_| format!("its {what} is not a URL"))?;
            if !matches!(parsed.scheme(), "https" | "http") {
                return Err(format!("its {what} is not an http(s) URL"));
            }
            Ok(parsed)
        };
        let secret = |value: &str, what: &str| -> Result<Secret, String> {
            check_token_shape(value).map_err(|e| format!("its {what}: {e}"))?;
            Ok(Secret::new(value))
        };
        Ok(Parts {
            token_endpoint: endpoint(&self.token_endpoint, "token endpoint")?,
            revocation_endpoint: self
                .revocation_endpoint
                .as_deref()
                .map(|url| endpoint(url, "revocation endpoint"))
                .transpose()?,
            device_code: secret(&self.device_code, "device code")?,
            client_id: self.client_id.clone(),
            client_auth: self.client_auth,
            client_secret: self.client_secret.as_deref().map(|s| secret(s, "client secret")).transpose()?,
        })
    }
}

impl Parts {
    /// The client the codes were issued to. Its secret, if it has one that was not kept, comes
    /// from the resume's own `--client-id` (with `AGENTVIEW_CLIENT_SECRET` or stdin).
    pub fn client(&self, given: &ClientChoice) -> Result<Client, Failure> {
        let given = match given {
            ClientChoice::PreRegistered { client_id, client_secret } if client_id == &self.client_id => {
                client_secret.clone()
            }
            _ => None,
        };
        let client_secret = self.client_secret.clone().or(given);
        if self.client_auth != ClientAuth::None && client_secret.is_none() {
            return Err(Failure::usage(format!(
                "this device login's client \"{}\" needs its secret to finish",
                crate::sanitize::line(&self.client_id, 200)
            ))
            .with_hint(format!(
                "resume with --client-id {} and the secret in AGENTVIEW_CLIENT_SECRET (or --client-secret-stdin)",
                crate::settings::invocation::shell_quote(&self.client_id)
            )));
        }
        Ok(Client { client_id: self.client_id.clone(), client_secret, auth: self.client_auth, redirect_uri: None })
    }
}

#[derive(Serialize, Deserialize, Default)]
struct PendingFile {
    #[serde(default)]
    logins: BTreeMap<String, PendingLogin>,
}

/// The device logins waiting in a config dir.
#[derive(Debug, Clone)]
pub struct PendingLogins {
    dir: PrivateDir,
}

impl PendingLogins {
    pub const FILE_NAME: &'static str = "device-logins.json";

    pub fn new(config_dir: &Path) -> PendingLogins {
        PendingLogins { dir: PrivateDir::new(config_dir) }
    }

    /// What the file holds; anything odd about it (a file others can read included) counts as
    /// nothing waiting: a resume then says so, and a new login starts afresh.
    fn read(&self) -> PendingFile {
        match self.dir.read(Self::FILE_NAME, MAX_FILE) {
            Ok(Some(contents)) if contents.loose_mode.is_none() => {
                serde_json::from_slice(&contents.bytes).unwrap_or_default()
            }
            _ => PendingFile::default(),
        }
    }

    fn write(&self, file: &PendingFile) -> Result<(), PrivateError> {
        if file.logins.is_empty() {
            return match std::fs::remove_file(self.dir.file(Self::FILE_NAME)) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                    Err(PrivateError::Io { what: "cannot remove".into(), source: e })
                }
                _ => Ok(()),
            };
        }
        let bytes = serde_json::to_vec_pretty(file)
            .map_err(|e| PrivateError::Io { what: "cannot encode".into(), source: std::io::Error::other(e) })?;
        self.dir.remove_stale_temps(Self::FILE_NAME);
        self.dir.write(Self::FILE_NAME, &bytes)
    }

    /// Keep `login` (dropping those that expired by `now`, when it started); its handle.
    pub fn add(&self, login: PendingLogin, now: u64) -> Result<String, PrivateError> {
        let handle = random_token(16).map_err(|e| PrivateError::Io {
            what: "no randomness for a handle".into(),
            source: std::io::Error::other(e.to_string()),
        })?;
        let mut file = self.read();
        file.logins.retain(|_, kept| kept.expires_at > now);
        while file.logins.len() >= MAX_LOGINS {
            let oldest = file.logins.iter().min_by_key(|(_, kept)| kept.expires_at).map(|(h, _)| h.clone());
            match oldest {
                Some(h) => file.logins.remove(&h),
                None => break,
            };
        }
        file.logins.insert(handle.clone(), login);
        self.write(&file)?;
        Ok(handle)
    }

    /// The login `handle` names, if it waits here for `server`.
    pub fn get(&self, handle: &str, server: &str) -> Option<PendingLogin> {
        self.read().logins.remove(handle).filter(|kept| kept.server == server)
    }

    /// Whether `handle` names a device login waiting here for `server`.
    pub fn has(&self, handle: &str, server: &str) -> bool {
        self.get(handle, server).is_some()
    }

    /// Forget the login `handle` names.
    pub fn remove(&self, handle: &str) -> Result<(), PrivateError> {
        let mut file = self.read();
        if file.logins.remove(handle).is_some() { self.write(&file) } else { Ok(()) }
    }
}

#[cfg(test)]
#[path = "pending_tests.rs"]
mod tests;
