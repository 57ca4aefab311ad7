//! Times and numbers from the server and from a stored record: parsed or clamped, never a panic.

use serde_json::{Value, json};

use super::no_panic;
use super::support::cli::{Agentview, Run};
use super::support::fixture::{approving, credentials};
use super::support::server::{Fault, Match, TestServer};

const GET: &str = "get_auth_session";

/// A login whose active result carries `patch`; the server and agentview stay up for more runs.
fn login_with(patch: Value) -> (TestServer, Agentview, Run) {
    let server = TestServer::start(approving());
    server.push_fault(Fault::Patch { on: Match::Tool(GET.into()), patch, count: 1000 });
    let av = Agentview::new(&server.mcp_url());
    let run = av.run(&["login", "--no-browser", "--json"]);
    no_panic("login", &run);
    (server, av, run)
}

fn stored_expiry(av: &Agentview, server: &TestServer) -> Option<u64> {
    let doc = credentials(av).expect("a credentials file");
    doc["credentials"][server.mcp_url()]["expires_at"].as_u64()
}

fn now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs()
}

/// `status`, `token`, `status --json` and a second `login` all work afterwards.
fn later_commands_work(av: &Agentview) {
    for args in [&["status"][..], &["status", "--json"], &["token"], &["login", "--no-browser"]] {
        let run = av.run(args);
        no_panic(&args.join(" "), &run);
        assert_eq!(run.code, 0, "{args:?}\n--- stderr\n{}", run.stderr);
    }
}

#[test]
fn absurd_relative_expiry_becomes_unknown_with_a_warning() {
    for value in [json!(4_070_908_800_000u64), json!(u64::MAX), json!(1e300), json!("4070908800000")] {
        let (server, av, run) = login_with(json!({"tokenExpiresAt": null, "expiresIn": value}));
        assert_eq!(run.code, 0, "{value}\n--- stderr\n{}", run.stderr);
        assert!(run.stderr.contains("warning:") && run.stderr.contains("expiry"), "{value}: {}", run.stderr);
        assert_eq!(stored_expiry(&av, &server), None, "{value}: unknown expiry");
        later_commands_work(&av);
    }
}

#[test]
fn relative_expiry_as_integer_float_or_numeric_string() {
    for value in [json!(3600), json!(3600.5), json!("3600"), json!(" 3600.0 ")] {
        let (server, av, run) = login_with(json!({"tokenExpiresAt": null, "expiresIn": value}));
        assert_eq!(run.code, 0, "{value}\n--- stderr\n{}", run.stderr);
        let at = stored_expiry(&av, &server).unwrap_or_else(|| panic!("{value}: an expiry\n{}", run.stderr));
        let expected = now() + 3600;
        assert!(at.abs_diff(expected) <= 5, "{value}: {at} vs {expected}");
    }
}

#[test]
fn absolute_expiry_with_any_offset_or_as_a_number() {
    let cases = [
        (json!("2099-01-01T00:00:00+02:00"), 4_070_901_600u64),
        (json!("2099-01-01T00:00:00-05:30"), 4_070_928_600),
        (json!("2099-01-01T00:00:00.250Z"), 4_070_908_800),
        (json!("2099-01-01 00:00:00z"), 4_070_908_800),
        (json!(4_070_908_800u64), 4_070_908_800),
        (json!(4_070_908_800_000u64), 4_070_908_800),
        (json!("4070908800"), 4_070_908_800),
    ];
    for (value, expected) in cases {
        let (server, av, run) = login_with(json!({"tokenExpiresAt": value}));
        assert_eq!(run.code, 0, "{value}\n--- stderr\n{}", run.stderr);
        assert_eq!(stored_expiry(&av, &server), Some(expected), "{value}\n{}", run.stderr);
    }
}

#[test]
fn absurd_absolute_expiry_is_unknown() {
    for value in [json!(u64::MAX), json!("99999-01-01T00:00:00Z"), json!(-5)] {
        let (server, av, run) = login_with(json!({"tokenExpiresAt": value}));
        assert_eq!(run.code, 0, "{value}\n--- stderr\n{}", run.stderr);
        assert!(run.stderr.contains("warning:"), "{value}: {}", run.stderr);
        assert_eq!(stored_expiry(&av, &server), None, "{value}");
        later_commands_work(&av);
    }
}

#[test]
fn an_expiry_already_past_is_not_a_successful_login() {
    for value in [json!("2001-01-01T00:00:00Z"), json!(978_307_200u64)] {
        let (_server, av, run) = login_with(json!({"tokenExpiresAt": value}));
        assert_eq!(run.code, 7, "{value}\n--- stderr\n{}", run.stderr);
        assert!(run.stderr.contains("already expired"), "{value}: {}", run.stderr);
        assert!(credentials(&av).is_none(), "{value}: nothing is stored");
    }
}

#[test]
fn stored_records_with_absurd_times_do_not_panic() {
    let server = TestServer::start(approving());
    for (expires_at, created_at) in
        [(json!(u64::MAX), json!(1)), (json!(4_070_908_800_000u64), json!(u64::MAX)), (json!(0), json!(u64::MAX))]
    {
        let av = Agentview::new(&server.mcp_url());
        std::fs::create_dir_all(av.config_dir()).unwrap();
        let entry =
            json!({"kind": "bearer", "token": "avt_stored", "expires_at": expires_at, "created_at": created_at});
        let doc = json!({"version": 1, "credentials": {server.mcp_url(): entry}});
        std::fs::write(av.credentials_file(), doc.to_string()).unwrap();
        restrict(&av);
        for args in [&["status"][..], &["status", "--json"], &["token"], &["login", "--no-browser", "--json"]] {
            let run = av.run(args);
            no_panic(&format!("{args:?} with expires_at {expires_at}, created_at {created_at}"), &run);
        }
    }
}

#[cfg(unix)]
fn restrict(av: &Agentview) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(av.credentials_file(), std::fs::Permissions::from_mode(0o600)).unwrap();
}

#[cfg(not(unix))]
fn restrict(_av: &Agentview) {}
