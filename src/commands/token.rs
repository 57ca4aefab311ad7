//! `agentview token`: the credential alone on stdout.

use serde_json::json;

use crate::cli::TokenFormat;
use crate::clock::iso8601;
use crate::credential::{Closed, Door};
use crate::error::Exit;
use crate::run::Run;

pub async fn run(format: TokenFormat, run: &Run) -> anyhow::Result<Exit> {
    let (settings, output) = (&run.settings, &run.output);
    let found = match Door::new(run).usable().await {
        Ok(usable) => usable.found,
        Err(Closed::NotLoggedIn(not)) => {
            output.error(&format!("not logged in to {}", settings.server));
            not.hint.tell(output, "run ", " first (or set AGENTVIEW_TOKEN)");
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
