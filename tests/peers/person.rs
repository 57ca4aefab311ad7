//! The scripted person of the peer tests, and what a client written from the specifications
//! sends: a browser (curl with a cookie jar) that signs in as a chosen account and approves or
//! declines, the user-code pages of a device login, PKCE, and reading what came back.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use base64::Engine;
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::*;

pub fn random() -> String {
    let mut bytes = [0u8; 32];
    getrandom::getrandom(&mut bytes).unwrap();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// A PKCE pair (RFC 7636, S256).
pub struct Pkce {
    pub verifier: String,
    pub challenge: String,
}

impl Pkce {
    pub fn new() -> Pkce {
        let verifier = random();
        let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
        Pkce { verifier, challenge }
    }
}

/// A query parameter of `url`.
pub fn param(url: &str, name: &str) -> Option<String> {
    let query = url.split_once('?')?.1;
    form_urlencoded::parse(query.as_bytes()).find(|(k, _)| k == name).map(|(_, v)| v.into_owned())
}

/// `url` with `params` as its query.
pub fn with_query(url: &str, params: &[(&str, &str)]) -> String {
    let query: String = form_urlencoded::Serializer::new(String::new()).extend_pairs(params).finish();
    format!("{url}?{query}")
}

/// The claims of a JWT (not checked: the tests look at what a provider put there).
pub fn jwt_claims(token: &str) -> Value {
    let payload = token.split('.').nth(1).unwrap_or_else(|| panic!("not a JWT: {} characters", token.len()));
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload).expect("base64url claims");
    serde_json::from_slice(&bytes).expect("JSON claims")
}

/// Where a visit ended: a redirect to the client (not followed), or a page of the provider.
#[derive(Debug)]
pub enum Visit {
    Redirected(String),
    Page(u16, String),
}

impl Visit {
    /// The redirect to the client, or a panic naming the page.
    pub fn callback(self) -> String {
        match self {
            Visit::Redirected(url) => url,
            Visit::Page(status, body) => panic!("HTTP {status} instead of a redirect to the client: {body:.400}"),
        }
    }
}

/// A browser: curl with a cookie jar, signing in as `user` (the `X-Peer-User` header), declining
/// when told to (`X-Peer-Decision: deny`).
pub struct Browser {
    jar: PathBuf,
    headers: Vec<String>,
}

impl Browser {
    pub fn new(dir: &Path, user: &str) -> Browser {
        Browser { jar: dir.join(format!("jar-{}", random())), headers: vec![format!("X-Peer-User: {user}")] }
    }

    /// The same person, saying no at the sign-in.
    pub fn declining(mut self) -> Browser {
        self.headers.push("X-Peer-Decision: deny".to_string());
        self
    }

    /// One request (`data`: a form to POST); the status, the redirect target and the body.
    fn request(&self, url: &str, data: Option<&str>) -> (u16, String, String) {
        let mut command = Command::new("curl");
        command.args(["-s", "-o", "-", "-w", "\n%{http_code} %{redirect_url}", "--max-time", "20"]);
        command.arg("-b").arg(&self.jar).arg("-c").arg(&self.jar);
        for header in &self.headers {
            command.arg("-H").arg(header);
        }
        if let Some(data) = data {
            command.arg("--data").arg(data);
        }
        let out = command.arg(url).stdin(Stdio::null()).output().expect("curl runs");
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        let (body, last) = text.rsplit_once('\n').unwrap_or(("", &text));
        let (status, location) = last.split_once(' ').unwrap_or((last, ""));
        (status.trim().parse().unwrap_or(0), location.trim().to_string(), body.to_string())
    }

    /// Follow redirects from `url` (a POST of `data` first, if any) until one goes to `client`
    /// (returned, not fetched) or a page answers.
    pub fn visit(&self, url: &str, data: Option<&str>, client: &str) -> Visit {
        let (mut status, mut location, mut body) = self.request(url, data);
        for _ in 0..20 {
            if !(300..400).contains(&status) || location.is_empty() {
                return Visit::Page(status, body);
            }
            if location.starts_with(client) {
                return Visit::Redirected(location);
            }
            (status, location, body) = self.request(&location, None);
        }
        panic!("more than 20 redirects from {url}");
    }

    /// An authorization request: where it ended (the client is the redirect URI's origin).
    pub fn authorize(&self, url: &str, redirect_uri: &str) -> Visit {
        let origin: String = redirect_uri.splitn(4, '/').take(3).collect::<Vec<_>>().join("/");
        self.visit(url, None, &origin)
    }
}

/// A form of a page: where it posts and its hidden fields.
pub struct Form {
    pub action: String,
    pub fields: Vec<(String, String)>,
}

fn unescape(value: &str) -> String {
    value.replace("&quot;", "\"").replace("&#39;", "'").replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
}

/// The value of attribute `name` in the text of one tag.
fn attribute(tag: &str, name: &str) -> Option<String> {
    let start = tag.find(&format!(" {name}=\""))? + name.len() + 3;
    let end = tag[start..].find('"')?;
    Some(unescape(&tag[start..start + end]))
}

impl Form {
    /// The first form of `page` (relative actions resolved against `base`, an origin).
    pub fn of(page: &str, base: &str) -> Option<Form> {
        let start = page.find("<form")?;
        let end = start + page[start..].find("</form>")?;
        let form = &page[start..end];
        let tag = &form[..form.find('>')?];
        let action = attribute(tag, "action")?;
        let action = if action.starts_with('/') { format!("{base}{action}") } else { action };
        let mut fields = Vec::new();
        for input in form.split("<input").skip(1) {
            let tag = &input[..input.find('>').unwrap_or(input.len())];
            let tag = tag.split_whitespace().collect::<Vec<_>>().join(" ");
            let tag = format!(" {tag}");
            if attribute(&tag, "type").as_deref() == Some("hidden")
                && let (Some(name), Some(value)) = (attribute(&tag, "name"), attribute(&tag, "value"))
            {
                fields.push((name, value));
            }
        }
        Some(Form { action, fields })
    }

    fn encoded(&self, extra: &[(&str, &str)]) -> String {
        let mut serializer = form_urlencoded::Serializer::new(String::new());
        for (name, value) in &self.fields {
            serializer.append_pair(name, value);
        }
        serializer.extend_pairs(extra).finish()
    }
}

/// What the person saw at the end of a device login.
#[derive(Debug)]
pub struct DevicePage {
    pub status: u16,
    pub text: String,
}

/// A person who opens `verification_uri` in `browser`, types `user_code`, and on the confirmation
/// page continues (`approve`) or aborts. The last page.
pub fn enter_user_code(browser: &Browser, verification_uri: &str, user_code: &str, approve: bool) -> DevicePage {
    let origin: String = verification_uri.splitn(4, '/').take(3).collect::<Vec<_>>().join("/");
    let page = match browser.visit(verification_uri, None, "none:") {
        Visit::Page(_, body) => body,
        other => panic!("the verification page redirected: {other:?}"),
    };
    let form = Form::of(&page, &origin).unwrap_or_else(|| panic!("no form on the verification page: {page:.400}"));
    let page = match browser.visit(&form.action, Some(&form.encoded(&[("user_code", user_code)])), "none:") {
        Visit::Page(_, body) => body,
        other => panic!("the user code form redirected out: {other:?}"),
    };
    let form = Form::of(&page, &origin).unwrap_or_else(|| panic!("no confirmation form: {page:.400}"));
    let decision: &[(&str, &str)] = if approve { &[] } else { &[("abort", "yes")] };
    match browser.visit(&form.action, Some(&form.encoded(decision)), "none:") {
        Visit::Page(status, body) => DevicePage { status, text: body },
        other => panic!("the confirmation redirected out: {other:?}"),
    }
}

/// The `whoami` answer of the peer's MCP endpoint for `token` ("<subject> via <client>").
pub fn whoami(peer: &Peer, token: &str) -> String {
    let (status, answer) =
        peer.mcp_request(token, "tools/call", serde_json::json!({"name": "whoami", "arguments": {}}));
    assert_eq!(status, 200, "whoami: {answer}\n{}", peer.log_text());
    answer["result"]["content"][0]["text"].as_str().unwrap_or_default().to_string()
}

/// The challenge of the MCP endpoint's last refusal (its request log keeps the header).
pub fn last_challenge(peer: &Peer) -> String {
    let refusals: Vec<Value> =
        peer.requests_to("/mcp").into_iter().filter(|r| r["status"].as_u64().is_some_and(|s| s >= 400)).collect();
    let last = refusals.last().unwrap_or_else(|| panic!("no refusal at /mcp\n{}", peer.log_text()));
    last["www_authenticate"].as_str().unwrap_or_default().to_string()
}
