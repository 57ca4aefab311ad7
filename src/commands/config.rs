//! `agentview config show`: the settings a login to the server would use, each with where it
//! came from, so a person can tell why a setting has the value it has. No secret is among them.

use serde_json::json;

use crate::error::Exit;
use crate::run::Run;
use crate::settings::sources::Source;

pub fn show(as_json: bool, sources: &[Source], run: &Run) -> anyhow::Result<Exit> {
    let settings = &run.settings;
    if as_json {
        let file = settings.store.config_dir.join(crate::settings::file::FILE_NAME);
        let doc = json!({"config_file": file, "settings": sources});
        crate::output::write_data(&format!("{doc}\n"))?;
        return Ok(Exit::Ok);
    }
    let width = sources.iter().map(|s| s.key.len()).max().unwrap_or(0);
    let mut text = String::new();
    for source in sources {
        let value = source.value.as_deref().map(|v| crate::sanitize::line(v, 300)).unwrap_or_else(|| "-".to_owned());
        text.push_str(&format!("{:width$}  {value}  ({})\n", source.key, source.from));
    }
    crate::output::write_data(&text)?;
    run.output.info("Login's own flags (--client-id, --scope, --redirect-uri, --method) win over these for one login.");
    Ok(Exit::Ok)
}
