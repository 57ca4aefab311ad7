//! `agentview switch`: the server's accounts, as `gh auth switch` has them. `switch NAME` makes
//! NAME the active account (the one commands use without `--account`); `switch` lists the
//! accounts, the active one marked, with who each is where the store knows; `switch --server
//! URL` also remembers URL as the server of later commands without `--server`. Never a token.

use serde_json::{Value, json};

use crate::cli::SwitchArgs;
use crate::error::{Exit, Failure};
use crate::run::Run;
use crate::settings::{DEFAULT_SERVER, ServerFrom, Settings};
use crate::store::accounts::Accounts;
use crate::store::{self, AccountName, Credential, StoreConfig, StoreError, UserInfo};

/// One account of the server, as the stores hold it.
struct Listed {
    name: AccountName,
    /// `None` when no store holds its credential (removed meanwhile, or in a store not read).
    credential: Option<Credential>,
}

pub async fn run(args: &SwitchArgs, run: &Run) -> anyhow::Result<Exit> {
    let (settings, output) = (&run.settings, &run.output);
    let index = Accounts::new(&settings.store.config_dir, settings.store.lock_wait);
    if let Some(raw) = &args.name {
        let name = AccountName::parse(raw).map_err(Failure::usage)?;
        return make_active(&index, name, run).await;
    }
    if settings.server_from == ServerFrom::Flag {
        let server = settings.server.as_str().to_owned();
        let remembered = (server != DEFAULT_SERVER).then_some(server);
        let forget = remembered.is_none();
        index
            .update(|i| {
                let changed = i.default_server != remembered;
                i.default_server = remembered;
                (changed, ())
            })
            .map_err(store_failure)?;
        if forget {
            output.success(&format!("Commands without --server use {DEFAULT_SERVER} again."));
        } else {
            output.success(&format!(
                "Commands without --server (or AGENTVIEW_SERVER) use {} from now on.",
                settings.server
            ));
        }
    }
    let listed = listed(settings, &index).await?;
    let active = index.read().map_err(store_failure)?.active(settings.server.as_str());
    if args.json {
        let doc = json!({
            "server": settings.server,
            "active": active,
            "accounts": listed.iter().map(|l| account_json(l, &active)).collect::<Vec<_>>(),
        });
        crate::output::write_data(&format!("{doc}\n"))?;
    } else if listed.is_empty() {
        crate::output::write_data(&format!("No accounts at {}.\n", settings.server))?;
    } else {
        let mut text = format!("Accounts at {}:\n", settings.server);
        for account in &listed {
            text.push_str(&account_line(account, &active));
            text.push('\n');
        }
        crate::output::write_data(&text)?;
    }
    if listed.is_empty() {
        output.always(&format!("Run `{}` to log in.", settings.command("login")));
        // Remembering the server was what was asked; an empty list is no failure then.
        if settings.server_from != ServerFrom::Flag {
            return Ok(Exit::NotLoggedIn);
        }
    }
    Ok(Exit::Ok)
}

/// `switch NAME`: NAME must hold a credential (or be known to the index).
async fn make_active(index: &Accounts, name: AccountName, run: &Run) -> anyhow::Result<Exit> {
    let (settings, output) = (&run.settings, &run.output);
    let listed = listed(settings, index).await?;
    let Some(account) = listed.iter().find(|l| l.name == name) else {
        let names = listed.iter().map(|l| l.name.as_str()).collect::<Vec<_>>().join(", ");
        let known = if names.is_empty() { "it has none".to_owned() } else { format!("its accounts: {names}") };
        return Err(Failure::new(Exit::NotLoggedIn, format!("{} has no account {name} ({known})", settings.server))
            .with_hint(format!("log in to it first: {}", command_for_account(settings, &name, "login")))
            .into());
    };
    let server = settings.server.as_str().to_owned();
    let stored_default = listed.iter().any(|l| l.name.is_default() && l.credential.is_some());
    index
        .update(|i| {
            let before = i.clone();
            i.add(&server, &name, stored_default);
            if let Some(entry) = i.servers.get_mut(&server) {
                entry.active = Some(name.clone());
            }
            (*i != before, ())
        })
        .map_err(store_failure)?;
    let who = account.credential.as_ref().and_then(|c| c.user.as_ref()).and_then(UserInfo::describe);
    let who = who.map(|u| format!(" ({u})")).unwrap_or_default();
    output.success(&format!("{name}{who} is now the active account of {}.", settings.server));
    if let Some((pin, file)) = settings.file.as_ref().and_then(|f| f.account.as_ref().map(|pin| (pin, f)))
        && pin.value != name
    {
        output.warn(&format!(
            "{} pins the account {} for this server, and wins over switch: remove its `account` line to use {name}",
            file.at(pin.line),
            pin.value
        ));
    }
    Ok(Exit::Ok)
}

/// The server's accounts: those the index knows, and `default` when a store holds it (a
/// store of the previous release, which kept no index); each with its credential, read off the
/// async thread.
async fn listed(settings: &Settings, index: &Accounts) -> Result<Vec<Listed>, Failure> {
    let known = index.read().map_err(store_failure)?.accounts(settings.server.as_str());
    let (config, server) = (settings.store.clone(), settings.server.clone());
    tokio::task::spawn_blocking(move || {
        let mut names = known;
        if !names.iter().any(AccountName::is_default) {
            names.insert(0, AccountName::default());
        }
        names
            .into_iter()
            .map(|name| Listed { credential: stored(&config, &name.key(server.as_str())), name })
            .filter(|l| l.credential.is_some() || !l.name.is_default())
            .collect()
    })
    .await
    .map_err(|e| Failure::new(Exit::Store, format!("could not read the accounts: {e}")))
}

/// The credential stored under `key`, from the first store that holds it.
fn stored(config: &StoreConfig, key: &str) -> Option<Credential> {
    store::stores_for_read(config).into_iter().find_map(|store| store.load(key).ok().flatten())
}

fn account_line(account: &Listed, active: &AccountName) -> String {
    let about = match &account.credential {
        None => " (no credential stored: log in to it again)".to_owned(),
        Some(credential) => {
            let who = credential.user.as_ref().and_then(UserInfo::describe).map(|u| format!(" as {u}"));
            format!("{} ({})", who.unwrap_or_default(), credential.kind().as_str())
        }
    };
    let active = if account.name == *active { " (active)" } else { "" };
    format!("  {}{about}{active}", account.name)
}

fn account_json(account: &Listed, active: &AccountName) -> Value {
    let credential = account.credential.as_ref();
    json!({
        "name": account.name,
        "active": account.name == *active,
        "stored": credential.is_some(),
        "kind": credential.map(|c| c.kind().as_str()),
        "user": credential.and_then(|c| c.user.as_ref()).map(UserInfo::to_json).unwrap_or(Value::Null),
        "expires_at_unix": credential.and_then(|c| c.expires_at),
    })
}

/// `agentview … --account NAME <sub>` for the same server, store and config dir.
fn command_for_account(settings: &Settings, name: &AccountName, sub: &str) -> String {
    let account = crate::settings::invocation::shell_quote(name.as_str());
    settings.command_without_account(&format!("--account {account} {sub}"))
}

fn store_failure(e: StoreError) -> Failure {
    Failure::new(Exit::Store, format!("cannot use the index of accounts: {e}"))
        .with_hint("fix what is named above, or remove the file (the credentials stay; `switch` rebuilds it)")
}
