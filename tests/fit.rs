//! agentview where people use it: MCP client configurations, the headers helper, a check with
//! the server, the credential listing, and hints that repeat the user's flags. Real binary,
//! local server.

use crate::support;

mod check;
mod headers;
mod hints;
mod listing;
mod mcp_config;
mod mcp_config_launchers;
mod mcp_config_quoting;
mod progress;

use serde_json::json;
use support::cli::Agentview;

/// A live credential (expiring in 2096) for a server, as a stored entry.
pub const FAR: u64 = 4_000_000_000;

/// Write a credentials file holding `(server, token, expires_at)` entries.
fn store(av: &Agentview, entries: &[(&str, &str, u64)]) {
    store_in(&av.config_dir(), entries);
}

/// The same, in the config dir `dir`.
fn store_in(dir: &std::path::Path, entries: &[(&str, &str, u64)]) {
    std::fs::create_dir_all(dir).expect("config dir");
    let mut credentials = serde_json::Map::new();
    for (server, token, expires_at) in entries {
        credentials.insert(
            server.to_string(),
            json!({"kind": "bearer", "token": token, "expires_at": expires_at, "created_at": 1_700_000_000u64,
                   "user": {"name": "Ada", "email": "ada@example.com"}}),
        );
    }
    let doc = json!({"version": 1, "credentials": credentials});
    let path = dir.join("credentials.json");
    std::fs::write(&path, serde_json::to_vec_pretty(&doc).expect("json")).expect("write credentials");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    }
}
