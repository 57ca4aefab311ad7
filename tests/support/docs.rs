//! Shell completions and man pages, generated from the clap definitions. Shared by
//! `examples/gen_docs.rs` (writes them) and `tests/docs.rs` (checks the committed copies).

use std::path::PathBuf;

use clap::CommandFactory;
use clap_complete::{Generator, Shell};

/// The command that rewrites the generated files.
#[allow(dead_code)] // only the check quotes it
pub const REGENERATE: &str = "cargo run --example gen-docs";

/// The shells completions are committed for.
pub const SHELLS: [Shell; 5] = [Shell::Bash, Shell::Zsh, Shell::Fish, Shell::Elvish, Shell::PowerShell];

/// One generated file: its path relative to the repository root, and its contents.
#[derive(Debug)]
pub struct Generated {
    pub path: PathBuf,
    pub contents: Vec<u8>,
}

/// The repository root (where `completions/` and `man/` live).
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every generated file, in a stable order.
pub fn generate() -> Vec<Generated> {
    let mut files = completions();
    files.extend(man_pages());
    files
}

/// Where the completion script for `shell` is committed.
pub fn completion_path(shell: Shell) -> PathBuf {
    PathBuf::from("completions").join(shell.file_name("agentview"))
}

/// What `agentview completions <shell>` prints, one file per shell.
fn completions() -> Vec<Generated> {
    SHELLS
        .iter()
        .map(|&shell| {
            let mut command = agentview::cli::Cli::command();
            let mut contents = Vec::new();
            clap_complete::generate(shell, &mut command, "agentview", &mut contents);
            Generated { path: completion_path(shell), contents }
        })
        .collect()
}

/// `agentview.1` and one `agentview-<subcommand>.1` per subcommand. No date is set, so the
/// pages only change when the CLI does.
fn man_pages() -> Vec<Generated> {
    let mut command = agentview::cli::Cli::command().disable_help_subcommand(true);
    command.build();
    let mut pages = vec![page(command.clone())];
    pages.extend(command.get_subcommands().filter(|s| !s.is_hide_set()).cloned().map(page));
    pages
}

fn page(command: clap::Command) -> Generated {
    let source = format!("agentview {}", env!("CARGO_PKG_VERSION"));
    let man = clap_mangen::Man::new(command).source(source).manual("agentview manual");
    let mut contents = Vec::new();
    man.render(&mut contents).expect("rendering into memory cannot fail");
    Generated { path: PathBuf::from("man").join(man.get_filename()), contents }
}
