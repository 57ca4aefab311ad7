//! The redirect's way back (RFC 8252): a one-shot HTTP listener on 127.0.0.1 at an unguessable
//! path, and the same callback pasted on stdin for a browser on another machine.
//!
//! The browser is not given the authorization URL itself: every local user can read a
//! process's argv, and with this login's `state` and PKCE challenge a co-user could start an
//! authorization of their own and have this login take their code. It gets a one-time address
//! on this listener instead (`/start/<random>`), which redirects once to the authorization URL
//! and answers 410 after that.

use std::collections::HashMap;
use std::io::BufRead;
use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use reqwest::Url;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, oneshot};

/// Largest request head the listener reads.
const MAX_HEAD: usize = 8 * 1024;
/// How long one connection may take to send its request head.
const HEAD_TIMEOUT: Duration = Duration::from_secs(10);

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
}

/// One request that reached the listener, waiting for its answer.
struct Incoming {
    target: String,
    answer: oneshot::Sender<Answer>,
    /// Fires once the answer is written (or could not be).
    written: oneshot::Receiver<()>,
}

/// What the listener answers one request.
struct Answer {
    status: u16,
    body: String,
    location: Option<String>,
}

impl Answer {
    fn page(status: u16, title: &str, text: &str) -> Answer {
        Answer { status, body: page(title, text), location: None }
    }
}

impl Listener {
    /// Listen on 127.0.0.1 (a literal IP, not `localhost`) at `port` (0: any free one).
    pub async fn bind(port: u16, path: &str) -> std::io::Result<Listener> {
        let listener = TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, port))).await?;
        let port = listener.local_addr()?.port();
        Ok(Listener { listener, port, host: "127.0.0.1".into(), path: path.to_string(), start: None })
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

    /// Serve until one request reaches our path; `judge` decides what the browser is told
    /// (`Ok`: the tab can be closed; `Err(why)`: the login failed). Other paths get 404.
    pub async fn wait<T, E: std::fmt::Display>(self, mut judge: impl FnMut(&Params) -> Result<T, E>) -> Result<T, E> {
        let (tx, mut rx) = mpsc::channel::<Incoming>(8);
        let accept = tokio::spawn(accept_loop(self.listener, tx));
        let mut start = self.start;
        let result = loop {
            let Some(incoming) = rx.recv().await else {
                // The accept loop never ends on its own: nothing can arrive any more.
                std::future::pending::<()>().await;
                continue;
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

async fn accept_loop(listener: TcpListener, tx: mpsc::Sender<Incoming>) {
    loop {
        let Ok((stream, _)) = listener.accept().await else { continue };
        let tx = tx.clone();
        tokio::spawn(async move {
            let _ = tokio::time::timeout(HEAD_TIMEOUT * 2, serve(stream, tx)).await;
        });
    }
}

/// Read one request head, hand its target over, write the answer.
async fn serve(mut stream: TcpStream, tx: mpsc::Sender<Incoming>) {
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    let complete = tokio::time::timeout(HEAD_TIMEOUT, async {
        loop {
            let n = stream.read(&mut buf).await.ok()?;
            if n == 0 {
                return None;
            }
            head.extend_from_slice(&buf[..n]);
            if head.windows(4).any(|w| w == b"\r\n\r\n") || head.windows(2).any(|w| w == b"\n\n") {
                return Some(());
            }
            if head.len() > MAX_HEAD {
                return None;
            }
        }
    })
    .await;
    let Ok(Some(())) = complete else {
        let _ = respond(&mut stream, Answer::page(400, "Bad request", "The request was not understood.")).await;
        return;
    };
    let line = head.split(|&b| b == b'\n').next().unwrap_or_default();
    let line = String::from_utf8_lossy(line);
    let mut words = line.split_whitespace();
    let (Some("GET"), Some(target)) = (words.next(), words.next()) else {
        let _ = respond(&mut stream, Answer::page(405, "Not allowed", "Only GET is served here.")).await;
        return;
    };
    let (answer, answered) = oneshot::channel();
    let (done, written) = oneshot::channel();
    if tx.send(Incoming { target: target.to_string(), answer, written }).await.is_err() {
        return;
    }
    if let Ok(answer) = answered.await {
        let _ = respond(&mut stream, answer).await;
    }
    let _ = done.send(());
}

async fn respond(stream: &mut TcpStream, answer: Answer) -> std::io::Result<()> {
    let Answer { status, body, location } = answer;
    let reason = match status {
        200 => "OK",
        302 => "Found",
        404 => "Not Found",
        405 => "Method Not Allowed",
        410 => "Gone",
        _ => "Bad Request",
    };
    // The target is a URL we built and checked; no line breaks can be in it.
    let location = location.map(|l| format!("Location: {l}\r\n")).unwrap_or_default();
    let head = format!(
        "HTTP/1.1 {status} {reason}\r\n{location}Content-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\n\
         Cache-Control: no-store\r\nReferrer-Policy: no-referrer\r\nX-Frame-Options: DENY\r\n\
         Content-Security-Policy: default-src 'none'; style-src 'unsafe-inline'\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await?;
    stream.write_all(body.as_bytes()).await?;
    stream.shutdown().await
}

fn page(title: &str, text: &str) -> String {
    let escape = |s: &str| s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;");
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>agentview: {t}</title>\
         <style>body{{font:16px/1.5 system-ui,sans-serif;margin:15vh auto;max-width:32em;padding:0 1em;color:#0f172a}}\
         h1{{font-size:22px}}</style></head><body><h1>{t}</h1><p>{x}</p></body></html>",
        t = escape(title),
        x = escape(text)
    )
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
