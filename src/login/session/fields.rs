//! Reading agentView's tool results: the two login tools' and `authenticate`'s (what `status
//! --check` asks). Every shape a server sends (structured content, a text block of JSON, either
//! wrapped in `result`), every spelling of a field, and every field rule (ids, windows, token
//! shapes, expiry times), each failure naming the field.

use std::time::Duration;

use serde_json::{Map, Value};

use super::tools::{Activated, Created, MAX_LIFETIME_SECS, MAX_WINDOW, Polled, Terminal, ToolFailure};
use crate::login::wait::SESSION_WINDOW;
use crate::mcp::jsonrpc::kind_of;
use crate::sanitize;
use crate::store::UserInfo;

/// Above this, a numeric time is in epoch milliseconds (seconds reach it in year 5138).
const EPOCH_MILLIS_FROM: f64 = 1e11;

/// Read a create_auth_session result.
pub fn parse_created(result: &Value) -> Result<Created, ToolFailure> {
    let fields = payload(result, &["sessionRequestId", "session_request_id"])?;
    let session_request_id = required_str(&fields, &["sessionRequestId", "session_request_id"])?;
    crate::secret::check_token_shape(&session_request_id)
        .map_err(|e| ToolFailure::Malformed(format!("sessionRequestId is not usable: {e}")))?;
    if session_request_id.len() > 512 {
        return Err(ToolFailure::Malformed("sessionRequestId is longer than 512 characters".into()));
    }
    let login_url = required_str(&fields, &["loginUrl", "login_url"])?;
    // pollUrl (optional) is checked for its type only: agentview polls through the tool.
    optional_str(&fields, &["pollUrl", "poll_url"])?;
    let mut warnings = Vec::new();
    let window = match pick(&fields, &["expiresIn", "expires_in"]) {
        None | Some(Value::Null) => SESSION_WINDOW,
        Some(value) => match seconds_of(value) {
            Some(secs) if (1.0..=MAX_WINDOW.as_secs_f64()).contains(&secs) => Duration::from_secs(secs as u64),
            Some(_) => {
                warnings.push(format!(
                    "the server's login window (expiresIn = {}) makes no sense; using {} s",
                    shown_number(value),
                    SESSION_WINDOW.as_secs()
                ));
                SESSION_WINDOW
            }
            None => {
                return Err(ToolFailure::Malformed(format!("expiresIn is {} instead of a number", kind_of(value))));
            }
        },
    };
    Ok(Created { session_request_id, login_url, window, warnings })
}

/// Read a get_auth_session result. `session_request_id` is the id we polled.
pub fn parse_polled(result: &Value, session_request_id: &str) -> Result<Polled, ToolFailure> {
    parse_polled_at(result, session_request_id, crate::clock::unix_now())
}

/// [`parse_polled`] at the unix time `now`: a token that has already expired is refused.
pub fn parse_polled_at(result: &Value, session_request_id: &str, now: u64) -> Result<Polled, ToolFailure> {
    let fields = payload(result, &["status"])?;
    let status = required_str(&fields, &["status"])?;
    match status.trim().to_ascii_lowercase().as_str() {
        "pending" => Ok(Polled::Pending { interval: interval_hint(&fields) }),
        "active" => {
            let activated = activated(&fields, session_request_id)?;
            if let Some(at) = activated.expires_at.filter(|at| *at <= now) {
                return Err(ToolFailure::Malformed(format!(
                    "refusing the credential: it has already expired (at {})",
                    crate::clock::iso8601(at)
                )));
            }
            Ok(Polled::Active(activated))
        }
        _ => Ok(Polled::Ended(Terminal::parse(&status))),
    }
}

fn activated(fields: &Map<String, Value>, session_request_id: &str) -> Result<Activated, ToolFailure> {
    let mut warnings = Vec::new();
    let token_names = ["token", "accessToken", "access_token", "bearerToken", "bearer_token"];
    let token = match optional_str(fields, &token_names)? {
        Some(token) => {
            crate::secret::check_token_shape(&token)
                .map_err(|e| ToolFailure::Malformed(format!("refusing to store the token: {e}")))?;
            Some(crate::secret::Secret::new(token))
        }
        None => {
            // Session-bound identity: the server binds it to our session request id. It need
            // not echo the id; only an echoed id that is not ours is wrong.
            let echoed = optional_str(fields, &["sessionRequestId", "session_request_id"])?;
            match echoed {
                Some(id) if id != session_request_id => {
                    return Err(ToolFailure::Malformed(
                        "the session is active but names a different sessionRequestId".into(),
                    ));
                }
                _ => None,
            }
        }
    };
    let expires_at = match pick(fields, &["tokenExpiresAt", "token_expires_at", "expiresAt", "expires_at"]) {
        None | Some(Value::Null) => None,
        Some(Value::String(text)) if text.trim().is_empty() => None,
        Some(value) => match expiry_time(value) {
            Ok(at) => Some(at),
            Err(why) => {
                warnings.push(format!("ignoring the token expiry{}: {why}; the expiry is unknown", shown_time(value)));
                None
            }
        },
    };
    let expires_in = match pick(fields, &["expiresIn", "expires_in"]) {
        None | Some(Value::Null) => None,
        Some(value) => match seconds_of(value) {
            Some(secs) if (1.0..=MAX_LIFETIME_SECS as f64).contains(&secs) => Some(secs as u64),
            _ => {
                if expires_at.is_none() {
                    warnings.push(format!(
                        "ignoring the token lifetime expiresIn{}: not a number of seconds up to ten years; \
                         the expiry is unknown",
                        shown_time(value)
                    ));
                }
                None
            }
        },
    };
    let user = match pick(fields, &["user"]) {
        Some(Value::Object(user)) => Some(user_of(user)),
        _ => None,
    };
    Ok(Activated { token, expires_at, expires_in, user, warnings })
}

/// What agentView's `authenticate` tool said about a credential.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Authenticated {
    /// The server refused it: why, safe for a terminal.
    Refused(String),
    /// It accepted it, and said what it knows (each only when it did).
    Accepted { user: Option<UserInfo>, scope: Option<String>, expires_at: Option<u64> },
}

/// Read an `authenticate` result: `isError`, or `valid` (`authenticated`, `active`) false, is a
/// refusal; the account, scope and expiry come from wherever the answer has them. `now`: unix
/// seconds, for a relative expiry.
pub fn parse_authenticated(result: &Value, now: u64) -> Authenticated {
    let text = result.as_object().and_then(first_text).unwrap_or_default();
    if result.get("isError").and_then(Value::as_bool) == Some(true) {
        let reason =
            if text.is_empty() { "the server refused the credential".into() } else { sanitize::line(text, 200) };
        return Authenticated::Refused(reason);
    }
    let fields = any_fields(result, text);
    for flag in ["valid", "authenticated", "active"] {
        if fields.get(flag).and_then(Value::as_bool) == Some(false) {
            return Authenticated::Refused(format!("the server answered {flag}: false"));
        }
    }
    let text_of =
        |names: &[&str]| names.iter().find_map(|n| fields.get(*n).and_then(Value::as_str)).map(str::to_string);
    let user = match fields.get("user") {
        Some(Value::Object(u)) => Some(user_of(u)),
        Some(Value::String(name)) => {
            Some(UserInfo { name: short_text(Some(&Value::String(name.clone()))), ..UserInfo::default() })
        }
        _ => {
            let user = UserInfo {
                name: text_of(&["name", "userName", "user_name"]),
                email: text_of(&["email"]),
                id: text_of(&["userId", "user_id", "sub"]),
            };
            (user != UserInfo::default()).then_some(user)
        }
    };
    let scope = match fields.get("scope").or_else(|| fields.get("scopes")) {
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Array(items)) => Some(items.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(" ")),
        _ => None,
    };
    let expires_at = text_of(&["expiresAt", "expires_at", "tokenExpiresAt", "token_expires_at"])
        .and_then(|at| crate::clock::parse_rfc3339(&at))
        .or_else(|| {
            let secs = ["expiresIn", "expires_in"].iter().find_map(|n| fields.get(*n).and_then(Value::as_u64))?;
            Some(now.saturating_add(secs))
        });
    Authenticated::Accepted { user, scope, expires_at }
}

/// A result's fields, wherever they are: `structuredContent` (unwrapping `{"result": {...}}`),
/// else the text as a JSON object; none when neither holds one.
fn any_fields(result: &Value, text: &str) -> Map<String, Value> {
    let structured = match result.get("structuredContent") {
        Some(Value::Object(o)) if o.len() == 1 && o.get("result").is_some_and(Value::is_object) => {
            o.get("result").and_then(Value::as_object).cloned()
        }
        Some(Value::Object(o)) => Some(o.clone()),
        _ => None,
    };
    structured.or_else(|| serde_json::from_str::<Map<String, Value>>(text).ok()).unwrap_or_default()
}

/// Who the account is, from a `user` object: its name, email and id, each bounded.
fn user_of(user: &Map<String, Value>) -> UserInfo {
    UserInfo {
        name: short_text(user.get("name")),
        email: short_text(user.get("email")),
        id: short_text(user.get("id")),
    }
}

/// Seconds from a number or a numeric string ("600", " 3600.5 "); `None` for anything else.
fn seconds_of(value: &Value) -> Option<f64> {
    let secs = match value {
        Value::Number(n) => n.as_f64()?,
        Value::String(s) => s.trim().parse::<f64>().ok()?,
        _ => return None,
    };
    secs.is_finite().then_some(secs)
}

/// An absolute expiry: RFC 3339 with any offset, or unix seconds (milliseconds when larger
/// than any seconds value can be) as a number or numeric string. Never past year 9999.
fn expiry_time(value: &Value) -> Result<u64, &'static str> {
    if let Value::String(text) = value
        && let Some(at) = crate::clock::parse_rfc3339(text)
    {
        return Ok(at);
    }
    let Some(number) = seconds_of(value) else {
        return Err(match value {
            Value::String(_) => "not an ISO 8601 time",
            _ => "not a time",
        });
    };
    let secs = if number >= EPOCH_MILLIS_FROM { number / 1000.0 } else { number };
    if secs >= 1.0 && secs <= crate::clock::MAX_UNIX as f64 {
        Ok(secs as u64)
    } else {
        Err("not a time between 1970 and 9999")
    }
}

/// A number as the server wrote it, short and terminal-safe.
fn shown_number(value: &Value) -> String {
    match value {
        Value::String(s) => sanitize::line(s, 40),
        other => sanitize::line(&other.to_string(), 40),
    }
}

/// A malformed time is echoed only if it is made of what times are made of: a server that
/// puts something token-shaped there must not get it printed.
fn shown_time(value: &Value) -> String {
    let text = match value {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        _ => return String::new(),
    };
    let time_like = text.len() <= 40
        && text.chars().all(|c| {
            c.is_ascii_digit() || matches!(c, '-' | ':' | '.' | '+' | ' ' | 'T' | 'Z' | 't' | 'z' | 'e' | 'E')
        });
    if time_like { format!(" \"{}\"", sanitize::line(&text, 40)) } else { String::new() }
}

fn short_text(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(s) if !s.is_empty() => Some(s.chars().take(256).collect()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn interval_hint(fields: &Map<String, Value>) -> Option<Duration> {
    let names = ["interval", "retryAfter", "retry_after", "pollInterval", "poll_interval"];
    let secs = pick(fields, &names)?.as_f64()?;
    (secs.is_finite() && secs > 0.0).then(|| Duration::from_secs_f64(secs.min(300.0)))
}

/// The object holding a result's fields: `structuredContent` when it has
/// `marker` at its top level (or wrapped in `result`), else the first text
/// block parsed as JSON. An `isError` result becomes a `ToolFailure`.
fn payload(result: &Value, marker: &[&str]) -> Result<Map<String, Value>, ToolFailure> {
    let Some(result) = result.as_object() else {
        return Err(ToolFailure::Malformed(format!("the tool result is {}", kind_of(result))));
    };
    let text = first_text(result);
    if result.get("isError").and_then(Value::as_bool) == Some(true) {
        let message = sanitize::message(text.unwrap_or("(no explanation given)"));
        return Err(if is_policy_denial(&message) {
            ToolFailure::Policy(message)
        } else {
            ToolFailure::Failed(message)
        });
    }
    let has_marker = |m: &Map<String, Value>| marker.iter().any(|k| m.contains_key(*k));
    if let Some(Value::Object(structured)) = result.get("structuredContent") {
        if has_marker(structured) {
            return Ok(structured.clone());
        }
        if let Some(Value::Object(inner)) = structured.get("result")
            && has_marker(inner)
        {
            return Ok(inner.clone());
        }
    }
    let Some(text) = text else {
        return Err(ToolFailure::Malformed(format!(
            "the result has no structured content and no text with {}",
            marker[0]
        )));
    };
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(object)) if has_marker(&object) => Ok(object),
        Ok(Value::Object(object)) => match object.get("result") {
            Some(Value::Object(inner)) if has_marker(inner) => Ok(inner.clone()),
            _ => Err(ToolFailure::Malformed(format!("the result has no field {}", marker[0]))),
        },
        Ok(other) => {
            Err(ToolFailure::Malformed(format!("the result text is {} instead of an object", kind_of(&other))))
        }
        Err(_) => Err(ToolFailure::Malformed(format!("the result text is not JSON: \"{}\"", sanitize::line(text, 80)))),
    }
}

fn first_text(result: &Map<String, Value>) -> Option<&str> {
    result
        .get("content")?
        .as_array()?
        .iter()
        .find(|block| block.get("type").and_then(Value::as_str) == Some("text"))?
        .get("text")?
        .as_str()
}

/// PolicyLayer's denial text, or any rate-limit / policy wording.
pub fn is_policy_denial(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    text.trim_start().starts_with("[INTERCEPT POLICY DENIED]")
        || lower.contains("rate limit")
        || lower.contains("rate-limit")
        || lower.contains("too many requests")
        || lower.contains("denied by policy")
        || lower.contains("policy denied")
}

fn pick<'a>(fields: &'a Map<String, Value>, names: &[&str]) -> Option<&'a Value> {
    names.iter().find_map(|n| fields.get(*n))
}

fn required_str(fields: &Map<String, Value>, names: &[&str]) -> Result<String, ToolFailure> {
    optional_str(fields, names)?.ok_or_else(|| ToolFailure::Malformed(format!("the result has no {}", names[0])))
}

fn optional_str(fields: &Map<String, Value>, names: &[&str]) -> Result<Option<String>, ToolFailure> {
    match pick(fields, names) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.is_empty() => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(other) => Err(ToolFailure::Malformed(format!("{} is {} instead of a string", names[0], kind_of(other)))),
    }
}

#[cfg(test)]
#[path = "fields_tests.rs"]
mod tests;
