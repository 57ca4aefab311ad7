//! Runs the local agentView-compatible MCP test server standalone (for trying the CLI by hand).
#![allow(clippy::print_stdout, clippy::print_stderr)]

#[path = "../tests/support/server/mod.rs"]
pub mod server;

use std::io::Write;
use std::time::Duration;

use clap::Parser;
use server::{OAuthConfig, ServerConfig, TestServer, TokenMode};

/// Local agentView-compatible MCP server (Streamable HTTP, via rmcp) with a browser approval page.
#[derive(Debug, Parser)]
struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    host: String,
    /// Port to listen on (0 = any free port).
    #[arg(long, default_value_t = 8931)]
    port: u16,
    /// Answer with SSE streams (text/event-stream) instead of JSON.
    #[arg(long)]
    sse: bool,
    /// Stateless mode: no Mcp-Session-Id.
    #[arg(long)]
    stateless: bool,
    /// Tool results without structuredContent (text block only).
    #[arg(long)]
    no_structured: bool,
    /// Login window in seconds reported as expiresIn (default 600).
    #[arg(long, value_name = "SECS")]
    expires_in: Option<u64>,
    /// Approve every sign-in this many seconds after it was created.
    #[arg(long, value_name = "SECS")]
    auto_approve_after: Option<u64>,
    /// Approved sessions carry no raw token (identity bound to the session request id).
    #[arg(long)]
    session_token: bool,
    /// Offer OAuth 2.1 (metadata, registration, /authorize, /token, /revoke). Also on when
    /// LOCAL_SERVER_OAUTH=1.
    #[arg(long)]
    oauth: bool,
    /// OAuth: GET /authorize redirects with a code at once (no approval page).
    #[arg(long)]
    oauth_auto_approve: bool,
    /// OAuth: /mcp answers 401 to requests without a token.
    #[arg(long)]
    require_token: bool,
    /// OAuth: access token lifetime in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 3600)]
    access_ttl: u64,
    /// OAuth: issuer path such as /tenant1.
    #[arg(long, value_name = "PATH")]
    issuer_path: Option<String>,
}

fn main() {
    let args = Args::parse();
    let oauth_env = std::env::var("LOCAL_SERVER_OAUTH").is_ok_and(|v| v == "1");
    let oauth = (args.oauth || oauth_env).then(|| OAuthConfig {
        auto_approve: args.oauth_auto_approve,
        require_token: args.require_token,
        access_ttl: Duration::from_secs(args.access_ttl),
        issuer_path: args.issuer_path.clone(),
        ..OAuthConfig::default()
    });
    let config = ServerConfig {
        oauth,
        sse: args.sse,
        stateful: !args.stateless,
        structured: !args.no_structured,
        expires_in: args.expires_in.map(serde_json::Value::from),
        auto_approve_after: args.auto_approve_after.map(Duration::from_secs),
        token_mode: if args.session_token { TokenMode::SessionOnly } else { TokenMode::Bearer },
        log_requests: true,
        ..ServerConfig::default()
    };
    let server = match TestServer::start_on(config, &args.host, args.port) {
        Ok(server) => server,
        Err(e) => {
            eprintln!("local_server: cannot listen on {}:{}: {e}", args.host, args.port);
            std::process::exit(1);
        }
    };
    println!("{}", server.mcp_url());
    let _ = std::io::stdout().flush();
    eprintln!("local_server: approval pages at {}/login/<id>; Ctrl-C to stop", server.base_url());
    if let Some(issuer) = server.oauth_issuer() {
        eprintln!("local_server: OAuth issuer {issuer}");
        eprintln!("local_server:   protected resource metadata {}", server.prm_url());
        eprintln!("local_server:   authorization server metadata {}", server.as_metadata_url());
        for endpoint in ["authorize", "token", "register", "revoke"] {
            eprintln!("local_server:   {endpoint:<9} {issuer}/{endpoint}");
        }
    }
    loop {
        std::thread::park();
    }
}
