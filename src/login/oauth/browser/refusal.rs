//! When an authorization server refuses a parameter of the login (at the authorization endpoint
//! or the code exchange): which one, and the setting that changes it. Company identity providers
//! refuse what others take (OAUTH.md section 10): Microsoft Entra ID a `resource` beside its
//! scopes (AADSTS9010010), Auth0 an `audience` no API has, any of them a scope they do not know.

use super::grant::Authorization;
use crate::error::{Exit, Failure};
use crate::login::oauth::shared::error::{ErrorCode, OAuthError};

/// A refused parameter, and what to do about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// The parameter, as the request named it.
    pub parameter: String,
    /// The flag (and the config.toml line) that changes it.
    pub fix: String,
}

/// Which parameter of `sent` the error names, when it names one agentview knows how to change.
pub fn refused_parameter(error: &ErrorCode, description: Option<&str>, sent: &Authorization) -> Option<Refusal> {
    let description = description.unwrap_or_default();
    let says = |text: &str| description.contains(text);
    let code = error.as_str();
    let refusal = |parameter: &str, fix: String| Some(Refusal { parameter: parameter.to_string(), fix });
    if code == "invalid_target" || says("AADSTS9010010") || (code == "invalid_request" && says("resource")) {
        return match &sent.resource {
            Some(_) => refusal(
                "resource",
                "log in with --resource omit (resource = \"omit\" in the server's table of config.toml): Microsoft \
                 Entra ID takes the API's scope instead of a resource"
                    .into(),
            ),
            None => refusal(
                "resource",
                "name the resource the authorization server knows: --resource URI (resource = \"URI\" in \
                 config.toml)"
                    .into(),
            ),
        };
    }
    if matches!(error, ErrorCode::InvalidScope) || says("AADSTS70011") || says("AADSTS900144") {
        let sent = sent.scope.as_deref().map(|s| format!(" (agentview asked for \"{s}\")")).unwrap_or_default();
        return refusal(
            "scope",
            format!(
                "log in with --scope \"…\" naming the scopes the authorization server knows{sent} (scope = \"…\" in \
                 config.toml); for Microsoft Entra ID the API's api://<application id>/.default"
            ),
        );
    }
    // Auth0's answer for an audience no API of the tenant has.
    if says("Service not found") {
        return refusal(
            "audience",
            "name the API's identifier as Auth0 shows it: --authorize-param audience=IDENTIFIER \
             (authorize_params = { audience = \"…\" } in config.toml)"
                .into(),
        );
    }
    if matches!(error, ErrorCode::InvalidRequest) {
        let named = sent.params.iter().find(|(key, _)| description.contains(key.as_str()))?;
        let key = &named.0;
        return refusal(
            key,
            format!("change or leave out the {key} parameter: --authorize-param {key}=VALUE, or {key}= to send none"),
        );
    }
    None
}

/// The failure for an error that names a parameter of `sent`: one line saying which parameter
/// the authorization server refused and why, and a hint naming the setting that changes it. Any
/// other error comes back as it was.
pub fn failure(exit: Exit, error: OAuthError, sent: &Authorization) -> Result<Failure, OAuthError> {
    let (OAuthError::Denied { error: code, description } | OAuthError::Rejected { error: code, description }) = &error
    else {
        return Err(error);
    };
    let Some(refusal) = refused_parameter(code, description.as_deref(), sent) else { return Err(error) };
    let why = description.as_deref().map(|d| format!(" ({})", first_sentences(d))).unwrap_or_default();
    let message = format!("the authorization server refused the {} parameter: {code}{why}", refusal.parameter);
    Ok(Failure::new(exit, message).with_hint(format!("{}; nothing was stored", refusal.fix)).with_source(error))
}

/// A description for one line: Entra appends trace, correlation and time stamps after its message.
pub fn first_sentences(description: &str) -> &str {
    description.split(" Trace ID:").next().unwrap_or(description).trim_end()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::login::oauth::browser::pkce::Pkce;

    fn sent(resource: Option<&str>, params: &[(&str, &str)]) -> Authorization {
        Authorization {
            url: reqwest::Url::parse("https://as.example/authorize").expect("url"),
            state: "s".into(),
            pkce: Pkce::new().expect("pkce"),
            redirect_uri: "http://127.0.0.1/callback".into(),
            issuer: "https://as.example".into(),
            iss_supported: false,
            resource: resource.map(str::to_string),
            scope: Some("api://app/user_impersonation offline_access".into()),
            params: params.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        }
    }

    #[test]
    fn entras_resource_refusal_names_resource_omit() {
        let description = "AADSTS9010010: The resource parameter provided in the request doesn't match with the \
            requested scopes. Trace ID: 1 Correlation ID: 2 Timestamp: 2030-01-01 00:00:00Z";
        let code = ErrorCode::parse("invalid_target");
        let refusal = refused_parameter(&code, Some(description), &sent(Some("https://mcp.example/mcp"), &[]));
        let refusal = refusal.expect("a refused parameter");
        assert_eq!(refusal.parameter, "resource");
        assert!(refusal.fix.contains("--resource omit") && refusal.fix.contains("resource = \"omit\""), "{refusal:?}");
        assert_eq!(
            first_sentences(description),
            "AADSTS9010010: The resource parameter provided in the request doesn't match with the requested scopes."
        );
        let without = refused_parameter(&code, Some(description), &sent(None, &[])).expect("resource");
        assert!(without.fix.contains("--resource URI"), "{without:?}");
    }

    #[test]
    fn scopes_audiences_and_extra_parameters_are_named() {
        let none = sent(None, &[("access_type", "forever")]);
        let scope = refused_parameter(&ErrorCode::InvalidScope, Some("Some requested scopes were invalid."), &none);
        assert_eq!(scope.map(|r| r.parameter).as_deref(), Some("scope"));
        let entra = ErrorCode::InvalidRequest;
        let missing = refused_parameter(&entra, Some("AADSTS900144: The request body must contain 'scope'."), &none);
        assert_eq!(missing.map(|r| r.parameter).as_deref(), Some("scope"));
        let audience =
            refused_parameter(&ErrorCode::AccessDenied, Some("Service not found: https://api.unknown.example"), &none);
        assert!(audience.expect("audience").fix.contains("--authorize-param audience="));
        let param = refused_parameter(&ErrorCode::InvalidRequest, Some("Invalid access_type: forever"), &none);
        assert_eq!(param.map(|r| r.parameter).as_deref(), Some("access_type"));
        assert_eq!(refused_parameter(&ErrorCode::AccessDenied, Some("The user declined."), &none), None);
        assert_eq!(refused_parameter(&ErrorCode::InvalidRequest, None, &none), None);
    }
}
