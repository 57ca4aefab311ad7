//! The signals that end the bridge as the end of stdin does.

/// SIGINT, SIGTERM and SIGHUP: the bridge ends as on stdin's end.
pub(super) struct Signals {
    #[cfg(unix)]
    streams: Option<[tokio::signal::unix::Signal; 3]>,
}

impl Signals {
    pub(super) fn listen() -> Signals {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            let streams = (|| {
                Some([
                    signal(SignalKind::interrupt()).ok()?,
                    signal(SignalKind::terminate()).ok()?,
                    signal(SignalKind::hangup()).ok()?,
                ])
            })();
            Signals { streams }
        }
        #[cfg(not(unix))]
        Signals {}
    }

    pub(super) async fn recv(&mut self) {
        #[cfg(unix)]
        match self.streams.as_mut() {
            Some([int, term, hup]) => {
                tokio::select! {
                    _ = int.recv() => {}
                    _ = term.recv() => {}
                    _ = hup.recv() => {}
                }
            }
            None => std::future::pending().await,
        }
        #[cfg(not(unix))]
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}
