//! What a login knows of the server's other accounts: whether the person must be asked which
//! identity to sign in with (another account's may be the one signed in at the authorization
//! server), and whether the identity that came back is already another account's.

use crate::settings::Settings;
use crate::store::accounts::Accounts;
use crate::store::{self, AccountName, Credential, UserInfo};

/// Whether the server has an account other than the one logging in: in the index, or the
/// `default` account a store of the previous release holds.
pub async fn others(settings: &Settings) -> bool {
    let (config, server, account) =
        (settings.store.clone(), settings.server.as_str().to_owned(), settings.account.clone());
    tokio::task::spawn_blocking(move || {
        let index = Accounts::new(&config.config_dir, config.lock_wait).read().unwrap_or_default();
        index.accounts(&server).iter().any(|a| *a != account)
            || (!account.is_default()
                && store::stores_for_read(&config).iter().any(|s| matches!(s.load(&server), Ok(Some(_)))))
    })
    .await
    .unwrap_or(false)
}

/// The server's other accounts whose stored identity is the one `credential` names (the same
/// subject, else the same e-mail address).
pub async fn same_person(settings: &Settings, credential: &Credential) -> Vec<AccountName> {
    let Some(user) = credential.user.clone().filter(|u| u.id.is_some() || u.email.is_some()) else {
        return Vec::new();
    };
    let (config, server, account) =
        (settings.store.clone(), settings.server.as_str().to_owned(), settings.account.clone());
    tokio::task::spawn_blocking(move || {
        let index = Accounts::new(&config.config_dir, config.lock_wait).read().unwrap_or_default();
        let mut names = index.accounts(&server);
        if !names.iter().any(AccountName::is_default) {
            names.push(AccountName::default());
        }
        names
            .into_iter()
            .filter(|name| *name != account)
            .filter(|name| {
                let stored =
                    store::stores_for_read(&config).into_iter().find_map(|s| s.load(&name.key(&server)).ok().flatten());
                stored.and_then(|c| c.user).is_some_and(|other| same(&user, &other))
            })
            .collect()
    })
    .await
    .unwrap_or_default()
}

fn same(a: &UserInfo, b: &UserInfo) -> bool {
    match (&a.id, &b.id) {
        (Some(x), Some(y)) => x == y,
        _ => a.email.is_some() && a.email == b.email,
    }
}
