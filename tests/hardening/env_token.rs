//! `AGENTVIEW_TOKEN` obeys the same shape rules as `--with-token`.

use super::no_panic;
use super::support::cli::Agentview;

#[test]
fn a_malformed_env_token_is_a_usage_error_that_names_the_variable() {
    let bad = ["abc\r\nX-Injected: evil", "   ", "\t\n", "two words", "tok\u{1b}[31m", &"a".repeat(20_000)];
    for value in bad {
        for args in [&["token", "--format", "header"][..], &["token"], &["status"], &["exec", "--", "true"]] {
            let mut av = Agentview::new("https://agentview.example/mcp");
            av.set("AGENTVIEW_TOKEN", value);
            let run = av.run(args);
            no_panic("token", &run);
            assert_eq!(run.code, 2, "{value:?} {args:?}\n--- stderr\n{}", run.stderr);
            assert!(run.stderr.contains("AGENTVIEW_TOKEN"), "{value:?}: names the variable: {}", run.stderr);
            assert!(run.stdout.is_empty(), "{value:?}: nothing on stdout: {:?}", run.stdout);
            assert!(!run.stderr.contains("X-Injected") && !run.stderr.contains("aaaaaaaaaa"), "{}", run.stderr);
        }
    }
}

#[test]
fn a_well_formed_env_token_still_works() {
    let mut av = Agentview::new("https://agentview.example/mcp");
    av.set("AGENTVIEW_TOKEN", "  avt_from_env  ");
    let run = av.run(&["token"]).expect_code(0);
    assert_eq!(run.stdout, "avt_from_env\n");
}

/// An unsigned JWT (`alg: none`) with these claims: enough for agentview, which reads `exp` only
/// to show it and to call the token live or expired.
fn jwt_with_exp(exp: u64) -> String {
    use base64::Engine;
    let part = |json: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json);
    format!(
        "{}.{}.c2lnbmF0dXJl",
        part(r#"{"alg":"RS256","typ":"JWT"}"#),
        part(&format!(r#"{{"sub":"ada","exp":{exp}}}"#))
    )
}

fn now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs()
}

#[test]
fn an_expired_jwt_in_agentview_token_is_expired_with_what_to_do() {
    let token = jwt_with_exp(now() - 3_600);
    let mut av = Agentview::new("https://agentview.example/mcp");
    av.set("AGENTVIEW_TOKEN", &token);
    let run = av.run(&["status"]);
    assert_eq!(run.code, 4, "{}\n{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("The credential has EXPIRED for"), "{}", run.stdout);
    assert!(run.stdout.contains("(expired)") && !run.stdout.contains("expires: unknown"), "{}", run.stdout);
    assert!(run.stderr.contains("The token in AGENTVIEW_TOKEN has expired"), "{}", run.stderr);
    assert!(run.stderr.contains("unset AGENTVIEW_TOKEN"), "{}", run.stderr);
    for args in [&["token"][..], &["exec", "--", "true"][..]] {
        let run = av.run(args);
        assert_eq!(run.code, 4, "{args:?}: {}", run.stderr);
        assert!(run.stderr.contains("the token in AGENTVIEW_TOKEN expired at"), "{args:?}: {}", run.stderr);
        assert!(run.stderr.contains("unset AGENTVIEW_TOKEN"), "{args:?}: {}", run.stderr);
        assert!(run.stdout.is_empty(), "{args:?}: {}", run.stdout);
        run.assert_no_leak(&token);
    }
}

#[test]
fn a_live_jwt_in_agentview_token_shows_until_when() {
    let exp = now() + 7_200;
    let mut av = Agentview::new("https://agentview.example/mcp");
    av.set("AGENTVIEW_TOKEN", &jwt_with_exp(exp));
    let run = av.run(&["status", "--json"]).expect_code(0);
    let doc: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON");
    assert_eq!(doc["expires_at_unix"], exp);
    assert_eq!(doc["logged_in"], true);
    let run = av.run(&["status"]).expect_code(0);
    assert!(run.stdout.contains("(in 1h59m") || run.stdout.contains("(in 2h00m"), "{}", run.stdout);
}
