//! Helpers of the robustness tests: a seeded credentials file, store checks, and a login
//! process watched while it runs.

use std::io::Read;
use std::path::Path;
use std::process::{Child, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};

use super::cli::{Agentview, Run, try_wait_until, wait_for_exit};
use super::server::{RequestRecord, ServerConfig, TestServer};

/// A server that approves every login on its second poll.
pub fn approving() -> ServerConfig {
    ServerConfig { auto_approve_after_polls: Some(2), ..ServerConfig::default() }
}

/// A credential some earlier login left for another server.
pub const OTHER_SERVER: &str = "https://other.example/mcp";
pub const OTHER_TOKEN: &str = "avt_previous_other_server_token";
/// A credential an earlier login left for the server under test.
pub const OLD_TOKEN: &str = "avt_previous_token_of_this_server";

/// Write a credentials file holding a live entry for another server and one for `server`.
pub fn seed(av: &Agentview, server: &str) -> Vec<u8> {
    let dir = av.config_dir();
    std::fs::create_dir_all(&dir).expect("config dir");
    let entry = |token: &str| json!({"kind": "bearer", "token": token, "expires_at": 4_000_000_000u64, "created_at": 1_700_000_000u64});
    let doc = json!({"version": 1, "credentials": {OTHER_SERVER: entry(OTHER_TOKEN), server: entry(OLD_TOKEN)}});
    let bytes = format!("{}\n", serde_json::to_string_pretty(&doc).expect("json")).into_bytes();
    write_private(&av.credentials_file(), &bytes);
    bytes
}

#[cfg(unix)]
fn write_private(path: &Path, bytes: &[u8]) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::write(path, bytes).expect("write credentials");
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).expect("chmod");
}

#[cfg(not(unix))]
fn write_private(path: &Path, bytes: &[u8]) {
    std::fs::write(path, bytes).expect("write credentials");
}

/// The parsed credentials file, if there is one.
pub fn credentials(av: &Agentview) -> Option<Value> {
    let bytes = std::fs::read(av.credentials_file()).ok()?;
    Some(serde_json::from_slice(&bytes).expect("credentials.json is valid JSON"))
}

/// The stored token per server.
pub fn stored_tokens(av: &Agentview) -> Vec<(String, String)> {
    let Some(doc) = credentials(av) else { return Vec::new() };
    let entries = doc["credentials"].as_object().expect("credentials object");
    entries
        .iter()
        .map(|(server, entry)| (server.clone(), entry["token"].as_str().expect("token string").to_string()))
        .collect()
}

/// After a failed login: the file is byte for byte what it was.
pub fn assert_untouched(av: &Agentview, before: &[u8], run: &Run) {
    let now = std::fs::read(av.credentials_file()).expect("the credentials file is still there");
    assert!(now == before, "the failed login changed credentials.json\n--- stderr\n{}", run.stderr);
}

/// After a successful login: the other server's entry as it was, this server's entry replaced.
pub fn assert_replaced(av: &Agentview, server: &TestServer, run: &Run) {
    let sessions = server.sessions();
    let token = sessions.last().and_then(|s| server.token_for(&s.id)).expect("the server issued a token");
    let mut tokens = stored_tokens(av);
    tokens.sort();
    let mut want = vec![(OTHER_SERVER.to_string(), OTHER_TOKEN.to_string()), (server.mcp_url(), token)];
    want.sort();
    assert_eq!(tokens, want, "credentials after the login\n--- stderr\n{}", run.stderr);
}

/// create_auth_session reached the tool exactly once.
pub fn assert_created_once(server: &TestServer) {
    assert_eq!(server.sessions().len(), 1, "login sessions created");
    let unfaulted = server
        .requests()
        .iter()
        .filter(|r| r.tool.as_deref() == Some("create_auth_session") && reached_the_tool(r))
        .count();
    assert_eq!(unfaulted, 1, "create_auth_session requests that reached the tool");
}

/// A request the server's tools handled: not answered by a fault (an SSE stream cut short
/// still ran the tool; its response came on the resumed stream).
pub fn reached_the_tool(r: &RequestRecord) -> bool {
    r.status != 0 && matches!(r.fault.as_deref(), None | Some("SseCloseEarly") | Some("Slow"))
}

/// Control characters a hostile server could use to rewrite a terminal.
pub fn assert_terminal_safe(text: &str) {
    for bad in ['\u{1b}', '\u{7}', '\u{9b}', '\u{202e}', '\u{200b}'] {
        assert!(!text.contains(bad), "{bad:?} reached the terminal:\n{text:?}");
    }
    assert!(!text.contains("panicked"), "agentview panicked:\n{text}");
}

/// A running process whose output for people is read while it runs: agentview's stderr, or
/// the terminal output of a wrapper (`script`) that runs it on a pseudo-terminal.
#[derive(Debug)]
pub struct Live {
    pub child: Child,
    stderr: Arc<Mutex<String>>,
    reader: Option<std::thread::JoinHandle<()>>,
}

impl Live {
    pub fn start(av: &Agentview, args: &[&str]) -> Live {
        let mut child =
            av.command(args).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("agentview starts");
        let pipe = child.stderr.take().expect("piped stderr");
        Live::reading(child, pipe)
    }

    /// `child`, with `pipe` (taken from it) read while it runs.
    pub fn reading(child: Child, mut pipe: impl Read + Send + 'static) -> Live {
        let stderr = Arc::new(Mutex::new(String::new()));
        let sink = stderr.clone();
        let reader = std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = pipe.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock().expect("output buffer").push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        });
        Live { child, stderr, reader: Some(reader) }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Everything read so far.
    pub fn stderr(&self) -> String {
        self.stderr.lock().expect("output buffer").clone()
    }

    /// Wait until the output contains `needle`; panics after `limit`.
    pub fn wait_for(&self, needle: &str, limit: Duration) {
        self.wait_for_count(needle, 1, limit);
    }

    /// Wait until the output contains `needle` `count` times; panics after `limit`.
    pub fn wait_for_count(&self, needle: &str, count: usize, limit: Duration) {
        if try_wait_until(limit, || (self.stderr().matches(needle).count() >= count).then_some(())).is_none() {
            panic!("not {count} × {needle:?} within {limit:?}:\n{}", self.stderr());
        }
    }

    /// Send SIGINT, as Ctrl-C in a terminal does.
    #[cfg(unix)]
    pub fn interrupt(&self) {
        self.signal("-INT");
    }

    /// Send SIGTERM, as a CI runner does when a job is cancelled.
    #[cfg(unix)]
    pub fn terminate(&self) {
        self.signal("-TERM");
    }

    #[cfg(unix)]
    fn signal(&self, which: &str) {
        assert!(super::cli::send_signal(self.pid(), which), "kill {which} failed");
    }

    /// Whether the process holds `path` open (Linux: a link in /proc/PID/fd names it).
    #[cfg(target_os = "linux")]
    pub fn holds_open(&self, path: &Path) -> bool {
        let Ok(path) = path.canonicalize() else { return false };
        let Ok(fds) = std::fs::read_dir(format!("/proc/{}/fd", self.pid())) else { return false };
        fds.filter_map(Result::ok).any(|fd| std::fs::read_link(fd.path()).is_ok_and(|target| target == path))
    }

    /// Send SIGINT and return once the process has taken it (Linux, from /proc): the signal is
    /// pending no more, and the main thread, which runs agentview's async runtime and is woken to
    /// hand the signal to it, has gone back to sleep since. Panics after `limit`.
    #[cfg(target_os = "linux")]
    pub fn interrupt_and_wait_until_taken(&self, limit: Duration) {
        let before = MainThread::read(self.pid()).map_or(0, |t| t.sleeps);
        self.interrupt();
        let taken = try_wait_until(limit, || {
            MainThread::read(self.pid()).filter(|t| !t.interrupt_pending && t.asleep && t.sleeps > before)
        });
        assert!(taken.is_some(), "SIGINT not taken within {limit:?}:\n{}", self.stderr());
    }

    /// Wait for the exit and collect everything it printed.
    pub fn finish(mut self, limit: Duration) -> Run {
        let Some(status) = wait_for_exit(&mut self.child, limit) else {
            panic!("agentview did not finish within {limit:?}\n--- stderr\n{}", self.stderr());
        };
        let mut stdout = String::new();
        if let Some(mut pipe) = self.child.stdout.take() {
            let _ = pipe.read_to_string(&mut stdout);
        }
        if let Some(reader) = self.reader.take() {
            let _ = reader.join();
        }
        #[cfg(unix)]
        let code = {
            use std::os::unix::process::ExitStatusExt;
            status.code().unwrap_or_else(|| 128 + status.signal().unwrap_or(0))
        };
        #[cfg(not(unix))]
        let code = status.code().unwrap_or(-1);
        Run { code, stdout, stderr: self.stderr() }
    }
}

/// What /proc says about a process's main thread.
#[cfg(target_os = "linux")]
#[derive(Debug)]
struct MainThread {
    /// SIGINT waits to be delivered (to the thread, or to the process).
    interrupt_pending: bool,
    /// Sleeping (state S): waiting for something to happen.
    asleep: bool,
    /// How often it has gone to sleep (voluntary context switches).
    sleeps: u64,
}

#[cfg(target_os = "linux")]
impl MainThread {
    fn read(pid: u32) -> Option<MainThread> {
        let thread = std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/status")).ok()?;
        let process = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
        let field = |text: &str, name: &str| {
            text.lines().find_map(|l| l.strip_prefix(name).map(|v| v.trim().to_string())).unwrap_or_default()
        };
        // Bit 1 of the pending-signal masks is SIGINT (signal 2).
        let int = |mask: String| u64::from_str_radix(&mask, 16).is_ok_and(|m| m & 0x2 != 0);
        Some(MainThread {
            interrupt_pending: int(field(&thread, "SigPnd:")) || int(field(&process, "ShdPnd:")),
            asleep: field(&thread, "State:").starts_with('S'),
            sleeps: field(&thread, "voluntary_ctxt_switches:").parse().ok()?,
        })
    }
}
