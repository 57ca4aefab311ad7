use super::*;

const SERVER: &str = "https://mcp.example.com/mcp";

fn parsed(text: &str) -> Result<Option<ServerFile>, Failure> {
    parse(text, PathBuf::from("/cfg/config.toml"), &ServerUrl::parse(SERVER).expect("ok"))
}

fn refusal(text: &str) -> String {
    let failure = parsed(text).expect_err("refused");
    format!("{} | {}", failure.message, failure.hint.unwrap_or_default())
}

#[test]
fn a_servers_table_gives_each_setting_with_its_line() {
    let text = r#"# settings kept per server
[servers."https://other.example.com/mcp"]
client_id = "not-this-one"

[servers."https://MCP.example.com/mcp/"]
client_id = "desktop"
redirect_uri = "http://127.0.0.1:8765/callback"
scope = "mcp:read offline_access"
resource = "omit"
auth_server = "https://login.example.com"
authorize_params = { audience = "https://api.example.com", prompt = "consent" }
provider = "auth0"
account = "work"
method = "oauth"
"#;
    let file = parsed(text).expect("ok").expect("the table of the server, its URL normalized");
    assert_eq!(file.at(6), "/cfg/config.toml line 6");
    assert_eq!(file.client_id, Some(Kept { value: "desktop".into(), line: 6 }));
    assert_eq!(file.redirect_uri.map(|k| k.line), Some(7));
    assert_eq!(file.scope.map(|k| k.value), Some("mcp:read offline_access".into()));
    assert_eq!(file.resource, Some(Kept { value: ResourceChoice::Omit, line: 9 }));
    assert_eq!(file.auth_server.map(|k| k.line), Some(10));
    let params = file.authorize_params.expect("params");
    assert_eq!(params.line, 11);
    assert_eq!(
        params.value,
        [("audience".into(), "https://api.example.com".into()), ("prompt".into(), "consent".into())]
    );
    assert_eq!(file.provider.map(|k| k.value), Some(Provider::Auth0));
    assert_eq!(file.account.map(|k| k.value.to_string()), Some("work".into()));
    assert_eq!(file.method, Some(Kept { value: "oauth".into(), line: 14 }));
    assert_eq!(parsed("[servers.\"https://other.example.com/mcp\"]\nscope = \"x\"\n").expect("ok"), None);
    assert_eq!(parsed("").expect("ok"), None);
}

#[test]
fn a_bad_file_is_refused_naming_the_file_the_line_and_the_key() {
    let head = "[servers.\"https://mcp.example.com/mcp\"]\n";
    for (body, line, key) in [
        ("client_id = \"a\"\nscopes = \"mcp\"\n", 3, "scopes"),
        ("scope = 5\n", 2, "scope"),
        ("authorize_params = { audience = 1 }\n", 2, "authorize_params"),
        ("resource = \"not a uri\"\n", 2, "resource"),
        ("method = \"browser\"\n", 2, "method"),
        ("provider = \"azure\"\n", 2, "provider"),
        ("account = \"two words\"\n", 2, "account"),
        ("authorize_params = { state = \"fixed\" }\n", 2, "state"),
    ] {
        let said = refusal(&format!("{head}{body}"));
        assert!(said.contains(&format!("/cfg/config.toml line {line}")), "{body}: {said}");
        assert!(said.contains(key), "{body}: {said}");
    }
    let said = refusal("[servers.\"not a url\"]\nscope = \"x\"\n");
    assert!(said.contains("line 1") && said.contains("no server URL"), "{said}");
    let said = refusal("[server.\"https://mcp.example.com/mcp\"]\n");
    assert!(said.contains("line 1") && said.contains("server"), "{said}");
    let said = refusal("[servers.\"https://mcp.example.com/mcp\"\n");
    assert!(said.contains("line 1"), "{said}");
    let said = refusal(&format!("{head}scopes = \"x\"\n"));
    assert!(!said.contains("client_secret"), "a secret is no key to offer: {said}");
}

#[test]
fn a_client_secret_is_refused_with_where_secrets_go() {
    let said =
        refusal("[servers.\"https://mcp.example.com/mcp\"]\nclient_id = \"a\"\nclient_secret = \"s3cr3t-value\"\n");
    assert!(said.contains("line 3") && said.contains("client_secret"), "{said}");
    assert!(said.contains("--client-secret-stdin") && said.contains("kept with the credential"), "{said}");
    assert!(!said.contains("s3cr3t-value"), "the secret is not echoed: {said}");
}
