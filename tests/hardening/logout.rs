//! `logout` with one store named says so when the other store still holds a copy.

use super::support::cli::{Agentview, require_secret_service};

#[test]
fn logout_from_the_file_mentions_a_copy_in_the_keyring() {
    if !require_secret_service() {
        return;
    }
    let server = format!("https://logout-copy-{}.example/mcp", std::process::id());
    let mut av = Agentview::new(&server);
    av.with_session_bus();
    av.set("AGENTVIEW_STORE", "keyring");
    av.run_with_stdin(&["login", "--with-token"], b"avt_keyring_copy_token\n").expect_code(0);
    av.set("AGENTVIEW_STORE", "file");
    av.run_with_stdin(&["login", "--with-token"], b"avt_file_copy_token\n").expect_code(0);
    let run = av.run(&["logout"]).expect_code(0);
    assert!(run.stderr.contains("still in") && run.stderr.contains("keyring"), "{}", run.stderr);
    av.set("AGENTVIEW_STORE", "keyring");
    let run = av.run(&["logout"]).expect_code(0);
    assert!(!run.stderr.contains("still in"), "nothing left: {}", run.stderr);
}
