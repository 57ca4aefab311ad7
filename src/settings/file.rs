//! `config.toml` in the config dir: settings kept per server, one table per server URL, so a
//! pre-registered client, its redirect URI, scopes or a pin need not be typed at every login.
//!
//! ```toml
//! [servers."https://mcp.example.com/mcp"]
//! client_id = "agentview-desktop"
//! redirect_uri = "http://127.0.0.1:8765/callback"
//! scope = "mcp:read offline_access"
//! account = "work"
//! ```
//!
//! Read like every file of the config dir ([`crate::store::private`]): a link, a file of
//! another owner or one others can write is refused. An unknown key, a value of the wrong type,
//! or a secret is refused with the file, the line and the key named: a setting that silently
//! does nothing is worse than an error. No secret belongs here: a client secret is given once
//! at login and kept with the credential in the store.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Deserialize;
use toml::Spanned;

use crate::error::Failure;
use crate::server_url::ServerUrl;
use crate::settings::provider::{NAMES, Provider};
use crate::settings::resource::ResourceChoice;
use crate::store::AccountName;
use crate::store::private::{PrivateDir, PrivateError};

pub const FILE_NAME: &str = "config.toml";
/// A hand-written settings file is far smaller.
const MAX_FILE_SIZE: u64 = 256 * 1024;

/// The keys a server's table takes, in the order `config show` lists them.
pub const KEYS: [&str; 9] = [
    "client_id",
    "redirect_uri",
    "scope",
    "resource",
    "auth_server",
    "authorize_params",
    "provider",
    "account",
    "method",
];

/// A setting the file gives, with the line it is on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Kept<T> {
    pub value: T,
    pub line: usize,
}

/// The table of one server.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServerFile {
    /// The file, for messages and `config show`.
    pub path: PathBuf,
    pub client_id: Option<Kept<String>>,
    pub redirect_uri: Option<Kept<String>>,
    pub scope: Option<Kept<String>>,
    pub resource: Option<Kept<ResourceChoice>>,
    pub auth_server: Option<Kept<String>>,
    pub authorize_params: Option<Kept<Vec<(String, String)>>>,
    pub provider: Option<Kept<Provider>>,
    pub account: Option<Kept<AccountName>>,
    pub method: Option<Kept<String>>,
}

impl ServerFile {
    /// "config.toml line N", for where a setting came from.
    pub fn at(&self, line: usize) -> String {
        format!("{} line {line}", self.path.display())
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Document {
    #[serde(default)]
    servers: BTreeMap<Spanned<String>, Table>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Table {
    client_id: Option<Spanned<String>>,
    redirect_uri: Option<Spanned<String>>,
    scope: Option<Spanned<String>>,
    resource: Option<Spanned<String>>,
    auth_server: Option<Spanned<String>>,
    authorize_params: Option<Spanned<BTreeMap<String, String>>>,
    provider: Option<Spanned<String>>,
    account: Option<Spanned<String>>,
    method: Option<Spanned<String>>,
    /// Named so that it is refused with a hint, not as any unknown key.
    client_secret: Option<Spanned<toml::Value>>,
}

/// The table of `server` in `config.toml`, `None` when there is no file or no table for it.
pub fn read(config_dir: &std::path::Path, server: &ServerUrl) -> Result<Option<ServerFile>, Failure> {
    let dir = PrivateDir::new(config_dir);
    let path = dir.file(FILE_NAME);
    // No file: nothing to refuse, whatever the config dir is like.
    if std::fs::symlink_metadata(&path).is_err_and(|e| e.kind() == std::io::ErrorKind::NotFound) {
        return Ok(None);
    }
    let contents = match dir.read(FILE_NAME, MAX_FILE_SIZE) {
        Ok(Some(contents)) => contents,
        Ok(None) => return Ok(None),
        Err(PrivateError::Refused(why)) => return Err(refused(why)),
        Err(e) => return Err(refused(format!("cannot read {}: {e}", path.display()))),
    };
    let text =
        String::from_utf8(contents.bytes).map_err(|_| refused(format!("{} is not UTF-8 text", path.display())))?;
    parse(&text, path, server)
}

/// The table of `server` in `text` (the contents of `path`).
pub fn parse(text: &str, path: PathBuf, server: &ServerUrl) -> Result<Option<ServerFile>, Failure> {
    let at = |span: std::ops::Range<usize>| line_of(text, span.start);
    let bad = |line: usize, what: String| refused(format!("{} line {line}: {what}", path.display()));
    let doc: Document = toml::from_str(text).map_err(|e| {
        let line = e.span().map_or(1, at);
        let key = key_on_line(text, line).map(|k| format!("`{k}`: ")).unwrap_or_default();
        // `client_secret` is named only to be refused with its own hint: it is no key to offer.
        bad(line, format!("{key}{}", e.message().trim().replace(", `client_secret`", "")))
    })?;
    let mut found = None;
    for (url, table) in doc.servers {
        let parsed = ServerUrl::parse(url.get_ref()).map_err(|e| {
            bad(at(url.span()), format!("[servers.\"{}\"] is no server URL: {}", url.get_ref(), e.message))
        })?;
        if parsed != *server {
            continue;
        }
        if found.is_some() {
            return Err(bad(at(url.span()), format!("a second table for {server}")));
        }
        found = Some(table);
    }
    let Some(table) = found else { return Ok(None) };
    if let Some(secret) = table.client_secret {
        return Err(bad(at(secret.span()), "`client_secret`: no secret belongs in config.toml".into()).with_hint(
            "give it once at login (--client-secret-stdin or AGENTVIEW_CLIENT_SECRET): it is kept with the credential in \
             the store, where refreshes find it",
        ));
    }
    let kept = |value: Spanned<String>| Kept { line: at(value.span()), value: value.into_inner() };
    let mut file = ServerFile { path: path.clone(), ..ServerFile::default() };
    file.client_id = table.client_id.map(kept);
    file.redirect_uri = table.redirect_uri.map(kept);
    file.scope = table.scope.map(kept);
    file.auth_server = table.auth_server.map(kept);
    file.resource = match table.resource.map(kept) {
        None => None,
        Some(Kept { value, line }) => Some(Kept {
            value: ResourceChoice::parse(&value).map_err(|why| bad(line, format!("`resource`: {why}")))?,
            line,
        }),
    };
    file.authorize_params = table
        .authorize_params
        .map(|params| Kept { line: at(params.span()), value: params.into_inner().into_iter().collect() });
    if let Some(Kept { value, line }) = &file.authorize_params
        && let Some((key, _)) = value.iter().find(|(key, _)| RESERVED.contains(&key.as_str()))
    {
        return Err(bad(
            *line,
            format!("`authorize_params`: `{key}` is one agentview sets itself; it cannot be replaced"),
        ));
    }
    file.provider = match table.provider.map(kept) {
        None => None,
        Some(Kept { value, line }) => Some(Kept {
            value: Provider::parse(&value).ok_or_else(|| {
                let names = NAMES.iter().map(|(name, _)| *name).collect::<Vec<_>>().join(", ");
                bad(line, format!("`provider`: \"{value}\" is not one of {names}"))
            })?,
            line,
        }),
    };
    file.method = table.method.map(kept);
    if let Some(Kept { value, line }) = &file.method
        && !["auto", "oauth", "device", "session"].contains(&value.as_str())
    {
        return Err(bad(*line, format!("`method`: \"{value}\" is not one of auto, oauth, device, session")));
    }
    file.account = match table.account.map(kept) {
        None => None,
        Some(Kept { value, line }) => {
            Some(Kept { value: AccountName::parse(&value).map_err(|e| bad(line, format!("`account`: {e}")))?, line })
        }
    };
    Ok(Some(file))
}

/// Authorization request parameters agentview sets, which a file must not replace: they carry
/// the login's proofs (state, PKCE) and where the code goes.
const RESERVED: [&str; 8] = [
    "response_type",
    "client_id",
    "redirect_uri",
    "state",
    "code_challenge",
    "code_challenge_method",
    "scope",
    "resource",
];

fn refused(message: String) -> Failure {
    Failure::usage(message).with_hint(format!(
        "fix the file (its keys: {}), or move it away; flags and environment variables need no file",
        KEYS.join(", ")
    ))
}

/// The 1-based line of byte `offset` in `text`.
fn line_of(text: &str, offset: usize) -> usize {
    text.get(..offset).map_or(1, |before| before.matches('\n').count() + 1)
}

/// The key written at the start of `line`, if it is a `key = value` line.
fn key_on_line(text: &str, line: usize) -> Option<String> {
    let (key, _) = text.lines().nth(line.checked_sub(1)?)?.split_once('=')?;
    let key = key.trim().trim_matches('"');
    (!key.is_empty() && key.len() <= 64 && !key.contains(char::is_whitespace)).then(|| key.to_owned())
}

#[cfg(test)]
#[path = "file_tests.rs"]
mod tests;
