//! The door decides by one reading of the clock: a credential looked at in one second and handed
//! out in the next is judged as it was looked at (due, or live), never "expired" in between.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use super::*;
use crate::cli::{ColorArg, GlobalArgs, StoreArg};
use crate::clock::{Clock, Sleep};
use crate::env::Env;
use crate::server_url::ServerUrl;
use crate::store::{Credential, CredentialStore, FileStore, Flow, GrantAuth, OAuthGrant};

const SERVER: &str = "https://a.example/mcp";
const ISSUED: u64 = 1_800_000_000;

/// A clock whose wall clock reads `ISSUED` the first time it is asked and a second later after
/// that: the second turns between the lookup and whatever comes after it.
#[derive(Debug, Default)]
struct TurningClock {
    asked: AtomicU64,
}

impl Clock for TurningClock {
    fn now(&self) -> Instant {
        Instant::now()
    }

    fn sleep(&self, _: Duration) -> Sleep<'_> {
        Box::pin(std::future::ready(()))
    }

    fn pause(&self, _: Duration) {}

    fn unix_now(&self) -> u64 {
        ISSUED + self.asked.fetch_add(1, Ordering::SeqCst).min(1)
    }
}

/// A browser login's credential issued at `ISSUED` that lives one second.
fn short_lived() -> Credential {
    let grant = OAuthGrant {
        refresh_token: Some(Secret::new("rt-1")),
        issuer: "https://as.example".into(),
        client_id: "client-1".into(),
        client_secret: None,
        client_auth: GrantAuth::None,
        token_endpoint: reqwest::Url::parse("https://as.example/token").expect("url"),
        revocation_endpoint: None,
        resource: Some(SERVER.into()),
        scope: None,
        flow: Flow::AuthorizationCode,
        from_environment: false,
    };
    let server = ServerUrl::parse(SERVER).expect("url");
    Credential::oauth(server, Secret::new("at-1"), Some(ISSUED + 1), grant, ISSUED)
}

fn run_in(dir: &std::path::Path) -> Run {
    let args = GlobalArgs {
        server: Some(SERVER.into()),
        account: None,
        store: Some(StoreArg::File),
        config_dir: Some(dir.to_path_buf()),
        headers: Vec::new(),
        quiet: true,
        verbose: false,
        color: Some(ColorArg::Never),
    };
    let env = Env::from_pairs([("HOME", dir.to_str().expect("utf-8"))]);
    let settings = crate::settings::resolve(&args, &env).expect("settings");
    let output = Output::new(crate::settings::resolve_ui(&args, &env));
    Run::with_clock(settings, output, Arc::new(TurningClock::default()))
}

#[test]
fn a_credential_not_due_when_looked_at_is_handed_out_though_the_second_turns() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path().join("config");
    FileStore::new(&dir).save(&short_lived()).expect("saved");
    let run = run_in(&dir);
    let answer = Door::new(&run).usable_at_once().expect("nothing to renew: it was not due when looked at");
    let usable = answer.unwrap_or_else(|closed| panic!("handed out as looked at, not {closed:?}"));
    assert_eq!(usable.found.credential.secret.expose(), "at-1");
}
