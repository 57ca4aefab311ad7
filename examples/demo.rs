//! The quick start: a real `agentview login` end to end against the bundled local
//! agentView server, with no network and no account.
//!
//!     cargo run --example demo                      # OAuth 2.1 + PKCE in the browser
//!     cargo run --example demo -- --method session  # agentView's session tools
//!
//! With a display (or BROWSER set) the approval page opens in your browser: click
//! Approve. Without one, the demo plays the person at the browser 3 seconds after the
//! login starts. Then it runs `status`, `token --format header` and `logout`, and
//! removes everything it created.
#![allow(clippy::print_stdout, clippy::print_stderr)]

#[path = "../tests/support/server/mod.rs"]
pub mod server;

use std::ffi::OsString;
use std::time::Duration;

use agentview::Env;
use server::{OAuthConfig, ServerConfig, TestServer};

/// Run as the stand-in browser: wait like a person reading the page, then follow the
/// authorization redirect back to agentview's loopback listener.
const FOLLOW: &str = "--follow-redirects-of";

fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == FOLLOW) {
        return follow(args.get(i + 1).map(String::as_str).unwrap_or_default());
    }
    let method = match args.iter().position(|a| a == "--method").and_then(|i| args.get(i + 1)) {
        Some(m) if m == "session" || m == "oauth" => m.clone(),
        Some(other) => {
            eprintln!("demo: --method is oauth or session, not {other}");
            return std::process::ExitCode::from(2);
        }
        None => "auto".to_string(),
    };
    let process = Env::from_process();
    let has_display = process.is_set("DISPLAY")
        || process.is_set("WAYLAND_DISPLAY")
        || process.is_set("BROWSER")
        || process.is_set("AGENTVIEW_BROWSER")
        || !cfg!(target_os = "linux");
    let session = method == "session";
    let config = ServerConfig {
        // Nobody to click Approve without a display: approve like a person would.
        auto_approve_after: (session && !has_display).then_some(approve_after()),
        oauth: Some(OAuthConfig { auto_approve: !has_display, ..OAuthConfig::default() }),
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
    env.retain(|(k, _)| !k.starts_with("AGENTVIEW_") || k == "AGENTVIEW_DEMO_APPROVE_AFTER");
    env.push(("AGENTVIEW_SERVER".into(), server.mcp_url()));
    env.push(("AGENTVIEW_CONFIG_DIR".into(), config_dir.path().display().to_string()));
    if method != "auto" {
        env.push(("AGENTVIEW_LOGIN_METHOD".into(), method.clone()));
    }
    if !session
        && !has_display
        && let Ok(me) = std::env::current_exe()
    {
        env.push(("AGENTVIEW_BROWSER".into(), format!("\"{}\" {FOLLOW}", me.display())));
    }
    let env = Env::from_pairs(env);

    eprintln!("demo: a local agentView server is listening at {}", server.mcp_url());
    eprintln!("demo: logging in with {}", if session { "the session tools" } else { "OAuth 2.1 + PKCE" });
    if !has_display {
        eprintln!("demo: no display, so the demo approves for you 3 s after the login starts");
        eprintln!(
            "demo: in a container the OS keyring is usually missing: the warning about a plain-text file is expected"
        );
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
    let counts = server.oauth_counts();
    eprintln!(
        "\ndemo: done. The server saw {} create_auth_session call(s), {} get_auth_session poll(s), \
         {} OAuth registration(s) and {} revocation(s).",
        calls.create, calls.get, counts.registrations, counts.revocations
    );
    std::process::ExitCode::SUCCESS
}

fn follow(url: &str) -> std::process::ExitCode {
    std::thread::sleep(approve_after());
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(_) => return std::process::ExitCode::FAILURE,
    };
    // agentview's own HTTP setup, following redirects as a browser does.
    let fetched = runtime.block_on(async {
        let (builder, _) = agentview::http::client_builder("agentview-demo", Duration::from_secs(5))?;
        let client = builder.redirect(reqwest::redirect::Policy::limited(5)).build().map_err(|e| e.to_string())?;
        let response = client.get(url).send().await.map_err(|e| e.to_string())?;
        Ok::<bool, String>(response.status().is_success())
    });
    match fetched {
        Ok(true) => std::process::ExitCode::SUCCESS,
        Ok(false) => std::process::ExitCode::FAILURE,
        Err(e) => {
            eprintln!("demo: the stand-in browser failed: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// How long the stand-in person takes to approve: 3 s, or `AGENTVIEW_DEMO_APPROVE_AFTER` seconds.
fn approve_after() -> Duration {
    std::env::var("AGENTVIEW_DEMO_APPROVE_AFTER")
        .ok()
        .and_then(|v| v.parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s >= 0.0 && *s < 60.0)
        .map_or(Duration::from_secs(3), Duration::from_secs_f64)
}
