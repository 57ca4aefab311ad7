//! What an authorization server or a browser hands back, hostile: WWW-Authenticate challenges,
//! token endpoint answers, callbacks and pasted redirect lines. None may panic; an accepted token
//! has a usable shape; everything shown on a terminal is safe.

use agentview::fuzzing::{
    AuthServer, Authorization, Client, Request, check_token_shape, parse_challenge, parse_query, parse_tokens,
    pasted_params,
};
use agentview::http::Reply;
use agentview::store::ClientAuth;
use reqwest::Url;

use super::generate::Rng;
use super::text::assert_terminal_safe;

const KEYS: &[&str] =
    &["access_token", "token_type", "expires_in", "refresh_token", "scope", "error", "error_description"];

fn challenge_text(rng: &mut Rng) -> String {
    let mut text = String::from(if rng.chance(80) { "Bearer " } else { "" });
    for _ in 0..rng.below(5) {
        let name = *rng.pick(&["resource_metadata", "scope", "error", "realm", "x"]);
        let value = if rng.chance(50) { format!("\"{}\"", rng.string(30)) } else { rng.string(20) };
        text.push_str(&format!("{name}={value}{}", if rng.chance(70) { ", " } else { "" }));
    }
    if rng.chance(20) {
        text.push_str(&rng.string(40));
    }
    text
}

pub fn one_case(rng: &mut Rng) {
    let _ = parse_challenge(&challenge_text(rng));

    let body = if rng.chance(70) { rng.json(3, KEYS).to_string().into_bytes() } else { rng.bytes(200) };
    let content_type = rng.pick(&["application/json", "text/html", "", "text/plain"]).to_string();
    let reply = Reply {
        status: *rng.pick(&[200u16, 400, 401, 500, 503, 302]),
        content_type,
        body,
        www_authenticate: None,
        location: None,
    };
    match parse_tokens(&reply) {
        Ok(tokens) => {
            assert!(check_token_shape(tokens.access_token.expose()).is_ok());
            if let Some(refresh) = &tokens.refresh_token {
                assert!(check_token_shape(refresh.expose()).is_ok());
            }
            tokens.warnings.iter().for_each(|w| assert_terminal_safe(w));
            if let Some(scope) = &tokens.scope {
                assert_terminal_safe(scope);
            }
        }
        Err(e) => assert_terminal_safe(&e.to_string()),
    }

    let url = |p: &str| Url::parse(&format!("https://as.example{p}")).expect("url");
    let server = AuthServer {
        issuer: "https://as.example".into(),
        authorization_endpoint: Some(url("/authorize")),
        token_endpoint: url("/token"),
        registration_endpoint: None,
        revocation_endpoint: None,
        userinfo_endpoint: None,
        device_authorization_endpoint: None,
        grant_types: None,
        pkce_methods: Some(vec!["S256".into()]),
        scopes_supported: Vec::new(),
        token_auth_methods: Default::default(),
        iss_supported: rng.chance(50),
        cimd_supported: false,
        openid: false,
        prompt_values: Vec::new(),
    };
    let client = Client { client_id: "c".into(), client_secret: None, auth: ClientAuth::None, redirect_uri: None };
    let request = Request { resource: Some("https://a.example/mcp".into()), ..Request::default() };
    let auth = Authorization::new(&server, &client, "http://127.0.0.1:9/cb", &request).expect("an authorization");
    let mut query = rng.string(120);
    if rng.chance(30) {
        query = format!("code={}&state={}&{query}", rng.string(10), auth.state);
    }
    let params = parse_query(&query);
    match auth.check_callback(&params) {
        Ok(code) => assert_eq!(params.get("state"), Some(&auth.state), "a code without our state: {code}"),
        Err(e) => assert_terminal_safe(&e.to_string()),
    }
    let line = if rng.chance(50) { format!("http://127.0.0.1:9/cb?{query}") } else { query };
    if let Err(why) = pasted_params(&line, "http://127.0.0.1:9/cb") {
        assert_terminal_safe(&why);
    }
}
