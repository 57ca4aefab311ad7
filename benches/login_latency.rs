//! Approval-to-exit latency of `agentview login` at the default poll interval,
//! the poll rate, create calls per login, and peak memory of a full login.
//!
//!     cargo bench --bench login_latency -- [LOGINS]      (default 30)
//!
//! Each login runs the real release binary against the local server; a thread
//! approves at a pseudo-random moment, as a person would, and the time from the
//! approval to the process exiting (credential stored) is recorded.
#![allow(clippy::print_stdout, clippy::print_stderr, clippy::unwrap_used)]

#[path = "../tests/support/server/mod.rs"]
pub mod server;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use server::{ServerConfig, TestServer};

const BIN: &str = env!("CARGO_BIN_EXE_agentview");

fn agentview(server: &TestServer, dir: &std::path::Path) -> Command {
    let mut command = Command::new(BIN);
    command
        .args(["--server", &server.mcp_url(), "--store", "file", "--config-dir"])
        .arg(dir)
        .args(["login", "--no-browser"])
        .env_remove("AGENTVIEW_POLL_INTERVAL")
        .env_remove("DISPLAY")
        .env_remove("BROWSER")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    command
}

/// Wait for the login session to exist, then approve it after `delay`.
fn approve_after(server: &TestServer, delay: Duration) -> Instant {
    let start = Instant::now();
    while server.sessions().is_empty() {
        assert!(start.elapsed() < Duration::from_secs(20), "no session created");
        std::thread::sleep(Duration::from_millis(2));
    }
    std::thread::sleep(delay);
    let id = server.sessions()[0].id.clone();
    assert!(server.approve(&id));
    Instant::now()
}

/// Most polls in any 60-second window.
fn max_per_minute(times: &[Instant]) -> usize {
    (0..times.len())
        .map(|i| times[i..].iter().take_while(|t| t.duration_since(times[i]) < Duration::from_secs(60)).count())
        .max()
        .unwrap_or(0)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn main() {
    let logins: usize = std::env::args().skip(1).find_map(|a| a.parse().ok()).unwrap_or(30);
    let mut latencies = Vec::new();
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    for n in 0..logins {
        let server = TestServer::start(ServerConfig::default());
        let dir = tempfile::tempdir().unwrap();
        let mut child = agentview(&server, dir.path()).spawn().unwrap();
        // Approve somewhere in the 0-4 s after the session exists (xorshift, reproducible):
        // a span of whole poll intervals, so the approval lands at a uniform point between polls.
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let delay = Duration::from_millis(seed % 4000);
        let approved = approve_after(&server, delay);
        let status = child.wait().unwrap();
        let latency = approved.elapsed();
        assert!(status.success(), "login {n} failed: {status}");
        assert!(dir.path().join("credentials.json").exists(), "login {n} stored nothing");
        let calls = server.calls();
        assert_eq!(calls.create, 1, "exactly one create_auth_session per login");
        println!("login {n:2}: approved after {delay:>6.0?}, exit {:>6.0?} later, {} polls", latency, calls.get);
        latencies.push(latency);
    }
    latencies.sort();
    let median = percentile(&latencies, 0.5);
    println!(
        "approval-to-exit over {logins} logins: median {:.0} ms, p90 {:.0} ms, max {:.0} ms",
        median.as_secs_f64() * 1e3,
        percentile(&latencies, 0.9).as_secs_f64() * 1e3,
        latencies.last().unwrap().as_secs_f64() * 1e3
    );

    // One login kept pending for 65 s: the poll rate over a full minute.
    let server = TestServer::start(ServerConfig::default());
    let dir = tempfile::tempdir().unwrap();
    let mut child = agentview(&server, dir.path()).spawn().unwrap();
    approve_after(&server, Duration::from_secs(65));
    assert!(child.wait().unwrap().success());
    let times = server.calls().get_times;
    println!("poll rate: {} get_auth_session calls in the busiest 60 s window (limit 30)", max_per_minute(&times));

    // Peak resident memory of a whole login, measured by GNU time.
    if std::path::Path::new("/usr/bin/time").exists() {
        let server = TestServer::start(ServerConfig { auto_approve_after_polls: Some(2), ..ServerConfig::default() });
        let dir = tempfile::tempdir().unwrap();
        let inner = agentview(&server, dir.path());
        let out = Command::new("/usr/bin/time")
            .args(["-f", "%M"])
            .arg(inner.get_program())
            .args(inner.get_args())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stderr);
        let kib: u64 = text.lines().last().and_then(|l| l.trim().parse().ok()).unwrap_or(0);
        println!("peak RSS of a full login: {:.1} MB ({kib} KiB)", kib as f64 / 1024.0);
    }
}
