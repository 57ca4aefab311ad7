//! `mcp-config --launcher path|npx|uvx`: where a client starts a command, `npx -y
//! agentview@<version>` and `uvx agentview@<version>` instead of agentview's path, in every
//! client's format, with the same quoting. Stand-ins for npx and uvx (which run the package's
//! binary with the remaining arguments, as the real ones do) show that each configuration works.
//! Unix only, like the quoting tests whose checks these share.
#![cfg(unix)]

use std::path::Path;

use super::mcp_config_quoting::{CARRIED, CLIENTS, Expected, assert_snippet, mcp_config, setup};

const PACKAGE: &str = concat!("agentview@", env!("CARGO_PKG_VERSION"));

fn expected(launcher: &str, config_dir: &Path) -> Expected {
    let mut want = Expected::new(config_dir);
    match launcher {
        "path" => {}
        "npx" => {
            want.program = "npx".into();
            want.launcher_args = vec!["-y".into(), PACKAGE.into()];
        }
        "uvx" => {
            want.program = "uvx".into();
            want.launcher_args = vec![PACKAGE.into()];
        }
        other => panic!("no launcher {other}"),
    }
    want
}

#[test]
fn every_launcher_works_in_every_client() {
    let s = setup("config");
    for launcher in ["path", "npx", "uvx"] {
        let want = expected(launcher, &s.config_dir);
        for client in CLIENTS {
            let run = mcp_config(&s.av, &[client, "--launcher", launcher]).expect_code(0);
            assert_snippet(client, &run.stdout, &want, s.av.dir.path());
            if launcher != "path" {
                let says = format!("agentview {} through {launcher}", env!("CARGO_PKG_VERSION"));
                assert!(run.stderr.contains(&says), "{}", run.stderr);
            }
        }
    }
}

#[test]
fn the_default_launcher_is_agentviews_path() {
    let s = setup("config");
    for client in CLIENTS {
        let default = mcp_config(&s.av, &[client]).expect_code(0);
        let path = mcp_config(&s.av, &[client, "--launcher", "path"]).expect_code(0);
        assert_eq!(default.stdout, path.stdout);
        assert!(!default.stdout.contains(PACKAGE), "{}", default.stdout);
    }
}

#[test]
fn launchers_carry_hostile_values_exactly() {
    let s = setup(&CARRIED.join("/"));
    for launcher in ["npx", "uvx"] {
        let want = expected(launcher, &s.config_dir);
        let dir = s.config_dir.display().to_string();
        for client in CLIENTS {
            let run = mcp_config(&s.av, &["--config-dir", &dir, client, "--launcher", launcher]).expect_code(0);
            assert_snippet(client, &run.stdout, &want, s.av.dir.path());
        }
    }
}

#[test]
fn mcp_remote_runs_under_each_launcher() {
    let s = setup("config");
    for launcher in ["path", "npx", "uvx"] {
        let want = expected(launcher, &s.config_dir);
        let tail = ["exec", "--", "npx", "-y", "mcp-remote", super::mcp_config_quoting::SERVER, "--header"];
        for client in ["vscode", "claude-desktop", "cursor", "mcp-servers", "goose"] {
            let run = mcp_config(&s.av, &[client, "--via", "mcp-remote", "--launcher", launcher]).expect_code(0);
            let (command, args) = super::mcp_config::command_entry(client, &run.stdout);
            assert_eq!(command.as_deref(), Some(want.program.as_str()), "{}", run.stdout);
            let mut expected = want.args(&tail);
            expected.push("Authorization:${AGENTVIEW_AUTHORIZATION}".into());
            assert_eq!(args, expected, "{}", run.stdout);
        }
    }
}

/// npx and uvx do not need agentview's own path: one that no configuration can carry stops
/// only `--launcher path`, whose refusal points at the others.
#[test]
fn npx_and_uvx_need_no_path_to_agentview() {
    let s = setup("config");
    let dir = s.av.dir.path().join("bin\nx");
    std::fs::create_dir_all(&dir).expect("dir");
    let program = dir.join("agentview");
    if std::fs::hard_link(super::support::cli::binary(), &program).is_err() {
        std::fs::copy(super::support::cli::binary(), &program).expect("copy");
    }
    for (launcher, code) in [("path", 2), ("npx", 0), ("uvx", 0)] {
        let out = std::process::Command::new(&program)
            .args(["mcp-config", "vscode", "--launcher", launcher])
            .env_clear()
            .envs(s.av.env_pairs().iter().map(|(k, v)| (k, v)))
            .output()
            .expect("runs");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(code), "{launcher}: {stderr}");
        if code == 2 {
            assert!(stderr.contains("--launcher npx or uvx"), "{stderr}");
        } else {
            assert_snippet(
                "vscode",
                &String::from_utf8_lossy(&out.stdout),
                &expected(launcher, &s.config_dir),
                s.av.dir.path(),
            );
        }
    }
}
