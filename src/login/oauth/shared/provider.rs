//! Which company identity provider an authorization server is, when it is one whose quirks
//! agentview knows (OAUTH.md section 10): told by the issuer's host, or set by the user for a
//! provider on a host of its own (a custom domain). A provider's profile changes only what the
//! user could set by hand (`login/oauth/browser/profile.rs` says what).

use reqwest::Url;

pub use crate::settings::provider::{NAMES, Provider};

/// Microsoft's sign-in hosts: the global cloud, US Government and China (21Vianet).
const ENTRA_HOSTS: [&str; 3] = ["login.microsoftonline.com", "login.microsoftonline.us", "login.chinacloudapi.cn"];
/// Okta's domains: its organizations, their previews, and the EMEA cell.
const OKTA_DOMAINS: [&str; 3] = ["okta.com", "oktapreview.com", "okta-emea.com"];

impl Provider {
    /// A setting's value (`provider = "entra"`, `AGENTVIEW_PROVIDER=entra`), case-insensitive.
    pub fn parse(name: &str) -> Option<Provider> {
        let name = name.trim();
        NAMES.iter().find(|(known, _)| known.eq_ignore_ascii_case(name)).map(|(_, p)| *p)
    }

    /// The name a setting gives it.
    pub fn as_str(self) -> &'static str {
        NAMES.iter().find(|(_, p)| *p == self).map_or("generic", |(name, _)| name)
    }

    /// How people name it.
    pub fn title(self) -> &'static str {
        match self {
            Provider::Entra => "Microsoft Entra ID",
            Provider::Google => "Google",
            Provider::Auth0 => "Auth0",
            Provider::Okta => "Okta",
            Provider::Generic => "a standard authorization server",
        }
    }

    /// The provider an issuer's host says it is: Microsoft's sign-in hosts, accounts.google.com,
    /// a tenant under auth0.com, an organization under okta.com or oktapreview.com. Anything else
    /// (a custom domain too) is `Generic` unless the user says otherwise.
    pub fn detect(issuer: &str) -> Provider {
        let Some(host) = Url::parse(issuer).ok().and_then(|u| u.host_str().map(str::to_ascii_lowercase)) else {
            return Provider::Generic;
        };
        let under = |domain: &str| host.strip_suffix(domain).is_some_and(|rest| rest.ends_with('.') && rest.len() > 1);
        if ENTRA_HOSTS.contains(&host.as_str()) {
            Provider::Entra
        } else if host == "accounts.google.com" {
            Provider::Google
        } else if under("auth0.com") {
            Provider::Auth0
        } else if OKTA_DOMAINS.iter().any(|d| under(d)) {
            Provider::Okta
        } else {
            Provider::Generic
        }
    }

    /// The profile in effect: the user's setting, else what the issuer's host says.
    pub fn resolve(setting: Option<Provider>, issuer: &str) -> Provider {
        setting.unwrap_or_else(|| Provider::detect(issuer))
    }

    /// Whether its metadata may leave out `code_challenge_methods_supported` although it does
    /// PKCE with S256: Entra publishes no such field (its documentation recommends PKCE, and MCP
    /// clients that require the field refuse Entra for it).
    pub fn s256_unlisted(self) -> bool {
        self == Provider::Entra
    }
}

/// Whether the metadata's `issuer` stands for the issuer asked for. Byte for byte (RFC 8414
/// section 3.3), but at Microsoft Entra ID a multi-tenant document (`common`, `organizations`,
/// `consumers`) names `{tenantid}` where the tenant goes: it stands for the tenant segment of the
/// issuer asked for, and only there (OAUTH.md section 10).
pub fn issuer_matches(found: &str, asked: &str, provider: Provider) -> bool {
    if found == asked {
        return true;
    }
    if provider != Provider::Entra || found.matches("{tenantid}").count() != 1 {
        return false;
    }
    let Some((before, after)) = found.split_once("{tenantid}") else { return false };
    let Some(tenant) = asked.strip_prefix(before).and_then(|rest| rest.strip_suffix(after)) else { return false };
    ["common", "organizations", "consumers"].contains(&tenant)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_issuers_host_names_the_provider() {
        let cases = [
            ("https://login.microsoftonline.com/5c1f0d2e-8a7b-4c3d-9e6f-1a2b3c4d5e6f/v2.0", Provider::Entra),
            ("https://login.microsoftonline.com/common/v2.0", Provider::Entra),
            ("https://LOGIN.microsoftonline.us/contoso.onmicrosoft.us/v2.0", Provider::Entra),
            ("https://login.chinacloudapi.cn/tenant/v2.0", Provider::Entra),
            ("https://accounts.google.com", Provider::Google),
            ("https://dev-abc123.us.auth0.com/", Provider::Auth0),
            ("https://acme.auth0.com/", Provider::Auth0),
            ("https://acme.okta.com/oauth2/default", Provider::Okta),
            ("https://acme.oktapreview.com/oauth2/aus1a2b3c", Provider::Okta),
            ("https://acme.okta-emea.com/oauth2/default", Provider::Okta),
            // Look-alikes, custom domains and the bare domains are no provider by their host.
            ("https://auth0.com/", Provider::Generic),
            ("https://evilauth0.com/", Provider::Generic),
            ("https://acme.okta.com.evil.example/oauth2/default", Provider::Generic),
            ("https://login.microsoftonline.com.evil.example/common/v2.0", Provider::Generic),
            ("https://accounts.google.com.evil.example", Provider::Generic),
            ("https://login.acme.example/", Provider::Generic),
            ("http://127.0.0.1:8080/tenant/v2.0", Provider::Generic),
            ("not a url", Provider::Generic),
        ];
        for (issuer, want) in cases {
            assert_eq!(Provider::detect(issuer), want, "{issuer}");
        }
    }

    #[test]
    fn a_setting_wins_over_the_host() {
        assert_eq!(Provider::resolve(Some(Provider::Auth0), "http://127.0.0.1:9/"), Provider::Auth0);
        assert_eq!(Provider::resolve(Some(Provider::Generic), "https://accounts.google.com"), Provider::Generic);
        assert_eq!(Provider::resolve(None, "https://accounts.google.com"), Provider::Google);
    }

    #[test]
    fn names_parse_both_ways() {
        for (name, provider) in NAMES {
            assert_eq!(Provider::parse(name), Some(provider));
            assert_eq!(provider.as_str(), name);
        }
        assert_eq!(Provider::parse(" Entra "), Some(Provider::Entra));
        assert_eq!(Provider::parse("azure"), None);
    }

    #[test]
    fn entras_tenant_placeholder_stands_for_the_tenant_asked_for() {
        let template = "https://login.microsoftonline.com/{tenantid}/v2.0";
        let entra = Provider::Entra;
        assert!(issuer_matches(template, "https://login.microsoftonline.com/common/v2.0", entra));
        assert!(issuer_matches(template, "https://login.microsoftonline.com/organizations/v2.0", entra));
        assert!(!issuer_matches(template, "https://login.microsoftonline.com/common/v2.0", Provider::Generic));
        // A tenant id is no multi-tenant name: its own document names it.
        let tenant = "https://login.microsoftonline.com/5c1f0d2e-8a7b-4c3d-9e6f-1a2b3c4d5e6f/v2.0";
        assert!(!issuer_matches(template, tenant, entra));
        assert!(issuer_matches(tenant, tenant, Provider::Generic), "equal is equal");
        // The placeholder stands for one segment of this issuer, not for another host or path.
        assert!(!issuer_matches(template, "https://login.evil.example/common/v2.0", entra));
        assert!(!issuer_matches(template, "https://login.microsoftonline.com/common/v1.0", entra));
        assert!(!issuer_matches(template, "https://login.microsoftonline.com/a/common/v2.0", entra));
        let twice = "https://login.microsoftonline.com/{tenantid}/{tenantid}/v2.0";
        assert!(!issuer_matches(twice, "https://login.microsoftonline.com/common/common/v2.0", entra));
    }
}
