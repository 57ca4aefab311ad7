//! `login`'s own settings, resolved once from its flags and the environment.

use std::time::Duration;

use crate::cli::{GlobalArgs, LoginArgs, MethodArg};
use crate::env::Env;
use crate::error::Failure;
use crate::login::oauth::browser::loopback::RedirectUri;
use crate::login::oauth::shared::registration::ClientChoice;
use crate::secret::{Secret, check_token_shape};
use crate::settings::file::{Kept, ServerFile};
use crate::settings::seconds;

mod grant;
mod request;

pub use crate::login::oauth::shared::provider::Provider;
pub use grant::{GrantLogin, IdpLogin};
pub use request::ResourceChoice;

/// What `login` was asked to do.
#[derive(Debug, Clone)]
pub enum LoginRequest {
    /// Log in with a method.
    Login(Box<LoginSettings>),
    /// `--with-token`: store a token read from stdin (silent for at most `stdin_wait`); no
    /// server call.
    WithToken { report: Report, stdin_wait: Duration },
}

/// What a login prints on stdout besides messages.
#[derive(Debug, Clone, Copy, Default)]
pub struct Report {
    pub json: bool,
    pub print_token: bool,
}

/// A login with a method.
#[derive(Debug, Clone)]
pub struct LoginSettings {
    pub no_browser: bool,
    /// The user's `--timeout`, which can only shorten the window.
    pub timeout: Option<Duration>,
    pub force: bool,
    pub report: Report,
    pub agent: String,
    pub scope: Option<String>,
    pub mode: Mode,
    pub method: Method,
    pub client: ClientChoice,
    /// `--callback-port` (or the port of `--redirect-uri`); 0 means any free port.
    pub callback_port: u16,
    /// `--redirect-uri` / `AGENTVIEW_REDIRECT_URI`: the exact loopback redirect URI to use.
    pub redirect_uri: Option<RedirectUri>,
    /// `--fresh-client`: register again instead of reusing the kept registration.
    pub fresh_client: bool,
    /// `--qr`: a device login draws its address as a QR code too.
    pub qr: bool,
    /// A grant instead of the browser's authorization code: `--client-credentials`, `--idp` or
    /// `--workload-token-file`.
    pub grant: Option<GrantLogin>,
    /// Global flags a printed `login --resume` command must repeat: store, config dir, and
    /// headers given as `{env:VAR}`.
    pub resume_flags: Vec<String>,
    /// Names of `--header`s with literal values: never printed, the user must repeat them.
    pub literal_headers: Vec<String>,
    /// `--resource`: the `resource` the OAuth requests carry (RFC 8707).
    pub resource: ResourceChoice,
    /// `--authorize-param KEY=VALUE`, in order: extra parameters of the authorization request,
    /// over those a provider's profile adds; an empty value leaves the parameter out.
    pub authorize_params: Vec<(String, String)>,
    /// The provider whose profile applies (`AGENTVIEW_PROVIDER`, the config file's `provider`);
    /// `None`: the issuer's host decides.
    pub provider: Option<Provider>,
    /// `--login-hint`: the account the sign-in page should offer.
    pub login_hint: Option<String>,
    /// Check the new token at the server before saying "Logged in" (`--no-verify`: false).
    pub verify: bool,
    /// stdin carries something else (the bridge's JSON-RPC): nothing pasted is read from it.
    pub stdin_taken: bool,
}

/// What a login reads from stdin: the words its messages use, and how to pipe it in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Piped {
    /// `--with-token`.
    Token,
    /// `--resume -`: a session id or a device login's handle.
    SessionId,
    /// `--client-secret-stdin`.
    ClientSecret,
}

impl Piped {
    pub fn what(self) -> &'static str {
        match self {
            Piped::Token => "token",
            Piped::SessionId => "session id or login handle",
            Piped::ClientSecret => "client secret",
        }
    }

    /// A command line that pipes it in.
    pub fn example(self) -> &'static str {
        match self {
            Piped::Token => "printf '%s' \"$AGENTVIEW_CI_TOKEN\" | agentview login --with-token",
            Piped::SessionId => "printf '%s' \"$SESSION_ID\" | agentview login --resume -",
            Piped::ClientSecret => {
                "printf '%s' \"$CLIENT_SECRET\" | agentview login --client-id ID --client-secret-stdin"
            }
        }
    }
}

/// One-step login, or one of the two steps of the session or device method.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    Wait,
    NoWait,
    /// The session request id or the device login's handle (already read from stdin when "-"
    /// was given): a session id may be the credential of a server that binds the identity to it.
    Resume(Secret),
}

/// `--method` (`--device` is `--method device`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Auto,
    OAuth,
    Device,
    Session,
}

impl LoginRequest {
    /// `read_stdin(wait, piped)` reads `piped` from stdin, giving up when it stays silent for
    /// `wait`; what it reads (a client secret, a session id) stays a [`Secret`].
    pub fn resolve(
        args: LoginArgs,
        global: &GlobalArgs,
        env: &Env,
        file: Option<&ServerFile>,
        read_stdin: impl FnOnce(Duration, Piped) -> Result<Secret, Failure>,
    ) -> Result<LoginRequest, Failure> {
        let report = Report { json: args.json, print_token: args.print_token };
        // How long a piped stdin may stay silent (`--with-token`, `--resume -`, a client secret).
        let stdin_wait = seconds(env, "AGENTVIEW_STDIN_TIMEOUT")?.unwrap_or(Duration::from_secs(10));
        if args.with_token {
            return Ok(LoginRequest::WithToken { report, stdin_wait });
        }
        if args.client_secret_stdin && args.resume.as_deref() == Some("-") {
            return Err(Failure::usage("--resume - and --client-secret-stdin cannot both read stdin"));
        }
        let mut read_stdin = Some(read_stdin);
        let mut stdin =
            |piped: Piped| read_stdin.take().map_or_else(|| Ok(Secret::new("")), |read| read(stdin_wait, piped));
        let grant = grant::resolve(&args, env, &mut || stdin(Piped::ClientSecret))?;
        let mode = match (args.no_wait, args.resume) {
            (true, _) => Mode::NoWait,
            (_, Some(id)) => {
                let id = if id == "-" { stdin(Piped::SessionId)? } else { Secret::new(id) };
                check_token_shape(id.expose())
                    .map_err(|e| Failure::usage(format!("--resume: not a session id ({e})")))?;
                Mode::Resume(id)
            }
            _ => Mode::Wait,
        };
        // Flag, environment, config.toml, built-in default: the first that says wins.
        let kept = |pick: fn(&ServerFile) -> Option<&Kept<String>>| file.and_then(pick).map(|k| k.value.clone());
        let method = match (args.method, args.device) {
            (_, true) => MethodArg::Device,
            (Some(arg), false) => arg,
            (None, false) => {
                match env.get("AGENTVIEW_LOGIN_METHOD").map(str::to_owned).or_else(|| kept(|f| f.method.as_ref())) {
                    None => MethodArg::Auto,
                    Some(v) => <MethodArg as clap::ValueEnum>::from_str(v.trim(), true).map_err(|_| {
                        Failure::usage(format!(
                            "AGENTVIEW_LOGIN_METHOD=\"{v}\" is not one of auto, oauth, device, session"
                        ))
                    })?,
                }
            }
        };
        let method = match (method, &mode) {
            (MethodArg::Oauth, Mode::NoWait | Mode::Resume(_)) => {
                return Err(Failure::usage(
                    "--no-wait and --resume belong to the session tools and the device login (--device); an OAuth \
                     login in the browser finishes in one step",
                ));
            }
            (MethodArg::Device, _) => Method::Device,
            (_, Mode::NoWait | Mode::Resume(_)) | (MethodArg::Session, _) => Method::Session,
            (MethodArg::Oauth, _) => Method::OAuth,
            (MethodArg::Auto, _) => Method::Auto,
        };
        if args.qr && matches!(method, Method::OAuth | Method::Session) {
            return Err(Failure::usage("--qr draws a device login's address: use it with --device (or --method auto)"));
        }
        let client_id = args
            .client_id
            .or_else(|| args.client_metadata_url.is_none().then(|| kept(|f| f.client_id.as_ref())).flatten());
        let client = match (client_id, args.client_metadata_url) {
            // The grants without a browser settle their client themselves.
            _ if grant.is_some() => ClientChoice::Dynamic,
            (Some(id), _) => {
                check_token_shape(&id).map_err(|e| Failure::usage(format!("--client-id: {e}")))?;
                let secret = if args.client_secret_stdin {
                    Some(stdin(Piped::ClientSecret)?)
                } else {
                    env.get("AGENTVIEW_CLIENT_SECRET").map(|s| Secret::new(s.trim()))
                };
                if let Some(secret) = &secret {
                    check_token_shape(secret.expose()).map_err(|e| {
                        Failure::usage(format!(
                            "refusing the client secret (AGENTVIEW_CLIENT_SECRET or stdin): {}",
                            e.about("client secret")
                        ))
                    })?;
                }
                let client_secret = secret;
                ClientChoice::PreRegistered { client_id: id, client_secret }
            }
            (None, Some(url)) => {
                let parsed = reqwest::Url::parse(&url)
                    .map_err(|_| Failure::usage(format!("--client-metadata-url \"{url}\" is not a URL")))?;
                if parsed.scheme() != "https" || parsed.path() == "/" {
                    return Err(Failure::usage("--client-metadata-url must be an https URL with a path"));
                }
                ClientChoice::MetadataDocument(url)
            }
            (None, None) => ClientChoice::Dynamic,
        };
        let redirect_uri = args
            .redirect_uri
            .or_else(|| env.get("AGENTVIEW_REDIRECT_URI").map(str::to_owned))
            .or_else(|| kept(|f| f.redirect_uri.as_ref()));
        let redirect_uri = match redirect_uri.as_deref() {
            Some(raw) => Some(RedirectUri::parse(raw).map_err(|why| Failure::usage(format!("--redirect-uri: {why}")))?),
            None => None,
        };
        let resource = match args.resource.as_deref() {
            Some(raw) => ResourceChoice::parse(raw).map_err(|why| Failure::usage(format!("--resource: {why}")))?,
            None => file.and_then(|f| f.resource.as_ref()).map_or(ResourceChoice::Published, |k| k.value.clone()),
        };
        // The file's parameters, each replaced by a flag's of the same name.
        let flags =
            args.authorize_params.iter().map(|raw| request::authorize_param(raw)).collect::<Result<Vec<_>, _>>()?;
        let mut authorize_params: Vec<(String, String)> = file
            .and_then(|f| f.authorize_params.as_ref())
            .map(|k| k.value.iter().filter(|(key, _)| !flags.iter().any(|(flag, _)| flag == key)).cloned().collect())
            .unwrap_or_default();
        authorize_params.extend(flags);
        let callback_port = match (args.callback_port, redirect_uri.as_ref().and_then(|r| r.port)) {
            (Some(flag), Some(uri)) if flag != uri => {
                return Err(Failure::usage(format!(
                    "--callback-port {flag} and the redirect URI's port {uri} disagree; give one of them"
                )));
            }
            (flag, uri) => flag.or(uri).unwrap_or(0),
        };
        Ok(LoginRequest::Login(Box::new(LoginSettings {
            no_browser: args.no_browser,
            timeout: args.timeout.map(Duration::from_secs),
            force: args.force,
            report,
            agent: args.agent.unwrap_or_else(|| format!("agentview/{}", env!("CARGO_PKG_VERSION"))),
            scope: args.scope.or_else(|| kept(|f| f.scope.as_ref())),
            mode,
            method,
            client,
            callback_port,
            redirect_uri,
            fresh_client: args.fresh_client,
            qr: args.qr,
            grant,
            resume_flags: resume_flags(global),
            literal_headers: literal_headers(&global.headers),
            resource,
            authorize_params,
            provider: request::provider(env)?.or_else(|| file.and_then(|f| f.provider.as_ref()).map(|k| k.value)),
            login_hint: request::login_hint(args.login_hint)?,
            verify: !args.no_verify,
            stdin_taken: false,
        })))
    }
}

fn resume_flags(args: &GlobalArgs) -> Vec<String> {
    let mut flags = Vec::new();
    if let Some(store) = args.store.and_then(|s| clap::ValueEnum::to_possible_value(&s)) {
        flags.extend(["--store".to_string(), store.get_name().to_string()]);
    }
    if let Some(dir) = &args.config_dir {
        flags.extend(["--config-dir".to_string(), dir.display().to_string()]);
    }
    // A header that names its secret as {env:VAR} is safe to print; a literal one is not.
    for header in args.headers.iter().filter(|h| h.contains("{env:")) {
        flags.extend(["--header".to_string(), header.clone()]);
    }
    flags
}

/// Names of `--header`s given with literal values (they may hold secrets).
fn literal_headers(headers: &[String]) -> Vec<String> {
    headers
        .iter()
        .filter(|h| !h.contains("{env:"))
        .filter_map(|h| h.split_once(':').map(|(name, _)| name.trim().to_string()))
        .collect()
}
