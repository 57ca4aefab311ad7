//! The OAuth login's approval-to-exit latency, and what a due refresh adds to `token`.
//!
//!     cargo bench --bench oauth_latency -- [LOGINS]      (default 30)
//!
//! Each login runs the real release binary against the local server's authorization server.
//! The harness plays the browser: it opens the printed authorization URL, approves, and then
//! delivers the redirect to agentview's loopback listener; the time from that callback to the
//! process exiting (credential stored) is recorded.
#![allow(clippy::print_stdout, clippy::print_stderr, clippy::unwrap_used)]

#[path = "../tests/support/server/mod.rs"]
pub mod server;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use server::{OAuthConfig, ServerConfig, TestServer};

const BIN: &str = env!("CARGO_BIN_EXE_agentview");

fn agentview(server: &TestServer, dir: &std::path::Path, args: &[&str]) -> Command {
    let mut command = Command::new(BIN);
    command
        .args(["--server", &server.mcp_url(), "--store", "file", "--config-dir"])
        .arg(dir)
        .args(args)
        .env_remove("DISPLAY")
        .env_remove("BROWSER")
        .env_remove("AGENTVIEW_BROWSER")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    command
}

/// GET `url` (http, no redirects) and return the status line.
fn get(url: &str) -> String {
    let rest = url.strip_prefix("http://").unwrap();
    let (host, path) = rest.split_at(rest.find('/').unwrap());
    let mut stream = TcpStream::connect(host).unwrap();
    write!(stream, "GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n").unwrap();
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    answer.lines().next().unwrap_or_default().to_string()
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// One OAuth login; the time from the callback to the process exit.
fn one_login(server: &TestServer, dir: &std::path::Path) -> Duration {
    let mut child = agentview(server, dir, &["login", "--method", "oauth", "--no-browser"]).spawn().unwrap();
    let stderr = BufReader::new(child.stderr.take().unwrap());
    let mut lines = stderr.lines();
    let url = loop {
        let line = lines.next().expect("agentview printed the URL").unwrap();
        if let Some(rest) = line.trim().strip_prefix("http://").filter(|l| l.contains("/authorize?")) {
            break format!("http://{rest}");
        }
    };
    let page = get(&url);
    assert!(page.contains("200"), "the approval page: {page}");
    let redirect = server.approve_pending_authorization().expect("a pending authorization");
    std::thread::spawn(move || for _ in lines {});
    let callback = Instant::now();
    assert!(get(&redirect).contains("200"), "the listener answered");
    let status = child.wait().unwrap();
    let latency = callback.elapsed();
    assert!(status.success(), "login failed: {status}");
    latency
}

/// Median wall time of `agentview token`, with `prepare` run before each timed run.
fn token_median(server: &TestServer, dir: &std::path::Path, runs: usize, prepare: impl Fn()) -> Duration {
    let mut times = Vec::new();
    for _ in 0..runs {
        prepare();
        let start = Instant::now();
        let out = agentview(server, dir, &["token"]).output().unwrap();
        times.push(start.elapsed());
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    }
    times.sort();
    percentile(&times, 0.5)
}

/// Make the stored access token look expired, so the next `token` must refresh.
fn expire(dir: &std::path::Path, server: &str) {
    let path = dir.join("credentials.json");
    let mut doc: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    doc["credentials"][server]["expires_at"] = serde_json::json!(1_000_000_000u64);
    std::fs::write(&path, serde_json::to_vec(&doc).unwrap()).unwrap();
}

/// Median round trip of a refresh grant at the token endpoint, straight from here.
fn refresh_round_trip(server: &TestServer, dir: &std::path::Path, runs: usize) -> Duration {
    let path = dir.join("credentials.json");
    let doc: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    let entry = &doc["credentials"][server.mcp_url().as_str()];
    let mut refresh = entry["oauth"]["refresh_token"].as_str().unwrap().to_string();
    let client_id = entry["oauth"]["client_id"].as_str().unwrap().to_string();
    let endpoint = entry["oauth"]["token_endpoint"].as_str().unwrap().to_string();
    let rest = endpoint.strip_prefix("http://").unwrap();
    let (host, path) = rest.split_at(rest.find('/').unwrap());
    let mut times = Vec::new();
    for _ in 0..runs {
        let body = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("grant_type", "refresh_token")
            .append_pair("refresh_token", &refresh)
            .append_pair("client_id", &client_id)
            .append_pair("resource", &server.mcp_url())
            .finish();
        let start = Instant::now();
        let mut stream = TcpStream::connect(host).unwrap();
        write!(
            stream,
            "POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/x-www-form-urlencoded\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).unwrap();
        times.push(start.elapsed());
        let json = &answer[answer.find("\r\n\r\n").unwrap() + 4..];
        let doc: serde_json::Value = serde_json::from_str(json).unwrap();
        refresh = doc["refresh_token"].as_str().expect("a rotated refresh token").to_string();
    }
    times.sort();
    percentile(&times, 0.5)
}

fn main() {
    let logins: usize = std::env::args().skip(1).find_map(|a| a.parse().ok()).unwrap_or(30);
    let mut latencies = Vec::new();
    for n in 0..logins {
        let server = TestServer::start(ServerConfig { oauth: Some(OAuthConfig::default()), ..ServerConfig::default() });
        let dir = tempfile::tempdir().unwrap();
        let latency = one_login(&server, dir.path());
        println!("login {n:2}: callback to exit {:.1} ms", ms(latency));
        latencies.push(latency);
    }
    latencies.sort();
    println!(
        "OAuth approval-to-exit over {logins} logins: median {:.1} ms, p90 {:.1} ms, max {:.1} ms",
        ms(percentile(&latencies, 0.5)),
        ms(percentile(&latencies, 0.9)),
        ms(*latencies.last().unwrap())
    );

    let server = TestServer::start(ServerConfig { oauth: Some(OAuthConfig::default()), ..ServerConfig::default() });
    let dir = tempfile::tempdir().unwrap();
    one_login(&server, dir.path());
    let fresh = token_median(&server, dir.path(), 50, || {});
    let due = token_median(&server, dir.path(), 50, || expire(dir.path(), &server.mcp_url()));
    let round_trip = refresh_round_trip(&server, dir.path(), 50);
    println!("token, no refresh due: median {:.2} ms", ms(fresh));
    println!("token, refresh due: median {:.2} ms", ms(due));
    println!("token endpoint round trip (refresh grant, from the harness): median {:.2} ms", ms(round_trip));
    println!(
        "refresh overhead beyond one round trip: {:.2} ms",
        ms(due.saturating_sub(fresh).saturating_sub(round_trip))
    );
}
