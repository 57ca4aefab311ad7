//! Tests of `tokens.rs`.

use super::*;

fn reply(status: u16, content_type: &str, body: &str) -> Reply {
    Reply {
        status,
        content_type: content_type.into(),
        body: body.as_bytes().to_vec(),
        www_authenticate: None,
        location: None,
    }
}

#[test]
fn token_responses_are_checked() {
    let ok = parse_tokens(&reply(
        200,
        "application/json",
        r#"{"access_token":"at","token_type":"bearer","expires_in":"60","refresh_token":"rt","scope":"a b"}"#,
    ))
    .expect("ok");
    assert_eq!(ok.access_token.expose(), "at");
    assert_eq!(ok.refresh_token.as_ref().map(Secret::expose), Some("rt"));
    assert_eq!(ok.expires_in, Some(60));
    let err = |status, ct, body| parse_tokens(&reply(status, ct, body)).expect_err("refused");
    assert!(matches!(err(200, "application/json", r#"{"error":"invalid_grant"}"#), OAuthError::Rejected { .. }));
    assert!(matches!(err(400, "application/json", r#"{"error":"invalid_grant"}"#), OAuthError::Rejected { .. }));
    assert!(matches!(err(503, "text/plain", "down"), OAuthError::Status { status: 503, .. }));
    assert!(err(200, "text/html", "<html>").to_string().contains("HTML"));
    assert!(err(200, "application/json", r#"{"access_token":"at","token_type":"mac"}"#).to_string().contains("mac"));
    assert!(err(200, "application/json", r#"{"token_type":"Bearer"}"#).to_string().contains("access_token"));
    assert!(err(200, "application/json", r#"{"access_token":"a\nb"}"#).to_string().contains("access_token"));
    let odd = parse_tokens(&reply(200, "application/json", r#"{"access_token":"at","expires_in":1e300}"#)).expect("ok");
    assert_eq!(odd.expires_in, None);
    assert_eq!(odd.warnings.len(), 1);
}
