//! `agentview bridge`: the latency it adds to a request against direct HTTP on loopback, its
//! resident memory when idle, start-up to the first answered request side by side with
//! mcp-remote (as `mcp-config --via mcp-remote` starts it), and, with no credential at all, the
//! first request to its answer through a whole OAuth login, beside mcp-remote doing the same.
//!
//!     cargo bench --bench bridge_latency -- [REQUESTS] [STARTS] [LOGINS]   (default 2000, 20, 10)
//!
//! Every request is a `tools/call` of the bundled server's `echo` tool (JSON responses, a
//! session, a Bearer token the server checks), sent one after another: through the release
//! binary on stdio, and straight to the server with reqwest over a kept-alive connection. The
//! mcp-remote runs need the clients of `.ci/clients` (Node.js 22 and mcp-remote); without them
//! they are skipped.
#![allow(clippy::print_stdout, clippy::print_stderr, clippy::unwrap_used)]

#[path = "../tests/support/server/mod.rs"]
pub mod server;

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use server::{OAuthConfig, ServerConfig, TestServer, TokenCheck};

const BIN: &str = env!("CARGO_BIN_EXE_agentview");
const TOKEN: &str = "avt_bench_bridge_token_0123456789";

fn initialize(id: u64) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "bench", "version": "1"}}})
}

fn echo(id: u64) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "method": "tools/call", "params": {"name": "echo", "arguments": {"text": "ping"}}})
}

/// A stdio MCP server process with the lines of its stdout on a channel.
struct Stdio2 {
    child: Child,
    stdin: ChildStdin,
    lines: mpsc::Receiver<String>,
}

impl Stdio2 {
    fn start(mut command: Command) -> Stdio2 {
        let mut child = command.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::null()).spawn().unwrap();
        let stdin = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { return };
                if tx.send(line).is_err() {
                    return;
                }
            }
        });
        Stdio2 { child, stdin, lines }
    }

    /// Send `message` and wait for the answer with its id.
    fn ask(&mut self, message: &Value) -> Value {
        writeln!(self.stdin, "{message}").unwrap();
        self.stdin.flush().unwrap();
        loop {
            let line = self.lines.recv_timeout(Duration::from_secs(60)).expect("an answer");
            let answer: Value = serde_json::from_str(&line).expect("JSON on stdout");
            if answer.get("id") == message.get("id") && answer.get("method").is_none() {
                return answer;
            }
        }
    }

    fn handshake(&mut self) {
        let answer = self.ask(&initialize(0));
        assert!(answer.get("result").is_some(), "{answer}");
        writeln!(self.stdin, "{}", json!({"jsonrpc": "2.0", "method": "notifications/initialized"})).unwrap();
    }

    fn rss_kib(&self, field: &str) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap_or_default();
        status
            .lines()
            .find(|l| l.starts_with(field))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|n| n.parse().ok())
            .unwrap_or(0)
    }
}

impl Drop for Stdio2 {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn bridge(server: &TestServer, config: &Path) -> Command {
    let mut command = Command::new(BIN);
    command.args(["--server", &server.mcp_url(), "--store", "file", "--config-dir"]).arg(config).arg("bridge");
    command
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn summary(mut times: Vec<Duration>) -> (Duration, Duration, Duration) {
    times.sort();
    (percentile(&times, 0.5), percentile(&times, 0.9), percentile(&times, 0.99))
}

fn ms(d: Duration) -> String {
    format!("{:.3} ms", d.as_secs_f64() * 1000.0)
}

/// Round trips straight to the server: one session, one kept-alive connection.
fn direct(server: &TestServer, requests: u64) -> Vec<Duration> {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        // agentview's own HTTP setup (rustls with ring), as the bridge uses it.
        let (builder, _) = agentview::http::client_builder("bench", Duration::from_secs(10)).unwrap();
        let client = builder.pool_max_idle_per_host(1).build().unwrap();
        let post = |body: Value, session: Option<String>| {
            let mut request = client
                .post(server.mcp_url())
                .header("content-type", "application/json")
                .header("accept", "application/json, text/event-stream")
                .header("authorization", format!("Bearer {TOKEN}"))
                .body(body.to_string());
            if let Some(id) = session {
                request = request.header("mcp-session-id", id).header("mcp-protocol-version", "2025-11-25");
            }
            request.send()
        };
        let response = post(initialize(0), None).await.unwrap();
        let session = response.headers().get("mcp-session-id").map(|v| v.to_str().unwrap().to_string());
        response.bytes().await.unwrap();
        post(json!({"jsonrpc": "2.0", "method": "notifications/initialized"}), session.clone()).await.unwrap();
        let mut times = Vec::new();
        for id in 1..=requests {
            let start = Instant::now();
            let response = post(echo(id), session.clone()).await.unwrap();
            let body: Value = serde_json::from_slice(&response.bytes().await.unwrap()).unwrap();
            times.push(start.elapsed());
            assert_eq!(body["id"], id);
        }
        times
    })
}

/// The clients of .ci/clients: Node.js 22 and the packages.
fn clients() -> Option<(PathBuf, PathBuf)> {
    let dir = std::env::var_os("AGENTVIEW_CLIENTS_CACHE").map(PathBuf::from).unwrap_or_else(|| {
        let home = PathBuf::from(std::env::var_os("HOME").unwrap_or_default());
        std::env::var_os("XDG_CACHE_HOME")
            .map(PathBuf::from)
            .unwrap_or(home.join(".cache"))
            .join("agentview-ci/clients")
    });
    let node = std::fs::read_dir(dir.join("node_modules"))
        .ok()?
        .filter_map(Result::ok)
        .map(|e| e.path().join("bin/node"))
        .find(|p| p.is_file())?;
    dir.join("node_modules/mcp-remote/dist/proxy.js").is_file().then_some((dir, node))
}

/// Spawn to the answer of the first request (initialize), `starts` times.
fn startup(starts: u32, mut command: impl FnMut() -> Command) -> Vec<Duration> {
    (0..starts)
        .map(|_| {
            let start = Instant::now();
            let mut process = Stdio2::start(command());
            let answer = process.ask(&initialize(1));
            let elapsed = start.elapsed();
            assert!(answer.get("result").is_some(), "{answer}");
            elapsed
        })
        .collect()
}

fn main() {
    let args: Vec<u64> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let requests = args.first().copied().unwrap_or(2000);
    let starts = args.get(1).copied().unwrap_or(20) as u32;
    let logins = args.get(2).copied().unwrap_or(10) as u32;
    let server = TestServer::start(ServerConfig {
        client_tools: true,
        token_check: Some(TokenCheck { accepted: vec![TOKEN.into()], authenticate_tool: false }),
        ..ServerConfig::default()
    });
    let config = tempfile::tempdir().unwrap();
    let mut login = Command::new(BIN)
        .args(["--server", &server.mcp_url(), "--store", "file", "--config-dir"])
        .arg(config.path())
        .args(["login", "--with-token", "-q"])
        .stdin(Stdio::piped())
        .spawn()
        .unwrap();
    login.stdin.take().unwrap().write_all(TOKEN.as_bytes()).unwrap();
    assert!(login.wait().unwrap().success());

    println!("requests: {requests} sequential tools/call echo, JSON responses, loopback");
    let warm = direct(&server, 200);
    drop(warm);
    let straight = direct(&server, requests);
    let mut bridged = Stdio2::start(bridge(&server, config.path()));
    bridged.handshake();
    for id in 1..=200 {
        bridged.ask(&echo(id));
    }
    let mut through = Vec::new();
    for id in 1..=requests {
        let message = echo(1000 + id);
        let start = Instant::now();
        bridged.ask(&message);
        through.push(start.elapsed());
    }
    let (d50, d90, d99) = summary(straight);
    let (b50, b90, b99) = summary(through);
    println!("direct HTTP (reqwest):  p50 {}  p90 {}  p99 {}", ms(d50), ms(d90), ms(d99));
    println!("through agentview bridge: p50 {}  p90 {}  p99 {}", ms(b50), ms(b90), ms(b99));
    println!("added by the bridge:    p50 {}  p90 {}", ms(b50.saturating_sub(d50)), ms(b90.saturating_sub(d90)));
    std::thread::sleep(Duration::from_secs(1));
    println!(
        "bridge memory after {} requests, idle: RSS {:.1} MB (peak {:.1} MB)",
        requests + 200,
        bridged.rss_kib("VmRSS:") as f64 / 1024.0,
        bridged.rss_kib("VmHWM:") as f64 / 1024.0
    );
    drop(bridged);

    println!("\nstart-up to the first answered request (initialize), {starts} starts each:");
    let times = startup(starts, || bridge(&server, config.path()));
    let (s50, s90, _) = summary(times);
    println!("agentview bridge:                          p50 {}  p90 {}", ms(s50), ms(s90));
    let Some((dir, node)) = clients() else {
        println!("mcp-remote: skipped (run .ci/clients)");
        return;
    };
    first_use(logins, &dir, &node);
    let path = format!("{}:{}", node.parent().unwrap().display(), std::env::var("PATH").unwrap_or_default());
    let home = tempfile::tempdir().unwrap();
    let remote = |program: &str, first: &[&str]| {
        let mut command = Command::new(BIN);
        command
            .args(["--server", &server.mcp_url(), "--store", "file", "--config-dir"])
            .arg(config.path())
            .args(["exec", "--", program])
            .args(first)
            .args([&server.mcp_url(), "--header", "Authorization:${AGENTVIEW_AUTHORIZATION}"])
            .env("PATH", &path)
            .env("HOME", home.path())
            .current_dir(&dir);
        command
    };
    let proxy = dir.join("node_modules/mcp-remote/dist/proxy.js");
    let node_text = node.display().to_string();
    let proxy_text = proxy.display().to_string();
    let times = startup(starts, || remote(&node_text, &[&proxy_text]));
    let (r50, r90, _) = summary(times);
    println!("agentview exec -- node mcp-remote (installed): p50 {}  p90 {}", ms(r50), ms(r90));
    let times = startup(starts.min(10), || remote("npx", &["-y", "mcp-remote"]));
    let (n50, n90, _) = summary(times);
    println!("agentview exec -- npx -y mcp-remote (cached):  p50 {}  p90 {}", ms(n50), ms(n90));
}

/// With no credential: spawn to the answer of `initialize`, through the whole login (the server
/// refuses, discovery, registration, the authorization in a "browser" that follows redirects,
/// the code exchange, the store), a fresh config dir (and HOME) each time. The bundled server
/// approves at once, so this is all machine time: a person adds their own.
fn first_use(logins: u32, dir: &Path, node: &Path) {
    let server = TestServer::start(ServerConfig {
        oauth: Some(OAuthConfig { require_token: true, auto_approve: true, ..OAuthConfig::default() }),
        ..ServerConfig::default()
    });
    let browser = "curl -fsSL -o /dev/null";
    let path = format!("{}:{}", node.parent().unwrap().display(), std::env::var("PATH").unwrap_or_default());
    println!("\nno credential: spawn to the answer of the first request, through an OAuth login, {logins} runs each:");
    let homes: Vec<tempfile::TempDir> = (0..2 * logins).map(|_| tempfile::tempdir().unwrap()).collect();
    let mut fresh = homes.iter();
    let times = startup(logins, || {
        let mut command = bridge(&server, fresh.next().unwrap().path());
        command.env("AGENTVIEW_BROWSER", browser);
        command
    });
    let (b50, b90, _) = summary(times);
    println!("agentview bridge (logs in itself):         p50 {}  p90 {}", ms(b50), ms(b90));
    let proxy = dir.join("node_modules/mcp-remote/dist/proxy.js");
    let times = startup(logins, || {
        let mut command = Command::new(node);
        // mcp-remote registers http://localhost unless told the host; the bundled server, as
        // RFC 8252 advises, takes only the loopback address. xdg-open falls back to $BROWSER.
        command
            .arg(&proxy)
            .args([&server.mcp_url(), "--allow-http", "--host", "127.0.0.1"])
            .env("PATH", &path)
            .env("HOME", fresh.next().unwrap().path())
            .env("BROWSER", format!("{browser} %s"))
            .current_dir(dir);
        command
    });
    let (r50, r90, _) = summary(times);
    println!("node mcp-remote (installed), same login:   p50 {}  p90 {}", ms(r50), ms(r90));
}
