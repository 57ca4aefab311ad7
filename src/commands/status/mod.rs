//! `agentview status`: logged in or not, where the credential comes from, until when. Never the token.
//! The report is the answer, on stdout; errors and hints go to stderr.
//! Offline unless `--check` asks the server.

use serde_json::{Value, json};

use crate::cli::StatusArgs;
use crate::clock::{countdown, iso8601};
use crate::credential::rule::renewable;
use crate::credential::{Closed, Door, Found, Usable};
use crate::error::Exit;
use crate::login::check::{self, Verdict};
use crate::run::Run;
use crate::settings::Settings;
use crate::store::{Flow, OAuthGrant, UserInfo};

mod accounts;
mod list;
mod report;

use report::Report;

/// How the grant got its token: `authorization_code` (a login in the browser), `device_code` (a
/// code entered on another device), `client_credentials`, `jwt_bearer` (an ID-JAG),
/// `idp_sign_in`, or `workload` (the JWT-bearer grant with a workload's own token).
fn grant_name(grant: &OAuthGrant) -> &'static str {
    match grant.flow {
        Flow::AuthorizationCode => "authorization_code",
        Flow::Device => "device_code",
        Flow::ClientCredentials => "client_credentials",
        Flow::IdJag { .. } => "jwt_bearer",
        Flow::IdpSignIn => "idp_sign_in",
        Flow::Workload { .. } => "workload",
    }
}

/// A token the client in the environment got and cached, read with no such client set: nothing
/// renews it (its secret was never stored).
fn from_absent_environment(found: &Found, grant: &OAuthGrant) -> bool {
    found.from_environment.is_none() && grant.from_environment
}

pub async fn run(args: &StatusArgs, run: &Run) -> anyhow::Result<Exit> {
    let (settings, output) = (&run.settings, &run.output);
    if args.all {
        return list::all(args.json, run);
    }
    let door = Door::new(run);
    // A store that cannot be read is a store failure here as for `token` (exit 8).
    let (usable, live) = match door.usable().await {
        Ok(usable) => (usable, true),
        Err(Closed::Expired(usable)) => (*usable, false),
        Err(Closed::NotLoggedIn(not)) => {
            return list::not_logged_in(args.json, &not.store_errors, &not.hint, run);
        }
        // A renewal that failed (the authorization server down, or no longer taking the
        // client): what is known locally is still the answer, the failure said below it.
        Err(Closed::Failed(e)) => match door.stored_as_is().await {
            Some(found) => return unrenewed(args, run, &found, e),
            None => return Err(e),
        },
    };
    let Usable { found, store_errors } = &usable;
    let check = if args.check && live { Some(check::check(run, &found.credential).await) } else { None };
    let accounts = accounts::accounts_of(settings);
    if args.json {
        let mut doc = json_report(found, live, check.as_ref(), store_errors, settings);
        doc["server_from"] = json!(settings.server_from.as_str());
        doc["account"] = json!(settings.account);
        doc["active"] = json!(accounts.active == settings.account);
        doc["accounts"] = json!(accounts.names);
        if let (Some(error), Some(errors)) = (&accounts.error, doc["store_errors"].as_array_mut()) {
            errors.push(json!(error));
        }
        crate::output::write_data(&format!("{doc}\n"))?;
    } else {
        for error in store_errors {
            output.always(&format!("  note: {error}"));
        }
        let overridden = found.source == crate::store::Source::Env && door.has_stored().await;
        let mut report = text_report(found, live, check.as_ref(), overridden, settings, run.clock.unix_now());
        report.account(&settings.account, &accounts);
        report.remembered(settings);
        report.write()?;
        if let Some(error) = &accounts.error {
            output.always(&format!("  note: {error}"));
        }
        if matches!(check, Some(Verdict::Rejected { .. })) && found.source == crate::store::Source::Env {
            let refused = crate::credential::env_token_refused();
            output.always(&format!("{}: {}.", capitalized(&refused.message), refused.hint.unwrap_or_default()));
        } else if matches!(check, Some(Verdict::Rejected { .. })) {
            output.always(&format!("Run `{}` to log in again.", settings.command("login --force")));
        } else if !live && found.source == crate::store::Source::Env {
            output.always(&format!(
                "The token in AGENTVIEW_TOKEN has expired: {}.",
                crate::credential::ENV_TOKEN_EXPIRED_HINT
            ));
        } else if !live {
            output.always(&format!("Run `{}` to log in again.", settings.command("login")));
        }
    }
    Ok(match (&check, live) {
        (_, false) => Exit::NotLoggedIn,
        (Some(verdict), true) => check::exit_of(verdict),
        (None, true) => Exit::Ok,
    })
}

/// The report of a credential whose renewal failed with `error`: what is known locally, with a
/// line saying the authorization server could not renew it; then `error` (its exit code, its
/// hint).
fn unrenewed(args: &StatusArgs, run: &Run, found: &Found, error: anyhow::Error) -> anyhow::Result<Exit> {
    let (settings, now) = (&run.settings, run.clock.unix_now());
    let live = found.credential.is_live(now);
    if args.json {
        let mut doc = json_report(found, live, None, &[], settings);
        doc["renewal_error"] = json!(crate::sanitize::line(&error.to_string(), 400));
        crate::output::write_data(&format!(
            "{doc}
"
        ))?;
    } else {
        let mut report = text_report(found, live, None, false, settings, now);
        report.line("  renewal: FAILED: not checked with the authorization server, which did not renew it (below)");
        report.write()?;
    }
    Err(error)
}

fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

/// `status --json`.
fn json_report(
    found: &Found,
    live: bool,
    check: Option<&Verdict>,
    store_errors: &[String],
    settings: &Settings,
) -> Value {
    let credential = &found.credential;
    let mut doc = json!({
        "logged_in": live,
        "server": settings.server,
        "source": found.source.as_str(),
        "location": found.location,
        "kind": credential.kind().as_str(),
        "expires_at": credential.expires_at.map(iso8601),
        "expires_at_unix": credential.expires_at,
        "expired": !live,
        "user": credential.user.as_ref().map(UserInfo::to_json).unwrap_or(Value::Null),
        "stored_at": iso8601(credential.created_at),
        "stored_at_unix": credential.created_at,
        "store_errors": store_errors,
    });
    if let Some(grant) = credential.oauth_grant() {
        doc["issuer"] = json!(grant.issuer);
        doc["scope"] = json!(grant.scope);
        // A token whose expiry is unknown is never found due: nothing renews it on its own; the
        // cache of the client in the environment renews only with that client there.
        let orphaned = from_absent_environment(found, grant);
        doc["renews"] = json!(renewable(grant) && credential.expires_at.is_some() && !orphaned);
        doc["grant"] = json!(grant_name(grant));
        if let Flow::IdJag { idp, .. } = &grant.flow {
            doc["identity_provider"] = json!(idp);
        }
    }
    if let Some(variables) = &found.from_environment {
        doc["from_environment"] = json!(variables);
    }
    if let Some(verdict) = check {
        doc["check"] = check::to_json(verdict);
        // No answer leaves the local verdict standing; a refusal overrides it.
        doc["logged_in"] = json!(live && !matches!(verdict, Verdict::Rejected { .. }));
    }
    doc
}

/// The report for people: who, what, from where, until when, and what the server said.
fn text_report(
    found: &Found,
    live: bool,
    check: Option<&Verdict>,
    overridden: bool,
    settings: &Settings,
    now: u64,
) -> Report {
    let credential = &found.credential;
    let mut report = Report::default();
    let state = match check {
        _ if !live => "The credential has EXPIRED for",
        Some(Verdict::Rejected { .. }) => "The server REFUSES the stored credential for",
        _ => "Logged in to",
    };
    report.line(&format!("{state} {}", settings.server));
    if let Some(user) = credential.user.as_ref().and_then(UserInfo::describe) {
        report.line(&format!("  account: {user}"));
    }
    report.line(&format!("  kind:    {}", credential.kind().describe()));
    if let Some(grant) = credential.oauth_grant() {
        report.line(&format!("  issuer:  {}", crate::sanitize::line(&grant.issuer, 200)));
        if let Some(scope) = &grant.scope {
            report.line(&format!("  scope:   {}", crate::sanitize::line(scope, 200)));
        }
        report.line(&format!("  grant:   {}", grant_name(grant)));
        let renews = match (renewable(grant), credential.expires_at, &grant.flow) {
            _ if from_absent_environment(found, grant) => "only with the client in the environment that got it \
                 (AGENTVIEW_CLIENT_ID with its secret, key or assertion file, or AGENTVIEW_WORKLOAD_TOKEN_FILE), \
                 which is not set now"
                .to_string(),
            (true, Some(_), Flow::ClientCredentials) => {
                "automatically, before it expires (the client credentials grant runs again)".to_string()
            }
            (true, Some(_), Flow::IdJag { idp, .. }) => format!(
                "automatically, before it expires (a new ID-JAG from the identity provider {})",
                crate::sanitize::line(idp, 200)
            ),
            (true, Some(_), Flow::Workload { token_file }) => format!(
                "automatically, before it expires (the workload token in {} is presented again)",
                token_file.display()
            ),
            (true, Some(_), _) => "automatically, before it expires".to_string(),
            (true, None, _) => "not on its own: the expiry is unknown (the server did not say), so agentview cannot \
                 tell when; log in again (login --force) if the server refuses it"
                .to_string(),
            (false, _, _) => "no (no refresh token)".to_string(),
        };
        report.line(&format!("  renews:  {renews}"));
    }
    report.line(&format!("  source:  {} ({})", found.source.as_str(), found.location));
    if let Some(variables) = &found.from_environment {
        report.line(&format!("  from:    {variables}; the token is cached in the store above"));
    }
    let expiry = match credential.expires_at {
        Some(at) if at > now => format!("{} (in {})", iso8601(at), countdown(std::time::Duration::from_secs(at - now))),
        Some(at) => format!("{} (expired)", iso8601(at)),
        None => "unknown".into(),
    };
    report.line(&format!("  expires: {expiry}"));
    if overridden {
        report.line("  note: a stored credential exists too; AGENTVIEW_TOKEN overrides it");
    }
    if let Some(verdict) = check {
        report::print_verdict(verdict, &mut report);
    }
    report
}
