//! Ctrl-C (and SIGTERM, which CI runners send when a job is cancelled): the first
//! one stops the login cleanly (session closed, nothing stored); a second one exits at once.

use tokio::sync::watch;

/// A flag set by SIGINT or SIGTERM, observable from any await point.
#[derive(Debug, Clone)]
pub struct Interrupt {
    rx: watch::Receiver<bool>,
}

impl Interrupt {
    /// Install the handler now (inside the runtime), so a signal that arrives
    /// before the first await is not lost.
    pub fn install() -> Interrupt {
        let (tx, rx) = watch::channel(false);
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            if let (Ok(mut int), Ok(mut term)) = (signal(SignalKind::interrupt()), signal(SignalKind::terminate())) {
                tokio::spawn(async move {
                    for round in 0..2 {
                        tokio::select! {
                            _ = int.recv() => {}
                            _ = term.recv() => {}
                        }
                        if round == 0 {
                            let _ = tx.send(true);
                        } else {
                            std::process::exit(130);
                        }
                    }
                });
            }
        }
        #[cfg(not(unix))]
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                let _ = tx.send(true);
            }
            if tokio::signal::ctrl_c().await.is_ok() {
                std::process::exit(130);
            }
        });
        Interrupt { rx }
    }

    pub fn happened(&self) -> bool {
        *self.rx.borrow()
    }

    /// Resolves when the user interrupts.
    pub async fn wait(&self) {
        let mut rx = self.rx.clone();
        if rx.wait_for(|fired| *fired).await.is_err() {
            // No handler any more (or never one): no interrupt can come.
            std::future::pending::<()>().await;
        }
    }
}
