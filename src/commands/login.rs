//! `agentview login`: a login with a method (`login::run`), or `--with-token`: store a token
//! piped in on stdin (CI secrets).

use std::io::Read;
use std::sync::mpsc;
use std::time::Duration;

use crate::cli::{GlobalArgs, LoginArgs};
use crate::clock::unix_now;
use crate::env::Env;
use crate::error::{Exit, Failure};
use crate::interrupt::Interrupt;
use crate::login::{LoginRequest, Report, preflight_store, report};
use crate::output::Output;
use crate::secret::{MAX_TOKEN_LEN, Secret, check_token_shape};
use crate::settings::Settings;
use crate::store::{Credential, CredentialKind};

/// `agentview login`, as the arguments ask: a login with a method, or a token from stdin.
pub async fn run(
    args: LoginArgs,
    global: &GlobalArgs,
    settings: &Settings,
    output: &Output,
    env: &Env,
) -> anyhow::Result<Exit> {
    let request =
        LoginRequest::resolve(args, global, env, |wait| read_stdin_token(wait).map(|s| s.expose().to_string()))?;
    match request {
        LoginRequest::WithToken { report, stdin_wait } => with_token(report, stdin_wait, settings, output).await,
        LoginRequest::Login(login) => {
            let interrupt = Interrupt::install();
            crate::login::run(*login, settings, output, &interrupt).await
        }
    }
}

/// `--with-token`: store the token read from stdin; no server call.
pub async fn with_token(
    wanted: Report,
    stdin_wait: Duration,
    settings: &Settings,
    output: &Output,
) -> anyhow::Result<Exit> {
    if settings.ui.stdin_tty {
        return Err(Failure::usage("--with-token reads the token from stdin, but stdin is a terminal")
            .with_hint("pipe it in, e.g. printf '%s' \"$AGENTVIEW_CI_TOKEN\" | agentview login --with-token")
            .into());
    }
    let token = read_stdin_token(stdin_wait)?;
    let selected = preflight_store(settings, output).await?;
    let credential = Credential {
        server: settings.server.to_string(),
        kind: CredentialKind::Bearer,
        secret: token,
        expires_at: None,
        user: None,
        created_at: unix_now(),
        oauth: None,
    };
    let location = selected.store.describe();
    // Off the async thread: the file store may wait for its lock, a keyring for its timeout.
    let (store, to_save) = (selected.store.clone(), credential.clone());
    let saved = tokio::task::spawn_blocking(move || store.save(&to_save))
        .await
        .map_err(|e| Failure::new(Exit::Store, format!("could not store the token: {e}")))?;
    saved.map_err(|e| Failure::new(Exit::Store, format!("could not store the token: {e}")).with_source(e))?;
    output.success(&format!("Stored the token for {} in {location}.", settings.server));
    report(wanted, &credential, selected.store.source(), &location, false)?;
    Ok(Exit::Ok)
}

/// A token from the process's stdin, read on a helper thread so a silent pipe
/// (a CI step whose stdin is an open pipe that never closes) ends in an error
/// after `wait` instead of blocking forever.
pub fn read_stdin_token(wait: Duration) -> Result<Secret, Failure> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(read_token(std::io::stdin().lock()));
    });
    rx.recv_timeout(wait).unwrap_or_else(|_| {
        Err(Failure::usage(format!("no input arrived on stdin within {} s", wait.as_secs()))
            .with_hint("pipe the token in and close the pipe, e.g. printf '%s' \"$AGENTVIEW_CI_TOKEN\" | agentview login --with-token"))
    })
}

/// Read one token from `input`: bounded, surrounding whitespace trimmed, shape checked.
pub fn read_token(input: impl Read) -> Result<Secret, Failure> {
    let mut buffer = Vec::new();
    input
        .take(MAX_TOKEN_LEN as u64 + 2)
        .read_to_end(&mut buffer)
        .map_err(|e| Failure::new(Exit::Other, format!("cannot read stdin: {e}")))?;
    let text = String::from_utf8(buffer).map_err(|_| Failure::usage("the token on stdin is not valid UTF-8"))?;
    let token = text.trim();
    if token.is_empty() {
        return Err(Failure::usage("stdin was empty: no token to store")
            .with_hint("pipe the token in, e.g. printf '%s' \"$AGENTVIEW_CI_TOKEN\" | agentview login --with-token"));
    }
    check_token_shape(token).map_err(|e| Failure::usage(format!("refusing the token on stdin: {e}")))?;
    Ok(Secret::new(token))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_trims_and_checks() {
        assert_eq!(read_token(&b"  abc.def\n"[..]).expect("ok").expose(), "abc.def");
        assert!(read_token(&b""[..]).is_err());
        assert!(read_token(&b" \n"[..]).is_err());
        assert!(read_token(&b"two\nlines"[..]).is_err());
        assert!(read_token(&b"\xff\xfe"[..]).is_err());
        let huge = vec![b'a'; MAX_TOKEN_LEN + 10];
        assert!(read_token(&huge[..]).is_err());
    }
}
