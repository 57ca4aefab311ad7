//! What the bridge tests share: the real clients (.ci/clients), a step-by-step driver for the
//! TypeScript SDK's client, the bridge run by hand on raw stdio, and the servers behind it.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use serde_json::{Value, json};

use crate::support::cli::{Agentview, binary};
use crate::support::server::{OAuthConfig, ServerConfig, TestServer};

/// Longest wait for one step: only a guard against a hang, never a timing check.
pub const STEP: Duration = Duration::from_secs(60);

/// The clients `.ci/clients` installs: Node.js 22 and the packages of tests/clients.
#[derive(Debug)]
pub struct Clients {
    pub dir: PathBuf,
    pub node: PathBuf,
}

impl Clients {
    /// The installed clients, or None (the test is skipped, or fails under AGENTVIEW_REQUIRE_CLIENTS=1).
    pub fn find() -> Option<Clients> {
        let dir = std::env::var_os("AGENTVIEW_CLIENTS_CACHE").map(PathBuf::from).unwrap_or_else(|| {
            let cache = std::env::var_os("XDG_CACHE_HOME")
                .map(PathBuf::from)
                .unwrap_or_else(|| PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cache"));
            cache.join("agentview-ci/clients")
        });
        let candidates = std::fs::read_dir(dir.join("node_modules"))
            .into_iter()
            .flatten()
            .filter_map(Result::ok)
            .map(|e| e.path().join("bin/node"))
            .filter(|p| p.is_file());
        let node = candidates.into_iter().find(|p| {
            Command::new(p)
                .arg("--version")
                .output()
                .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).starts_with("v22"))
        });
        match node {
            Some(node) if dir.join("node_modules/@modelcontextprotocol/sdk").is_dir() => Some(Clients { dir, node }),
            _ => {
                crate::support::cli::skip(
                    "AGENTVIEW_REQUIRE_CLIENTS",
                    "the MCP clients are not installed (run .ci/clients)",
                );
                None
            }
        }
    }

    /// A program of the installed packages (node_modules/.bin).
    pub fn bin(&self, name: &str) -> PathBuf {
        self.dir.join("node_modules/.bin").join(name)
    }

    /// `node` with the packages on its require path.
    pub fn node(&self) -> Command {
        let mut command = Command::new(&self.node);
        command.env_clear().env("NODE_PATH", self.dir.join("node_modules")).env("PATH", path_with(&self.node));
        command
    }
}

/// PATH with the directory of `program` first (scripts of the packages run `node`).
fn path_with(program: &std::path::Path) -> String {
    let dir = program.parent().map(|d| d.display().to_string()).unwrap_or_default();
    format!("{dir}:{}", std::env::var("PATH").unwrap_or_default())
}

pub fn script_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/clients").join(name)
}

/// The TypeScript SDK's client, running `agentview [flags] bridge`, one step at a time.
#[derive(Debug)]
pub struct Driver {
    child: Child,
    stdin: ChildStdin,
    lines: mpsc::Receiver<String>,
}

impl Driver {
    pub fn start(clients: &Clients, av: &Agentview, flags: &[&str]) -> Driver {
        Driver::start_bridge(clients, av, flags, &[])
    }

    /// `agentview FLAGS bridge BRIDGE_FLAGS`.
    pub fn start_bridge(clients: &Clients, av: &Agentview, flags: &[&str], bridge_flags: &[&str]) -> Driver {
        let mut args: Vec<&str> = flags.to_vec();
        args.push("bridge");
        args.extend(bridge_flags);
        let env: serde_json::Map<String, Value> =
            av.env_pairs().iter().map(|(k, v)| (k.clone(), Value::from(v.as_str()))).collect();
        let mut child = clients
            .node()
            .arg(script_path("driver.cjs"))
            .env("DRIVER_COMMAND", binary())
            .env("DRIVER_ARGS", json!(args).to_string())
            .env("DRIVER_ENV", Value::Object(env).to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("node starts");
        let stdin = child.stdin.take().expect("piped");
        let lines = lines_of(child.stdout.take().expect("piped"));
        Driver { child, stdin, lines }
    }

    /// One step; its answer.
    pub fn step(&mut self, op: Value) -> Value {
        writeln!(self.stdin, "{op}").expect("the driver reads");
        let line = self.lines.recv_timeout(STEP).unwrap_or_else(|_| panic!("no answer to {op} within {STEP:?}"));
        serde_json::from_str(&line).expect("the driver answers JSON")
    }

    /// One step that must succeed.
    pub fn ok(&mut self, op: Value) -> Value {
        let answer = self.step(op.clone());
        assert_eq!(answer["ok"], true, "{op} failed: {answer}");
        answer
    }

    /// Call a tool; the result's first text.
    pub fn call(&mut self, name: &str, arguments: Value) -> String {
        let answer = self.ok(json!({"op": "call", "name": name, "arguments": arguments}));
        answer["result"]["content"][0]["text"].as_str().unwrap_or_default().to_string()
    }

    /// What the bridge wrote on stderr so far, the server's requests, notifications and errors.
    pub fn seen(&mut self) -> Value {
        self.ok(json!({"op": "seen"}))
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Lines of `from`, read on a thread.
pub fn lines_of(from: impl Read + Send + 'static) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(from).lines() {
            let Ok(line) = line else { return };
            if tx.send(line).is_err() {
                return;
            }
        }
    });
    rx
}

/// The bridge on raw stdio: the test writes the client's lines and reads the bridge's.
#[derive(Debug)]
pub struct Raw {
    pub child: Child,
    stdin: Option<ChildStdin>,
    out: mpsc::Receiver<String>,
    err: mpsc::Receiver<String>,
}

impl Raw {
    pub fn start(av: &Agentview) -> Raw {
        Raw::with_flags(av, &[])
    }

    /// `agentview FLAGS bridge`.
    pub fn with_flags(av: &Agentview, flags: &[&str]) -> Raw {
        let mut args = flags.to_vec();
        args.push("bridge");
        Raw::with_args(av, &args)
    }

    /// `agentview ARGS`, the whole command line.
    pub fn with_args(av: &Agentview, args: &[&str]) -> Raw {
        let mut child = av
            .command(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("agentview starts");
        let stdin = child.stdin.take();
        let out = lines_of(child.stdout.take().expect("piped"));
        let err = lines_of(child.stderr.take().expect("piped"));
        Raw { child, stdin, out, err }
    }

    pub fn send(&mut self, line: &str) {
        let stdin = self.stdin.as_mut().expect("stdin open");
        stdin.write_all(line.as_bytes()).and_then(|()| stdin.write_all(b"\n")).expect("the bridge reads");
    }

    pub fn send_json(&mut self, message: Value) {
        self.send(&message.to_string());
    }

    /// The next line on stdout, which must be one JSON value.
    pub fn recv(&mut self) -> Value {
        let Ok(line) = self.out.recv_timeout(STEP) else {
            panic!("no line on stdout within {STEP:?}; stderr:\n{}", self.stderr());
        };
        serde_json::from_str(&line).unwrap_or_else(|_| panic!("stdout carries only JSON-RPC: {line:?}"))
    }

    /// Lines on stdout until the answer to request `id`; all of them must be JSON.
    pub fn answer(&mut self, id: Value) -> Value {
        loop {
            let message = self.recv();
            if message.get("id") == Some(&id) && message.get("method").is_none() {
                return message;
            }
        }
    }

    /// The MCP handshake, as a client does it.
    pub fn handshake(&mut self) -> Value {
        self.send_json(json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
            "protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "raw", "version": "1"}}}));
        let answer = self.answer(json!(0));
        self.send_json(json!({"jsonrpc": "2.0", "method": "notifications/initialized"}));
        answer
    }

    pub fn close_stdin(&mut self) {
        self.stdin.take();
    }

    /// The exit code (128+n for signal n), after the bridge ended by itself.
    pub fn exit_code(&mut self) -> i32 {
        let status = crate::support::cli::wait_for_exit(&mut self.child, STEP).expect("the bridge exits");
        #[cfg(unix)]
        if let Some(signal) = std::os::unix::process::ExitStatusExt::signal(&status) {
            return 128 + signal;
        }
        status.code().unwrap_or(-1)
    }

    /// Whatever stdout still has (after exit), every line.
    pub fn rest_of_stdout(&mut self) -> Vec<String> {
        let mut lines = Vec::new();
        while let Ok(line) = self.out.recv_timeout(Duration::from_secs(5)) {
            lines.push(line);
        }
        lines
    }

    /// stderr so far (after exit: all of it).
    pub fn stderr(&mut self) -> String {
        let mut text = String::new();
        while let Ok(line) = self.err.recv_timeout(Duration::from_millis(200)) {
            text.push_str(&line);
            text.push('\n');
        }
        text
    }
}

impl Drop for Raw {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The server behind the bridge. The bundled one here; the tests that only need an MCP server
/// with the tools named in `tools` take any server's URL.
#[derive(Debug)]
pub struct Upstream {
    pub url: String,
    pub tools: Tools,
}

/// Tools of an upstream server that the relay tests use.
#[derive(Debug)]
pub struct Tools {
    /// Answers with its arguments.
    pub echo: &'static str,
    /// Asks the client for input (elicitation) and says what it got.
    pub elicit: &'static str,
    /// Sends progress notifications, as many as its `n` argument.
    pub progress: &'static str,
}

pub const LOCAL_TOOLS: Tools = Tools { echo: "echo", elicit: "ask_user", progress: "count" };

/// The bundled server with its client tools, in SSE or JSON mode, optionally with OAuth.
pub fn local_server(sse: bool, oauth: Option<OAuthConfig>) -> TestServer {
    TestServer::start(ServerConfig {
        sse,
        client_tools: true,
        oauth: oauth.map(|c| OAuthConfig { auto_approve: true, ..c }),
        ..ServerConfig::default()
    })
}

/// agentview for `server`, logged in with OAuth (a "browser" follows the redirect).
pub fn logged_in(server: &TestServer) -> Agentview {
    let mut av = Agentview::new(&server.mcp_url());
    av.set("BROWSER", &crate::support::cli::curl_browser("-fsSL"));
    av.run(&["login", "--method", "oauth"]).expect_code(0);
    av
}

/// The stored access token of `av`.
pub fn stored_token(av: &Agentview) -> String {
    let doc: Value = serde_json::from_slice(&std::fs::read(av.credentials_file()).expect("stored")).expect("JSON");
    doc["credentials"][av.server.as_str()]["token"].as_str().expect("a token").to_string()
}

/// The stored refresh token of `av`.
pub fn stored_refresh_token(av: &Agentview) -> String {
    let doc: Value = serde_json::from_slice(&std::fs::read(av.credentials_file()).expect("stored")).expect("JSON");
    doc["credentials"][av.server.as_str()]["oauth"]["refresh_token"].as_str().expect("a refresh token").to_string()
}
