//! Whether an authorization server refuses an authorization request outright, read from its
//! answer to the request asked without a browser. Servers say so in several shapes for an
//! unknown client or redirect URI (RFC 6749 section 4.1.2.1 says only that they must not
//! redirect to the client then):
//! - a 4xx, with or without an OAuth error document;
//! - a redirect (3xx) to their own error page, `error=` in its query (Better Auth:
//!   `/api/auth/error?error=invalid_client`), or a page whose path ends in `error`;
//! - a 200 JSON document naming the error, or the address of such a page (Better Auth, asked
//!   for JSON: `{"redirect":true,"url":"…/error?error=invalid_client…"}`).
//!
//! A redirect to the client's own redirect URI with `error=` is a refusal too, of a client the
//! server knows (a scope or resource it will not grant).

use reqwest::Url;
use serde_json::Value;

use super::super::shared::error::{ErrorCode, OAuthError, json_object};
use crate::http::Reply;

const WHAT: &str = "the authorization endpoint";

/// A refusal, and whether the server knows the client (it sent the refusal to the client's
/// redirect URI, which it does only for a client and URI it knows).
#[derive(Debug)]
pub struct Refused {
    pub error: OAuthError,
    pub client_known: bool,
}

/// The refusal in `reply`, the answer to the authorization request `request` whose redirect URI
/// is `redirect_uri`; `None` when the answer may be a sign-in page.
pub fn refusal(reply: &Reply, request: &Url, redirect_uri: &str) -> Option<Refused> {
    let unknown = |error| Some(Refused { error, client_known: false });
    match reply.status {
        429 => None,
        400..=499 => {
            let doc = json_object(reply, WHAT).ok();
            let named = doc.as_ref().and_then(|d| named_error(d.get("error"), d.get("error_description")));
            unknown(named.unwrap_or(OAuthError::Status { what: WHAT.into(), status: reply.status }))
        }
        300..=399 => {
            let to = request.join(reply.location.as_deref()?).ok()?;
            let known = to.as_str().starts_with(redirect_uri)
                && to.as_str()[redirect_uri.len()..].chars().next().is_none_or(|c| c == '?');
            if let Some(error) = error_in_query(&to) {
                return Some(Refused { error: as_answer(error, known), client_known: known });
            }
            let error_page = to.path_segments().and_then(|mut s| s.next_back()).is_some_and(|last| {
                let last = last.to_ascii_lowercase();
                last == "error" || last.ends_with("-error") || last.ends_with("_error")
            });
            (!known && error_page).then(|| Refused {
                error: OAuthError::invalid(WHAT, format!("it sends the browser to its error page {}", shown(&to))),
                client_known: false,
            })
        }
        200..=299 => {
            let doc = json_object(reply, WHAT).ok()?;
            if let Some(error) = named_error(doc.get("error"), doc.get("error_description")) {
                return unknown(error);
            }
            // A redirect told as JSON: where the browser would be sent.
            let to = ["url", "redirect_uri", "redirect_to", "location"]
                .iter()
                .find_map(|k| doc.get(*k).and_then(Value::as_str))
                .and_then(|u| request.join(u).ok())?;
            let error = error_in_query(&to)?;
            let known = to.as_str().starts_with(redirect_uri);
            Some(Refused { error: as_answer(error, known), client_known: known })
        }
        _ => None,
    }
}

/// An error sent to the client's redirect URI is the authorization response itself (RFC 6749
/// section 4.1.2.1), as the callback would have carried it: the server ended the login.
fn as_answer(error: OAuthError, to_the_client: bool) -> OAuthError {
    match error {
        OAuthError::Rejected { error, description } if to_the_client => OAuthError::Denied { error, description },
        other => other,
    }
}

/// `error` (and `error_description`) in a URL's query.
fn error_in_query(url: &Url) -> Option<OAuthError> {
    let mut error = None;
    let mut description = None;
    for (key, value) in url.query_pairs() {
        match &*key {
            "error" if error.is_none() => error = Some(Value::String(value.into_owned())),
            "error_description" if description.is_none() => description = Some(Value::String(value.into_owned())),
            _ => {}
        }
    }
    named_error(error.as_ref(), description.as_ref())
}

fn named_error(error: Option<&Value>, description: Option<&Value>) -> Option<OAuthError> {
    let code = error.and_then(Value::as_str).filter(|c| !c.is_empty())?;
    let description = description.and_then(Value::as_str).map(|d| crate::sanitize::line(d, 300));
    Some(OAuthError::Rejected { error: ErrorCode::parse(code), description })
}

/// An address for a message: without its query, which may carry the request's state.
fn shown(url: &Url) -> String {
    crate::sanitize::line(&crate::http::without_query(url), 200)
}

#[cfg(test)]
#[path = "up_front_tests.rs"]
mod tests;
