//! What the stores say to a reader: only the store that holds the credential speaks, and a hint
//! never sends anyone to a keyring that cannot keep a credential.

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
