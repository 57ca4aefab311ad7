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
