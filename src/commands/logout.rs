//! `agentview logout`: forget the stored credential for the server.

use crate::error::{Exit, Failure};
use crate::output::Output;
use crate::settings::Settings;
use crate::store::{self, StoreChoice, StoreError};

pub fn run(settings: &Settings, output: &Output) -> anyhow::Result<Exit> {
    let mut removed = Vec::new();
    let mut failed = None;
    for store in store::stores_for_read(&settings.store) {
        match store.delete(&settings.server) {
            Ok(true) => removed.push(store.describe()),
            Ok(false) => {}
            Err(StoreError::Unavailable { .. }) if settings.store.choice == StoreChoice::Auto => {}
            Err(e) => failed = Some(e),
        }
    }
    for place in &removed {
        output.success(&format!("Removed the credential for {} from {place}.", settings.server));
    }
    if removed.is_empty() && failed.is_none() {
        output.info(&format!("No stored credential for {}; nothing to remove.", settings.server));
    }
    if settings.env_token.is_some() {
        output.warn(
            "AGENTVIEW_TOKEN is still set in this environment: `token` and `status` keep using it until you unset it",
        );
    }
    match failed {
        Some(e) => Err(Failure::new(Exit::Store, format!("could not remove the credential: {e}")).into()),
        None => Ok(Exit::Ok),
    }
}
