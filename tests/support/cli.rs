//! Running the real `agentview` binary in a clean, private environment.

use std::io::Read;
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// One configured way of running agentview: its own config dir and environment.
pub struct Agentview {
    pub dir: tempfile::TempDir,
    pub server: String,
    envs: Vec<(String, String)>,
}

impl std::fmt::Debug for Agentview {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Values may be tokens: names only.
        let names: Vec<&str> = self.envs.iter().map(|(k, _)| k.as_str()).collect();
        f.debug_struct("Agentview")
            .field("dir", &self.dir.path())
            .field("server", &self.server)
            .field("env", &names)
            .finish()
    }
}

/// What one run produced.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Panic with the whole output unless the exit code is `code`.
    pub fn expect_code(self, code: i32) -> Run {
        assert_eq!(self.code, code, "exit code\n--- stdout\n{}\n--- stderr\n{}", self.stdout, self.stderr);
        self
    }

    /// The secret must not be in stderr; stdout only where asked for.
    pub fn assert_stderr_clean(&self, secret: &str) {
        assert!(!secret.is_empty());
        assert!(!self.stderr.contains(secret), "the token leaked to stderr:\n{}", self.stderr);
    }

    pub fn assert_no_leak(&self, secret: &str) {
        self.assert_stderr_clean(secret);
        assert!(!self.stdout.contains(secret), "the token leaked to stdout:\n{}", self.stdout);
    }
}

pub fn binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_agentview"))
}

impl Agentview {
    /// agentview pointed at `server`, storing in a private config dir with the
    /// file store, polling fast, with no browser and no inherited credentials.
    pub fn new(server: &str) -> Agentview {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut av = Agentview { server: server.to_string(), envs: Vec::new(), dir };
        let config = av.config_dir().display().to_string();
        let home = av.dir.path().join("home").display().to_string();
        av.set("AGENTVIEW_SERVER", server)
            .set("AGENTVIEW_CONFIG_DIR", &config)
            .set("AGENTVIEW_STORE", "file")
            .set("AGENTVIEW_POLL_INTERVAL", "0.05")
            .set("AGENTVIEW_REQUEST_TIMEOUT", "5")
            .set("AGENTVIEW_RETRY_WAIT", "0.05")
            .set("HOME", &home)
            .set("PATH", &std::env::var("PATH").unwrap_or_default())
            .set("NO_COLOR", "1");
        av
    }

    pub fn config_dir(&self) -> PathBuf {
        self.dir.path().join("config")
    }

    pub fn credentials_file(&self) -> PathBuf {
        self.config_dir().join("credentials.json")
    }

    pub fn set(&mut self, key: &str, value: &str) -> &mut Agentview {
        self.envs.retain(|(k, _)| k != key);
        self.envs.push((key.to_string(), value.to_string()));
        self
    }

    pub fn unset(&mut self, key: &str) -> &mut Agentview {
        self.envs.retain(|(k, _)| k != key);
        self
    }

    /// Pass the real Secret Service session through (set by .ci/keyring-session).
    pub fn with_session_bus(&mut self) -> &mut Agentview {
        for key in ["DBUS_SESSION_BUS_ADDRESS", "XDG_RUNTIME_DIR"] {
            if let Ok(value) = std::env::var(key) {
                self.set(key, &value);
            }
        }
        self
    }

    /// The environment agentview runs with (for wrapping it in another program).
    pub fn env_pairs(&self) -> &[(String, String)] {
        &self.envs
    }

    /// Run with `input` on stdin (closed after writing).
    pub fn run_with_stdin(&self, args: &[&str], input: &[u8]) -> Run {
        use std::io::Write;
        let mut child = self
            .command(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("agentview starts");
        let mut stdin = child.stdin.take().expect("piped stdin");
        // agentview may refuse before reading: a closed pipe is fine.
        let _ = stdin.write_all(input);
        drop(stdin);
        wait_with_deadline(child, Duration::from_secs(60))
    }

    pub fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(binary());
        command.args(args).env_clear().envs(self.envs.iter().map(|(k, v)| (k, v)));
        command.stdin(Stdio::null());
        command
    }

    /// `program` (a wrapper such as `script` or `unshare`) with this environment and piped
    /// output, for running agentview inside it.
    pub fn wrapper(&self, program: &str) -> Command {
        let mut command = Command::new(program);
        command.env_clear().envs(self.envs.iter().map(|(k, v)| (k, v)));
        command.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
        command
    }

    /// Run to completion (killed after 60 s so a hang fails the test instead of CI).
    pub fn run(&self, args: &[&str]) -> Run {
        let child = self.command(args).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("agentview starts");
        wait_with_deadline(child, Duration::from_secs(60))
    }

    /// The token `agentview token` prints (without the newline); panics unless exit 0.
    pub fn token(&self) -> String {
        let run = self.run(&["token"]).expect_code(0);
        assert!(run.stdout.ends_with('\n') && run.stdout.matches('\n').count() == 1, "one line: {:?}", run.stdout);
        run.stdout.trim_end_matches('\n').to_string()
    }
}

/// Poll `check` until it gives a value. `limit` only guards against a hang (the test fails
/// naming `what`); it is never a timing assertion.
pub fn wait_until<T>(what: &str, limit: Duration, check: impl FnMut() -> Option<T>) -> T {
    try_wait_until(limit, check).unwrap_or_else(|| panic!("{what}: nothing within {limit:?}"))
}

/// Poll `check` until it gives a value, or `None` after `limit`.
pub fn try_wait_until<T>(limit: Duration, mut check: impl FnMut() -> Option<T>) -> Option<T> {
    let start = Instant::now();
    loop {
        if let Some(value) = check() {
            return Some(value);
        }
        if start.elapsed() >= limit {
            return None;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// The child's exit status; `None` when it ran past `limit` (it is killed then).
pub fn wait_for_exit(child: &mut Child, limit: Duration) -> Option<std::process::ExitStatus> {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            return Some(status);
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Wait for a child with a deadline, collecting its output.
pub fn wait_with_deadline(mut child: Child, limit: Duration) -> Run {
    let mut stdout = child.stdout.take().expect("piped stdout");
    let mut stderr = child.stderr.take().expect("piped stderr");
    let out = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stdout.read_to_string(&mut s);
        s
    });
    let err = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stderr.read_to_string(&mut s);
        s
    });
    let Some(status) = wait_for_exit(&mut child, limit) else {
        panic!("agentview did not finish within {limit:?}\n--- stderr\n{}", err.join().unwrap_or_default());
    };
    let output = Output { status, stdout: Vec::new(), stderr: Vec::new() };
    Run { code: exit_code(&output), stdout: out.join().unwrap_or_default(), stderr: err.join().unwrap_or_default() }
}

#[cfg(unix)]
fn exit_code(output: &Output) -> i32 {
    use std::os::unix::process::ExitStatusExt;
    output.status.code().unwrap_or_else(|| 128 + output.status.signal().unwrap_or(0))
}

#[cfg(not(unix))]
fn exit_code(output: &Output) -> i32 {
    output.status.code().unwrap_or(-1)
}

/// Whether process `pid` exists (a zombie counts until it is reaped). Asks the kernel directly:
/// the `kill` program would print "No such process" on the test run's terminal.
#[cfg(unix)]
pub fn process_alive(pid: u32) -> bool {
    let Some(pid) = i32::try_from(pid).ok().and_then(rustix::process::Pid::from_raw) else { return false };
    !matches!(rustix::process::test_kill_process(pid), Err(rustix::io::Errno::SRCH))
}

/// Send `signal` ("INT", "TERM", "HUP", "KILL", …) to process `pid`; whether it was delivered.
#[cfg(unix)]
pub fn send_signal(pid: u32, signal: &str) -> bool {
    use rustix::process::Signal;
    let signal = match signal.trim_start_matches('-') {
        "INT" => Signal::INT,
        "TERM" => Signal::TERM,
        "HUP" => Signal::HUP,
        "KILL" => Signal::KILL,
        "QUIT" => Signal::QUIT,
        "USR1" => Signal::USR1,
        "USR2" => Signal::USR2,
        "ALRM" => Signal::ALARM,
        other => panic!("no signal named {other}"),
    };
    let Some(pid) = i32::try_from(pid).ok().and_then(rustix::process::Pid::from_raw) else { return false };
    rustix::process::kill_process(pid, signal).is_ok()
}

/// Mode bits of a file (unix).
#[cfg(unix)]
pub fn mode(path: &std::path::Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).expect("file exists").permissions().mode() & 0o777
}

/// The null device, for a program's output that nobody reads (curl does not know `/dev/null`
/// on Windows).
pub const NULL_DEVICE: &str = if cfg!(windows) { "NUL" } else { "/dev/null" };

/// A `BROWSER` that fetches the URL it is given and exits: a person who approves at once. curl
/// runs without a shell (agentview appends the URL), so this works wherever curl is: Linux, macOS
/// and Windows 10 and later. `flags` are curl's, such as `-fsSL`.
pub fn curl_browser(flags: &str) -> String {
    format!("curl {flags} -o {NULL_DEVICE}")
}

/// Write an executable script (a fake `BROWSER`) into `dir`.
#[cfg(unix)]
pub fn script(dir: &std::path::Path, name: &str, body: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.join(name);
    std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).expect("write script");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    path
}

/// A test that cannot run on this machine: skipped with the reason, unless `switch` (an
/// `AGENTVIEW_REQUIRE_*` variable, all set by .ci/test) says this machine must run it.
#[allow(clippy::print_stderr)]
pub fn skip(switch: &str, why: &str) {
    if std::env::var(switch).as_deref() == Ok("1") {
        panic!("{switch}=1 but {why}");
    }
    eprintln!("skipped: {why}");
}

/// Whether this process runs as root; skipped otherwise (or, with AGENTVIEW_REQUIRE_ROOT=1,
/// failed), saying `why` the test needs root.
#[cfg(unix)]
pub fn require_root(why: &str) -> bool {
    if rustix::process::geteuid().is_root() {
        return true;
    }
    skip("AGENTVIEW_REQUIRE_ROOT", why);
    false
}

/// Whether a Secret Service answers on the session bus (see .ci/keyring-session).
pub fn secret_service_available() -> bool {
    if std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_none() {
        return false;
    }
    Command::new("dbus-send")
        .args([
            "--session",
            "--print-reply",
            "--dest=org.freedesktop.DBus",
            "/org/freedesktop/DBus",
            "org.freedesktop.DBus.NameHasOwner",
            "string:org.freedesktop.secrets",
        ])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).contains("boolean true"))
        .unwrap_or(false)
}

/// Skip (or, with AGENTVIEW_REQUIRE_KEYRING=1, fail) when there is no Secret Service.
#[allow(clippy::print_stderr)]
pub fn require_secret_service() -> bool {
    if secret_service_available() {
        return true;
    }
    skip("AGENTVIEW_REQUIRE_KEYRING", "no Secret Service is reachable (run under .ci/keyring-session)");
    false
}

/// Run agentview on a pseudo-terminal (stdin, stdout and stderr) through util-linux `script`.
/// The terminal merges stdout and stderr into `Run::stdout`. None when `script` is not installed.
#[cfg(unix)]
pub fn run_in_terminal(av: &Agentview, args: &[&str]) -> Option<Run> {
    let available = Command::new("script").arg("--version").output().is_ok_and(|o| o.status.success());
    if !available {
        return None;
    }
    let quote = |s: &str| format!("'{}'", s.replace('\'', "'\\''"));
    let mut line = quote(&binary().display().to_string());
    for arg in args {
        line.push(' ');
        line.push_str(&quote(arg));
    }
    let child = av.wrapper("script").args(["-q", "-e", "-c", &line, "/dev/null"]).spawn().expect("script starts");
    Some(wait_with_deadline(child, Duration::from_secs(60)))
}
