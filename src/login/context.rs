//! What every step of a login shares: the request, the settings, the output, Ctrl-C, the clock.

use super::settings::LoginSettings;
use crate::clock::SharedClock;
use crate::error::{Exit, Failure};
use crate::interrupt::Interrupt;
use crate::output::Output;
use crate::settings::Settings;

/// What every step of a login needs.
#[derive(Debug, Clone, Copy)]
pub struct LoginContext<'a> {
    pub login: &'a LoginSettings,
    pub settings: &'a Settings,
    pub output: &'a Output,
    pub interrupt: &'a Interrupt,
    /// Every wait of the login runs on it.
    pub clock: &'a SharedClock,
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
