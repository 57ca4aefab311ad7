//! Tests of `loopback.rs`.

use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

use super::*;

#[tokio::test]
async fn one_callback_at_the_secret_path() {
    let listener = Listener::bind(0, "/callback/abc").await.expect("bind");
    let uri = listener.redirect_uri();
    assert!(uri.starts_with("http://127.0.0.1:"), "{uri}");
    let port = listener.port();
    let waiter = tokio::spawn(listener.wait(|p| p.get("code").cloned().ok_or_else(|| "no code".to_string()), |_| {}));
    let get = |path: &'static str| async move {
        let mut s = TcpStream::connect(("127.0.0.1", port)).await.expect("connect");
        s.write_all(format!("GET {path} HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes()).await.expect("write");
        let mut out = String::new();
        s.read_to_string(&mut out).await.expect("read");
        out
    };
    // An idle connection (a browser's preconnect) must not hold up the callback.
    let _idle = TcpStream::connect(("127.0.0.1", port)).await.expect("connect");
    assert!(get("/favicon.ico").await.starts_with("HTTP/1.1 404"));
    assert!(get("/callback/abc?code=c1&state=s").await.contains("close this tab"));
    assert_eq!(waiter.await.expect("join"), Ok("c1".to_string()));
}

#[tokio::test]
async fn an_oversized_head_is_refused() {
    let listener = Listener::bind(0, "/cb").await.expect("bind");
    let port = listener.port();
    let waiter = tokio::spawn(listener.wait(|_| Ok::<_, String>(()), |_| {}));
    let mut s = TcpStream::connect(("127.0.0.1", port)).await.expect("connect");
    let _ = s.write_all(&vec![b'a'; MAX_HEAD + 2048]).await;
    let mut out = String::new();
    let _ = s.read_to_string(&mut out).await;
    assert!(out.starts_with("HTTP/1.1 400"), "{out}");
    assert!(!waiter.is_finished());
    waiter.abort();
}

/// Local ports of connections the tests call another user's.
static FOREIGN: Mutex<Vec<u16>> = Mutex::new(Vec::new());

/// Another user's (uid 4242) where the connection's port is in [`FOREIGN`], else ours.
fn foreign_or_ours(_: SocketAddr, peer: SocketAddr) -> Owner {
    if FOREIGN.lock().expect("lock").contains(&peer.port()) { Owner::Other(4242) } else { Owner::Same }
}

/// `GET path` to the listener at `port`, from another user's connection when `foreign`.
async fn get(port: u16, path: &str, foreign: bool) -> String {
    let socket = TcpSocket::new_v4().expect("socket");
    socket.bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0))).expect("bind");
    if foreign {
        FOREIGN.lock().expect("lock").push(socket.local_addr().expect("addr").port());
    }
    let mut s = socket.connect(SocketAddr::from((Ipv4Addr::LOCALHOST, port))).await.expect("connect");
    s.write_all(format!("GET {path} HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes()).await.expect("write");
    let mut out = String::new();
    s.read_to_string(&mut out).await.expect("read");
    out
}

/// A listener whose one-time start address leads to an authorization URL, waiting for a code;
/// the owners it tells of, and its start path.
async fn waiting(
    owner_of: OwnerOf,
) -> (u16, String, Arc<Mutex<Vec<Owner>>>, tokio::task::JoinHandle<Result<String, String>>) {
    let mut listener = Listener::bind(0, "/callback/abc").await.expect("bind").owned_by(owner_of);
    let target = Url::parse("https://as.example/authorize?state=s").expect("url");
    let start = listener.start_url(&target).expect("start").path().to_string();
    let port = listener.port();
    let told = Arc::new(Mutex::new(Vec::new()));
    let heard = told.clone();
    let judge = |p: &Params| p.get("code").cloned().ok_or_else(|| "no code".to_string());
    let waiter = tokio::spawn(listener.wait(judge, move |owner| heard.lock().expect("lock").push(owner.clone())));
    (port, start, told, waiter)
}

#[tokio::test]
async fn another_users_connections_use_up_nothing_and_end_nothing() {
    let (port, start, told, waiter) = waiting(foreign_or_ours).await;
    for path in [start.as_str(), "/callback/abc?code=theirs&state=s", start.as_str(), "/favicon.ico"] {
        let answer = get(port, path, true).await;
        assert!(answer.starts_with("HTTP/1.1 403"), "{path}: {answer}");
        assert!(answer.contains("another user of this computer"), "{answer}");
        assert!(!answer.contains("as.example"), "the start address led nowhere: {answer}");
    }
    assert!(!waiter.is_finished(), "their callback ended nothing");
    let redirect = get(port, &start, false).await;
    assert!(redirect.starts_with("HTTP/1.1 302"), "the start address is still unused: {redirect}");
    assert!(redirect.contains("Location: https://as.example/authorize?state=s\r\n"), "{redirect}");
    assert!(get(port, "/callback/abc?code=ours&state=s", false).await.contains("close this tab"));
    assert_eq!(waiter.await.expect("join"), Ok("ours".to_string()));
    assert_eq!(*told.lock().expect("lock"), vec![Owner::Other(4242)], "told once of each owner");
}

/// No owner can be told, for any connection; the reason names its port.
fn unknown(_: SocketAddr, peer: SocketAddr) -> Owner {
    Owner::Unknown(format!("port {}", peer.port()))
}

#[tokio::test]
async fn connections_of_no_known_owner_are_refused() {
    let (port, start, told, waiter) = waiting(unknown).await;
    // A connection that asks nothing (a browser's spare one) is answered and not told of.
    let mut spare = TcpStream::connect((Ipv4Addr::LOCALHOST, port)).await.expect("connect");
    spare.shutdown().await.expect("shutdown");
    let mut answer = String::new();
    spare.read_to_string(&mut answer).await.expect("read");
    assert!(answer.starts_with("HTTP/1.1 403"), "{answer}");
    let mut asking = TcpStream::connect((Ipv4Addr::LOCALHOST, port)).await.expect("connect");
    let asking_port = asking.local_addr().expect("addr").port();
    asking.write_all(format!("GET {start} HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes()).await.expect("write");
    let mut answer = String::new();
    asking.read_to_string(&mut answer).await.expect("read");
    assert!(answer.starts_with("HTTP/1.1 403") && answer.contains("could not tell"), "{answer}");
    let answer = get(port, "/callback/abc?code=c&state=s", false).await;
    assert!(answer.starts_with("HTTP/1.1 403"), "{answer}");
    while told.lock().expect("lock").is_empty() {
        tokio::task::yield_now().await;
    }
    assert!(!waiter.is_finished());
    waiter.abort();
    assert_eq!(*told.lock().expect("lock"), vec![Owner::Unknown(format!("port {asking_port}"))]);
}

#[test]
fn the_terminal_hears_one_line_per_refusal() {
    let other = refusal_line(&Owner::Other(1001), false);
    assert!(other.contains("another local user (uid 1001)"), "{other}");
    let unknown = Owner::Unknown("no table".into());
    let pasting = refusal_line(&unknown, true);
    assert!(pasting.contains("(no table)") && pasting.contains("paste the address"), "{pasting}");
    assert!(refusal_line(&unknown, false).contains("--no-browser"));
    for line in [other, pasting, refusal_line(&unknown, false)] {
        assert!(!line.contains('\n'), "{line}");
    }
}

#[test]
fn pasted_lines() {
    let uri = "http://127.0.0.1:5000/callback/x";
    let p = pasted_params("  http://127.0.0.1:5000/callback/x?code=a&state=b&iss=http%3A%2F%2Fas ", uri).expect("ok");
    assert_eq!(p.get("code").map(String::as_str), Some("a"));
    assert_eq!(p.get("iss").map(String::as_str), Some("http://as"));
    assert!(pasted_params("http://127.0.0.1:5001/callback/x?code=a&state=b", uri).is_err());
    assert!(pasted_params("http://evil.example/callback/x?code=a&state=b", uri).is_err());
    assert_eq!(pasted_params("?code=a&state=b", uri).expect("query").len(), 2);
    assert!(pasted_params("just-a-code", uri).is_err());
}

#[test]
fn redirect_uris_the_user_names() {
    let ok = |raw: &str| RedirectUri::parse(raw).expect(raw);
    assert_eq!(
        ok("http://127.0.0.1/callback"),
        RedirectUri { host: "127.0.0.1".into(), port: None, path: "/callback".into() }
    );
    assert_eq!(ok("http://LOCALHOST:8765/oauth/cb").host, "localhost");
    assert_eq!(ok("http://localhost:8765/oauth/cb").port, Some(8765));
    assert_eq!(ok("http://127.0.0.1:9").path, "/");
    for bad in [
        "https://127.0.0.1/callback",
        "http://example.com/callback",
        "http://127.0.0.2/callback",
        "http://[::1]/callback",
        "http://127.0.0.1/callback?x=1",
        "http://127.0.0.1/callback#f",
        "http://u:p@127.0.0.1/callback",
        "http://127.0.0.1:0/callback",
        "127.0.0.1/callback",
    ] {
        assert!(RedirectUri::parse(bad).is_err(), "{bad}");
    }
}
