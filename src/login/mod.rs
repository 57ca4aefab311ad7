//! `agentview login`: one story for every method.
//!
//! 1. Pick the store, before anything is sent ([`preflight_store`]).
//! 2. Choose the method from what the server offers and what this machine can do (`choice`).
//! 3. The method gets a credential: OAuth in the browser ([`browser`]), OAuth's device grant
//!    with a code entered on another device ([`device`]), or agentView's session tools
//!    ([`session`]), all waiting for the person the same way ([`wait`]).
//! 4. An OAuth credential proves itself at the server first ([`prove`]).
//! 5. Store it and read it back, then report (`store_and_report`).

mod accounts;
pub mod browser;
pub mod check;
mod choice;
pub mod context;
pub mod device;
mod idp;
pub mod oauth;
mod prove;
pub mod session;
pub mod settings;
mod unattended;
pub mod wait;

pub use choice::{Chosen, choose};
pub use context::LoginContext;
use context::interrupted;
pub use settings::{GrantLogin, LoginRequest, LoginSettings, Method, Mode, Report};

use serde_json::{Value, json};

use crate::clock::iso8601;
use crate::credential::Door;
use crate::error::{Exit, Failure};
use crate::interrupt::Interrupt;
use crate::output::Output;
use crate::run::Run;
use crate::settings::Settings;
use crate::store::{self, Credential, CredentialKind, Flow, Selected, Source};
use crate::store::{AccountName, UserInfo};

pub async fn run(login: LoginSettings, run: &Run, interrupt: &Interrupt) -> anyhow::Result<Exit> {
    let (settings, output) = (&run.settings, &run.output);
    // Only a fresh one-step login may stop early: a --resume names a login the user has
    // already approved (or is approving), and dropping its token would waste that approval.
    // Reading the store may wait on a keyring's unlock prompt: Ctrl-C is seen meanwhile.
    if !login.force && login.mode == Mode::Wait {
        let logged_in = tokio::select! {
            logged_in = already_logged_in(&login, run) => logged_in?,
            () = interrupt.wait() => return Err(interrupted()),
        };
        if logged_in {
            return Ok(Exit::Ok);
        }
    }
    // The store is chosen before anything is sent; what it means (plain text without a keyring)
    // is said once the server proved usable, still before anyone approves anything.
    let selected = tokio::select! {
        selected = select_store(settings) => selected?,
        () = interrupt.wait() => return Err(interrupted()),
    };
    // A --callback-port that is taken fails here, before anything reaches a server.
    let listens = match &login.grant {
        Some(GrantLogin::ClientCredentials { .. } | GrantLogin::Workload(_)) => false,
        Some(GrantLogin::Idp(_)) => true,
        None => !matches!(login.method, Method::Session | Method::Device),
    };
    let fixed = if listens { browser::bind_fixed_port(login.callback_port).await? } else { None };
    let ctx = LoginContext { run, login: &login, interrupt };
    let chosen = tokio::select! {
        c = choose(&ctx) => c?,
        () = interrupt.wait() => return Err(interrupted()),
    };
    announce_store(&selected, output);
    let mut credential = match chosen {
        Chosen::ClientCredentials { client_id, proof } => {
            unattended::client_credentials(&ctx, client_id, proof).await?
        }
        Chosen::Workload(workload) => unattended::workload(&ctx, workload).await?,
        Chosen::Idp { idp, open_browser } => idp::login(&ctx, idp, &selected, fixed, open_browser).await?,
        Chosen::DeviceResume(handle) => device::resume(&ctx, handle).await?,
        Chosen::OAuth { http, discovered, open_browser } => {
            browser::login(&ctx, &http, &discovered, open_browser, fixed).await?
        }
        Chosen::Device { http, discovered, open_browser } => {
            match device::login(&ctx, &http, &discovered, open_browser).await? {
                Some(credential) => credential,
                None => return Ok(Exit::Ok),
            }
        }
        Chosen::Session(mut remote) => {
            let result = session::login(&ctx, &mut remote).await;
            remote.close().await;
            match result? {
                Some(credential) => credential,
                None => return Ok(Exit::Ok),
            }
        }
    };
    // Every OAuth credential proves itself at the server before it is kept (unless --no-verify).
    prove::prove(&ctx, &mut credential).await?;
    store_and_report(&ctx, &selected, credential).await
}

/// A live stored credential ends the login at once; an OAuth one that is due is renewed.
async fn already_logged_in(login: &LoginSettings, run: &Run) -> anyhow::Result<bool> {
    let (settings, output) = (&run.settings, &run.output);
    let found = match Door::new(run).stored_usable().await {
        Ok(Some(found)) => found,
        Ok(None) => return Ok(false),
        Err(e) => {
            output.info(&format!("The stored OAuth credential could not be renewed ({e}); logging in again."));
            return Ok(false);
        }
    };
    if login.grant.as_ref().is_some_and(|grant| !grant.made(&found.credential)) {
        output.info("The stored credential was not made by this kind of login; logging in again.");
        return Ok(false);
    }
    if let Some(moved_to) = moved_to_another_issuer(&found.credential, run).await {
        let from = found.credential.oauth_grant().map(|g| g.issuer.as_str()).unwrap_or_default();
        output.info(&format!(
            "The server now names the authorization server {} (the stored credential came from {}); logging in again.",
            crate::sanitize::line(&moved_to, 200),
            crate::sanitize::line(from, 200)
        ));
        return Ok(false);
    }
    let until = found.credential.expires_at.map(|at| format!(", valid until {}", iso8601(at))).unwrap_or_default();
    output.success(&format!(
        "Already logged in to {} (credential in {}{until}). Use --force to log in again.",
        settings.server, found.location
    ));
    report(login.report, &found.credential, found.source, &found.location, true)?;
    Ok(true)
}

/// The authorization server the server names now, when a stored OAuth credential came from
/// another one (the server moved to a new authorization server: its tokens are no longer the
/// ones it takes). Nothing when the server cannot be asked: the stored credential stands.
async fn moved_to_another_issuer(credential: &Credential, run: &Run) -> Option<String> {
    let grant = credential.oauth_grant()?;
    let http = run.http().ok()?;
    let published =
        oauth::shared::discovery::protected_resource(http, run.settings.server.url(), None).await.ok()??;
    if published.authorization_servers.contains(&grant.issuer) {
        return None;
    }
    published.authorization_servers.into_iter().next()
}

/// Decide the store before anyone approves a login whose token could not be kept, and say
/// which it is ([`select_store`], then [`announce_store`]).
pub async fn preflight_store(settings: &Settings, output: &Output) -> Result<Selected, Failure> {
    let selected = select_store(settings).await?;
    announce_store(&selected, output);
    Ok(selected)
}

/// Decide the store, saying nothing yet. The probe runs off the async thread: a keyring may
/// take its whole timeout (an unlock prompt), and Ctrl-C must still be seen meanwhile.
pub async fn select_store(settings: &Settings) -> Result<Selected, Failure> {
    let config = settings.store.clone();
    let probed = tokio::task::spawn_blocking(move || store::select_for_write(&config)).await.unwrap_or_else(|e| {
        Err(store::StoreError::Other { store: "the credential store".into(), reason: e.to_string() })
    });
    let selected = probed.map_err(|e| {
        let hint = match settings.store.choice {
            store::StoreChoice::File => {
                "nothing was sent to the server; fix what is named above (or choose another --config-dir)"
            }
            // Under auto the file was tried too, and failed: suggesting it would help nobody.
            store::StoreChoice::Auto => {
                "nothing was sent to the server; neither store can keep a credential here: fix the file's problem \
                 named above (or choose another --config-dir)"
            }
            store::StoreChoice::Keyring => {
                "nothing was sent to the server; use --store file to keep the credential in a 0600 file instead"
            }
        };
        Failure::new(Exit::Store, format!("cannot use the credential store: {e}")).with_hint(hint).with_source(e)
    })?;
    Ok(selected)
}

/// Say where the credential will go: a warning when that is the file in plain text because no
/// keyring is usable (LESSONS.md: before the browser opens), and the store's own notes.
pub fn announce_store(selected: &Selected, output: &Output) {
    let location = selected.store.describe();
    match &selected.fallback_reason {
        Some(reason) => {
            output.warn(&format!("no usable OS keyring: the credential goes to {location} in plain text (mode 0600)"));
            output.info("  --store file chooses this knowingly, --store keyring refuses it; -v shows why");
            output.verbose(&format!("keyring: {reason}"));
        }
        None => output.info(&format!("The credential will be stored in {location}.")),
    }
    for note in selected.store.notes() {
        output.warn(&note);
    }
}

/// Save off the async thread (a store waiting for its lock must not keep Ctrl-C from being
/// seen), then say what happened.
async fn store_and_report(ctx: &LoginContext<'_>, selected: &Selected, credential: Credential) -> anyhow::Result<Exit> {
    let (login, settings, output, interrupt) = (ctx.login, &ctx.settings, &ctx.output, ctx.interrupt);
    let credential = credential.for_account(settings.account.clone());
    let (config, chosen, to_save) = (settings.store.clone(), selected.clone(), credential.clone());
    let saved = tokio::task::spawn_blocking(move || store::save_selected(&config, &chosen, &to_save))
        .await
        .unwrap_or_else(|e| Err(store::StoreError::Other { store: selected.store.describe(), reason: e.to_string() }));
    let saved = saved.map_err(|e| {
        Failure::new(Exit::Store, format!("the login was approved but the credential could not be stored: {e}"))
            .with_hint("nothing usable was stored; fix the store (or use --store file) and log in again")
            .with_source(e)
    })?;
    let location = saved.store.describe();
    if let Some(refused) = &saved.keyring_refused {
        output.warn(&format!("the OS keyring refused the credential; it went to {location} in plain text (mode 0600)"));
        output.info("  --store auto allows this; --store keyring would have failed instead; -v shows why");
        output.verbose(&format!("keyring: {refused}"));
    }
    if interrupt.happened() {
        return Err(
            Failure::new(Exit::Interrupted, "interrupted; the credential had already been stored completely").into()
        );
    }
    let who = credential.user.as_ref().and_then(UserInfo::describe).map(|u| format!(" as {u}")).unwrap_or_default();
    let account = account_note(settings, note_login(settings).await, output);
    output.success(&format!("Logged in to {}{account}{who}.", settings.server));
    let same = accounts::same_person(settings, &credential).await;
    if !same.is_empty() {
        let names = same.iter().map(AccountName::as_str).collect::<Vec<_>>().join(", ");
        output.warn(&format!(
            "this is the same person as the account {names} of {}: both are kept; to use another identity, log \
             in again with --force and pick it at the sign-in page (--login-hint names it)",
            settings.server
        ));
    }
    let kind_note = match credential.kind() {
        CredentialKind::Session => {
            "session id (this server binds your identity to the login session; `token` prints it)"
        }
        CredentialKind::OAuth => match credential.oauth_grant().map(|g| &g.flow) {
            Some(Flow::ClientCredentials) => {
                "OAuth access token (renewed automatically: the client credentials grant runs again)"
            }
            Some(Flow::IdJag { .. }) => {
                "OAuth access token (renewed automatically: a new ID-JAG from the identity provider)"
            }
            Some(Flow::Workload { .. }) => {
                "OAuth access token (renewed automatically: the workload token is presented again)"
            }
            Some(Flow::Device) if credential.oauth_grant().is_some_and(|g| g.refresh_token.is_some()) => {
                "OAuth access token from the device login (renewed automatically with its refresh token)"
            }
            _ if credential.oauth_grant().is_some_and(|g| g.refresh_token.is_some()) => {
                "OAuth access token (renewed automatically with its refresh token)"
            }
            _ => CredentialKind::OAuth.describe(),
        },
        kind => kind.describe(),
    };
    output.info(&format!("Stored the {kind_note} in {location}."));
    if settings.env_token.is_some() {
        output.warn("AGENTVIEW_TOKEN is set in this environment and overrides the stored credential for `token`, `status` and `exec`");
    }
    report(login.report, &credential, saved.store.source(), &location, false)?;
    Ok(Exit::Ok)
}

/// Note the account in the index of accounts, off the async thread; the server's active
/// account afterwards.
pub async fn note_login(settings: &Settings) -> Result<store::AccountName, String> {
    let (config, server, account) =
        (settings.store.clone(), settings.server.as_str().to_owned(), settings.account.clone());
    tokio::task::spawn_blocking(move || {
        store::accounts::note_login(&config, &server, &account).map_err(|e| e.to_string())
    })
    .await
    .unwrap_or_else(|e| Err(e.to_string()))
}

/// " (account NAME)" for a login message, unless it is the `default` account of a server with
/// no other; says when the account logged in to is not the active one. A failure to note it in
/// the index is a warning: the credential is stored, and `--account` reaches it.
pub fn account_note(settings: &Settings, active: Result<store::AccountName, String>, output: &Output) -> String {
    let active = match active {
        Ok(active) => active,
        Err(e) => {
            output.warn(&format!(
                "could not note the account in the index of accounts ({e}); --account still reaches it"
            ));
            return format!(" (account {})", settings.account);
        }
    };
    if active != settings.account {
        output.info(&format!(
            "The active account of {} stays {active}; `{}` makes this one active.",
            settings.server,
            settings.command_without_account(&format!("switch {}", settings.account))
        ));
    }
    if settings.account.is_default() && active.is_default() {
        String::new()
    } else {
        format!(" (account {})", settings.account)
    }
}

/// `--json` and `--print-token` output on stdout. Never a refresh token or client secret.
pub fn report(
    report: Report,
    credential: &Credential,
    source: Source,
    location: &str,
    already: bool,
) -> anyhow::Result<()> {
    if report.json {
        let mut doc = json!({
            "server": credential.server,
            "kind": credential.kind().as_str(),
            "store": source.as_str(),
            "location": location,
            "expires_at": credential.expires_at.map(iso8601),
            "expires_at_unix": credential.expires_at,
            "user": credential.user.as_ref().map_or(Value::Null, |u| json!({"name": u.name, "email": u.email, "id": u.id})),
            "already_logged_in": already,
        });
        if let Some(grant) = credential.oauth_grant() {
            doc["issuer"] = json!(grant.issuer);
            doc["scope"] = json!(grant.scope);
        }
        if report.print_token {
            doc["token"] = json!(credential.secret.expose());
        }
        crate::output::write_data(&format!("{doc}\n"))?;
    } else if report.print_token {
        crate::output::write_data(&format!("{}\n", credential.secret.expose()))?;
    }
    Ok(())
}
