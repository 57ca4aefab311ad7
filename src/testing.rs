//! Test doubles shared by the unit tests: a clock whose sleep advances time at once.

use std::cell::Cell;
use std::time::{Duration, Instant};

use crate::clock::Clock;

/// A clock whose sleep advances time instantly.
#[derive(Debug)]
pub struct FakeClock {
    start: Instant,
    offset: Cell<Duration>,
    unix_start: u64,
}

impl FakeClock {
    pub fn new(unix_start: u64) -> FakeClock {
        FakeClock { start: Instant::now(), offset: Cell::new(Duration::ZERO), unix_start }
    }

    /// How much fake time has passed.
    pub fn elapsed(&self) -> Duration {
        self.offset.get()
    }
}

impl Clock for FakeClock {
    fn now(&self) -> Instant {
        self.start + self.offset.get()
    }

    async fn sleep(&self, d: Duration) {
        self.offset.set(self.offset.get() + d);
    }

    fn unix_now(&self) -> u64 {
        self.unix_start + self.offset.get().as_secs()
    }
}
