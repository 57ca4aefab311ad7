//! Tests of `loopback.rs`.

use super::*;

#[tokio::test]
async fn one_callback_at_the_secret_path() {
    let listener = Listener::bind(0, "/callback/abc").await.expect("bind");
    let uri = listener.redirect_uri();
    assert!(uri.starts_with("http://127.0.0.1:"), "{uri}");
    let port = listener.port();
    let waiter = tokio::spawn(listener.wait(|p| p.get("code").cloned().ok_or_else(|| "no code".to_string())));
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
    let waiter = tokio::spawn(listener.wait(|_| Ok::<_, String>(())));
    let mut s = TcpStream::connect(("127.0.0.1", port)).await.expect("connect");
    let _ = s.write_all(&vec![b'a'; MAX_HEAD + 2048]).await;
    let mut out = String::new();
    let _ = s.read_to_string(&mut out).await;
    assert!(out.starts_with("HTTP/1.1 400"), "{out}");
    assert!(!waiter.is_finished());
    waiter.abort();
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
