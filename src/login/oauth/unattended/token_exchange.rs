//! Token exchange at the company's identity provider (RFC 8693): the ID token of the person's
//! sign-in for an Identity Assertion JWT Authorization Grant (ID-JAG) for one MCP server's
//! authorization server, which takes it with the JWT-bearer grant (enterprise-managed
//! authorization).

use reqwest::Url;
use serde_json::Value;

use crate::http::Http;
use crate::login::oauth::shared::error::{ErrorCode, OAuthError, json_object};
use crate::login::oauth::shared::registration::Client;
use crate::secret::{Secret, check_token_shape};

/// `grant_type` of a token exchange.
pub const TOKEN_EXCHANGE: &str = "urn:ietf:params:oauth:grant-type:token-exchange";
/// The subject: an OpenID Connect ID token.
pub const ID_TOKEN_TYPE: &str = "urn:ietf:params:oauth:token-type:id_token";
/// What is asked for: an ID-JAG.
pub const ID_JAG_TYPE: &str = "urn:ietf:params:oauth:token-type:id-jag";

/// One exchange: whose ID token, for which authorization server and resource.
#[derive(Debug)]
pub struct Exchange<'a> {
    /// The identity provider's issuer, for messages.
    pub idp: &'a str,
    pub token_endpoint: &'a Url,
    /// agentview's client at the identity provider.
    pub client: &'a Client,
    pub id_token: &'a Secret,
    /// The MCP server's authorization server (its issuer).
    pub audience: &'a str,
    /// The MCP server, as its protected-resource metadata names it (a login's always has one).
    pub resource: Option<&'a str>,
    pub scope: Option<&'a str>,
}

/// Exchange the ID token for an ID-JAG. The provider's refusal (`access_denied`,
/// `invalid_target`, …) comes back with its reason; an ID token it no longer takes, or a client
/// it does not know, is the sign-in's problem.
pub async fn id_jag(http: &Http, exchange: &Exchange<'_>) -> Result<Secret, OAuthError> {
    const WHAT: &str = "the identity provider's token endpoint";
    let mut form = vec![
        ("grant_type", TOKEN_EXCHANGE),
        ("requested_token_type", ID_JAG_TYPE),
        ("subject_token", exchange.id_token.expose()),
        ("subject_token_type", ID_TOKEN_TYPE),
        ("audience", exchange.audience),
    ];
    if let Some(resource) = exchange.resource {
        form.push(("resource", resource));
    }
    if let Some(scope) = exchange.scope {
        form.push(("scope", scope));
    }
    let basic = exchange.client.authenticate(&mut form);
    let reply = http.post_form(exchange.token_endpoint, &form, basic, WHAT).await.map_err(OAuthError::fetch(WHAT))?;
    if reply.status >= 500 {
        return Err(OAuthError::Status { what: WHAT.into(), status: reply.status });
    }
    let doc = match json_object(&reply, WHAT) {
        Ok(doc) => doc,
        Err(_) if reply.status != 200 => return Err(OAuthError::Status { what: WHAT.into(), status: reply.status }),
        Err(e) => return Err(e),
    };
    if let Some(error) = doc.get("error").and_then(Value::as_str) {
        let error = ErrorCode::parse(error);
        let description = doc.get("error_description").and_then(Value::as_str).map(|d| crate::sanitize::line(d, 300));
        let idp = crate::sanitize::line(exchange.idp, 200);
        return Err(match error {
            ErrorCode::InvalidClient => OAuthError::ClientRefused {
                client_id: crate::sanitize::line(&exchange.client.client_id, 200),
                error,
                description,
            },
            ErrorCode::InvalidGrant => OAuthError::Proof(format!(
                "the identity provider {idp} no longer takes the ID token of the sign-in (invalid_grant{}); sign in again",
                description.map(|d| format!(": {d}")).unwrap_or_default()
            )),
            error => OAuthError::IdpRefused { idp, error, description },
        });
    }
    if reply.status != 200 {
        return Err(OAuthError::Status { what: WHAT.into(), status: reply.status });
    }
    let issued = doc.get("issued_token_type").and_then(Value::as_str).unwrap_or_default();
    if issued != ID_JAG_TYPE {
        return Err(OAuthError::invalid(
            WHAT,
            format!("it issued \"{}\" instead of an ID-JAG", crate::sanitize::line(issued, 100)),
        ));
    }
    let token = doc
        .get("access_token")
        .and_then(Value::as_str)
        .ok_or_else(|| OAuthError::invalid(WHAT, "the answer has no access_token (the ID-JAG)"))?;
    check_token_shape(token).map_err(|e| OAuthError::invalid(WHAT, format!("the ID-JAG: {e}")))?;
    Ok(Secret::new(token))
}
