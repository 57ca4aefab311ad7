//! Several agentview processes logging in to different servers at once share one credentials
//! file: every login lands, and the file stays private.
#![cfg(unix)]
#![allow(clippy::unwrap_used)]

use crate::support;

use std::time::Duration;

use support::cli::Agentview;
use support::fixture::{Live, approving, stored_tokens};
use support::server::TestServer;

#[test]
fn concurrent_logins_to_different_servers_all_land() {
    for round in 0..4 {
        let servers: Vec<TestServer> = (0..3).map(|_| TestServer::start(approving())).collect();
        let av = Agentview::new(&servers[0].mcp_url());
        let live: Vec<Live> =
            servers.iter().map(|s| Live::start(&av, &["--server", &s.mcp_url(), "login", "--no-browser"])).collect();
        for (i, l) in live.into_iter().enumerate() {
            let run = l.finish(Duration::from_secs(30));
            assert_eq!(run.code, 0, "round {round}, login {i}\n{}", run.stderr);
        }
        let mut want: Vec<(String, String)> =
            servers.iter().map(|s| (s.mcp_url(), s.token_for(&s.sessions()[0].id).expect("token"))).collect();
        want.sort();
        let mut got = stored_tokens(&av);
        got.sort();
        assert_eq!(got, want, "round {round}: every login is in credentials.json");
        assert_eq!(support::cli::mode(&av.credentials_file()), 0o600);
        let leftovers: Vec<_> = std::fs::read_dir(av.config_dir())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n != "credentials.json" && n != "credentials.json.lock")
            .collect();
        assert!(leftovers.is_empty(), "no temporary files left: {leftovers:?}");
    }
}
