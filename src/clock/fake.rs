//! A clock for unit tests: its waits advance time at once.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::clock::{Clock, Sleep};

/// A clock whose waits advance time instantly.
#[derive(Debug)]
pub struct FakeClock {
    start: Instant,
    offset: Mutex<Duration>,
    unix_start: u64,
}

impl FakeClock {
    pub fn new(unix_start: u64) -> FakeClock {
        FakeClock { start: Instant::now(), offset: Mutex::new(Duration::ZERO), unix_start }
    }

    /// How much fake time has passed.
    pub fn elapsed(&self) -> Duration {
        *self.offset.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn advance(&self, d: Duration) {
        *self.offset.lock().unwrap_or_else(|e| e.into_inner()) += d;
    }
}

impl Clock for FakeClock {
    fn now(&self) -> Instant {
        self.start + self.elapsed()
    }

    fn sleep(&self, d: Duration) -> Sleep<'_> {
        self.advance(d);
        Box::pin(std::future::ready(()))
    }

    fn pause(&self, d: Duration) {
        self.advance(d);
    }

    fn unix_now(&self) -> u64 {
        self.unix_start + self.elapsed().as_secs()
    }

    fn unix_millis(&self) -> u64 {
        self.unix_start * 1000 + u64::try_from(self.elapsed().as_millis()).unwrap_or(u64::MAX)
    }
}
