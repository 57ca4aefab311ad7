//! The index of accounts: `<config-dir>/accounts.json`, which accounts each server has and
//! which one is active, and the server remembered as the default (`switch --server`). The
//! keyring cannot list its entries, so this file is how `switch` and `status --all` know them.
//! A private file like every file of the config dir ([`super::private`]); changed under its own
//! lock, replaced atomically.
//!
//! Layout: `{"version": 1, "default_server": "<url>", "servers": {"<url>": {"active": "<name>",
//! "accounts": ["<name>", …]}}}`. A server that is missing has at most its `default` account
//! (the one a store of the previous release holds), active.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::account::AccountName;
use super::private::{LockError, PrivateDir, PrivateError};
use super::record::describe_json_error;
use super::{StoreConfig, StoreError};
use crate::clock::{Clock, RealClock};

pub const FILE_NAME: &str = "accounts.json";
const LOCK_NAME: &str = "accounts.json.lock";
const FORMAT_VERSION: u32 = 1;
/// Fifty accounts on each of a hundred servers take a fraction of this.
const MAX_FILE_SIZE: u64 = 1024 * 1024;

/// What the index knows.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Index {
    version: u32,
    /// The server commands use when neither `--server` nor `AGENTVIEW_SERVER` names one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_server: Option<String>,
    #[serde(default)]
    pub servers: BTreeMap<String, ServerAccounts>,
}

/// One server's accounts.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerAccounts {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active: Option<AccountName>,
    #[serde(default)]
    pub accounts: BTreeSet<AccountName>,
}

impl<'de> Deserialize<'de> for AccountName {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(deserializer)?;
        AccountName::parse(&raw).map_err(serde::de::Error::custom)
    }
}

impl Index {
    /// The server's active account: the one `switch` chose, else the first logged in, else
    /// `default`.
    pub fn active(&self, server: &str) -> AccountName {
        self.servers.get(server).and_then(|s| s.active.clone()).unwrap_or_default()
    }

    /// The server's accounts the index knows, in name order.
    pub fn accounts(&self, server: &str) -> Vec<AccountName> {
        self.servers.get(server).map(|s| s.accounts.iter().cloned().collect()).unwrap_or_default()
    }

    /// Note a login to `account`. The first account of a server becomes its active one; when
    /// the server's `default` account was stored before the index knew it (a store of the
    /// previous release), it is `default_stored` and stays active.
    pub fn add(&mut self, server: &str, account: &AccountName, default_stored: bool) {
        let entry = self.servers.entry(server.to_owned()).or_default();
        if default_stored && entry.accounts.is_empty() {
            entry.accounts.insert(AccountName::default());
        }
        entry.accounts.insert(account.clone());
        if entry.active.is_none() {
            entry.active = Some(if default_stored { AccountName::default() } else { account.clone() });
        }
    }

    /// Forget `account` of `server`; the account that is active afterwards, if another became
    /// active because this one was.
    pub fn remove(&mut self, server: &str, account: &AccountName) -> Option<AccountName> {
        let entry = self.servers.get_mut(server)?;
        entry.accounts.remove(account);
        let was_active = entry.active.as_ref() == Some(account);
        if entry.accounts.is_empty() {
            self.servers.remove(server);
            return None;
        }
        if was_active {
            entry.active = entry.accounts.iter().next().cloned();
            return entry.active.clone();
        }
        None
    }
}

/// The index file of one config dir.
#[derive(Debug)]
pub struct Accounts {
    dir: PrivateDir,
    lock_wait: Duration,
    clock: Arc<dyn Clock>,
}

impl Accounts {
    pub fn new(config_dir: impl Into<PathBuf>, lock_wait: Duration) -> Accounts {
        Accounts { dir: PrivateDir::new(config_dir), lock_wait, clock: Arc::new(RealClock) }
    }

    pub fn path(&self) -> PathBuf {
        self.dir.file(FILE_NAME)
    }

    fn error(&self, reason: String) -> StoreError {
        StoreError::Other { store: self.path().display().to_string(), reason }
    }

    fn private(&self, error: PrivateError) -> StoreError {
        match error {
            PrivateError::Io { what, source } => {
                StoreError::Io { store: self.path().display().to_string(), what, source }
            }
            other => self.error(other.to_string()),
        }
    }

    /// The index; an empty one when there is no file yet. A file that cannot be read is refused
    /// (and never overwritten).
    pub fn read(&self) -> Result<Index, StoreError> {
        // No file, nothing to trust or refuse: the config dir is checked when there is one to
        // read (a command that needs no index must not fail on a config dir it never uses).
        if std::fs::symlink_metadata(self.path()).is_err_and(|e| e.kind() == std::io::ErrorKind::NotFound) {
            return Ok(Index { version: FORMAT_VERSION, ..Index::default() });
        }
        let contents = match self.dir.read(FILE_NAME, MAX_FILE_SIZE) {
            Ok(Some(contents)) => contents,
            Ok(None) => return Ok(Index { version: FORMAT_VERSION, ..Index::default() }),
            Err(e) => return Err(self.private(e)),
        };
        let refuse =
            |reason: String| self.error(format!("{reason}; agentview will not overwrite it: fix or remove the file"));
        let index: Index = serde_json::from_slice(&contents.bytes).map_err(|e| refuse(describe_json_error(&e)))?;
        if index.version != FORMAT_VERSION {
            return Err(refuse(format!(
                "format version {} is not one this agentview knows ({FORMAT_VERSION})",
                index.version
            )));
        }
        Ok(index)
    }

    /// Change the index under its lock; written when `change` returns true.
    pub fn update<T>(&self, change: impl FnOnce(&mut Index) -> (bool, T)) -> Result<T, StoreError> {
        self.dir.ensure().map_err(|e| self.private(e))?;
        let lock = self.dir.lock_file(LOCK_NAME).map_err(|e| self.private(e))?;
        let _locked = lock.lock_blocking(&*self.clock, self.lock_wait).map_err(|e| match e {
            LockError::Busy { .. } => self.error(e.to_string()),
            LockError::Io { source, .. } => {
                StoreError::Io { store: self.path().display().to_string(), what: "cannot lock".into(), source }
            }
        })?;
        self.dir.remove_stale_temps(FILE_NAME);
        let mut index = self.read()?;
        let (write, out) = change(&mut index);
        if write {
            let mut text = serde_json::to_vec_pretty(&index).map_err(|e| self.error(e.to_string()))?;
            text.push(b'\n');
            self.dir.write(FILE_NAME, &text).map_err(|e| self.private(e))?;
        }
        Ok(out)
    }
}

/// Note in the index that `account` of `server` holds a credential now (after it was stored).
/// The first account a server gets in the index keeps a `default` account stored before (by
/// the previous release, or before the index knew it) active. What the server's active
/// account is afterwards.
pub fn note_login(config: &StoreConfig, server: &str, account: &AccountName) -> Result<AccountName, StoreError> {
    let accounts = Accounts::new(&config.config_dir, config.lock_wait);
    let index = accounts.read()?;
    // A server with only its default account needs no index: nothing is written for it, so a
    // person with one account per server keeps the config dir the previous release kept.
    if account.is_default() && !index.servers.contains_key(server) {
        return Ok(AccountName::default());
    }
    let known = index.servers.get(server).is_some_and(|s| s.accounts.contains(account));
    let default_stored = !account.is_default()
        && !index.servers.contains_key(server)
        && super::stores_for_read(config).iter().any(|store| matches!(store.load(server), Ok(Some(_))));
    accounts.update(|index| {
        let before = index.clone();
        index.add(server, account, default_stored);
        (!known || *index != before, index.active(server))
    })
}

/// Forget `account` of `server` in the index (its credential is gone). The account that is
/// active now, when it became active because the removed one was.
pub fn note_logout(
    config: &StoreConfig,
    server: &str,
    account: &AccountName,
) -> Result<Option<AccountName>, StoreError> {
    let accounts = Accounts::new(&config.config_dir, config.lock_wait);
    if !accounts.read()?.servers.contains_key(server) {
        return Ok(None);
    }
    accounts.update(|index| (true, index.remove(server, account)))
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    fn name(raw: &str) -> AccountName {
        AccountName::parse(raw).expect("a name")
    }

    const SERVER: &str = "https://mcp.example.com/mcp";

    #[test]
    fn the_first_account_is_active_unless_an_older_default_is_stored() {
        let mut index = Index::default();
        assert_eq!(index.active(SERVER), AccountName::default());
        index.add(SERVER, &name("work"), false);
        index.add(SERVER, &name("home"), false);
        assert_eq!(index.active(SERVER), name("work"));
        assert_eq!(index.accounts(SERVER), [name("home"), name("work")]);

        let mut upgraded = Index::default();
        upgraded.add(SERVER, &name("work"), true);
        assert_eq!(upgraded.active(SERVER), AccountName::default());
        assert_eq!(upgraded.accounts(SERVER), [name("default"), name("work")]);
    }

    #[test]
    fn removing_the_active_account_makes_the_next_one_active() {
        let mut index = Index::default();
        for account in ["work", "home", "bot"] {
            index.add(SERVER, &name(account), false);
        }
        assert_eq!(index.remove(SERVER, &name("home")), None);
        assert_eq!(index.remove(SERVER, &name("work")), Some(name("bot")));
        assert_eq!(index.active(SERVER), name("bot"));
        assert_eq!(index.remove(SERVER, &name("bot")), None);
        assert!(index.servers.is_empty());
    }

    #[test]
    fn the_file_round_trips_and_a_bad_one_is_refused_untouched() {
        let dir = tempfile::tempdir().expect("a dir");
        let accounts = Accounts::new(dir.path().join("cfg"), Duration::from_secs(1));
        accounts.update(|index| (true, index.add(SERVER, &name("work"), false))).expect("written");
        assert_eq!(accounts.read().expect("read").active(SERVER), name("work"));
        let path = accounts.path();
        for bad in [
            r#"{"version": 2, "servers": {}}"#,
            r#"{"version": 1, "servers": {"x": {"accounts": ["a b"]}}}"#,
            "not json",
        ] {
            std::fs::write(&path, bad).expect("written");
            let error = accounts.update(|_| (true, ())).expect_err("refused").to_string();
            assert!(error.contains("will not overwrite"), "{error}");
            assert_eq!(std::fs::read_to_string(&path).expect("read"), bad);
        }
    }
}
