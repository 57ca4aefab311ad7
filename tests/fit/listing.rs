//! `status` without a credential for this server names the servers that have one and the
//! command to use one; `status --all` lists them all. Never a token.

use serde_json::Value;

use super::support::cli::{Agentview, binary};
use super::{FAR, store};

const HERE: &str = "https://here.example/mcp";
const A: &str = "https://a.example/mcp";
const B: &str = "https://b.example/mcp";

fn with_others() -> Agentview {
    let av = Agentview::new(HERE);
    store(&av, &[(A, "avt_token_for_a", FAR), (B, "avt_token_for_b", 1_000)]);
    av
}

#[test]
fn status_names_the_servers_with_a_credential_and_a_command_that_works() {
    let av = with_others();
    let run = av.run(&["status"]).expect_code(4);
    assert!(run.stdout.contains(&format!("Not logged in to {HERE}.")), "{}", run.stdout);
    assert!(run.stdout.contains(A) && run.stdout.contains(B), "{}", run.stdout);
    assert!(run.stdout.contains("EXPIRED"), "b's credential is shown as expired\n{}", run.stdout);
    for token in ["avt_token_for_a", "avt_token_for_b"] {
        run.assert_no_leak(token);
    }
    let line = run.stderr.lines().find(|l| l.starts_with("Use one with: ")).expect("a command to use one");
    let command = line.trim_start_matches("Use one with: ");
    assert_eq!(command, format!("agentview --server {A} status"));
    let rest = command.strip_prefix("agentview ").expect("starts with agentview");
    let args: Vec<&str> = rest.split(' ').collect();
    let used = av.run(&args).expect_code(0);
    assert!(used.stdout.contains(&format!("Logged in to {A}")), "{}", used.stdout);
    assert!(binary().exists());
}

#[test]
fn status_all_lists_every_stored_credential() {
    let av = with_others();
    let run = av.run(&["status", "--all"]).expect_code(0);
    assert!(run.stdout.contains(A) && run.stdout.contains(B), "{}", run.stdout);
    let run = av.run(&["status", "--all", "--json"]).expect_code(0);
    for token in ["avt_token_for_a", "avt_token_for_b"] {
        run.assert_no_leak(token);
    }
    let doc: Value = serde_json::from_str(&run.stdout).expect("JSON");
    let servers: Vec<&str> =
        doc["credentials"].as_array().expect("list").iter().filter_map(|c| c["server"].as_str()).collect();
    assert_eq!(servers, [A, B]);
    assert_eq!(doc["credentials"][1]["expired"], true);
    assert_eq!(doc["credentials"][0]["expires_at_unix"], super::FAR);
    assert_eq!(doc["keyring_listed"], false);
}

#[test]
fn with_the_keyring_in_use_status_all_says_what_it_cannot_list() {
    let mut av = with_others();
    av.set("AGENTVIEW_STORE", "auto");
    let run = av.run(&["status", "--all"]).expect_code(0);
    assert!(run.stdout.contains("the OS keyring cannot be listed"), "{}", run.stdout);
    assert!(run.stdout.contains("the accounts the index of accounts names"), "{}", run.stdout);
}

#[test]
fn a_corrupt_store_is_a_store_failure_for_status_as_for_token() {
    let av = Agentview::new("https://a.example/mcp");
    store(&av, &[]);
    std::fs::write(av.credentials_file(), b"{ not json").expect("write");
    let token = av.run(&["token"]).expect_code(8);
    let status = av.run(&["status"]).expect_code(8);
    for run in [&token, &status] {
        assert!(run.stderr.contains("not valid JSON"), "{}", run.stderr);
    }
    assert!(status.stdout.is_empty());
}

/// Unix: file modes.
#[cfg(unix)]
#[test]
fn status_refuses_a_credentials_file_others_can_read() {
    let av = Agentview::new("https://a.example/mcp");
    av.run_with_stdin(&["login", "--with-token"], b"tok-123").expect_code(0);
    std::fs::set_permissions(av.credentials_file(), std::os::unix::fs::PermissionsExt::from_mode(0o644))
        .expect("chmod");
    let run = av.run(&["status"]).expect_code(8);
    assert!(run.stderr.contains("error:") && run.stderr.contains("readable by other users"), "{}", run.stderr);
    assert!(run.stderr.contains(&format!("chmod 600 {}", av.credentials_file().display())), "{}", run.stderr);
    assert!(!run.stdout.contains("Logged in"), "{}", run.stdout);
}

#[test]
fn status_answers_on_stdout_and_keeps_hints_on_stderr() {
    let av = with_others();
    let here = av.run(&["--server", A, "status"]).expect_code(0);
    assert!(here.stdout.starts_with(&format!("Logged in to {A}\n")), "{:?}", here.stdout);
    for line in ["  account: Ada <ada@example.com>", "  kind:    Bearer token", "  source:  file", "  expires: "] {
        assert!(here.stdout.contains(line), "{line:?} in {:?}", here.stdout);
    }
    assert_eq!(here.stderr, "", "nothing for people beside the answer");

    let expired = av.run(&["--server", B, "status"]).expect_code(4);
    assert!(expired.stdout.starts_with(&format!("The credential has EXPIRED for {B}")), "{:?}", expired.stdout);
    assert!(expired.stderr.contains("to log in again"), "the hint: {:?}", expired.stderr);
    assert!(!expired.stdout.contains("Run `"), "{:?}", expired.stdout);

    let elsewhere = av.run(&["status"]).expect_code(4);
    assert!(elsewhere.stdout.starts_with(&format!("Not logged in to {HERE}.\n")), "{:?}", elsewhere.stdout);
    assert!(elsewhere.stdout.contains(A) && elsewhere.stdout.contains("EXPIRED"), "{:?}", elsewhere.stdout);
    for hint in ["Use one with: ", "Run `agentview login` to log in."] {
        assert!(elsewhere.stderr.contains(hint), "{hint:?} in {:?}", elsewhere.stderr);
        assert!(!elsewhere.stdout.contains(hint), "{hint:?} in {:?}", elsewhere.stdout);
    }

    let all = av.run(&["status", "--all"]).expect_code(0);
    assert!(all.stdout.starts_with("Credentials in ") && all.stdout.contains(B), "{:?}", all.stdout);
    assert_eq!(all.stderr, "");
}
