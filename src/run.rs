//! One run of agentview: the settings and the output, resolved once; the clock every wait runs
//! on; and the run's one HTTP client, built the first time something sends a request (a `token`
//! that finds a credential needing no renewal never builds one). `lib.rs` makes it; the door,
//! the logins, the commands and the bridge borrow it.

use std::sync::{Arc, OnceLock};

use crate::clock::{RealClock, SharedClock};
use crate::error::Failure;
use crate::http::{Http, user_agent};
use crate::output::Output;
use crate::settings::Settings;

/// What every part of one run shares.
#[derive(Debug, Clone)]
pub struct Run {
    pub settings: Settings,
    pub output: Output,
    /// Every wait of the run (polls, retries, locks, resumed streams) runs on it.
    pub clock: SharedClock,
    /// Shared by clones: one connection pool for the whole run.
    http: Arc<OnceLock<Http>>,
}

impl Run {
    pub fn new(settings: Settings, output: Output) -> Run {
        Run::with_clock(settings, output, Arc::new(RealClock))
    }

    /// A run whose waits run on `clock`.
    pub fn with_clock(settings: Settings, output: Output, clock: SharedClock) -> Run {
        Run { settings, output, clock, http: Arc::default() }
    }

    /// The run's HTTP client: agentview's user agent, the request timeout, `-v` tracing of
    /// requests; built once, when first asked for.
    pub fn http(&self) -> Result<&Http, Failure> {
        if let Some(http) = self.http.get() {
            return Ok(http);
        }
        let http = Http::new(&user_agent(), self.settings.request_timeout, self.output.trace())
            .map_err(|e| e.into_failure("cannot set up HTTP"))?;
        Ok(self.http.get_or_init(|| http))
    }
}
