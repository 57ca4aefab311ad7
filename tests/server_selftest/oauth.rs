//! The authorization server: metadata, registration, the code flow with PKCE, refresh rotation,
//! revocation and the token check on /mcp.
use std::collections::HashMap;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use sha2::{Digest, Sha256};

use super::*;

/// A client of the authorization server that never follows redirects.
pub(crate) struct As {
    pub server: TestServer,
    pub http: reqwest::Client,
}

#[derive(Clone, Debug)]
pub(crate) struct Registered {
    pub id: String,
    pub secret: Option<String>,
    pub redirect: String,
}

pub(crate) fn oauth_server(cfg: OAuthConfig) -> As {
    let server = TestServer::start(ServerConfig { oauth: Some(cfg), ..ServerConfig::default() });
    let _ = rustls::crypto::ring::default_provider().install_default();
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
    As { server, http }
}

/// (verifier, S256 challenge), computed independently of the server.
pub(crate) fn pkce() -> (String, String) {
    let verifier = format!("v{}", "x1-._~".repeat(9));
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    (verifier, challenge)
}

pub(crate) fn query(url: &str) -> HashMap<String, String> {
    let url = reqwest::Url::parse(url).expect("absolute URL");
    url.query_pairs().map(|(k, v)| (k.into_owned(), v.into_owned())).collect()
}

pub(crate) fn form(pairs: &[(&str, &str)]) -> String {
    form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs).finish()
}

impl As {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.server.oauth_issuer().expect("oauth on"))
    }

    pub async fn get_json(&self, url: &str) -> (u16, Value) {
        let r = self.http.get(url).send().await.expect("GET");
        let status = r.status().as_u16();
        (status, serde_json::from_str(&r.text().await.expect("body")).unwrap_or(Value::Null))
    }

    pub async fn register_raw(&self, body: Value) -> (u16, Value) {
        let r = self
            .http
            .post(self.url("/register"))
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
            .await
            .expect("POST /register");
        let status = r.status().as_u16();
        (status, serde_json::from_str(&r.text().await.expect("body")).unwrap_or(Value::Null))
    }

    pub async fn register(&self, method: &str) -> Registered {
        let redirect = "http://127.0.0.1:45678/callback/abc".to_string();
        let body = json!({"client_name": "agentview test", "redirect_uris": [redirect],
            "grant_types": ["authorization_code", "refresh_token"], "response_types": ["code"],
            "token_endpoint_auth_method": method, "application_type": "native"});
        let (status, v) = self.register_raw(body).await;
        assert_eq!(status, 201, "{v}");
        let secret = v["client_secret"].as_str().map(str::to_string);
        Registered { id: v["client_id"].as_str().expect("client_id").to_string(), secret, redirect }
    }

    pub fn authorize_url(&self, c: &Registered, challenge: &str, state: &str) -> String {
        let resource = self.server.resource();
        let q = form(&[
            ("response_type", "code"),
            ("client_id", &c.id),
            ("redirect_uri", &c.redirect),
            ("state", state),
            ("code_challenge", challenge),
            ("code_challenge_method", "S256"),
            ("resource", &resource),
            ("scope", "mcp:read mcp:write offline_access"),
        ]);
        format!("{}?{q}", self.url("/authorize"))
    }

    /// Authorize and approve from the test; returns the redirect's query parameters.
    pub async fn code(&self, c: &Registered, challenge: &str) -> HashMap<String, String> {
        let r = self.http.get(self.authorize_url(c, challenge, "st-1")).send().await.expect("GET /authorize");
        assert_eq!(r.status().as_u16(), 200, "approval page");
        let location = self.server.approve_pending_authorization().expect("a pending authorization");
        assert!(location.starts_with(&c.redirect), "{location}");
        query(&location)
    }

    /// POST /token with `pairs` (+ client auth per `c`); returns (status, JSON body).
    pub async fn token(&self, c: &Registered, basic: bool, pairs: &[(&str, &str)]) -> (u16, Value) {
        let mut pairs = pairs.to_vec();
        let mut req = self.http.post(self.url("/token")).header("content-type", "application/x-www-form-urlencoded");
        match (&c.secret, basic) {
            (Some(s), true) => {
                req = req.header("authorization", format!("Basic {}", STANDARD.encode(format!("{}:{s}", c.id))))
            }
            (Some(s), false) => pairs.extend([("client_id", c.id.as_str()), ("client_secret", s.as_str())]),
            (None, _) => pairs.push(("client_id", c.id.as_str())),
        }
        let r = req.body(form(&pairs)).send().await.expect("POST /token");
        let status = r.status().as_u16();
        let text = r.text().await.expect("body");
        (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
    }

    pub async fn exchange(&self, c: &Registered, code: &str, verifier: &str) -> (u16, Value) {
        let resource = self.server.resource();
        let pairs = [
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", c.redirect.as_str()),
            ("code_verifier", verifier),
            ("resource", resource.as_str()),
        ];
        self.token(c, true, &pairs).await
    }

    pub async fn refresh(&self, c: &Registered, rt: &str) -> (u16, Value) {
        let resource = self.server.resource();
        self.token(c, true, &[("grant_type", "refresh_token"), ("refresh_token", rt), ("resource", &resource)]).await
    }

    /// Register, authorize, exchange: (client, token response).
    pub async fn login(&self) -> (Registered, Value) {
        let c = self.register("none").await;
        let (verifier, challenge) = pkce();
        let q = self.code(&c, &challenge).await;
        let (status, tokens) = self.exchange(&c, &q["code"], &verifier).await;
        assert_eq!(status, 200, "{tokens}");
        (c, tokens)
    }

    /// initialize on /mcp with an optional bearer token: (status, WWW-Authenticate).
    pub async fn mcp(&self, token: Option<&str>) -> (u16, String) {
        let body = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": init_params()});
        let mut req =
            self.http.post(self.server.mcp_url()).header("accept", ACCEPT).header("content-type", "application/json");
        if let Some(t) = token {
            req = req.header("authorization", format!("Bearer {t}"));
        }
        let r = req.body(body.to_string()).send().await.expect("POST /mcp");
        (r.status().as_u16(), header(&r, "www-authenticate"))
    }
}
