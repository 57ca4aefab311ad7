//! `exec` passes every signal a shell would pass on (SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1,
//! SIGUSR2, SIGALRM, SIGWINCH, SIGCONT) to its child, waits for it, and exits with its status; the
//! child is never left running with the token.
#![cfg(unix)]

use std::path::Path;
use std::time::Duration;

use super::support::cli::{Agentview, process_alive, script, send_signal, wait_for_exit, wait_until};
use super::support::fixture::{OLD_TOKEN, seed};

const SERVER: &str = "https://agentview.example/mcp";

fn logged_in() -> Agentview {
    let av = Agentview::new(SERVER);
    seed(&av, SERVER);
    av
}

fn alive(pid: u32) -> bool {
    process_alive(pid)
}

fn send(pid: u32, signal: &str) {
    assert!(send_signal(pid, signal), "kill -{signal} {pid}");
}

/// Wait for the child to write its pid.
fn child_pid(file: &Path) -> u32 {
    wait_until("the child's pid", Duration::from_secs(20), || {
        std::fs::read_to_string(file).ok().and_then(|s| s.trim().parse().ok())
    })
}

/// Run `setup` then `body` under `exec`, signal agentview once the child has done its setup
/// (it writes its pid then): (exit code, what the child wrote to `got`, agentview's stderr).
/// Output goes to files: a child left running would hold a pipe open forever.
fn signal_during_exec(signal: &str, setup: &str, body: &str) -> (i32, String, String) {
    let av = logged_in();
    let dir = av.dir.path().to_path_buf();
    let pid_file = dir.join("child.pid");
    let ready = format!("echo $$ > '{}.tmp' && mv '{0}.tmp' '{0}'", pid_file.display());
    let child = script(&dir, "child.sh", &format!("{setup}\n{ready}\n{body}"));
    let stderr_file = dir.join("stderr.txt");
    let mut agentview = av
        .command(&["exec", "--", child.to_str().unwrap()])
        .stdout(std::fs::File::create(dir.join("stdout.txt")).unwrap())
        .stderr(std::fs::File::create(&stderr_file).unwrap())
        .spawn()
        .unwrap();
    let child_pid = child_pid(&pid_file);
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

const PROBE: &str = "AGENTVIEW_TEST_PROBE_A_GONE_PROCESS";

/// Not a test on its own: asks about a process that is gone, for the test below.
#[test]
fn probe_a_gone_process() {
    if std::env::var_os(PROBE).is_none() {
        return;
    }
    let mut child = std::process::Command::new("true").spawn().unwrap();
    let pid = child.id();
    child.wait().unwrap();
    assert!(!alive(pid), "a reaped child is not alive");
}

/// Asking whether a child was left running must not print on the test run's terminal.
#[test]
fn asking_about_a_gone_process_prints_nothing() {
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "hardening::exec_signals::probe_a_gone_process", "--test-threads=1", "-q"])
        .env(PROBE, "1")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    // The probe ran (a name that matches no test would pass with nothing asked).
    assert!(String::from_utf8_lossy(&out.stdout).contains("1 passed"), "{stderr}");
    assert!(!stderr.contains("No such process"), "{stderr:?}");
}

#[test]
fn a_signal_reaches_the_child_and_its_exit_code_comes_back() {
    for (signal, number) in [("INT", 2), ("TERM", 15), ("HUP", 1)] {
        let setup = format!("cd \"$(dirname \"$0\")\"\ntrap 'echo {signal} > got; exit {}' {signal}", 40 + number);
        let (code, got, stderr) = signal_during_exec(signal, &setup, "while :; do sleep 0.05; done");
        assert_eq!(code, 40 + number, "kill -{signal}: agentview's exit code is the child's\n{stderr}");
        assert_eq!(got, signal, "the child saw the signal");
    }
}

/// Signals whose default action would end agentview and orphan the child.
const LESS_COMMON: [(&str, i32); 4] = [("QUIT", 3), ("USR1", 10), ("USR2", 12), ("ALRM", 14)];

#[test]
fn less_common_signals_reach_the_child_too() {
    for (signal, number) in LESS_COMMON {
        let setup = format!("cd \"$(dirname \"$0\")\"\ntrap 'echo {signal} > got; exit {}' {signal}", 40 + number);
        let (code, got, stderr) = signal_during_exec(signal, &setup, "while :; do sleep 0.05; done");
        assert_eq!(code, 40 + number, "kill -{signal}: agentview's exit code is the child's\n{stderr}");
        assert_eq!(got, signal, "the child saw the signal");
    }
}

#[test]
fn a_child_killed_by_a_less_common_signal_gives_128_plus_n() {
    for (signal, number) in LESS_COMMON {
        let (code, _, stderr) = signal_during_exec(signal, "", "exec sleep 30");
        assert_eq!(code, 128 + number, "kill -{signal}\n{stderr}");
    }
}

#[test]
fn a_child_killed_by_the_signal_gives_128_plus_n() {
    for (signal, number) in [("INT", 2), ("TERM", 15), ("HUP", 1)] {
        let (code, _, stderr) = signal_during_exec(signal, "", "exec sleep 30");
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
