//! The redirect's way back (RFC 8252): a one-shot HTTP listener on 127.0.0.1 at an unguessable
//! path, and the same callback pasted on stdin for a browser on another machine.
//!
//! The browser is not given the authorization URL itself: every local user can read a
//! process's argv, and with this login's `state` and PKCE challenge a co-user could start an
//! authorization of their own and have this login take their code. It gets a one-time address
//! on this listener instead (`/start/<random>`), which redirects once to the authorization URL
//! and answers 410 after that. That address is in the browser's argv in turn, so the listener
//! answers only connections of the user agentview runs as, where the system can tell
//! (`peer.rs`); others get 403, use up nothing and end nothing, and the terminal is told.

use std::collections::HashMap;
use std::io::BufRead;
use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use reqwest::Url;
use tokio::net::TcpListener;
use tokio::sync::mpsc;

use super::peer::{self, Owner};
use super::serve::{Answer, Event, MAX_HEAD, OwnerOf, accept_loop};

/// Distinct refused owners the terminal is told about.
const MAX_TOLD: usize = 8;

/// The query parameters of a callback.
pub type Params = HashMap<String, String>;

/// A loopback redirect URI the user names (`--redirect-uri`): the one their client is
/// registered with. Only the port may be left open (RFC 8252 section 7.3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedirectUri {
    /// `127.0.0.1` or `localhost`, as given.
    pub host: String,
    pub port: Option<u16>,
    pub path: String,
}

impl RedirectUri {
    /// `http://127.0.0.1[:PORT]/PATH` or `http://localhost[:PORT]/PATH`.
    pub fn parse(raw: &str) -> Result<RedirectUri, String> {
        let url = Url::parse(raw.trim()).map_err(|_| format!("\"{raw}\" is not a URL"))?;
        if url.scheme() != "http" {
            return Err("a loopback redirect URI is plain http (RFC 8252 section 7.3)".into());
        }
        let host = match url.host_str() {
            Some("127.0.0.1") => "127.0.0.1",
            Some(h) if h.eq_ignore_ascii_case("localhost") => "localhost",
            _ => return Err("the host must be 127.0.0.1 or localhost: agentview listens on this machine".into()),
        };
        if !url.username().is_empty() || url.password().is_some() || url.query().is_some() || url.fragment().is_some() {
            return Err("no user, query or fragment: only http://HOST[:PORT]/PATH".into());
        }
        if url.port() == Some(0) {
            return Err("port 0 is no port; leave the port out to use any free one".into());
        }
        Ok(RedirectUri { host: host.into(), port: url.port(), path: url.path().to_string() })
    }
}

/// A listener waiting for the authorization server's redirect.
#[derive(Debug)]
pub struct Listener {
    listener: TcpListener,
    port: u16,
    /// The host the redirect URI names (`127.0.0.1` unless the user's redirect URI says
    /// `localhost`); the listener is on 127.0.0.1 either way.
    host: String,
    path: String,
    /// The one-time address handed to the browser, and where it leads.
    start: Option<(String, Url)>,
    owner_of: OwnerOf,
}

impl Listener {
    /// Listen on 127.0.0.1 (a literal IP, not `localhost`) at `port` (0: any free one).
    pub async fn bind(port: u16, path: &str) -> std::io::Result<Listener> {
        let listener = TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, port))).await?;
        let port = listener.local_addr()?.port();
        let host = "127.0.0.1".into();
        Ok(Listener { listener, port, host, path: path.to_string(), start: None, owner_of: peer::owner })
    }

    /// The one-time address that leads the browser to `target` (see the module's doc).
    pub fn start_url(&mut self, target: &Url) -> Result<Url, getrandom::Error> {
        let path = format!("/start/{}", super::pkce::random_token(16)?);
        let url = Url::parse(&format!("http://{}:{}{path}", self.host, self.port)).unwrap_or_else(|_| target.clone());
        self.start = Some((path, target.clone()));
        Ok(url)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Serve the callback at `path` instead (a listener bound before the path was known).
    pub fn at_path(mut self, path: &str) -> Listener {
        self.path = path.to_string();
        self
    }

    /// Name the listener `host` in the redirect URI (`localhost`, when the user's does).
    pub fn named(mut self, host: &str) -> Listener {
        self.host = host.to_string();
        self
    }

    pub fn redirect_uri(&self) -> String {
        format!("http://{}:{}{}", self.host, self.port, self.path)
    }

    /// Find the owner of connections with `owner_of` instead (tests: another user's browser).
    #[cfg(test)]
    fn owned_by(mut self, owner_of: OwnerOf) -> Listener {
        self.owner_of = owner_of;
        self
    }

    /// Serve until one request reaches our path; `judge` decides what the browser is told
    /// (`Ok`: the tab can be closed; `Err(why)`: the login failed). Other paths get 404.
    /// Connections of another user are refused before their request is looked at; `refused`
    /// hears of the first from each owner.
    pub async fn wait<T, E: std::fmt::Display>(
        self,
        mut judge: impl FnMut(&Params) -> Result<T, E>,
        mut refused: impl FnMut(&Owner),
    ) -> Result<T, E> {
        let (tx, mut rx) = mpsc::channel::<Event>(8);
        let accept = tokio::spawn(accept_loop(self.listener, tx, self.owner_of));
        let mut start = self.start;
        let mut told: Vec<Option<u32>> = Vec::new();
        let result = loop {
            let incoming = match rx.recv().await {
                Some(Event::Request(incoming)) => incoming,
                Some(Event::Refused(owner)) => {
                    let who = match owner {
                        Owner::Other(uid) => Some(uid),
                        _ => None,
                    };
                    if told.len() < MAX_TOLD && !told.contains(&who) {
                        told.push(who);
                        refused(&owner);
                    }
                    continue;
                }
                None => {
                    // The accept loop never ends on its own: nothing can arrive any more.
                    std::future::pending::<()>().await;
                    continue;
                }
            };
            let (path, query) = match incoming.target.split_once('?') {
                Some((p, q)) => (p.to_string(), q.to_string()),
                None => (incoming.target.clone(), String::new()),
            };
            if let Some((start_path, target)) = &start
                && path == *start_path
            {
                let location = Some(target.to_string());
                let _ = incoming.answer.send(Answer { status: 302, body: String::new(), location });
                // Once only: a second visit finds the address used up.
                start = None;
                continue;
            }
            if path.starts_with("/start/") {
                let text = "This sign-in address was already used. Start again from the terminal.";
                let _ = incoming.answer.send(Answer::page(410, "Already used", text));
                continue;
            }
            if path != self.path {
                let _ = incoming.answer.send(Answer::page(404, "Not found", "Nothing here."));
                continue;
            }
            let params = parse_query(&query);
            let verdict = judge(&params);
            let answer = match &verdict {
                Ok(_) => {
                    Answer::page(200, "Signed in", "agentview received the authorization. You can close this tab.")
                }
                Err(why) => Answer::page(200, "Sign-in failed", &why.to_string()),
            };
            let _ = incoming.answer.send(answer);
            // The browser gets its page before the listener goes away.
            let _ = tokio::time::timeout(Duration::from_secs(1), incoming.written).await;
            break verdict;
        };
        accept.abort();
        result
    }
}

/// The terminal's line about a refused connection; `pasting`: the redirect can be pasted here.
pub fn refusal_line(owner: &Owner, pasting: bool) -> String {
    match owner {
        Owner::Other(uid) => format!(
            "refused a connection to this login's address from another local user (uid {uid}); only your own browser can finish this login"
        ),
        Owner::Unknown(why) => {
            let then = if pasting {
                "open the URL above yourself and paste the address your browser ends up at here"
            } else {
                "log in with --no-browser and paste the address your browser ends up at"
            };
            format!(
                "refused a connection to this login's address whose owner could not be determined ({why}); if it was your browser, {then}"
            )
        }
        Owner::Same | Owner::Unchecked => String::new(),
    }
}

pub fn parse_query(query: &str) -> Params {
    url::form_urlencoded::parse(query.as_bytes()).into_owned().collect()
}

/// Lines typed or pasted on stdin, read on a thread (stdin has no async reader that can be
/// abandoned). Each line is at most 8 KiB; the channel closes at end of input.
pub fn stdin_lines() -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel(4);
    std::thread::spawn(move || {
        let stdin = std::io::stdin();
        let mut reader = std::io::Read::take(stdin.lock(), 1024 * 1024);
        let mut line = String::new();
        loop {
            line.clear();
            match std::io::Read::take(&mut reader, MAX_HEAD as u64).read_line(&mut line) {
                Ok(0) | Err(_) => break,
                Ok(_) => {
                    if tx.blocking_send(line.trim().to_string()).is_err() {
                        break;
                    }
                }
            }
        }
    });
    rx
}

/// The callback parameters in a pasted line: the whole redirected URL, or its query string.
pub fn pasted_params(line: &str, redirect_uri: &str) -> Result<Params, String> {
    let line = line.trim();
    if let Ok(url) = Url::parse(line) {
        let expected = Url::parse(redirect_uri).map_err(|_| "internal: bad redirect URI".to_string())?;
        if url.host_str() != expected.host_str() || url.port() != expected.port() || url.path() != expected.path() {
            return Err("that is not the URL agentview is waiting for; paste the address your browser was sent to \
                 (it starts with the redirect address shown above)"
                .into());
        }
        return Ok(parse_query(url.query().unwrap_or_default()));
    }
    let query = line.trim_start_matches('?');
    let params = parse_query(query);
    if params.contains_key("code") || params.contains_key("error") {
        return Ok(params);
    }
    Err("paste the whole address your browser was sent to (it contains code= and state=)".into())
}

#[cfg(test)]
#[path = "loopback_tests.rs"]
mod tests;
