//! What every step of a login shares: the run (settings, output, clock, HTTP client), the
//! login's own settings, and Ctrl-C.

use super::settings::LoginSettings;
use crate::error::{Exit, Failure};
use crate::interrupt::Interrupt;
use crate::run::Run;

/// What every step of a login needs. It reads as the run it belongs to (`ctx.settings`,
/// `ctx.output`, `ctx.clock`, `ctx.http()`).
#[derive(Debug, Clone, Copy)]
pub struct LoginContext<'a> {
    pub run: &'a Run,
    pub login: &'a LoginSettings,
    pub interrupt: &'a Interrupt,
}

impl std::ops::Deref for LoginContext<'_> {
    type Target = Run;

    fn deref(&self) -> &Run {
        self.run
    }
}

pub fn interrupted() -> anyhow::Error {
    Failure::new(Exit::Interrupted, "interrupted; nothing was stored").into()
}

/// `work`, unless Ctrl-C comes first.
pub async fn interrupted_or<T>(ctx: &LoginContext<'_>, work: impl Future<Output = T>) -> anyhow::Result<T> {
    tokio::select! {
        done = work => Ok(done),
        () = ctx.interrupt.wait() => Err(interrupted()),
    }
}
