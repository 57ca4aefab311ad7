//! `agentview token`: the credential alone on stdout. A credential that needs no renewal is
//! handed out without an async runtime ([`at_once`]): what a script calling `token` before every
//! request pays is a process start and one read of the store.

use serde_json::json;

use crate::cli::TokenFormat;
use crate::clock::iso8601;
use crate::credential::{Closed, Door, Later, Usable};
use crate::error::Exit;
use crate::run::Run;
use crate::store::Source;

/// `token` without an async runtime; what was found when the credential must first be renewed
/// or got (then [`later`], on the runtime).
pub fn at_once(format: TokenFormat, run: &Run) -> Result<anyhow::Result<Exit>, Later> {
    Door::new(run).usable_at_once().map(|outcome| answer(outcome, format, run))
}

/// `token` on the async runtime: [`at_once`], then [`later`] if it must.
pub async fn run(format: TokenFormat, run: &Run) -> anyhow::Result<Exit> {
    match at_once(format, run) {
        Ok(result) => result,
        Err(found) => later(format, run, found).await,
    }
}

/// `token` on the async runtime, after [`at_once`].
pub async fn later(format: TokenFormat, run: &Run, later: Later) -> anyhow::Result<Exit> {
    answer(Door::new(run).usable_later(later).await, format, run)
}

/// The credential on stdout, or why there is none.
fn answer(outcome: Result<Usable, Closed>, format: TokenFormat, run: &Run) -> anyhow::Result<Exit> {
    let (settings, output) = (&run.settings, &run.output);
    let found = match outcome {
        Ok(usable) => usable.found,
        Err(Closed::NotLoggedIn(not)) => {
            output.error(&format!("not logged in to {}", settings.server));
            not.hint.tell(output, "run ", " first (or set AGENTVIEW_TOKEN)");
            return Ok(Exit::NotLoggedIn);
        }
        Err(Closed::Expired(usable)) if usable.found.source == Source::Env => {
            let at = usable.found.credential.expires_at.map(iso8601).unwrap_or_default();
            output.error(&format!("the token in AGENTVIEW_TOKEN expired at {at}"));
            output.info(crate::credential::ENV_TOKEN_EXPIRED_HINT);
            return Ok(Exit::NotLoggedIn);
        }
        Err(Closed::Expired(usable)) => {
            let at = usable.found.credential.expires_at.map(iso8601).unwrap_or_default();
            output.error(&format!("the credential for {} expired at {at}", settings.server));
            output.info(&format!("run `{}` to get a new one", settings.command("login")));
            return Ok(Exit::NotLoggedIn);
        }
        Err(Closed::Failed(e)) => return Err(e),
    };
    let credential = &found.credential;
    let token = credential.secret.expose();
    let text = match format {
        TokenFormat::Raw => format!("{token}\n"),
        TokenFormat::Header => format!("Authorization: Bearer {token}\n"),
        TokenFormat::Headers => format!("{}\n", json!({"Authorization": format!("Bearer {token}")})),
        TokenFormat::Json => {
            let doc = json!({
                "token": token,
                "kind": credential.kind().as_str(),
                "server": settings.server,
                "source": found.source.as_str(),
                "expires_at": credential.expires_at.map(iso8601),
                "expires_at_unix": credential.expires_at,
            });
            format!("{doc}\n")
        }
    };
    crate::output::write_data(&text)?;
    Ok(Exit::Ok)
}
