//! The `resource` parameter an OAuth login sends (RFC 8707): a setting of its own, since the
//! flag, the environment and config.toml all give it.

/// The `resource` parameter (RFC 8707) of the authorization and token requests.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum ResourceChoice {
    /// The protected resource as its metadata publishes it (what the MCP specification asks
    /// for), unless the provider's profile leaves it out (Microsoft Entra ID).
    #[default]
    Published,
    /// No `resource` at all (`--resource omit`, `resource = "omit"`).
    Omit,
    /// This URI instead (`--resource URI`).
    Uri(String),
}

impl ResourceChoice {
    /// `omit`, or an absolute URI without a fragment (RFC 8707 section 2).
    pub fn parse(raw: &str) -> Result<ResourceChoice, String> {
        let raw = raw.trim();
        if raw.eq_ignore_ascii_case("omit") {
            return Ok(ResourceChoice::Omit);
        }
        let url = reqwest::Url::parse(raw).map_err(|_| format!("\"{raw}\" is neither omit nor an absolute URI"))?;
        if url.fragment().is_some() {
            return Err(format!("\"{raw}\" has a fragment, which a resource indicator may not have (RFC 8707)"));
        }
        Ok(ResourceChoice::Uri(raw.to_string()))
    }
}
