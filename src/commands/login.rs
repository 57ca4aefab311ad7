//! `agentview login`: a login with a method (`login::run`), or `--with-token`: store a token
//! piped in on stdin (CI secrets).

use std::io::Read;
use std::sync::mpsc;
use std::time::Duration;

use crate::error::{Exit, Failure};
use crate::interrupt::Interrupt;
use crate::login::settings::Piped;
use crate::login::{LoginRequest, Report, account_note, note_login, preflight_store, report};
use crate::run::Run;
use crate::secret::{MAX_TOKEN_LEN, Secret, check_token_shape};
use crate::store::Credential;

/// `agentview login`, as its settings ask: a login with a method, or a token from stdin.
pub async fn run(request: LoginRequest, run: &Run) -> anyhow::Result<Exit> {
    match request {
        LoginRequest::WithToken { report, stdin_wait } => with_token(report, stdin_wait, run).await,
        LoginRequest::Login(login) => {
            let interrupt = Interrupt::install();
            crate::login::run(*login, run, &interrupt).await
        }
    }
}

/// `--with-token`: store the token read from stdin; no server call.
pub async fn with_token(wanted: Report, stdin_wait: Duration, run: &Run) -> anyhow::Result<Exit> {
    let (settings, output) = (&run.settings, &run.output);
    if settings.ui.stdin_tty {
        return Err(Failure::usage("--with-token reads the token from stdin, but stdin is a terminal")
            .with_hint("pipe it in, e.g. printf '%s' \"$AGENTVIEW_CI_TOKEN\" | agentview login --with-token")
            .into());
    }
    let token = read_stdin_token(stdin_wait, Piped::Token)?;
    let selected = preflight_store(settings, output).await?;
    let credential =
        Credential::bearer(settings.server.clone(), token, run.clock.unix_now()).for_account(settings.account.clone());
    let location = selected.store.describe();
    // Off the async thread: the file store may wait for its lock, a keyring for its timeout.
    let (store, to_save) = (selected.store.clone(), credential.clone());
    let saved = tokio::task::spawn_blocking(move || store.save(&to_save))
        .await
        .map_err(|e| Failure::new(Exit::Store, format!("could not store the token: {e}")))?;
    saved.map_err(|e| Failure::new(Exit::Store, format!("could not store the token: {e}")).with_source(e))?;
    let account = account_note(settings, note_login(settings).await, output);
    output.success(&format!("Stored the token for {}{account} in {location}.", settings.server));
    report(wanted, &credential, selected.store.source(), &location, false)?;
    Ok(Exit::Ok)
}

/// A token (or what `piped` says) from the process's stdin, read on a helper thread so a silent
/// pipe (a CI step whose stdin is an open pipe that never closes) ends in an error after `wait`
/// instead of blocking forever.
pub fn read_stdin_token(wait: Duration, piped: Piped) -> Result<Secret, Failure> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(read_token(std::io::stdin().lock(), piped));
    });
    rx.recv_timeout(wait).unwrap_or_else(|_| {
        Err(Failure::usage(format!("no input arrived on stdin within {} s", wait.as_secs())).with_hint(format!(
            "pipe the {} in and close the pipe, e.g. {}",
            piped.what(),
            piped.example()
        )))
    })
}

/// Read one token (or what `piped` says) from `input`: bounded, surrounding whitespace trimmed,
/// shape checked.
pub fn read_token(input: impl Read, piped: Piped) -> Result<Secret, Failure> {
    let what = piped.what();
    let mut buffer = Vec::new();
    input
        .take(MAX_TOKEN_LEN as u64 + 2)
        .read_to_end(&mut buffer)
        .map_err(|e| Failure::new(Exit::Other, format!("cannot read stdin: {e}")))?;
    let text =
        String::from_utf8(buffer).map_err(|_| Failure::usage(format!("the {what} on stdin is not valid UTF-8")))?;
    let value = text.trim();
    if value.is_empty() {
        return Err(Failure::usage(format!("stdin was empty: no {what} to use"))
            .with_hint(format!("pipe the {what} in, e.g. {}", piped.example())));
    }
    check_token_shape(value).map_err(|e| Failure::usage(format!("refusing the {what} on stdin: {}", e.about(what))))?;
    Ok(Secret::new(value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_trims_and_checks() {
        assert_eq!(read_token(&b"  abc.def\n"[..], Piped::Token).expect("ok").expose(), "abc.def");
        assert!(read_token(&b""[..], Piped::Token).is_err());
        assert!(read_token(&b" \n"[..], Piped::Token).is_err());
        assert!(read_token(&b"two\nlines"[..], Piped::Token).is_err());
        assert!(read_token(&b"\xff\xfe"[..], Piped::Token).is_err());
        let huge = vec![b'a'; MAX_TOKEN_LEN + 10];
        assert!(read_token(&huge[..], Piped::Token).is_err());
    }

    #[test]
    fn messages_name_what_was_read_and_how_to_pipe_it() {
        for input in [&b""[..], b"two words", b"\xff"] {
            let refused = read_token(input, Piped::ClientSecret).expect_err("refused");
            let said = format!("{} {}", refused.message, refused.hint.unwrap_or_default());
            assert!(said.contains("client secret") && !said.contains("token"), "{said}");
        }
        let empty = read_token(&b""[..], Piped::ClientSecret).expect_err("empty");
        assert!(empty.hint.is_some_and(|h| h.contains("--client-secret-stdin")));
        let empty = read_token(&b""[..], Piped::Token).expect_err("empty");
        assert!(empty.hint.is_some_and(|h| h.contains("--with-token")));
    }
}
