//! `--header` without a name must not echo any part of its value: it is usually a secret.

use super::no_panic;
use super::support::cli::Agentview;

#[test]
fn a_header_without_a_name_is_refused_without_echoing_it() {
    let secret = "Bearer avt_header_secret_0123456789";
    for args in [&["-H", secret, "status"][..], &["--header", "avt_header_secret_0123456789", "status"]] {
        let av = Agentview::new("https://agentview.example/mcp");
        let run = av.run(args);
        no_panic("-H", &run);
        assert_eq!(run.code, 2, "{}", run.stderr);
        assert!(run.stderr.contains("--header"), "{}", run.stderr);
        for fragment in ["avt_header", "Bearer avt", "0123456789"] {
            assert!(!run.stderr.contains(fragment), "echoed {fragment:?}: {}", run.stderr);
        }
    }
}
