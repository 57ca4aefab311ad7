//! One connection to the loopback listener: whose it is (`peer.rs`), its request head (capped,
//! timed out), and the answer the listener settles on; someone else's gets 403 at once.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, mpsc, oneshot};

use super::peer::Owner;

/// Largest request head the listener reads, and longest line read on stdin.
pub(super) const MAX_HEAD: usize = 8 * 1024;

/// How long one connection may take to send its request head.
const HEAD_TIMEOUT: Duration = Duration::from_secs(10);
/// Owner lookups at once (each may read the system's socket tables).
const LOOKUPS: usize = 4;
/// How the owner of a connection from a peer to the listener is found.
pub(super) type OwnerOf = fn(local: SocketAddr, peer: SocketAddr) -> Owner;

/// What reached the listener.
pub(super) enum Event {
    Request(Incoming),
    /// A connection of someone else, answered 403.
    Refused(Owner),
}

/// One request that reached the listener, waiting for its answer.
pub(super) struct Incoming {
    pub target: String,
    pub answer: oneshot::Sender<Answer>,
    /// Fires once the answer is written (or could not be).
    pub written: oneshot::Receiver<()>,
}

/// What the listener answers one request.
pub(super) struct Answer {
    pub status: u16,
    pub body: String,
    pub location: Option<String>,
}

impl Answer {
    pub fn page(status: u16, title: &str, text: &str) -> Answer {
        Answer { status, body: page(title, text), location: None }
    }
}

/// Accept connections for good (the listener aborts this task when it is done).
pub(super) async fn accept_loop(listener: TcpListener, tx: mpsc::Sender<Event>, owner_of: OwnerOf) {
    let lookups = Arc::new(Semaphore::new(LOOKUPS));
    loop {
        let Ok((stream, peer)) = listener.accept().await else { continue };
        let tx = tx.clone();
        let lookups = lookups.clone();
        tokio::spawn(async move {
            let owner = owner(&stream, peer, owner_of, &lookups).await;
            let _ = tokio::time::timeout(HEAD_TIMEOUT * 2, serve(stream, owner, tx)).await;
        });
    }
}

/// Whose connection this is, looked up at once: the connecting socket is listed only while
/// it is open.
async fn owner(stream: &TcpStream, peer: SocketAddr, owner_of: OwnerOf, lookups: &Semaphore) -> Owner {
    let local = match stream.local_addr() {
        Ok(local) => local,
        Err(e) => return Owner::Unknown(format!("the connection has no address: {e}")),
    };
    let Ok(_permit) = lookups.acquire().await else {
        return Owner::Unknown("the listener is closing".into());
    };
    tokio::task::spawn_blocking(move || owner_of(local, peer))
        .await
        .unwrap_or_else(|e| Owner::Unknown(format!("the lookup failed: {e}")))
}

/// Read one request head; hand its target over (or, from someone else, only the refusal);
/// write the answer.
async fn serve(mut stream: TcpStream, owner: Owner, tx: mpsc::Sender<Event>) {
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
    if !owner.served() {
        // Read first, answered after: closing on an unread request would reset the connection
        // before the page arrives.
        let _ = respond(&mut stream, refusal_page(&owner)).await;
        // A connection that asked nothing and is gone (a browser's spare one) can leave no
        // owner behind; not worth a line unless it came from someone else.
        let asked = matches!(complete, Ok(Some(())));
        if asked || matches!(owner, Owner::Other(_)) {
            let _ = tx.send(Event::Refused(owner)).await;
        }
        return;
    }
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
    if tx.send(Event::Request(Incoming { target: target.to_string(), answer, written })).await.is_err() {
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
        403 => "Forbidden",
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

/// What a connection of someone else is told.
fn refusal_page(owner: &Owner) -> Answer {
    let text = match owner {
        Owner::Other(_) => {
            "This sign-in was started by another user of this computer. Only their own browser can finish it."
        }
        _ => {
            "agentview could not tell which user of this computer this connection belongs to, so it did not answer it. \
              The terminal says how to finish the sign-in."
        }
    };
    Answer::page(403, "Not your sign-in", text)
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
