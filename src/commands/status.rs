//! `agentview status`: logged in or not, where the credential comes from, until when. Never the token.

use serde_json::{Value, json};

use crate::clock::{countdown, iso8601, unix_now};
use crate::error::Exit;
use crate::lookup;
use crate::output::Output;
use crate::sanitize;
use crate::settings::Settings;
use crate::store::UserInfo;

pub fn run(as_json: bool, lookup: lookup::Lookup, settings: &Settings, output: &Output) -> anyhow::Result<Exit> {
    let now = unix_now();
    let store_errors: Vec<String> = lookup.errors.iter().map(|(_, e)| e.to_string()).collect();
    let Some(found) = &lookup.found else {
        if as_json {
            let doc = json!({"logged_in": false, "server": settings.server, "store_errors": store_errors});
            super::write_stdout(&format!("{doc}\n"))?;
        } else {
            output.always(&format!("Not logged in to {}.", settings.server));
            for error in &store_errors {
                output.always(&format!("  note: {error}"));
            }
            output.always("Run `agentview login` to log in.");
        }
        return Ok(Exit::NotLoggedIn);
    };
    let credential = &found.credential;
    let live = credential.is_live(now);
    if as_json {
        let doc = json!({
            "logged_in": live,
            "server": settings.server,
            "source": found.source.as_str(),
            "location": found.location,
            "kind": credential.kind.as_str(),
            "expires_at": credential.expires_at.map(iso8601),
            "expired": !live,
            "user": credential.user.as_ref().map(user_json).unwrap_or(Value::Null),
            "stored_at": iso8601(credential.created_at),
            "store_errors": store_errors,
        });
        super::write_stdout(&format!("{doc}\n"))?;
    } else {
        let state = if live { "Logged in to" } else { "The credential has EXPIRED for" };
        output.always(&format!("{state} {}", settings.server));
        if let Some(user) = credential.user.as_ref().and_then(describe_user) {
            output.always(&format!("  account: {user}"));
        }
        let kind = credential.kind.describe();
        output.always(&format!("  kind:    {kind}"));
        output.always(&format!("  source:  {} ({})", found.source.as_str(), found.location));
        let expiry = match credential.expires_at {
            Some(at) if at > now => {
                format!("{} (in {})", iso8601(at), countdown(std::time::Duration::from_secs(at - now)))
            }
            Some(at) => format!("{} (expired)", iso8601(at)),
            None => "unknown".into(),
        };
        output.always(&format!("  expires: {expiry}"));
        for error in &store_errors {
            output.always(&format!("  note: {error}"));
        }
        if found.source == crate::store::Source::Env && lookup::stored(settings).found.is_some() {
            output.always("  note: a stored credential exists too; AGENTVIEW_TOKEN overrides it");
        }
    }
    Ok(if live { Exit::Ok } else { Exit::NotLoggedIn })
}

fn user_json(user: &UserInfo) -> Value {
    json!({"name": user.name, "email": user.email, "id": user.id})
}

/// "Ada <ada@example.org>" from what the server said, sanitized for the terminal.
pub fn describe_user(user: &UserInfo) -> Option<String> {
    let clean = |s: &Option<String>| s.as_deref().map(|v| sanitize::line(v, 100)).filter(|v| !v.is_empty());
    match (clean(&user.name), clean(&user.email), clean(&user.id)) {
        (Some(n), Some(e), _) => Some(format!("{n} <{e}>")),
        (Some(n), None, _) => Some(n),
        (None, Some(e), _) => Some(e),
        (None, None, Some(id)) => Some(format!("id {id}")),
        _ => None,
    }
}
