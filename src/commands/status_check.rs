//! How `status --check` reports the server's answer.

use serde_json::{Value, json};

use crate::check::Verdict;
use crate::clock::iso8601;
use crate::error::Exit;
use crate::output::Output;
use crate::settings::Settings;
use crate::store::UserInfo;

/// Accepted → 0, refused → 4 (not logged in), no answer → 7 (server).
pub fn exit_of(verdict: &Verdict) -> Exit {
    match verdict {
        Verdict::Accepted(_) => Exit::Ok,
        Verdict::Rejected { .. } => Exit::NotLoggedIn,
        Verdict::Unreachable { .. } => Exit::Server,
    }
}

pub fn to_json(verdict: &Verdict) -> Value {
    match verdict {
        Verdict::Accepted(a) => json!({
            "result": "accepted",
            "via": a.via,
            "user": a.user.as_ref().map(UserInfo::to_json).unwrap_or(Value::Null),
            "scope": a.scope,
            "expires_at": a.expires_at.map(iso8601),
            "expires_at_unix": a.expires_at,
        }),
        Verdict::Rejected { reason } => json!({"result": "rejected", "reason": reason}),
        Verdict::Unreachable { reason } => json!({"result": "unreachable", "reason": reason}),
    }
}

pub fn print(verdict: &Verdict, settings: &Settings, output: &Output) {
    match verdict {
        Verdict::Accepted(a) => {
            let how = if a.via == crate::check::AUTHENTICATE {
                "its authenticate tool"
            } else {
                "an authenticated tools/list"
            };
            output.always(&format!("  check:   the server accepts the credential (asked through {how})"));
            if let Some(user) = a.user.as_ref().and_then(UserInfo::describe) {
                output.always(&format!("  server says account: {user}"));
            }
            if let Some(scope) = &a.scope {
                output.always(&format!("  server says scope:   {}", crate::sanitize::line(scope, 200)));
            }
            if let Some(at) = a.expires_at {
                output.always(&format!("  server says expires: {}", iso8601(at)));
            }
        }
        Verdict::Rejected { reason } => {
            output.always(&format!("  check:   REJECTED by the server: {reason}"));
            output.always(&format!("Run `{}` to log in again.", settings.command("login --force")));
        }
        Verdict::Unreachable { reason } => {
            output.always(&format!("  check:   no answer from the server: {reason}"));
        }
    }
}
