//! Attacks agentview already withstands, kept so they stay withstood: redirects are reported and
//! never followed, a body that drips in slowly is cut off by the request timeout, and a
//! callback listener flooded with idle connections still takes the real redirect.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use super::support::cli::Agentview;

/// A listener that counts the connections it gets and answers each with `answer` (raw bytes);
/// `drip` sends them one byte at a time, 100 ms apart.
fn listener(answer: String, drip: bool) -> (u16, Arc<AtomicUsize>) {
    let socket = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = socket.local_addr().unwrap().port();
    let hits = Arc::new(AtomicUsize::new(0));
    let counted = hits.clone();
    std::thread::spawn(move || {
        for stream in socket.incoming().flatten() {
            counted.fetch_add(1, Ordering::SeqCst);
            let answer = answer.clone();
            std::thread::spawn(move || serve(stream, &answer, drip));
        }
    });
    (port, hits)
}

fn serve(mut stream: TcpStream, answer: &str, drip: bool) {
    let mut head = [0u8; 8192];
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let _ = stream.read(&mut head);
    if !drip {
        let _ = stream.write_all(answer.as_bytes());
        return;
    }
    for byte in answer.bytes().cycle() {
        if stream.write_all(&[byte]).is_err() {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn error_line(stderr: &str) -> String {
    stderr.lines().find(|l| l.starts_with("error:")).unwrap_or_default().to_string()
}

#[test]
fn redirects_are_reported_and_never_followed() {
    let (elsewhere, followed) =
        listener("HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".into(), false);
    let redirect = format!(
        "HTTP/1.1 307 Temporary Redirect\r\nLocation: http://127.0.0.1:{elsewhere}/mcp\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    );
    let (port, _) = listener(redirect, false);
    let av = Agentview::new(&format!("http://127.0.0.1:{port}/mcp"));
    // The MCP endpoint redirects: reported with the target, not followed.
    let run = av.run(&["login", "--method", "session", "--no-browser"]).expect_code(7);
    assert!(error_line(&run.stderr).contains("redirects to"), "{}", run.stderr);
    // The protected-resource metadata redirects too: not followed either.
    let run = av.run(&["login", "--method", "oauth", "--no-browser"]).expect_code(7);
    let error = error_line(&run.stderr);
    assert!(error.contains("redirects to") || error.contains("offers no OAuth"), "{}", run.stderr);
    assert_eq!(followed.load(Ordering::SeqCst), 0, "a redirect was followed");
}

#[test]
fn a_body_that_drips_in_is_cut_off_by_the_request_timeout() {
    let answer = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{\"jsonrpc\":";
    let (port, _) = listener(answer.into(), true);
    let mut av = Agentview::new(&format!("http://127.0.0.1:{port}/mcp"));
    av.set("AGENTVIEW_REQUEST_TIMEOUT", "1").set("AGENTVIEW_RETRY_WAIT", "0.01");
    let run = av.run(&["login", "--method", "session", "--no-browser"]).expect_code(7);
    let error = error_line(&run.stderr);
    assert!(error.contains("no answer within") || error.contains("timed out"), "{}", run.stderr);
}

/// Unix: the "browser" is a shell script.
#[cfg(unix)]
#[test]
fn idle_connections_to_the_callback_port_do_not_block_the_redirect() {
    use super::support::server::{OAuthConfig, ServerConfig, TestServer};
    let server = TestServer::start(ServerConfig {
        oauth: Some(OAuthConfig { auto_approve: true, ..OAuthConfig::default() }),
        ..ServerConfig::default()
    });
    let mut av = Agentview::new(&server.mcp_url());
    // A "browser" that first opens 300 connections to the listener and leaves them idle, then
    // follows the login's redirects to it.
    let browser = super::support::cli::script(
        av.dir.path(),
        "browser",
        r#"exec python3 - "$1" <<'EOF'
import socket, subprocess, sys, urllib.parse
url = sys.argv[1]
parsed = urllib.parse.urlparse(url)
if parsed.hostname == "127.0.0.1":
    port = parsed.port
else:
    redirect = urllib.parse.parse_qs(parsed.query)["redirect_uri"][0]
    port = urllib.parse.urlparse(redirect).port
idle = [socket.create_connection(("127.0.0.1", port)) for _ in range(300)]
subprocess.run(["curl", "-fsSL", "-o", "/dev/null", url], check=True)
for s in idle:
    s.close()
EOF"#,
    );
    av.set("BROWSER", browser.to_str().unwrap());
    let run = av.run(&["login", "--method", "oauth"]);
    let run = run.expect_code(0);
    assert!(run.stderr.contains("Logged in to"), "{}", run.stderr);
    assert!(!av.token().is_empty());
}
