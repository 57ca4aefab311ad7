//! The quick start: a real `agentview login` end to end against the bundled local
//! agentView server, with no network and no account.
//!
//!     cargo run --example demo
//!
//! With a display (or BROWSER set) the approval page opens in your browser: click
//! Approve. Without one, the demo approves the login for you after a few seconds,
//! as a person at the browser would. Then it runs `status`, `token --format header`
//! and `logout`, and removes everything it created.
#![allow(clippy::print_stdout, clippy::print_stderr)]

#[path = "../tests/support/server/mod.rs"]
mod server;

use std::ffi::OsString;
use std::time::Duration;

use agentview::env::Env;
use server::{ServerConfig, TestServer};

fn main() -> std::process::ExitCode {
    let process = Env::from_process();
    let has_display = process.is_set("DISPLAY")
        || process.is_set("WAYLAND_DISPLAY")
        || process.is_set("BROWSER")
        || process.is_set("AGENTVIEW_BROWSER")
        || !cfg!(target_os = "linux");
    let config = ServerConfig {
        // Nobody to click Approve without a display: approve like a person would.
        auto_approve_after: (!has_display).then_some(Duration::from_secs(3)),
        ..ServerConfig::default()
    };
    let server = TestServer::start(config);
    let config_dir = match tempfile::tempdir() {
        Ok(dir) => dir,
        Err(e) => {
            eprintln!("demo: cannot create a temporary directory: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let mut env: Vec<(String, String)> =
        process.pairs().filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?))).collect();
    env.retain(|(k, _)| !k.starts_with("AGENTVIEW_"));
    env.push(("AGENTVIEW_SERVER".into(), server.mcp_url()));
    env.push(("AGENTVIEW_CONFIG_DIR".into(), config_dir.path().display().to_string()));
    let env = Env::from_pairs(env);

    eprintln!("demo: a local agentView server is listening at {}", server.mcp_url());
    if !has_display {
        eprintln!("demo: no display, so the demo will click Approve for you 3 s after the login starts");
    }
    let steps: [&[&str]; 4] = [&["login"], &["status"], &["token", "--format", "header"], &["logout"]];
    for step in steps {
        eprintln!("\n$ agentview {}", step.join(" "));
        let args = std::iter::once("agentview").chain(step.iter().copied()).map(OsString::from);
        let code = agentview::run(args, &env);
        if code != std::process::ExitCode::SUCCESS {
            eprintln!("demo: `agentview {}` failed; see the message above", step.join(" "));
            return code;
        }
    }
    let calls = server.calls();
    eprintln!(
        "\ndemo: done. The server saw {} create_auth_session call(s) and {} get_auth_session poll(s).",
        calls.create, calls.get
    );
    std::process::ExitCode::SUCCESS
}
