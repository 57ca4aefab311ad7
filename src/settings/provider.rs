//! The company identity providers agentview has a profile for, by the names a setting gives
//! them (`provider` in config.toml, `AGENTVIEW_PROVIDER`); what each profile does is
//! `login/oauth/shared/provider.rs` and `login/oauth/browser/profile.rs`.

/// A company identity provider with a profile, or none (`Generic`: the standards alone).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Provider {
    /// Microsoft Entra ID (v2.0 endpoints).
    Entra,
    /// Google, for installed (desktop) apps.
    Google,
    Auth0,
    /// An Okta custom authorization server.
    Okta,
    /// No profile: what the specifications say, and nothing else.
    Generic,
}

/// Every provider by the name a setting gives it, in the order help texts list them.
pub const NAMES: [(&str, Provider); 5] = [
    ("entra", Provider::Entra),
    ("google", Provider::Google),
    ("auth0", Provider::Auth0),
    ("okta", Provider::Okta),
    ("generic", Provider::Generic),
];
