//! `agentview exec -- CMD`: the credential reaches the child through its environment only.

use super::support::cli::Agentview;
use super::{approving_server, logged_in};

/// Unix: the child is a POSIX shell (so are the next test's).
#[cfg(unix)]
#[test]
fn child_gets_the_token_in_its_environment_and_its_exit_code_is_ours() {
    let server = approving_server();
    let av = Agentview::new(&server.mcp_url());
    let token = logged_in(&server, &av);
    let file = av.dir.path().join("seen");
    let script = format!("printf %s \"$AGENTVIEW_TOKEN\" > '{}'; exit 7", file.display());
    let run = av.run(&["exec", "--", "sh", "-c", &script]).expect_code(7);
    assert_eq!(std::fs::read_to_string(&file).expect("the child wrote the file"), token);
    run.assert_no_leak(&token);
}

#[cfg(unix)]
#[test]
fn child_arguments_are_passed_unchanged() {
    let server = approving_server();
    let av = Agentview::new(&server.mcp_url());
    logged_in(&server, &av);
    let run = av.run(&["exec", "--", "sh", "-c", "printf '%s|' \"$@\"", "sh", "-v", "--json", "a b"]).expect_code(0);
    assert_eq!(run.stdout, "-v|--json|a b|", "flags after -- belong to the child");
}

#[test]
fn not_logged_in_exits_4_without_running_the_command() {
    let server = approving_server();
    let av = Agentview::new(&server.mcp_url());
    let marker = av.dir.path().join("ran");
    let run = av.run(&["exec", "--", "touch", &marker.display().to_string()]).expect_code(4);
    assert!(run.stderr.contains("not logged in"), "{}", run.stderr);
    assert!(!marker.exists(), "the command did not run");
}

#[test]
fn missing_program_exits_127() {
    let server = approving_server();
    let av = Agentview::new(&server.mcp_url());
    let token = logged_in(&server, &av);
    let run = av.run(&["exec", "--", "agentview-no-such-program"]).expect_code(127);
    assert!(run.stderr.contains("agentview-no-such-program"), "{}", run.stderr);
    run.assert_no_leak(&token);
}
