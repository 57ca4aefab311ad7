//! `exec` passes every signal a shell would pass on (SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1,
//! SIGUSR2, SIGALRM, SIGWINCH, SIGCONT) to its child, waits for it, and exits with its status; the
//! child is never left running with the token.
#![cfg(unix)]

use std::path::Path;
use std::time::Duration;

use super::support::cli::{Agentview, script, wait_for_exit, wait_until};
use super::support::fixture::{OLD_TOKEN, seed};

const SERVER: &str = "https://agentview.example/mcp";

fn logged_in() -> Agentview {
    let av = Agentview::new(SERVER);
    seed(&av, SERVER);
    av
}

fn alive(pid: u32) -> bool {
    std::process::Command::new("kill").args(["-0", &pid.to_string()]).status().is_ok_and(|s| s.success())
}

fn send(pid: u32, signal: &str) {
    let status = std::process::Command::new("kill").args([&format!("-{signal}"), &pid.to_string()]).status().unwrap();
    assert!(status.success(), "kill -{signal} {pid}");
}

/// Wait for the child to write its pid.
fn child_pid(file: &Path) -> u32 {
    wait_until("the child's pid", Duration::from_secs(20), || {
        std::fs::read_to_string(file).ok().and_then(|s| s.trim().parse().ok())
    })
}

/// Run `body` under `exec`, signal agentview once the child runs: (exit code, what the child
/// wrote to `got`, agentview's stderr).
/// Output goes to files: a child left running would hold a pipe open forever.
fn signal_during_exec(signal: &str, body: &str) -> (i32, String, String) {
    let av = logged_in();
    let dir = av.dir.path().to_path_buf();
    let pid_file = dir.join("child.pid");
    let child = script(&dir, "child.sh", &format!("echo $$ > '{}'\n{body}", pid_file.display()));
    let stderr_file = dir.join("stderr.txt");
    let mut agentview = av
        .command(&["exec", "--", child.to_str().unwrap()])
        .stdout(std::fs::File::create(dir.join("stdout.txt")).unwrap())
        .stderr(std::fs::File::create(&stderr_file).unwrap())
        .spawn()
        .unwrap();
    let child_pid = child_pid(&pid_file);
    std::thread::sleep(Duration::from_millis(200));
    send(agentview.id(), signal);
    let status = wait_for_exit(&mut agentview, Duration::from_secs(20));
    let child_alive = alive(child_pid);
    if child_alive {
        send(child_pid, "KILL");
    }
    let stderr = std::fs::read_to_string(&stderr_file).unwrap_or_default();
    assert!(!child_alive, "kill -{signal}: the child was left running\n{stderr}");
    let status = status.unwrap_or_else(|| panic!("kill -{signal}: agentview did not exit\n{stderr}"));
    use std::os::unix::process::ExitStatusExt;
    let code = status.code().unwrap_or_else(|| 128 + status.signal().unwrap_or(0));
    let got = std::fs::read_to_string(dir.join("got")).unwrap_or_default();
    (code, got.trim().to_string(), stderr)
}

#[test]
fn a_signal_reaches_the_child_and_its_exit_code_comes_back() {
    for (signal, number) in [("INT", 2), ("TERM", 15), ("HUP", 1)] {
        let body = format!("trap 'echo {signal} > got; exit {}' {signal}\nwhile :; do sleep 0.05; done", 40 + number);
        let (code, got, stderr) = signal_during_exec(signal, &format!("cd \"$(dirname \"$0\")\"\n{body}"));
        assert_eq!(code, 40 + number, "kill -{signal}: agentview's exit code is the child's\n{stderr}");
        assert_eq!(got, signal, "the child saw the signal");
    }
}

/// Signals whose default action would end agentview and orphan the child.
const LESS_COMMON: [(&str, i32); 4] = [("QUIT", 3), ("USR1", 10), ("USR2", 12), ("ALRM", 14)];

#[test]
fn less_common_signals_reach_the_child_too() {
    for (signal, number) in LESS_COMMON {
        let body = format!("trap 'echo {signal} > got; exit {}' {signal}\nwhile :; do sleep 0.05; done", 40 + number);
        let (code, got, stderr) = signal_during_exec(signal, &format!("cd \"$(dirname \"$0\")\"\n{body}"));
        assert_eq!(code, 40 + number, "kill -{signal}: agentview's exit code is the child's\n{stderr}");
        assert_eq!(got, signal, "the child saw the signal");
    }
}

#[test]
fn a_child_killed_by_a_less_common_signal_gives_128_plus_n() {
    for (signal, number) in LESS_COMMON {
        let (code, _, stderr) = signal_during_exec(signal, "exec sleep 30");
        assert_eq!(code, 128 + number, "kill -{signal}\n{stderr}");
    }
}

#[test]
fn a_child_killed_by_the_signal_gives_128_plus_n() {
    for (signal, number) in [("INT", 2), ("TERM", 15), ("HUP", 1)] {
        let (code, _, stderr) = signal_during_exec(signal, "exec sleep 30");
        assert_eq!(code, 128 + number, "kill -{signal}\n{stderr}");
    }
}

#[test]
fn the_child_gets_an_authorization_value_too() {
    let av = logged_in();
    let run = av.run(&["exec", "--", "sh", "-c", "printf '%s|%s' \"$AGENTVIEW_AUTHORIZATION\" \"$AGENTVIEW_TOKEN\""]);
    let run = run.expect_code(0);
    assert_eq!(run.stdout, format!("Bearer {OLD_TOKEN}|{OLD_TOKEN}"));
}
