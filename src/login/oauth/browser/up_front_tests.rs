//! Tests of `up_front.rs`: every shape of refusal an authorization server gives, and the answers
//! that are a sign-in page.

use super::*;

const REDIRECT: &str = "http://127.0.0.1:4711/callback/abc";

fn request() -> Url {
    Url::parse("https://as.example/api/auth/oauth2/authorize?client_id=c&state=s").expect("url")
}

fn reply(status: u16, content_type: &str, body: &str, location: Option<&str>) -> Reply {
    Reply {
        status,
        content_type: content_type.into(),
        body: body.as_bytes().to_vec(),
        www_authenticate: None,
        location: location.map(str::to_string),
    }
}

fn code(refusal: &Refused) -> String {
    match &refusal.error {
        OAuthError::Rejected { error, .. } | OAuthError::Denied { error, .. } => error.to_string(),
        other => format!("not rejected: {other}"),
    }
}

#[test]
fn a_4xx_is_a_refusal_named_when_the_body_names_it() {
    let named = refusal(&reply(400, "application/json", r#"{"error":"invalid_client"}"#, None), &request(), REDIRECT)
        .expect("refused");
    assert_eq!(code(&named), "invalid_client");
    assert!(!named.client_known);
    let bare = refusal(&reply(401, "text/html", "<p>no</p>", None), &request(), REDIRECT).expect("refused");
    assert!(matches!(bare.error, OAuthError::Status { status: 401, .. }), "{:?}", bare.error);
    assert!(refusal(&reply(429, "application/json", "{}", None), &request(), REDIRECT).is_none(), "busy, not refused");
}

#[test]
fn a_redirect_to_the_servers_error_page_is_a_refusal() {
    let to = "/api/auth/error?error=invalid_client&error_description=client+not+found";
    let found = refusal(&reply(302, "application/json", "", Some(to)), &request(), REDIRECT).expect("refused");
    assert_eq!(code(&found), "invalid_client");
    assert!(found.error.to_string().contains("client not found"), "{}", found.error);
    assert!(!found.client_known);
    let page = refusal(&reply(303, "text/html", "", Some("https://as.example/oauth/error")), &request(), REDIRECT)
        .expect("an error page without a code");
    assert!(page.error.to_string().contains("error page https://as.example/oauth/error"), "{}", page.error);
}

#[test]
fn an_error_sent_to_the_clients_redirect_uri_is_a_refusal_of_a_known_client() {
    let to = format!("{REDIRECT}?error=invalid_scope&state=s");
    let found = refusal(&reply(302, "", "", Some(&to)), &request(), REDIRECT).expect("refused");
    assert_eq!(code(&found), "invalid_scope");
    assert!(found.client_known);
    assert!(matches!(found.error, OAuthError::Denied { .. }), "as the callback would say: {:?}", found.error);
}

#[test]
fn json_naming_an_error_or_the_address_of_one_is_a_refusal() {
    let body = r#"{"redirect":true,"url":"https://as.example/api/auth/error?error=invalid_client&error_description=client+not+found"}"#;
    let found = refusal(&reply(200, "application/json", body, None), &request(), REDIRECT).expect("refused");
    assert_eq!(code(&found), "invalid_client");
    assert!(!found.client_known);
    let named =
        refusal(&reply(200, "application/json", r#"{"error":"unauthorized_client"}"#, None), &request(), REDIRECT)
            .expect("refused");
    assert_eq!(code(&named), "unauthorized_client");
}

#[test]
fn a_sign_in_page_is_no_refusal() {
    let sign_in = "/sign-in?client_id=c&sig=x&exp=1";
    assert!(refusal(&reply(302, "", "", Some(sign_in)), &request(), REDIRECT).is_none());
    assert!(refusal(&reply(200, "text/html", "<form>", None), &request(), REDIRECT).is_none());
    let json = r#"{"redirect":true,"url":"https://as.example/sign-in?client_id=c"}"#;
    assert!(refusal(&reply(200, "application/json", json, None), &request(), REDIRECT).is_none());
    // A redirect to the client with a code (a server that approves at once) is no refusal.
    let approved = format!("{REDIRECT}?code=abc&state=s");
    assert!(refusal(&reply(302, "", "", Some(&approved)), &request(), REDIRECT).is_none());
    assert!(refusal(&reply(302, "", "", None), &request(), REDIRECT).is_none(), "no Location: the browser will tell");
    assert!(refusal(&reply(500, "", "", None), &request(), REDIRECT).is_none(), "a server error is for the browser");
}
