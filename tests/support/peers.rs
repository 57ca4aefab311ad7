//! MCP servers and authorization servers nobody here wrote, installed by `.ci/peers` and run as
//! child processes on free ports of 127.0.0.1: FastMCP (the MCP Python SDK's authorization
//! server; a pinned and the newest version), the TypeScript SDK's example server in strict mode,
//! panva's oidc-provider behind an MCP resource server (also with the device authorization grant),
//! Authlib's JWT-bearer and device grants, models of company identity providers (Entra ID,
//! Google, Auth0, Okta) on oidc-provider, and Better Auth's OAuth provider plugin. Our launchers
//! (tests/peers/python, tests/peers/node) print `READY <mcp url> <issuer>` when listening and one
//! `peer-log {json}` line per request or event on stderr (never a token), and move their clock
//! when told (`clock SECONDS` on stdin); a peer is killed when dropped.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::cli::{self, Agentview, NULL_DEVICE, Run, wait_until};
use super::ports::{HeldPort, held_port};

/// Only guards against a hang: a peer that is not listening by then fails the test.
const START_LIMIT: Duration = Duration::from_secs(60);

/// Which independent server.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PeerKind {
    /// FastMCP 4.1.7 with InMemoryOAuthProvider (the MCP Python SDK's `mcp.server.auth`).
    FastMcpPinned,
    /// The newest FastMCP (4.2.3), the same provider.
    FastMcpNewest,
    /// The TypeScript SDK's `simpleStreamableHttp` example with `--oauth --oauth-strict`.
    TsSdkStrict,
    /// panva's oidc-provider, configured strictly, behind our MCP resource server.
    OidcProvider,
    /// Authlib's JWT-bearer grant (RFC 7523) trusting one workload platform, behind a small MCP
    /// resource server (in the FastMCP 4.2.3 environment, which carries Authlib).
    AuthlibWorkload,
    /// oidc-provider as `OidcProvider`, with the device authorization grant (RFC 8628).
    OidcDevice,
    /// Authlib's device authorization grant (RFC 8628), strict, behind a small MCP resource server.
    AuthlibDevice,
    /// A model of Microsoft Entra ID's v2.0 endpoints (tests/peers/node/providers/entra.mjs).
    Entra,
    /// A model of Google's OAuth for installed apps (providers/google.mjs).
    Google,
    /// A model of an Auth0 tenant (providers/auth0.mjs).
    Auth0,
    /// A model of an Okta custom authorization server (providers/okta.mjs).
    Okta,
    /// Better Auth 1.7 with its OAuth 2.1 provider plugin on a memory adapter, behind our MCP
    /// resource server (better_auth.mjs).
    BetterAuth,
}

impl PeerKind {
    pub const ALL: [PeerKind; 4] =
        [PeerKind::FastMcpPinned, PeerKind::FastMcpNewest, PeerKind::TsSdkStrict, PeerKind::OidcProvider];

    pub fn name(self) -> &'static str {
        match self {
            PeerKind::FastMcpPinned => "FastMCP 4.1.7",
            PeerKind::FastMcpNewest => "FastMCP 4.2.3",
            PeerKind::TsSdkStrict => "the TypeScript SDK's example server (--oauth-strict)",
            PeerKind::OidcProvider => "oidc-provider",
            PeerKind::AuthlibWorkload => "Authlib's JWT-bearer grant",
            PeerKind::OidcDevice => "oidc-provider's device grant",
            PeerKind::AuthlibDevice => "Authlib's device grant",
            PeerKind::Entra => "the Entra ID model",
            PeerKind::Google => "the Google model",
            PeerKind::Auth0 => "the Auth0 model",
            PeerKind::Okta => "the Okta model",
            PeerKind::BetterAuth => "Better Auth's OAuth provider",
        }
    }

    /// Whether its launcher is a Python one (started from the fork server of its environment).
    fn python(self) -> bool {
        matches!(
            self,
            PeerKind::FastMcpPinned | PeerKind::FastMcpNewest | PeerKind::AuthlibWorkload | PeerKind::AuthlibDevice
        )
    }

    /// Whether its launcher can run in the Node.js peer host (tests/peers/node/host.mjs): all of
    /// ours but the TypeScript SDK's example, which patches the SDK's classes for its process.
    fn hostable(self) -> bool {
        !self.python() && self != PeerKind::TsSdkStrict
    }

    /// Whether its authorization server hands out (and rotates) refresh tokens.
    pub fn refreshes(self) -> bool {
        self != PeerKind::TsSdkStrict
    }

    /// Whether its authorization server has a revocation endpoint (RFC 7009).
    pub fn revokes(self) -> bool {
        self != PeerKind::TsSdkStrict
    }

    /// Whether a loopback redirect URI registered without a port matches any port (RFC 8252
    /// §7.3). The Python SDK compares redirect URIs exactly; so does the TypeScript SDK's demo
    /// provider (its authorize() checks `redirect_uris.includes(...)` after the SDK's handler let
    /// the port vary).
    pub fn loopback_port_may_vary(self) -> bool {
        self == PeerKind::OidcProvider
    }

    /// The status its MCP endpoint answers a token it did not issue, or one that expired: 401,
    /// except the TypeScript SDK's example, whose token verifier throws a plain Error for an
    /// unknown token (its introspection says 401) that the SDK's requireBearerAuth turns into 500.
    pub fn refusal_status(self) -> u16 {
        if self == PeerKind::TsSdkStrict { 500 } else { 401 }
    }

    /// The status of an `invalid_grant` answer at the token endpoint: 400 (RFC 6749 §5.2), but
    /// 401 from FastMCP (its token handler turns 400 invalid_grant into 401, applying the MCP rule
    /// for resource servers, "invalid or expired tokens MUST receive a HTTP 401", to the token endpoint).
    pub fn invalid_grant_status(self) -> u16 {
        if matches!(self, PeerKind::FastMcpPinned | PeerKind::FastMcpNewest) { 401 } else { 400 }
    }

    /// How many ports: the MCP server's and, where it is a server of its own, the authorization
    /// server's.
    fn ports(self) -> usize {
        match self {
            PeerKind::FastMcpPinned | PeerKind::FastMcpNewest | PeerKind::AuthlibWorkload | PeerKind::AuthlibDevice => {
                1
            }
            _ => 2,
        }
    }

    /// The part of the cache it runs from, and the repository files that part was installed from.
    fn install(self) -> (PathBuf, Vec<PathBuf>) {
        let peers = repo().join("tests/peers");
        match self {
            PeerKind::FastMcpPinned | PeerKind::FastMcpNewest | PeerKind::AuthlibWorkload | PeerKind::AuthlibDevice => {
                let version = self.fastmcp_version();
                (
                    peers_dir().join(format!("python/fastmcp-{version}")),
                    vec![peers.join(format!("python/fastmcp-{version}.txt"))],
                )
            }
            _ => {
                (peers_dir().join("node"), vec![peers.join("node/package.json"), peers.join("node/package-lock.json")])
            }
        }
    }

    fn fastmcp_version(self) -> &'static str {
        match self {
            PeerKind::FastMcpPinned => "4.1.7",
            _ => "4.2.3",
        }
    }

    /// Installed by .ci/peers from the files in this checkout (not from older ones).
    pub fn installed(self) -> bool {
        let (dir, sources) = self.install();
        let mut hash = Sha256::new();
        for source in &sources {
            match std::fs::read(source) {
                Ok(bytes) => hash.update(bytes),
                Err(_) => return false,
            }
        }
        let want: String = hash.finalize().iter().map(|b| format!("{b:02x}")).collect();
        std::fs::read_to_string(dir.join(".installed")).is_ok_and(|got| got.trim() == want)
    }

    fn command(self, ports: &[u16], options: &PeerOptions) -> Command {
        let (dir, _) = self.install();
        let peers = repo().join("tests/peers");
        let mut command = match self {
            PeerKind::FastMcpPinned | PeerKind::FastMcpNewest => {
                let mut c = Command::new(dir.join("bin/python"));
                c.arg(peers.join("python/fastmcp_server.py"));
                c.env("FASTMCP_SHOW_SERVER_BANNER", "false").env("FASTMCP_CHECK_FOR_UPDATES", "off");
                c
            }
            PeerKind::AuthlibWorkload | PeerKind::AuthlibDevice => {
                let script =
                    if self == PeerKind::AuthlibWorkload { "authlib_workload.py" } else { "authlib_device.py" };
                let mut c = Command::new(dir.join("bin/python"));
                c.arg(peers.join("python").join(script));
                c
            }
            _ => {
                let script = match self {
                    PeerKind::TsSdkStrict => "ts_sdk_demo.mjs",
                    PeerKind::Entra => "providers/entra.mjs",
                    PeerKind::Google => "providers/google.mjs",
                    PeerKind::Auth0 => "providers/auth0.mjs",
                    PeerKind::Okta => "providers/okta.mjs",
                    PeerKind::BetterAuth => "better_auth.mjs",
                    _ => "oidc_provider.mjs",
                };
                let mut c = Command::new(dir.join("node_modules/.bin/node"));
                c.arg("--import").arg(peers.join("node/resolve.mjs")).arg(peers.join("node").join(script));
                c.env("AGENTVIEW_PEERS_NODE_DIR", &dir).env("NODE_ENV", "test");
                // V8's code for the packages, kept from one start to the next (Node.js 22): about
                // a third of oidc-provider's start on this machine.
                c.env("NODE_COMPILE_CACHE", dir.join(".compile-cache"));
                if self == PeerKind::OidcDevice {
                    c.arg("--device-flow");
                }
                c
            }
        };
        command.arg("--port").arg(ports[0].to_string());
        if let Some(port) = ports.get(1) {
            command.arg("--as-port").arg(port.to_string());
        }
        if let Some(seconds) = options.token_lifetime {
            command.arg("--token-lifetime").arg(seconds.to_string());
        }
        if !options.auth_methods.is_empty() {
            assert_eq!(self, PeerKind::OidcProvider, "only oidc-provider's launcher takes --auth-methods");
            command.arg("--auth-methods").arg(options.auth_methods.join(","));
        }
        command.args(&options.args);
        command.env("PEER_CLIENTS", Value::from(options.clients.clone()).to_string());
        if let Some(platform) = &options.workload_platform {
            command.env("PEER_WORKLOAD", platform.to_string());
        }
        for (name, value) in &options.env {
            command.env(name, value);
        }
        command
    }
}

/// The repository (the launchers and the pinned lists live in tests/peers).
fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Where .ci/peers installs: AGENTVIEW_PEERS_DIR, else the per-user cache.
pub fn peers_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("AGENTVIEW_PEERS_DIR").filter(|d| !d.is_empty()) {
        return PathBuf::from(dir);
    }
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cache"));
    cache.join("agentview-ci/peers")
}

/// How to start a peer.
#[derive(Clone, Debug, Default)]
pub struct PeerOptions {
    /// Access-token lifetime in seconds (each peer's default is an hour).
    pub token_lifetime: Option<u64>,
    /// Clients registered at start (RFC 7591 client metadata), as an operator pre-registers them.
    pub clients: Vec<Value>,
    /// oidc-provider only: the client authentication methods it takes, preferred first (its
    /// metadata's order); empty for the launcher's default (`none`, `client_secret_basic`,
    /// `client_secret_post`, `private_key_jwt`).
    pub auth_methods: Vec<&'static str>,
    /// Authlib's peer only: the workload platform it trusts, `{"issuer": ..., "jwks": {"keys": [...]}}`.
    pub workload_platform: Option<Value>,
    /// More launcher options, as its header documents them (`--dcr`, `--device-interval 1`, ...).
    pub args: Vec<String>,
    /// Environment of the launcher (a secret it must know, such as Okta's PEER_ADMIN_TOKEN).
    pub env: Vec<(String, String)>,
}

/// A pre-registered client: `client_id`, exactly one redirect URI, and a secret for a
/// confidential client (with the authentication method the peer prefers for secrets).
pub fn preregistered(client_id: &str, redirect_uri: &str, secret: Option<&str>) -> Value {
    let mut client = json!({"client_id": client_id, "redirect_uris": [redirect_uri], "application_type": "native"});
    if let Some(secret) = secret {
        client["client_secret"] = json!(secret);
    }
    client
}

/// A pre-registered client of the client credentials grant alone (no redirect URI), with a secret
/// it must present by `method` (`client_secret_basic` or `client_secret_post`).
pub fn secret_client(client_id: &str, secret: &str, method: &str) -> Value {
    json!({
        "client_id": client_id, "client_secret": secret, "token_endpoint_auth_method": method,
        "grant_types": ["client_credentials"], "response_types": [], "redirect_uris": [],
    })
}

/// A pre-registered client of the client credentials grant alone that authenticates with
/// `private_key_jwt`, its public keys `jwks` (JWKs).
pub fn key_client(client_id: &str, jwks: &[Value]) -> Value {
    json!({
        "client_id": client_id, "token_endpoint_auth_method": "private_key_jwt", "jwks": {"keys": jwks},
        "grant_types": ["client_credentials"], "response_types": [], "redirect_uris": [],
    })
}

/// A running peer; killed when dropped.
#[derive(Debug)]
pub struct Peer {
    pub kind: PeerKind,
    options: PeerOptions,
    /// Held for the peer's lifetime, so a restart gets the same ports and no other test takes them.
    ports: Vec<HeldPort>,
    process: Option<Process>,
    mcp_url: String,
    issuer: String,
    /// Every stderr line of every run (a restart appends).
    log: Arc<Mutex<Vec<String>>>,
    syncs: AtomicU64,
}

/// A running launcher: a child process of the test, or one forked from the fork server of its
/// Python environment (Unix).
#[derive(Debug)]
enum Process {
    Spawned {
        child: Child,
        stdin: Option<ChildStdin>,
    },
    #[cfg(unix)]
    Forked(super::forkserver::Forked),
    #[cfg(unix)]
    Hosted(super::nodehost::Hosted),
}

impl Process {
    /// Tell the launcher `line` (a clock move) on its stdin.
    fn tell(&self, line: &str) -> std::io::Result<()> {
        match self {
            Process::Spawned { stdin, .. } => writeln!(stdin.as_ref().expect("piped stdin"), "{line}"),
            #[cfg(unix)]
            Process::Forked(forked) => writeln!(&forked.stream, "{line}"),
            #[cfg(unix)]
            Process::Hosted(hosted) => writeln!(&hosted.stream, "{line}"),
        }
    }

    /// End it (stdin's EOF, then a kill) and return once it is gone.
    fn stop(self) {
        match self {
            Process::Spawned { mut child, stdin } => {
                drop(stdin);
                let _ = child.kill();
                let _ = child.wait();
            }
            #[cfg(unix)]
            Process::Forked(forked) => forked.stop(),
            #[cfg(unix)]
            Process::Hosted(hosted) => hosted.stop(),
        }
    }
}

impl Peer {
    /// Start `kind` with its defaults; `None` (the test is skipped) when it is not installed.
    pub fn start(kind: PeerKind) -> Option<Peer> {
        Peer::start_with(kind, PeerOptions::default())
    }

    pub fn start_with(kind: PeerKind, options: PeerOptions) -> Option<Peer> {
        if !kind.installed() {
            cli::skip(
                "AGENTVIEW_REQUIRE_PEERS",
                &format!("{} is not installed in {} (run .ci/peers)", kind.name(), peers_dir().display()),
            );
            return None;
        }
        let ports = (0..kind.ports()).map(|_| held_port()).collect();
        let mut peer = Peer {
            kind,
            options,
            ports,
            process: None,
            mcp_url: String::new(),
            issuer: String::new(),
            log: Arc::default(),
            syncs: AtomicU64::new(0),
        };
        peer.launch();
        Some(peer)
    }

    fn port_numbers(&self) -> Vec<u16> {
        self.ports.iter().map(|p| p.port).collect()
    }

    fn launch(&mut self) {
        let command = self.kind.command(&self.port_numbers(), &self.options);
        let (tx, rx) = mpsc::channel();
        match (self.kind.python(), self.kind.hostable()) {
            #[cfg(unix)]
            (true, _) => self.fork(&command, tx),
            #[cfg(unix)]
            (_, true) if super::nodehost::enabled() => self.host(&command, tx),
            _ => self.spawn(command, tx),
        }
        let ready = loop {
            match rx.recv_timeout(START_LIMIT) {
                Ok(line) if line.starts_with("READY ") => break line,
                Ok(_) => continue,
                Err(_) => {
                    self.stop();
                    panic!("{} did not get ready within {START_LIMIT:?}:\n{}", self.kind.name(), self.log_text());
                }
            }
        };
        let mut words = ready.split_whitespace().skip(1);
        self.mcp_url = words.next().expect("READY names the MCP URL").to_string();
        self.issuer = words.next().expect("READY names the issuer").to_string();
    }

    /// Start the launcher as a child process, its stdout read for READY and its stderr logged.
    fn spawn(&mut self, mut command: Command, ready: mpsc::Sender<String>) {
        command.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
        let mut child = command.spawn().unwrap_or_else(|e| panic!("{} does not start: {e}", self.kind.name()));
        let stdin = child.stdin.take();
        let stdout = child.stdout.take().expect("piped stdout");
        let stderr = child.stderr.take().expect("piped stderr");
        self.read_output(BufReader::new(stderr), None, true);
        self.read_output(BufReader::new(stdout), Some(ready), false);
        self.process = Some(Process::Spawned { child, stdin });
    }

    /// Start the launcher from the fork server of its Python environment: one connection carries
    /// its stdin, stdout and stderr.
    #[cfg(unix)]
    fn fork(&mut self, command: &Command, ready: mpsc::Sender<String>) {
        let (forked, output) = super::forkserver::spawn(command, &repo().join("tests/peers/python"), START_LIMIT)
            .unwrap_or_else(|e| panic!("{} does not start: {e}", self.kind.name()));
        self.read_output(output, Some(ready), true);
        self.process = Some(Process::Forked(forked));
    }

    /// Start the launcher in the Node.js peer host: one connection carries its stdin, stdout and
    /// stderr.
    #[cfg(unix)]
    fn host(&mut self, command: &Command, ready: mpsc::Sender<String>) {
        let (hosted, output) = super::nodehost::spawn(command, &repo().join("tests/peers/node"), START_LIMIT)
            .unwrap_or_else(|e| panic!("{} does not start: {e}", self.kind.name()));
        self.read_output(output, Some(ready), true);
        self.process = Some(Process::Hosted(hosted));
    }

    /// Read `output` on a thread of its own: its READY line goes to `ready` (where given), and
    /// where `logged` every other line to the log (a launcher's own stdout holds nothing else).
    fn read_output(&self, output: impl BufRead + Send + 'static, ready: Option<mpsc::Sender<String>>, logged: bool) {
        let log = self.log.clone();
        std::thread::spawn(move || {
            for line in output.lines() {
                let Ok(line) = line else { break };
                match &ready {
                    Some(ready) if line.starts_with("READY ") => {
                        let _ = ready.send(line);
                    }
                    _ if logged => log.lock().expect("peer log").push(line),
                    _ => {}
                }
            }
        });
    }

    fn stop(&mut self) {
        if let Some(process) = self.process.take() {
            process.stop();
        }
    }

    /// Stop and start again on the same ports: everything the peer kept in memory (dynamically
    /// registered clients, grants, tokens, signing keys) is gone; pre-registered clients are back.
    pub fn restart(&mut self) {
        self.stop();
        self.log.lock().expect("peer log").push("peer-restart".to_string());
        self.launch();
    }

    /// Move the peer's clock `seconds` ahead (the time its libraries read: Python's time.time,
    /// Node's Date.now), so what it issued expires without waiting for it; returns once the peer
    /// has logged the move.
    pub fn advance_clock(&self, seconds: f64) {
        let moves = self.events("clock").len();
        let process = self.process.as_ref().expect("a running peer");
        process.tell(&format!("clock {seconds}")).expect("the peer reads its stdin");
        wait_until(&format!("{} moving its clock", self.kind.name()), Duration::from_secs(10), || {
            (self.events("clock").len() > moves).then_some(())
        });
    }

    /// The MCP endpoint agentview is pointed at.
    pub fn mcp_url(&self) -> &str {
        &self.mcp_url
    }

    /// The authorization server's issuer identifier, as its metadata states it.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// Everything the peer wrote to stderr, for failure messages (the launchers log no token).
    pub fn log_text(&self) -> String {
        self.log.lock().expect("peer log").join("\n")
    }

    /// Once this returns, every request the peer answered before has its log line: a request of
    /// our own to each port, answered after all earlier ones, is waited for in the log.
    pub fn sync(&self) {
        let n = self.syncs.fetch_add(1, Ordering::SeqCst);
        for port in self.port_numbers() {
            let path = format!("/peer-sync/{port}-{n}");
            let _ = Command::new("curl")
                .args(["-s", "-o", "/dev/null", "--max-time", "10", &format!("http://127.0.0.1:{port}{path}")])
                .stdin(Stdio::null())
                .status();
            wait_until(&format!("{path} in the log of {}", self.kind.name()), Duration::from_secs(10), || {
                self.raw_requests().iter().any(|r| r["path"] == path.as_str()).then_some(())
            });
        }
    }

    fn raw_requests(&self) -> Vec<Value> {
        let log = self.log.lock().expect("peer log");
        log.iter().filter_map(|l| l.strip_prefix("peer-log ")).filter_map(|l| serde_json::from_str(l).ok()).collect()
    }

    /// The requests the peer answered (method, path, status, form field names and safe values,
    /// registration metadata, the error body of a refusal), up to now.
    pub fn requests(&self) -> Vec<Value> {
        self.sync();
        self.raw_requests()
            .into_iter()
            .filter(|r| !r["path"].as_str().unwrap_or("").starts_with("/peer-sync/"))
            .collect()
    }

    /// The events the peer logged under `name` (a sign-in, a refresh token withheld, a slow_down),
    /// up to now.
    pub fn events(&self, name: &str) -> Vec<Value> {
        self.requests().into_iter().filter(|r| r["event"] == name).collect()
    }

    /// Token-endpoint requests with this `grant_type`.
    pub fn token_requests(&self, grant_type: &str) -> Vec<Value> {
        self.requests()
            .into_iter()
            .filter(|r| r["method"] == "POST" && r["path"] == "/token" && r["grant_type"] == grant_type)
            .collect()
    }

    /// Requests whose path is `path`.
    pub fn requests_to(&self, path: &str) -> Vec<Value> {
        self.requests().into_iter().filter(|r| r["path"] == path).collect()
    }

    /// HTTP status of an MCP `initialize` with `token` as Bearer (none when empty).
    pub fn mcp_status(&self, token: &str) -> u16 {
        let body = r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"peer-check","version":"1"}}}"#;
        let mut config = format!(
            "header = \"Content-Type: application/json\"\nheader = \"Accept: application/json, text/event-stream\"\n\
             data = {}\n",
            quoted(body)
        );
        if !token.is_empty() {
            config.push_str(&format!("header = {}\n", quoted(&format!("Authorization: Bearer {token}"))));
        }
        let (status, _) = curl(&self.mcp_url, &config);
        status
    }

    /// An MCP request (`method` with `params`) with `token` as Bearer, as a client after the
    /// login would send it: the HTTP status and the JSON-RPC answer (from a JSON body or the
    /// first SSE `data:` line; null when there is none).
    pub fn mcp_request(&self, token: &str, method: &str, params: Value) -> (u16, Value) {
        let body = json!({"jsonrpc": "2.0", "id": 2, "method": method, "params": params});
        let config = format!(
            "header = \"Content-Type: application/json\"\nheader = \"Accept: application/json, text/event-stream\"\n\
             header = \"MCP-Protocol-Version: 2025-06-18\"\nheader = {}\ndata = {}\n",
            quoted(&format!("Authorization: Bearer {token}")),
            quoted(&body.to_string())
        );
        let (status, text) = curl(&self.mcp_url, &config);
        (status, json_rpc_answer(&text))
    }

    /// agentview pointed at this peer's MCP endpoint, with a scripted browser that follows
    /// redirects and keeps cookies (a person who approves at once).
    pub fn agentview(&self) -> Agentview {
        let mut av = Agentview::new(&self.mcp_url);
        // Only a guard against a hang: these servers run next to other tests on a small machine.
        av.set("AGENTVIEW_REQUEST_TIMEOUT", "30");
        let jar = av.dir.path().join("cookies.txt");
        // curl without a shell (agentview appends the URL), so it runs on every platform.
        let browser =
            format!("curl -sS -L --max-redirs 20 --max-time 20 -b '{0}' -c '{0}' -o {NULL_DEVICE}", jar.display());
        av.set("AGENTVIEW_BROWSER", &browser);
        av
    }

    /// `agentview()` whose browser signs in as `user` (the `X-Peer-User` header the models and the
    /// oidc-provider peers read; they know alice and bob, oidc-provider any name).
    pub fn agentview_as(&self, user: &str) -> Agentview {
        let mut av = self.agentview();
        let jar = av.dir.path().join("cookies.txt");
        let browser = format!(
            "curl -sS -L --max-redirs 20 --max-time 20 -H 'X-Peer-User: {user}' -b '{0}' -c '{0}' -o {NULL_DEVICE}",
            jar.display()
        );
        av.set("AGENTVIEW_BROWSER", &browser);
        av
    }

    /// Ask the token endpoint of a stored grant (credentials.json's `oauth` object) for a refresh
    /// with `refresh_token`, authenticating as the grant's client the way this server accepts
    /// (client_id in the form with HTTP Basic too). The status and the JSON answer.
    pub fn try_refresh(&self, grant: &Value, refresh_token: &str) -> (u16, Value) {
        let client_id = grant["client_id"].as_str().expect("client_id");
        let mut form =
            vec![("grant_type", "refresh_token"), ("refresh_token", refresh_token), ("client_id", client_id)];
        if let Some(resource) = grant["resource"].as_str() {
            form.push(("resource", resource));
        }
        let secret = grant["client_secret"].as_str();
        let basic = match (grant["client_auth"].as_str(), secret) {
            (Some("client_secret_basic"), Some(secret)) => Some((client_id, secret)),
            (_, Some(secret)) => {
                form.push(("client_secret", secret));
                None
            }
            _ => None,
        };
        post_form(grant["token_endpoint"].as_str().expect("token_endpoint"), &form, basic)
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// application/x-www-form-urlencoded value.
pub fn form_encode(value: &str) -> String {
    form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

/// An HTTP request with curl; `config` (curl's --config syntax: headers, data) goes on stdin, so
/// nothing secret is in argv. The status (0 when there was no answer) and the body.
pub fn curl(url: &str, config: &str) -> (u16, String) {
    let mut child = Command::new("curl")
        .args(["-s", "-o", "-", "-w", "\n%{http_code}", "--max-time", "20", "--config", "-", url])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("curl runs");
    child.stdin.take().expect("piped stdin").write_all(config.as_bytes()).expect("curl reads its config");
    let out = child.wait_with_output().expect("curl finishes");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let (body, status) = text.rsplit_once('\n').unwrap_or(("", &text));
    (status.trim().parse().unwrap_or(0), body.to_string())
}

/// The JSON-RPC message in an MCP answer: the body as JSON, else the first SSE `data:` line's.
pub fn json_rpc_answer(text: &str) -> Value {
    serde_json::from_str(text).ok().unwrap_or_else(|| {
        text.lines()
            .find_map(|l| l.strip_prefix("data:"))
            .and_then(|d| serde_json::from_str(d.trim()).ok())
            .unwrap_or(Value::Null)
    })
}

/// A value in double quotes for a curl config file.
pub fn quoted(value: &str) -> String {
    format!("\"{}\"", value.replace('\\', "\\\\").replace('"', "\\\""))
}

/// GET a JSON document.
pub fn get_json(url: &str) -> (u16, Value) {
    let (status, body) = curl(url, "");
    (status, serde_json::from_str(&body).unwrap_or(Value::Null))
}

/// POST a JSON document; the answer parsed.
pub fn post_json(url: &str, body: &Value) -> (u16, Value) {
    let config = format!("header = \"Content-Type: application/json\"\ndata = {}\n", quoted(&body.to_string()));
    let (status, body) = curl(url, &config);
    (status, serde_json::from_str(&body).unwrap_or(Value::Null))
}

/// POST a form (and a Basic pair); the answer parsed.
pub fn post_form(url: &str, form: &[(&str, &str)], basic: Option<(&str, &str)>) -> (u16, Value) {
    let mut config = String::new();
    if let Some((user, password)) = basic {
        use base64::Engine;
        let pair = format!("{}:{}", form_encode(user), form_encode(password));
        let encoded = base64::engine::general_purpose::STANDARD.encode(pair);
        config.push_str(&format!("header = \"Authorization: Basic {encoded}\"\n"));
    }
    let body: Vec<String> = form.iter().map(|(k, v)| format!("{k}={}", form_encode(v))).collect();
    config.push_str(&format!("data = {}\n", quoted(&body.join("&"))));
    let (status, body) = curl(url, &config);
    (status, serde_json::from_str(&body).unwrap_or(Value::Null))
}

/// The stored credential for `av`'s server (credentials.json; tests use `--store file`).
pub fn stored(av: &Agentview) -> Value {
    let bytes = std::fs::read(av.credentials_file()).expect("credentials file");
    let doc: Value = serde_json::from_slice(&bytes).expect("credentials.json is JSON");
    doc["credentials"][av.server.as_str()].clone()
}

/// The files in `dir` with their contents (to show a login touched none of them).
pub fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut files: Vec<(PathBuf, Vec<u8>)> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .filter(|e| e.path().is_file())
                .map(|e| (e.path(), std::fs::read(e.path()).unwrap_or_default()))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

/// The run's output and the peer's request log, for a failure message.
pub fn explain(run: &Run, peer: &Peer) -> String {
    format!(
        "exit {}\n--- agentview stderr\n{}\n--- agentview stdout\n{}\n--- {} log\n{}",
        run.code,
        run.stderr,
        run.stdout,
        peer.kind.name(),
        peer.log_text()
    )
}
