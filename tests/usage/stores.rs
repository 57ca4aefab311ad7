//! What the stores say to a reader: only the store that holds the credential speaks, and a hint
//! never sends anyone to a keyring that cannot keep a credential. Linux: the Secret Service and
//! keyutils are its keyrings.
#![cfg(target_os = "linux")]

use super::support::cli::Agentview;
use super::support::fixture::{OLD_TOKEN, seed};

/// Without a session bus the Secret Service does not answer; where the kernel keyutils keyring
/// does, `--store auto` reads it first (it forgets at reboot, and the Secret Service was passed
/// over: both worth a note when the credential is there).
#[test]
fn a_credential_in_the_file_brings_no_notes_about_keyrings_that_did_not_hold_it() {
    let server = "https://file-only.example/mcp";
    let mut av = Agentview::new(server);
    seed(&av, server);
    av.set("AGENTVIEW_STORE", "auto");
    for args in [&["token"][..], &["status"], &["exec", "true"]] {
        let run = av.run(args).expect_code(0);
        assert!(!run.stderr.contains("warning"), "{args:?}: {}", run.stderr);
        assert!(!run.stderr.contains("keyring"), "{args:?}: {}", run.stderr);
    }
    assert_eq!(av.token(), OLD_TOKEN);
}

/// keyutils may be readable but refuse every write (in containers the persistent keyring denies
/// the link a write makes): then "log in with --store keyring" is a hint that cannot work.
#[test]
fn the_login_hint_names_a_store_that_can_keep_the_credential() {
    let server = "https://keyring-hint.example/mcp";
    let mut av = Agentview::new(server);
    av.set("AGENTVIEW_KEYRING_BACKEND", "keyutils");
    let writable = av.run_with_stdin(&["--store", "keyring", "login", "--with-token"], b"avt_probe_token").code == 0;
    if writable {
        av.run(&["--store", "keyring", "logout", "--local"]).expect_code(0);
    }
    for args in [&["--store", "keyring", "token"][..], &["--store", "keyring", "exec", "true"]] {
        let run = av.run(args).expect_code(4);
        if writable {
            assert!(run.stderr.contains("agentview --store keyring login"), "{args:?}: {}", run.stderr);
        } else {
            assert!(!run.stderr.contains("--store keyring login"), "{args:?}: {}", run.stderr);
            assert!(run.stderr.contains("agentview --store file login"), "{args:?}: {}", run.stderr);
            assert!(run.stderr.contains("cannot keep a credential here"), "{args:?}: {}", run.stderr);
        }
    }
    let run = av.run(&["--store", "keyring", "status", "--json"]).expect_code(4);
    let doc: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON");
    let login = doc["login_command"].as_str().expect("a login command");
    assert_eq!(login.contains("--store keyring"), writable, "{login}");
}
