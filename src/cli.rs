//! Command-line arguments (clap derive). The settings layer (`settings`, `login::settings`,
//! `invocation`) turns the global and login arguments into settings, with the environment; the
//! other commands take their few flags (plain value enums and structs) from the dispatcher.

use std::ffi::OsString;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

pub(crate) mod duration;
pub mod help;
pub(crate) mod server_arg;

/// Log in to an agentView MCP server and keep the token safe.
///
/// [`Cli::command`] is the whole command (for completions and man pages); a run parses with
/// [`Cli::deferred`], which builds a subcommand's options only when it is the one given.
// The description is the package's (`about`); this comment is not help text (`long_about`).
#[derive(Debug, Args)]
#[command(name = "agentview", version, about, long_about = None)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

/// The heading of the options every command takes: a subcommand's own options come first.
const GLOBAL: &str = "Global options";

/// Whether `arg` is one of the options every command takes (before or after its name).
pub fn is_global(arg: &clap::Arg) -> bool {
    arg.get_help_heading() == Some(GLOBAL)
}

/// `login`'s options by what they are for; `-h` shows the common ones, `--help` all.
const OAUTH: &str = "OAuth options";
const AGENTS: &str = "Two-step login (agents, CI)";
const UNATTENDED: &str = "Without a person (client credentials, workloads, a company identity provider)";

// Each subcommand takes them too, after its name (see `Command::take_later`). Not a doc comment:
// clap would take it for the description of every command it is flattened into.
#[derive(Debug, Default, Args)]
pub struct GlobalArgs {
    /// MCP endpoint of the agentView server [env: AGENTVIEW_SERVER] [default: https://agentview.de/mcp]
    #[arg(long, help_heading = GLOBAL, value_name = "URL")]
    pub server: Option<String>,

    /// Which of the server's accounts [env: AGENTVIEW_ACCOUNT] [default: the server's active
    /// account, see `switch`]
    #[arg(long, help_heading = GLOBAL, value_name = "NAME")]
    pub account: Option<String>,

    /// Where credentials are kept [env: AGENTVIEW_STORE] [default: auto]
    #[arg(long, help_heading = GLOBAL, value_enum, value_name = "STORE")]
    pub store: Option<StoreArg>,

    /// Directory for the credential file [env: AGENTVIEW_CONFIG_DIR] [default: the platform config dir]
    #[arg(long, help_heading = GLOBAL, value_name = "DIR", hide_short_help = true)]
    pub config_dir: Option<PathBuf>,

    /// Extra request header "Name: value" (repeatable), e.g. a proxy grant;
    /// `{env:VAR}` in the value is replaced by that variable, so secrets stay out of argv
    #[arg(short = 'H', long = "header", help_heading = GLOBAL, value_name = "H", hide_short_help = true)]
    pub headers: Vec<String>,

    /// Hide progress and success messages; errors, warnings and the login URL still show
    #[arg(short, long, help_heading = GLOBAL, conflicts_with = "verbose")]
    pub quiet: bool,

    /// Show each request and response status (secrets redacted)
    #[arg(short, long, help_heading = GLOBAL)]
    pub verbose: bool,

    /// When to use colours in messages [default: auto]
    #[arg(long, help_heading = GLOBAL, value_enum, value_name = "WHEN", hide_short_help = true)]
    pub color: Option<ColorArg>,
}

impl GlobalArgs {
    /// These options, then `later` ones (given after a subcommand's name): a value given later
    /// wins, headers add up, `-q` and `-v` count wherever they were given.
    pub fn then(self, later: GlobalArgs) -> GlobalArgs {
        let mut headers = self.headers;
        headers.extend(later.headers);
        GlobalArgs {
            server: later.server.or(self.server),
            account: later.account.or(self.account),
            store: later.store.or(self.store),
            config_dir: later.config_dir.or(self.config_dir),
            headers,
            quiet: self.quiet || later.quiet,
            verbose: self.verbose || later.verbose,
            color: later.color.or(self.color),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StoreArg {
    /// The OS keyring when usable, else the credential file (with a warning first)
    Auto,
    /// The OS keyring only; fail if it is not usable
    Keyring,
    /// The credential file `credentials.json` (mode 0600) in the config dir
    File,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorArg {
    Auto,
    Always,
    Never,
}

// Each subcommand's options are added when clap builds it (`defer`): a `token` does not pay
// for the options of `login`. `Cli::command` adds them all at once (`undeferred`).
#[derive(Debug, Subcommand)]
#[command(defer = true)]
pub enum Command {
    /// Log in: open the login page, wait for approval, store the credential
    Login(Box<LoginArgs>),
    /// Print the stored credential for the server on stdout
    Token(TokenArgs),
    /// Show whether you are logged in, where the credential comes from, and until when
    Status(StatusArgs),
    /// Revoke the credential at the server (OAuth) and remove it from the stores
    Logout(LogoutArgs),
    /// Make NAME the server's active account; without NAME, list its accounts (and with
    /// --server, remember that server as the default for later commands)
    Switch(SwitchArgs),
    /// The settings kept per server in config.toml, as they apply
    Config(ConfigArgs),
    /// Print a ready-to-paste MCP client configuration for the server
    #[command(name = "mcp-config")]
    McpConfig(McpConfigArgs),
    /// Run a command with the credential in its environment as AGENTVIEW_TOKEN
    Exec(ExecArgs),
    /// Serve the MCP server on stdio for MCP clients that start a command (they run it; see
    /// mcp-config), with a fresh token on every request
    Bridge(BridgeArgs),
    /// Print shell completions
    Completions(CompletionsArgs),
}

#[derive(Debug, Default, Args)]
pub struct LoginArgs {
    /// The server's MCP URL, as --server takes it (`agentview login https://host/mcp`)
    #[arg(value_name = "SERVER_URL")]
    pub server_url: Option<String>,
    /// Print the login URL but do not open a browser
    #[arg(long)]
    pub no_browser: bool,

    /// Give up waiting after this long: 90, 90s, 5m, 1h (the server's own login window
    /// still applies; the shorter one ends the wait)
    #[arg(long, value_name = "DURATION", value_parser = crate::cli::duration::parse_timeout_secs)]
    pub timeout: Option<u64>,

    /// Log in again even if a valid credential is stored
    #[arg(long)]
    pub force: bool,

    /// After storing, print the token (only) on stdout
    #[arg(long, hide_short_help = true)]
    pub print_token: bool,

    /// Print a JSON summary on stdout (never the token unless --print-token)
    #[arg(long)]
    pub json: bool,

    /// Start the login (the session tools', or with --device a device login), print a
    /// handshake (with --json: a JSON document on stdout) and exit at once; finish later with
    /// --resume
    #[arg(help_heading = AGENTS, hide_short_help = true, long, conflicts_with_all = ["resume", "with_token", "print_token"])]
    pub no_wait: bool,

    /// Finish a login started with --no-wait: wait for approval and store the credential
    /// (a session id, or a device login's handle; "-" reads it from stdin, keeping it out of `ps`)
    // Opaque, and may start with `-`: a device login's handle is URL-safe base64, whose first
    // character is `-` one time in 64 (and the resume command printed for it must work).
    #[arg(help_heading = AGENTS, hide_short_help = true, long, value_name = "ID", conflicts_with = "with_token",
        allow_hyphen_values = true)]
    pub resume: Option<String>,

    /// Log in with a code entered on another device (a phone, a laptop): the OAuth device
    /// authorization grant, for machines no browser can reach (SSH, containers); the same as
    /// --method device
    #[arg(long, conflicts_with = "method")]
    pub device: bool,

    /// Device login: also draw the address as a QR code in the terminal, for a phone's camera
    #[arg(long, hide_short_help = true)]
    pub qr: bool,

    /// Read a token from stdin and store it (for CI secrets); no server call
    #[arg(long, conflicts_with_all = ["no_browser", "timeout", "agent", "scope", "resource", "authorize_params",
        "login_hint", "no_verify"])]
    pub with_token: bool,

    /// Agent identifier sent to the server [default: agentview/<version>]
    #[arg(hide_short_help = true, long, value_name = "ID")]
    pub agent: Option<String>,

    /// Scope to request, when the server supports scopes
    #[arg(hide_short_help = true, long, value_name = "SCOPE")]
    pub scope: Option<String>,

    /// How to log in: OAuth 2.1 in the browser, the server's login tools, or the best the
    /// server and this machine allow [env: AGENTVIEW_LOGIN_METHOD] [default: auto]
    #[arg(long, value_enum, value_name = "METHOD")]
    pub method: Option<MethodArg>,

    /// OAuth: a client id registered with the authorization server beforehand (a confidential
    /// client's secret comes from AGENTVIEW_CLIENT_SECRET or --client-secret-stdin)
    /// [env: AGENTVIEW_CLIENT_ID, with --client-credentials]
    // A client id is opaque and may start with `-` (oidc-provider's ids can): taken as given.
    #[arg(help_heading = OAUTH, long, value_name = "ID", conflicts_with = "client_metadata_url", allow_hyphen_values = true)]
    pub client_id: Option<String>,

    /// OAuth: read the --client-id's secret from stdin (never from argv)
    #[arg(help_heading = OAUTH, hide_short_help = true, long, requires = "client_id")]
    pub client_secret_stdin: bool,

    /// OAuth: an https URL of agentview's Client ID Metadata Document, used as the client id
    /// where the authorization server supports it
    #[arg(help_heading = OAUTH, hide_short_help = true, long, value_name = "URL")]
    pub client_metadata_url: Option<String>,

    /// OAuth: listen for the browser's redirect on this port of 127.0.0.1 (e.g. for ssh -L)
    /// [default: any free port]
    #[arg(help_heading = OAUTH, long, value_name = "PORT", value_parser = clap::value_parser!(u16).range(1..))]
    pub callback_port: Option<u16>,

    /// OAuth: the exact redirect URI registered for your client, http://127.0.0.1[:PORT]/PATH or
    /// http://localhost[:PORT]/PATH; without a port, any free one [env: AGENTVIEW_REDIRECT_URI]
    /// [default: http://127.0.0.1/callback for --client-id and --client-metadata-url]
    #[arg(help_heading = OAUTH, hide_short_help = true, long, value_name = "URI")]
    pub redirect_uri: Option<String>,

    /// OAuth: forget the registration kept for the authorization server and register again
    /// (after the server was reset and no longer knows agentview)
    #[arg(long, help_heading = OAUTH)]
    pub fresh_client: bool,

    /// OAuth: the `resource` the requests carry (RFC 8707): `omit` leaves it out (Microsoft Entra
    /// ID refuses it beside its scopes), a URI sends that one [default: the one the server's
    /// metadata publishes; none at Microsoft Entra ID]
    #[arg(help_heading = OAUTH, hide_short_help = true, long, value_name = "omit|URI", conflicts_with_all = WITHOUT_A_BROWSER)]
    pub resource: Option<String>,

    /// OAuth: an extra parameter of the authorization request, over those the provider's profile
    /// adds (audience=API for Auth0, access_type=offline for Google, domain_hint=…); an empty
    /// VALUE leaves the parameter out; repeatable
    #[arg(help_heading = OAUTH, hide_short_help = true, long = "authorize-param", value_name = "KEY=VALUE",
        conflicts_with_all = WITHOUT_A_BROWSER)]
    pub authorize_params: Vec<String>,

    /// OAuth: the account to sign in as, offered by the sign-in page (login_hint: an e-mail
    /// address or user name)
    #[arg(help_heading = OAUTH, hide_short_help = true, long, value_name = "ACCOUNT", conflicts_with_all = WITHOUT_A_BROWSER)]
    pub login_hint: Option<String>,

    /// Do not check the new token at the server before saying "Logged in" (for a server that
    /// cannot be reached from where the login runs)
    #[arg(long, hide_short_help = true)]
    pub no_verify: bool,

    /// Log in as the client --client-id itself, with no person and no browser: the OAuth client
    /// credentials grant (CI, services); the secret from AGENTVIEW_CLIENT_SECRET or
    /// --client-secret-stdin, or --client-key, or --client-assertion-file
    #[arg(help_heading = UNATTENDED, hide_short_help = true, long, conflicts_with_all = ["no_wait", "resume", "with_token", "client_metadata_url", "method", "idp", "device"])]
    pub client_credentials: bool,

    /// Log in as a workload with no person and no browser: the JWT its platform issued it (a CI
    /// provider's OIDC token, a Kubernetes service account token) in FILE is the grant itself
    /// (workload identity federation, RFC 7523); read again at every renewal. --client-id only
    /// where the authorization server wants one (`token` and `exec` need no login with
    /// AGENTVIEW_WORKLOAD_TOKEN_FILE set)
    #[arg(help_heading = UNATTENDED, hide_short_help = true, long, value_name = "FILE",
        conflicts_with_all = ["no_wait", "resume", "with_token", "client_metadata_url", "method", "idp", "client_credentials",
            "device"])]
    pub workload_token_file: Option<PathBuf>,

    /// Client credentials, --idp: the client's PEM private key (RSA, EC P-256 or P-384), which
    /// signs a short-lived assertion for every request (private_key_jwt); read again at every
    /// renewal [env: AGENTVIEW_CLIENT_KEY]
    #[arg(help_heading = UNATTENDED, hide_short_help = true, long, value_name = "FILE", conflicts_with_all = ["client_secret_stdin", "client_assertion_file"])]
    pub client_key: Option<PathBuf>,

    /// The key id (kid) the client's assertions name, where the server wants one
    /// [env: AGENTVIEW_CLIENT_KEY_ID]
    #[arg(help_heading = UNATTENDED, hide_short_help = true, long, value_name = "KID")]
    pub client_key_id: Option<String>,

    /// Client credentials, --idp: a file holding a JWT someone else issued for the client (a CI
    /// provider's OIDC token: workload identity), read again at every renewal
    /// [env: AGENTVIEW_CLIENT_ASSERTION_FILE]
    #[arg(help_heading = UNATTENDED, hide_short_help = true, long, value_name = "FILE", conflicts_with = "client_secret_stdin")]
    pub client_assertion_file: Option<PathBuf>,

    /// Enterprise-managed authorization: sign in once at your company's identity provider
    /// ISSUER; each server's token then comes from it without a browser (token exchange, then
    /// the JWT-bearer grant as --client-id)
    #[arg(help_heading = UNATTENDED, hide_short_help = true, long, value_name = "ISSUER", requires = "idp_client_id",
        conflicts_with_all = ["no_wait", "resume", "with_token", "client_metadata_url", "method", "device"])]
    pub idp: Option<String>,

    /// agentview's client id at the identity provider (its secret, where it has one, from
    /// AGENTVIEW_IDP_CLIENT_SECRET)
    #[arg(help_heading = UNATTENDED, hide_short_help = true, long, value_name = "ID", requires = "idp")]
    pub idp_client_id: Option<String>,

    /// --idp: an ID token from the identity provider obtained elsewhere (an SSO agent) instead of
    /// signing in; read again at every renewal
    #[arg(help_heading = UNATTENDED, hide_short_help = true, long, value_name = "FILE", requires = "idp")]
    pub id_token_file: Option<PathBuf>,
    // The global options, when given after the subcommand's name (merged into `Cli::global`).
    #[command(flatten)]
    pub later: GlobalArgs,
}

/// The logins whose token comes without an authorization request at the MCP server's
/// authorization server (their `resource` is the published one).
const WITHOUT_A_BROWSER: [&str; 3] = ["client_credentials", "workload_token_file", "idp"];

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MethodArg {
    /// OAuth in the browser when the server offers it and a browser can open here; else the
    /// device login where the server offers it; else the login tools
    Auto,
    /// MCP authorization: OAuth 2.1 with PKCE, a browser and a redirect to 127.0.0.1
    Oauth,
    /// OAuth's device authorization grant: a code entered on another device
    Device,
    /// agentView's login tools: create_auth_session, then wait for approval
    Session,
}

#[derive(Debug, Args)]
pub struct TokenArgs {
    /// The server's MCP URL, as --server takes it (`agentview token https://host/mcp`)
    #[arg(value_name = "SERVER_URL")]
    pub server_url: Option<String>,
    /// Output format
    #[arg(long, value_enum, default_value_t = TokenFormat::Raw)]
    pub format: TokenFormat,
    // The global options, when given after the subcommand's name (merged into `Cli::global`).
    #[command(flatten)]
    pub later: GlobalArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TokenFormat {
    /// The token and a newline
    Raw,
    /// `Authorization: Bearer <token>`
    Header,
    /// `{"Authorization":"Bearer <token>"}`: the JSON object an MCP client's headers helper reads
    Headers,
    /// A JSON object: token, kind, server, expiry
    Json,
}

#[derive(Debug, Args)]
pub struct ExecArgs {
    /// The command and its arguments
    #[arg(required = true, trailing_var_arg = true, allow_hyphen_values = true, value_name = "COMMAND")]
    pub command: Vec<OsString>,
    // The global options, when given after the subcommand's name (merged into `Cli::global`).
    #[command(flatten)]
    pub later: GlobalArgs,
}

#[derive(Debug, Args)]
pub struct LogoutArgs {
    /// The server's MCP URL, as --server takes it (`agentview logout https://host/mcp`)
    #[arg(value_name = "SERVER_URL")]
    pub server_url: Option<String>,
    /// Only remove the local copy; do not revoke the tokens at the authorization server
    #[arg(long)]
    pub local: bool,
    // The global options, when given after the subcommand's name (merged into `Cli::global`).
    #[command(flatten)]
    pub later: GlobalArgs,
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    /// The server's MCP URL, as --server takes it (`agentview status https://host/mcp`)
    #[arg(value_name = "SERVER_URL")]
    pub server_url: Option<String>,
    /// Print a JSON document on stdout
    #[arg(long)]
    pub json: bool,

    /// Ask the server whether it still accepts the credential (exit 4 if not, 7 if unreachable)
    #[arg(long, conflicts_with = "all")]
    pub check: bool,

    /// List every stored credential, for every server (never a token)
    #[arg(long)]
    pub all: bool,
    // The global options, when given after the subcommand's name (merged into `Cli::global`).
    #[command(flatten)]
    pub later: GlobalArgs,
}

#[derive(Debug, Args)]
pub struct ConfigArgs {
    #[command(subcommand)]
    pub action: ConfigAction,
    // The global options, when given after the subcommand's name (merged into `Cli::global`).
    #[command(flatten)]
    pub later: GlobalArgs,
}

#[derive(Debug, Subcommand)]
pub enum ConfigAction {
    /// Print the settings a login to the server would use, and where each came from (flag,
    /// environment variable, config.toml line, the active account, default)
    Show(ConfigShowArgs),
}

#[derive(Debug, Args)]
pub struct ConfigShowArgs {
    /// Print a JSON document on stdout
    #[arg(long)]
    pub json: bool,
    // The global options, when given after the subcommand's name (merged into `Cli::global`).
    #[command(flatten)]
    pub later: GlobalArgs,
}

#[derive(Debug, Args)]
pub struct SwitchArgs {
    /// The account to make active (one logged in to with --account NAME)
    #[arg(value_name = "NAME")]
    pub name: Option<String>,

    /// Print the server's accounts as a JSON document on stdout
    #[arg(long)]
    pub json: bool,
    // The global options, when given after the subcommand's name (merged into `Cli::global`).
    #[command(flatten)]
    pub later: GlobalArgs,
}

#[derive(Debug, Args)]
pub struct McpConfigArgs {
    /// The MCP client to configure
    #[arg(value_enum)]
    pub client: McpClientArg,

    /// The server's name in the client's configuration
    #[arg(long, value_name = "NAME", default_value = "agentview")]
    pub name: String,

    /// For clients that start a command: what that command is
    #[arg(long, value_enum, value_name = "BRIDGE", default_value_t = ViaArg::Bridge)]
    pub via: ViaArg,

    /// How the client starts agentview
    #[arg(long, value_enum, value_name = "LAUNCHER", default_value_t = LauncherArg::Path)]
    pub launcher: LauncherArg,
    // The global options, when given after the subcommand's name (merged into `Cli::global`).
    #[command(flatten)]
    pub later: GlobalArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LauncherArg {
    /// This agentview by its full path (`agentview` when that is the one on PATH)
    Path,
    /// `npx -y agentview@<this version>`: the npm package (needs Node.js)
    Npx,
    /// `uvx agentview@<this version>`: the Python package (needs uv)
    Uvx,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ViaArg {
    /// `agentview bridge`: renews the token while the client runs
    Bridge,
    /// `agentview exec -- npx -y mcp-remote …`: Node.js's mcp-remote with the token of the moment it started
    McpRemote,
}

#[derive(Debug, Args)]
pub struct BridgeArgs {
    /// Never start a login: without a usable credential, each request is answered with the
    /// command that logs in (a credential from the environment never starts one either)
    #[arg(long)]
    pub no_login: bool,
    // The global options, when given after the subcommand's name (merged into `Cli::global`).
    #[command(flatten)]
    pub later: GlobalArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum McpClientArg {
    /// Claude Code: `.mcp.json` with a headersHelper that runs `agentview token --format headers`
    #[value(alias = "claude-code")]
    Claude,
    /// Claude Desktop: `claude_desktop_config.json` (`mcpServers`), through `agentview bridge`
    ClaudeDesktop,
    /// VS Code: `.vscode/mcp.json`, through `agentview bridge`
    Vscode,
    /// Cursor: `~/.cursor/mcp.json`, through `agentview bridge`
    Cursor,
    /// Codex: `~/.codex/config.toml` with bearer_token_env_var; start Codex under `agentview exec`
    Codex,
    /// goose: `~/.config/goose/config.yaml`, through `agentview bridge`
    Goose,
    /// Any other client that starts stdio servers from an `mcpServers` list (Windsurf, Cline…),
    /// through `agentview bridge`
    McpServers,
    /// Not a client (mcp-remote is a program): refused with what to type instead
    #[value(hide = true)]
    McpRemote,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
    // The global options, when given after the subcommand's name (merged into `Cli::global`).
    #[command(flatten)]
    pub later: GlobalArgs,
}

impl clap::CommandFactory for Cli {
    fn command() -> clap::Command {
        undeferred(Cli::deferred())
    }

    fn command_for_update() -> clap::Command {
        undeferred(<Cli as Args>::augment_args_for_update(clap::Command::new("agentview")))
    }
}

impl Parser for Cli {}

/// `command` with every subcommand's options added now, as clap builds a command without
/// `defer`: its options in the same order (a subcommand's own, then the global ones), so the
/// generated completions and man pages are those of the whole command.
fn undeferred(command: clap::Command) -> clap::Command {
    // A man page has room for every option's description: what `-h` leaves out is still there.
    fn every_help(arg: clap::Arg) -> clap::Arg {
        arg.hide_short_help(false)
    }
    let command = command.mut_args(every_help);
    all_options_now(command, |sub| sub.mut_args(every_help))
}

/// Every subcommand's options added at once (`then` applied to each subcommand), in the order
/// clap builds them without `defer`: a subcommand's own, then the global ones.
fn all_options_now(command: clap::Command, then: fn(clap::Command) -> clap::Command) -> clap::Command {
    // The identity `defer` replaces the one the derive set, which would add the options again.
    fn now<A: Args>(sub: clap::Command) -> clap::Command {
        A::augment_args(sub).defer(|sub| sub)
    }
    let now_and = |sub: clap::Command, add: fn(clap::Command) -> clap::Command| then(add(sub));
    command
        .mut_subcommand("login", |c| now_and(c, now::<Box<LoginArgs>>))
        .mut_subcommand("token", |c| now_and(c, now::<TokenArgs>))
        .mut_subcommand("status", |c| now_and(c, now::<StatusArgs>))
        .mut_subcommand("logout", |c| now_and(c, now::<LogoutArgs>))
        .mut_subcommand("switch", |c| now_and(c, now::<SwitchArgs>))
        .mut_subcommand("config", |c| now_and(c, now::<ConfigArgs>))
        .mut_subcommand("mcp-config", |c| now_and(c, now::<McpConfigArgs>))
        .mut_subcommand("exec", |c| now_and(c, now::<ExecArgs>))
        .mut_subcommand("bridge", |c| now_and(c, now::<BridgeArgs>))
        .mut_subcommand("completions", |c| now_and(c, now::<CompletionsArgs>))
}

impl Command {
    /// The global options given after the subcommand's name (and after `config`'s own
    /// subcommand), taken out of it. They are the subcommand's own options rather than clap's
    /// `global` ones, which clap copies into every subcommand before parsing: for `token`, that
    /// copying was a quarter of what the process did.
    pub fn take_later(&mut self) -> GlobalArgs {
        use std::mem::take;
        match self {
            Command::Login(args) => take(&mut args.later),
            Command::Token(args) => take(&mut args.later),
            Command::Status(args) => take(&mut args.later),
            Command::Logout(args) => take(&mut args.later),
            Command::Switch(args) => take(&mut args.later),
            Command::Config(args) => {
                let ConfigAction::Show(show) = &mut args.action;
                take(&mut args.later).then(take(&mut show.later))
            }
            Command::McpConfig(args) => take(&mut args.later),
            Command::Exec(args) => take(&mut args.later),
            Command::Bridge(args) => take(&mut args.later),
            Command::Completions(args) => take(&mut args.later),
        }
    }
}

impl Cli {
    /// The command a run parses with: a subcommand's options are built only once it is given.
    pub fn deferred() -> clap::Command {
        <Cli as Args>::augment_args(clap::Command::new("agentview"))
    }

    pub fn parse_from_args<I, T>(args: I) -> Result<Cli, clap::Error>
    where
        I: IntoIterator<Item = T>,
        T: Into<OsString> + Clone,
    {
        use clap::{CommandFactory, FromArgMatches};
        let args: Vec<OsString> = args.into_iter().map(Into::into).collect();
        // The examples, exit codes and environment after the options are for a person asking
        // for help, and are put together only then: they cost more than the rest of a `token`.
        let matches = match Cli::deferred().try_get_matches_from(&args) {
            // Help lists a subcommand's own options before the global ones, as without `defer`.
            Err(e) if shows_help(e.kind()) => {
                with_after_help(all_options_now(Cli::deferred(), |sub| sub)).try_get_matches_from(args)?
            }
            parsed => parsed?,
        };
        let mut cli = Cli::from_arg_matches(&matches).map_err(|e| e.format(&mut Cli::command()))?;
        let later = cli.command.take_later();
        cli.global = std::mem::take(&mut cli.global).then(later);
        Ok(cli)
    }
}

/// Whether clap answers with a help text (`--help`, `help`, no subcommand at all).
fn shows_help(kind: clap::error::ErrorKind) -> bool {
    use clap::error::ErrorKind;
    matches!(kind, ErrorKind::DisplayHelp | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand)
}

/// `command` with the text `--help` shows after the options: examples, and for agentview itself
/// the exit codes and environment ([`help::after_help`]).
fn with_after_help(command: clap::Command) -> clap::Command {
    let subcommands: Vec<String> = command.get_subcommands().map(|s| s.get_name().to_string()).collect();
    let mut command = command.after_help(help::after_help(""));
    for sub in &subcommands {
        // `-h` is the short help: a few examples and where the rest is.
        command = command
            .mut_subcommand(sub, |c| c.after_help(help::short_after_help(sub)).after_long_help(help::after_help(sub)));
    }
    command
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_is_consistent() {
        Cli::command().debug_assert();
        Cli::deferred().debug_assert();
    }

    /// What completions and man pages show: every subcommand with the options a run accepts, its
    /// own before the global ones (as clap orders them without `defer`).
    #[test]
    fn the_whole_command_has_every_option_in_order() {
        let (mut whole, mut deferred) = (Cli::command(), Cli::deferred());
        whole.build();
        deferred.build();
        let ids = |c: &clap::Command| c.get_arguments().map(|a| a.get_id().to_string()).collect::<Vec<_>>();
        for run in deferred.get_subcommands().filter(|c| c.get_name() != "help") {
            let shown = whole.find_subcommand(run.get_name()).expect("every subcommand is shown");
            let (mut accepted, mut listed) = (ids(run), ids(shown));
            let globals = shown.get_arguments().filter(|a| is_global(a)).count();
            assert_eq!(globals, 8, "{}: every global option", run.get_name());
            let first_global = shown.get_arguments().position(is_global).unwrap_or(listed.len());
            let own = shown.get_arguments().filter(|a| !is_global(a) && a.get_id() != "help").count();
            assert_eq!(first_global, own, "{}: its own options come first", run.get_name());
            assert_eq!(first_global + globals, listed.len() - 1, "{}: then the global ones, then help", run.get_name());
            accepted.sort();
            listed.sort();
            assert_eq!(accepted, listed, "{}", run.get_name());
        }
    }

    /// A global option counts wherever it is given: before the subcommand, after it, or after
    /// `config`'s own subcommand; given twice, the later one wins, and headers add up.
    #[test]
    fn global_options_count_before_and_after_the_subcommand() {
        let parse = |args: &[&str]| Cli::parse_from_args(args.iter().copied()).expect("parses").global;
        let global = parse(&[
            "agentview",
            "-H",
            "A: b",
            "--store",
            "keyring",
            "-q",
            "token",
            "-H",
            "C: d",
            "--store",
            "file",
            "-v",
        ]);
        assert_eq!(global.headers, ["A: b", "C: d"]);
        assert_eq!(global.store, Some(StoreArg::File));
        assert!(global.quiet && global.verbose, "-q before and -v after are both taken, as before");
        let global = parse(&["agentview", "--server", "https://a.example/mcp", "token"]);
        assert_eq!(global.server.as_deref(), Some("https://a.example/mcp"));
        let global = parse(&["agentview", "token", "--account", "work", "--color", "never"]);
        assert_eq!((global.account.as_deref(), global.color), (Some("work"), Some(ColorArg::Never)));
        let global = parse(&[
            "agentview",
            "--color",
            "always",
            "config",
            "--account",
            "a",
            "show",
            "--account",
            "b",
            "--config-dir",
            "/d",
        ]);
        assert_eq!((global.account.as_deref(), global.color), (Some("b"), Some(ColorArg::Always)));
        assert_eq!(global.config_dir.as_deref(), Some(std::path::Path::new("/d")));
        assert_eq!(parse(&["agentview", "status"]).color, None);
        let err = Cli::parse_from_args(["agentview", "token", "-q", "-v"]).expect_err("one level: refused");
        assert!(err.to_string().contains("cannot be used with"), "{err}");
    }

    /// A client id and a resume handle are opaque: one that starts with `-` is still the value
    /// of its option, and `--resume -` still reads stdin.
    #[test]
    fn opaque_values_may_start_with_a_hyphen() {
        for args in
            [["agentview", "login", "--client-id", "-Kq3_x"], ["agentview", "login", "--client-id=-Kq3_x", "-q"]]
        {
            let Ok(Cli { command: Command::Login(login), .. }) = Cli::parse_from_args(args) else {
                panic!("{args:?} parses");
            };
            assert_eq!(login.client_id.as_deref(), Some("-Kq3_x"));
        }
        for handle in ["-Jw9s2XcQ1bZk3mPq7vR0A", "-"] {
            let args = ["agentview", "login", "--device", "--resume", handle];
            let Ok(Cli { command: Command::Login(login), .. }) = Cli::parse_from_args(args) else {
                panic!("{args:?} parses");
            };
            assert_eq!(login.resume.as_deref(), Some(handle));
        }
    }

    #[test]
    fn timeout_must_be_positive() {
        assert!(Cli::parse_from_args(["agentview", "login", "--timeout", "0"]).is_err());
        assert!(Cli::parse_from_args(["agentview", "login", "--timeout", "5"]).is_ok());
    }

    #[test]
    fn timeout_takes_units() {
        let timeout = |raw: &str| match Cli::parse_from_args(["agentview", "login", "--timeout", raw]) {
            Ok(Cli { command: Command::Login(args), .. }) => args.timeout,
            _ => None,
        };
        assert_eq!(timeout("90"), Some(90));
        assert_eq!(timeout("90s"), Some(90));
        assert_eq!(timeout("5m"), Some(300));
        assert_eq!(timeout("1h"), Some(3600));
        let err = Cli::parse_from_args(["agentview", "login", "--timeout", "5x"]).expect_err("refused");
        assert!(!err.to_string().contains("invalid digit"), "{err}");
    }
}
