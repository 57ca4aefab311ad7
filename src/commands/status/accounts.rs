//! The accounts of the run's server, as the index of accounts has them: which one a status
//! shows, whether it is the active one, and the others.

use crate::settings::Settings;
use crate::store::AccountName;
use crate::store::accounts::Accounts as IndexFile;

/// The server's accounts as the index of accounts has them.
#[derive(Debug, Default)]
pub struct Accounts {
    pub active: AccountName,
    /// In name order; `default` included when the index knows it.
    pub names: Vec<AccountName>,
    /// Why the index could not be read.
    pub error: Option<String>,
}

/// The accounts of the run's server (a status shows which one it is, and whether it is active).
pub fn accounts_of(settings: &Settings) -> Accounts {
    match IndexFile::new(&settings.store.config_dir, settings.store.lock_wait).read() {
        Ok(index) => Accounts {
            active: index.active(settings.server.as_str()),
            names: index.accounts(settings.server.as_str()),
            error: None,
        },
        Err(e) => Accounts { error: Some(format!("cannot read the index of accounts: {e}")), ..Accounts::default() },
    }
}
