//! `status --all`, and what `status` says when this server has no credential: the servers
//! that have one, and the command that uses it; sign-ins at identity providers apart from
//! them. Never a token.

use serde_json::{Value, json};

use super::report::Report;
use crate::clock::iso8601;
use crate::credential::LoginHint;
use crate::error::Exit;
use crate::run::Run;
use crate::settings::Settings;
use crate::store::accounts::{Accounts as IndexFile, Index};
use crate::store::file::{Entry, Listing};
use crate::store::{CredentialStore, FileStore, KeyringStore, StoreChoice, UserInfo};

/// The credential file (unless `--store keyring`), and what the keyring cannot show: the OS
/// keyrings agentview uses cannot be enumerated through one portable interface, so a keyring
/// is only asked about the current server.
fn list(settings: &Settings) -> (Listing, Option<&'static str>, Index) {
    let store = FileStore::new(&settings.store.config_dir);
    let keyring_note = (settings.store.choice != StoreChoice::File).then_some(
        "the OS keyring cannot be listed: it is asked only for the accounts the index of accounts names (those \
         logged in to by this release)",
    );
    let mut listing = if settings.store.choice == StoreChoice::Keyring {
        Listing { file: store.path().display().to_string(), ..Listing::default() }
    } else {
        store.list()
    };
    let index = match IndexFile::new(&settings.store.config_dir, settings.store.lock_wait).read() {
        Ok(index) => index,
        Err(e) => {
            listing.problems.push(format!("cannot read the index of accounts: {e}"));
            Index::default()
        }
    };
    if settings.store.choice != StoreChoice::File {
        let keyring = KeyringStore::new(settings.store.backend, settings.store.keyring_timeout);
        for (server, accounts) in &index.servers {
            for account in &accounts.accounts {
                if listing.entries.iter().any(|e| e.server == *server && e.account == *account) {
                    continue;
                }
                match keyring.load(&account.key(server)) {
                    Ok(Some(c)) => listing.entries.push(Entry {
                        server: server.clone(),
                        account: account.clone(),
                        sign_in: c.is_sign_in(),
                        kind: c.kind(),
                        expires_at: c.expires_at,
                        user: c.user,
                        created_at: c.created_at,
                    }),
                    Ok(None) => {}
                    Err(e) => listing.problems.push(e.to_string()),
                }
            }
        }
        listing.entries.sort_by(|a, b| (&a.server, &a.account).cmp(&(&b.server, &b.account)));
    }
    (listing, keyring_note, index)
}

fn entry_json(entry: &Entry, now: u64, settings: &Settings, index: &Index) -> Value {
    json!({
        "server": entry.server,
        "account": entry.account,
        "active": index.active(&entry.server) == entry.account,
        "kind": entry.kind.as_str(),
        "expires_at": entry.expires_at.map(iso8601),
        "expires_at_unix": entry.expires_at,
        "expired": !entry.is_live(now),
        "user": entry.user.as_ref().map(UserInfo::to_json).unwrap_or(Value::Null),
        "status_command": status_command(entry, settings),
    })
}

/// The `status` of an entry's server and account.
fn status_command(entry: &Entry, settings: &Settings) -> String {
    let sub =
        if entry.account.is_default() { "status".to_owned() } else { format!("--account {} status", entry.account) };
    settings.command_for(&entry.server, &sub)
}

fn entry_line(entry: &Entry, now: u64, index: &Index) -> String {
    let server = crate::sanitize::line(&entry.server, 200);
    let named = index.accounts(&entry.server).iter().any(|a| !a.is_default()) || !entry.account.is_default();
    let active = index.active(&entry.server) == entry.account;
    let server = match (named, active) {
        (false, _) => server,
        (true, true) => format!("{server} [{} (active)]", entry.account),
        (true, false) => format!("{server} [{}]", entry.account),
    };
    let who = entry.user.as_ref().and_then(UserInfo::describe).map(|u| format!(" as {u}")).unwrap_or_default();
    let until = match entry.expires_at {
        Some(at) if at > now => format!(", until {}", iso8601(at)),
        Some(at) => format!(", EXPIRED {}", iso8601(at)),
        None => String::new(),
    };
    format!("  {server}{who} ({}{until})", entry.kind.as_str())
}

/// A sign-in at an identity provider, for `status --all --json`: no token, and how to end it.
fn sign_in_json(entry: &Entry, now: u64, settings: &Settings) -> Value {
    json!({
        "issuer": entry.server,
        "expires_at": entry.expires_at.map(iso8601),
        "expires_at_unix": entry.expires_at,
        "expired": !entry.is_live(now),
        "logout_command": settings.command_for(&entry.server, "logout"),
    })
}

/// `status --all`: every stored server credential the stores can list, and apart from them the
/// sign-ins at identity providers (`login --idp`), which are no server's.
pub fn all(as_json: bool, run: &Run) -> anyhow::Result<Exit> {
    let (settings, output, now) = (&run.settings, &run.output, run.clock.unix_now());
    let (listing, keyring_note, index) = list(settings);
    let (sign_ins, servers): (Vec<&Entry>, Vec<&Entry>) = listing.entries.iter().partition(|e| e.sign_in);
    if as_json {
        let doc = json!({
            "credentials": servers.iter().map(|e| entry_json(e, now, settings, &index)).collect::<Vec<_>>(),
            "identity_provider_sign_ins": sign_ins.iter().map(|e| sign_in_json(e, now, settings)).collect::<Vec<_>>(),
            "file": listing.file,
            "keyring_listed": false,
            "notes": keyring_note.iter().map(|n| n.to_string()).chain(listing.problems.iter().cloned()).collect::<Vec<_>>(),
        });
        crate::output::write_data(&format!("{doc}\n"))?;
    } else {
        let mut report = Report::default();
        if servers.is_empty() {
            report.line(&format!("No credentials in {}.", listing.file));
        } else {
            report.line(&format!("Credentials in {}:", listing.file));
            for entry in &servers {
                report.line(&entry_line(entry, now, &index));
            }
        }
        if !sign_ins.is_empty() {
            report.line("Sign-ins at identity providers (for login --idp; no server's credential):");
            for entry in &sign_ins {
                let until = match entry.expires_at {
                    Some(at) if at > now => format!(" (ID token until {})", iso8601(at)),
                    Some(at) => format!(" (ID token EXPIRED {}; renewed at the next login --idp)", iso8601(at)),
                    None => String::new(),
                };
                report.line(&format!("  {}{until}", crate::sanitize::line(&entry.server, 200)));
            }
        }
        if let Some(note) = keyring_note {
            report.line(&format!("  note: {note}"));
        }
        report.write()?;
        for problem in &listing.problems {
            output.always(&format!("  note: {problem}"));
        }
    }
    Ok(if servers.is_empty() { Exit::NotLoggedIn } else { Exit::Ok })
}

/// `status` without a credential for this server.
pub fn not_logged_in(as_json: bool, store_errors: &[String], login: &LoginHint, run: &Run) -> anyhow::Result<Exit> {
    let (settings, output, now) = (&run.settings, &run.output, run.clock.unix_now());
    let (listing, _, index) = list(settings);
    let others: Vec<&Entry> = listing
        .entries
        .iter()
        .filter(|e| !e.sign_in && (e.server != settings.server.as_str() || e.account != settings.account))
        .collect();
    if as_json {
        let doc = json!({
            "logged_in": false,
            "server": settings.server,
            "server_from": settings.server_from.as_str(),
            "account": settings.account,
            "store_errors": store_errors,
            "other_servers": others.iter().map(|e| entry_json(e, now, settings, &index)).collect::<Vec<_>>(),
            "login_command": login.command,
        });
        crate::output::write_data(&format!("{doc}\n"))?;
        return Ok(Exit::NotLoggedIn);
    }
    let mut report = Report::default();
    report.line(&format!("Not logged in to {}{}.", settings.server, settings.account_note()));
    report.remembered(settings);
    if !others.is_empty() {
        report.line("Credentials are stored for:");
        for entry in &others {
            report.line(&entry_line(entry, now, &index));
        }
    }
    report.write()?;
    for error in store_errors {
        output.always(&format!("  note: {error}"));
    }
    if let Some(first) = others.first() {
        output.always(&format!("Use one with: {}", status_command(first, settings)));
        output.always("  (the same --server works with token, exec and mcp-config)");
    }
    output.always(&format!("Run `{}` to log in.", login.command));
    if let Some(why) = &login.why_not_keyring {
        output.always(&format!("  {why}"));
    }
    Ok(Exit::NotLoggedIn)
}
