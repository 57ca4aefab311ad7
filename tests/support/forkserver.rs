//! Python peers forked from one process per Python environment that has imported their libraries
//! once (tests/peers/python/forkserver.py), instead of each importing FastMCP, the MCP SDK and
//! Authlib anew: about a second of CPU per peer, two dozen peers a run. The fork server starts
//! with the first peer of its environment and ends with the test binary (at its stdin's EOF).

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, LazyLock, Mutex};
use std::time::Duration;

use serde_json::{Map, Value, json};

use super::cli::{send_signal, try_wait_until};

/// A peer forked from a fork server: its pid, and the connection that is its stdin, stdout and
/// stderr.
#[derive(Debug)]
pub struct Forked {
    pub pid: u32,
    pub stream: UnixStream,
}

impl Forked {
    /// End the peer (stdin's EOF, then SIGKILL) and return once it is gone, so its ports are free.
    pub fn stop(self) {
        let _ = self.stream.shutdown(std::net::Shutdown::Both);
        send_signal(self.pid, "KILL");
        let gone = try_wait_until(Duration::from_secs(10), || (!alive(self.pid)).then_some(()));
        assert!(gone.is_some(), "forked peer {} still runs after SIGKILL", self.pid);
    }
}

/// Whether a process with this pid exists (the fork server's children are reaped at once).
fn alive(pid: u32) -> bool {
    Path::new(&format!("/proc/{pid}")).exists()
}

/// A running fork server or Node.js peer host: its process (stdin held open: it exits at EOF) and
/// its socket.
#[derive(Debug)]
pub(super) struct Server {
    _process: Child,
    socket: PathBuf,
    _dir: tempfile::TempDir,
}

/// The fork server of each Python interpreter and the host of each Node.js, started on first use.
static SERVERS: LazyLock<Mutex<HashMap<PathBuf, Arc<Server>>>> = LazyLock::new(Mutex::default);

/// Run `command` (a Python environment's interpreter, a launcher script, its arguments and
/// environment) as a child of that environment's fork server: the child, and its output (the
/// lines of its stdout and stderr, after the `PID <pid>` line read here).
pub fn spawn(
    command: &Command,
    script_dir: &Path,
    start_limit: Duration,
) -> std::io::Result<(Forked, BufReader<UnixStream>)> {
    let python = PathBuf::from(command.get_program());
    let mut fork_server = Command::new(&python);
    fork_server.arg(script_dir.join("forkserver.py"));
    let server = server(&python, fork_server, start_limit)?;
    let mut args = command.get_args().map(|a| a.to_string_lossy().into_owned());
    let script = args.next().expect("a launcher script");
    let (stream, mut output) = request(&server, &script, args.collect(), command)?;
    let mut first = String::new();
    output.read_line(&mut first)?;
    let pid =
        first.trim().strip_prefix("PID ").and_then(|p| p.parse().ok()).ok_or_else(|| {
            std::io::Error::other(format!("the fork server of {} answered {first:?}", python.display()))
        })?;
    Ok((Forked { pid, stream }, output))
}

/// Ask `server` to start `script` with `args` and `command`'s environment: the connection, and a
/// reader of what comes back on it.
pub(super) fn request(
    server: &Server,
    script: &str,
    args: Vec<String>,
    command: &Command,
) -> std::io::Result<(UnixStream, BufReader<UnixStream>)> {
    let env: Map<String, Value> = command
        .get_envs()
        .filter_map(|(k, v)| Some((k.to_string_lossy().into_owned(), Value::from(v?.to_string_lossy().into_owned()))))
        .collect();
    let request = json!({"script": script, "args": args, "env": env});
    let mut stream = UnixStream::connect(&server.socket)?;
    writeln!(stream, "{request}")?;
    let output = BufReader::new(stream.try_clone()?);
    Ok((stream, output))
}

/// The server `key` names, started on first use as `command SOCKET`: it prints `READY` once it
/// listens on the Unix socket SOCKET, and exits at its stdin's EOF (when this test binary ends).
pub(super) fn server(key: &Path, mut command: Command, start_limit: Duration) -> std::io::Result<Arc<Server>> {
    let mut servers = SERVERS.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(server) = servers.get(key) {
        return Ok(server.clone());
    }
    let dir = tempfile::tempdir()?;
    let socket = dir.path().join("peers.sock");
    let mut process =
        command.arg(&socket).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::inherit()).spawn()?;
    let stdout = process.stdout.take().expect("piped stdout");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let _ = tx.send(line);
    });
    match rx.recv_timeout(start_limit) {
        Ok(line) if line.trim() == "READY" => {}
        got => {
            let _ = process.kill();
            let _ = process.wait();
            return Err(std::io::Error::other(format!(
                "{} did not start: {got:?}",
                command.get_args().map(|a| a.to_string_lossy()).collect::<Vec<_>>().join(" ")
            )));
        }
    }
    let server = Arc::new(Server { _process: process, socket, _dir: dir });
    servers.insert(key.to_path_buf(), server.clone());
    Ok(server)
}
