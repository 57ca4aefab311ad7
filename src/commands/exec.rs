//! `agentview exec -- CMD…`: run a command with the credential as AGENTVIEW_TOKEN (and as
//! `AGENTVIEW_AUTHORIZATION="Bearer …"`), so it never passes through a shell's history or argv.
//!
//! agentview stays in front of its child like a shell does: every signal that would otherwise end
//! agentview (SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGALRM) and those a child may
//! care about (SIGWINCH, SIGCONT) are passed on; agentview waits for the child and exits with its
//! status (128+n when a signal ended it). It never exits first, which would leave the child
//! running with the token. SIGKILL and SIGSTOP cannot be caught.

use std::ffi::OsString;
use std::process::{Command, ExitStatus};

use crate::credential::{Closed, Door};
use crate::error::{Exit, Failure};
use crate::run::Run;

/// The child's exit code, or agentview's own for failures before it ran.
pub async fn run(command: &[OsString], run: &Run) -> anyhow::Result<Exit> {
    let (settings, output) = (&run.settings, &run.output);
    let door = Door::new(run);
    let hint = match door.usable().await {
        Ok(usable) => Ok(usable.found),
        Err(Closed::NotLoggedIn(not)) => Err(not.hint),
        Err(Closed::Expired(usable)) if usable.found.source == crate::store::Source::Env => {
            let at = usable.found.credential.expires_at.map(crate::clock::iso8601).unwrap_or_default();
            output.error(&format!("the token in AGENTVIEW_TOKEN expired at {at}"));
            output.info(crate::credential::ENV_TOKEN_EXPIRED_HINT);
            return Ok(Exit::NotLoggedIn);
        }
        Err(Closed::Expired(_)) => Err(door.login_hint().await),
        Err(Closed::Failed(e)) => return Err(e),
    };
    let found = match hint {
        Ok(found) => found,
        Err(hint) => {
            output.error(&format!("not logged in to {} (or the credential expired)", settings.server));
            hint.tell(output, "run ", " first");
            return Ok(Exit::NotLoggedIn);
        }
    };
    let (program, args) = command.split_first().ok_or_else(|| Failure::usage("exec needs a command"))?;
    output.verbose(&format!("running {} with AGENTVIEW_TOKEN from {}", program.to_string_lossy(), found.location));
    // Listen before the child exists, so a signal in between is passed on rather than fatal.
    let signals = Signals::listen();
    let token = found.credential.secret.expose();
    let mut command = Command::new(program);
    for name in crate::settings::client::SECRET_VARIABLES {
        command.env_remove(name);
    }
    // An agentview the command runs itself uses the same account.
    if settings.account_given {
        command.env("AGENTVIEW_ACCOUNT", settings.account.as_str());
    }
    let spawned = command
        .args(args)
        .env("AGENTVIEW_TOKEN", token)
        .env("AGENTVIEW_AUTHORIZATION", format!("Bearer {token}"))
        .env("AGENTVIEW_SERVER", settings.server.as_str())
        .spawn();
    let mut child = match spawned {
        Ok(child) => child,
        Err(e) => {
            let code = if e.kind() == std::io::ErrorKind::NotFound { 127 } else { 126 };
            output.error(&format!("cannot run {}: {e}", program.to_string_lossy()));
            return Ok(Exit::Child(code));
        }
    };
    let pid = child.id();
    let mut waited = tokio::task::spawn_blocking(move || child.wait());
    let status = signals.pass_on_until(pid, &mut waited).await;
    match status {
        Ok(Ok(status)) => Ok(Exit::Child(child_code(status))),
        Ok(Err(e)) => {
            Err(Failure::new(Exit::Other, format!("cannot wait for {}: {e}", program.to_string_lossy())).into())
        }
        Err(e) => Err(Failure::new(Exit::Other, format!("cannot wait for {}: {e}", program.to_string_lossy())).into()),
    }
}

type Waited = tokio::task::JoinHandle<std::io::Result<ExitStatus>>;

#[cfg(unix)]
struct Signals {
    /// One stream per forwarded signal, with the signal to send on; empty when none could be set up.
    streams: Vec<(rustix::process::Signal, tokio::signal::unix::Signal)>,
}

#[cfg(unix)]
impl Signals {
    fn listen() -> Signals {
        use rustix::process::Signal;
        use tokio::signal::unix::{SignalKind, signal};
        let forwarded = [
            Signal::INT,
            Signal::TERM,
            Signal::HUP,
            Signal::QUIT,
            Signal::USR1,
            Signal::USR2,
            Signal::ALARM,
            Signal::WINCH,
            Signal::CONT,
        ];
        let streams = forwarded
            .into_iter()
            .filter_map(|s| signal(SignalKind::from_raw(s.as_raw())).ok().map(|stream| (s, stream)))
            .collect();
        Signals { streams }
    }

    /// Pass signals on to `pid` until the child has been waited for.
    async fn pass_on_until(
        mut self,
        pid: u32,
        waited: &mut Waited,
    ) -> Result<std::io::Result<ExitStatus>, tokio::task::JoinError> {
        use rustix::process::{Pid, Signal, kill_process};
        let Some(child) = i32::try_from(pid).ok().and_then(Pid::from_raw) else {
            return waited.await;
        };
        loop {
            let next = next_signal(&mut self.streams);
            let signal = tokio::select! {
                status = &mut *waited => return status,
                Some(signal) = next => signal,
            };
            // Ctrl-C (and Ctrl-\) in a terminal already reached the child (same foreground
            // process group); a second one would be a signal the user never typed.
            if matches!(signal, Signal::INT | Signal::QUIT) && terminal_sent_it() {
                continue;
            }
            // The child may have exited in the meantime: then there is nobody left to tell.
            let _ = kill_process(child, signal);
        }
    }
}

/// The next signal any of `streams` receives (`None` when there are none to wait on).
#[cfg(unix)]
async fn next_signal(
    streams: &mut [(rustix::process::Signal, tokio::signal::unix::Signal)],
) -> Option<rustix::process::Signal> {
    if streams.is_empty() {
        return std::future::pending().await;
    }
    std::future::poll_fn(|cx| {
        for (signal, stream) in streams.iter_mut() {
            if let std::task::Poll::Ready(Some(())) = stream.poll_recv(cx) {
                return std::task::Poll::Ready(Some(*signal));
            }
        }
        std::task::Poll::Pending
    })
    .await
}

/// Whether agentview runs in the terminal's foreground process group, where the terminal
/// delivers Ctrl-C to every process, the child included.
#[cfg(unix)]
fn terminal_sent_it() -> bool {
    rustix::termios::tcgetpgrp(std::io::stdin()).is_ok_and(|group| group == rustix::process::getpgrp())
}

#[cfg(not(unix))]
struct Signals;

#[cfg(not(unix))]
impl Signals {
    fn listen() -> Signals {
        Signals
    }

    /// Ctrl-C reaches every process on the console; agentview only waits for the child.
    async fn pass_on_until(
        self,
        _pid: u32,
        waited: &mut Waited,
    ) -> Result<std::io::Result<ExitStatus>, tokio::task::JoinError> {
        loop {
            tokio::select! {
                status = &mut *waited => return status,
                _ = tokio::signal::ctrl_c() => {}
            }
        }
    }
}

#[cfg(unix)]
fn child_code(status: ExitStatus) -> u8 {
    use std::os::unix::process::ExitStatusExt;
    match (status.code(), status.signal()) {
        (Some(code), _) => code as u8,
        (None, Some(signal)) => 128u8.saturating_add(signal as u8),
        _ => 1,
    }
}

#[cfg(not(unix))]
fn child_code(status: ExitStatus) -> u8 {
    status.code().map_or(1, |c| c as u8)
}
