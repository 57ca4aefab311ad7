//! Shell completions and man pages, generated from the clap definitions. Shared by
//! `examples/gen_docs.rs` (writes them) and `tests/docs.rs` (checks the committed copies).

use std::path::PathBuf;

use clap::CommandFactory;
use clap_complete::{Generator, Shell};

/// The command that rewrites the generated files.
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
    let subcommands: Vec<String> =
        command.get_subcommands().filter(|s| !s.is_hide_set()).map(|s| s.get_name().to_string()).collect();
    let mut pages = vec![page(command.clone(), "", &subcommands)];
    for sub in command.get_subcommands().filter(|s| !s.is_hide_set()) {
        pages.push(page(sub.clone(), sub.get_name(), &subcommands));
    }
    pages
}

/// One page: clap_mangen's title, name, description and options; the rest from `agentview::cli::help`.
fn page(command: clap::Command, sub: &str, all: &[String]) -> Generated {
    let source = format!("agentview {}", env!("CARGO_PKG_VERSION"));
    let man = clap_mangen::Man::new(command.clone()).source(source).manual("agentview manual");
    let mut out = Vec::new();
    let render = |out: &mut Vec<u8>, part: &dyn Fn(&mut Vec<u8>) -> std::io::Result<()>| {
        part(out).expect("rendering into memory cannot fail");
    };
    render(&mut out, &|w| man.render_title(w));
    // Ragged right, no hyphenation: commands and option names stay whole at any width.
    out.extend_from_slice(b".ad l\n.nh\n");
    render(&mut out, &|w| man.render_name_section(w));
    out.extend_from_slice(synopsis(&command, sub).as_bytes());
    render(&mut out, &|w| man.render_description_section(w));
    render(&mut out, &|w| man.render_options_section(w));
    if sub.is_empty() {
        render(&mut out, &|w| man.render_subcommands_section(w));
    }
    out.extend_from_slice(sections(sub, all).as_bytes());
    let out = code_spans(&String::from_utf8_lossy(&out)).into_bytes();
    Generated { path: PathBuf::from("man").join(man.get_filename()), contents: out }
}

/// The help text marks code as Markdown does, `like this`, which a terminal shows as it is; a
/// man page sets it in bold instead. A line with an unpaired backtick keeps it as an apostrophe.
fn code_spans(page: &str) -> String {
    let mut out = String::with_capacity(page.len());
    for line in page.split_inclusive('\n') {
        let parts: Vec<&str> = line.split('`').collect();
        if parts.len().is_multiple_of(2) {
            out.push_str(&line.replace('`', "\\(aq"));
            continue;
        }
        for (i, part) in parts.iter().enumerate() {
            out.push_str(match i % 2 {
                1 => "\\fB",
                _ if i > 0 => "\\fR",
                _ => "",
            });
            out.push_str(part);
        }
    }
    out
}

/// Text for roff: backslashes and minus signs escaped, no control character at a line start.
fn roff(text: &str) -> String {
    let escaped = text.replace('\\', "\\e").replace('-', "\\-");
    if escaped.starts_with('.') || escaped.starts_with('\'') { format!("\\&{escaped}") } else { escaped }
}

fn bold(text: &str) -> String {
    format!("\\fB{}\\fR", roff(text))
}

fn italic(text: &str) -> String {
    format!("\\fI{}\\fR", roff(text))
}

/// What an option takes, as SYNOPSIS shows it: its value name, or its values when it has no name.
fn placeholder(arg: &clap::Arg) -> Option<String> {
    if !arg.get_action().takes_values() {
        return None;
    }
    if let Some(names) = arg.get_value_names() {
        return Some(italic(&names.join(" ")));
    }
    let values: Vec<String> = arg.get_possible_values().iter().map(|v| v.get_name().to_string()).collect();
    if values.is_empty() {
        Some(italic(&arg.get_id().as_str().to_uppercase()))
    } else {
        Some(values.iter().map(|v| bold(v)).collect::<Vec<_>>().join("|"))
    }
}

/// `[--server URL] [--store auto|keyring|file] … login [--timeout DURATION] …`
fn synopsis(command: &clap::Command, sub: &str) -> String {
    let word = |arg: &clap::Arg| -> Option<String> {
        if arg.is_hide_set() || matches!(arg.get_id().as_str(), "help" | "version") {
            return None;
        }
        if arg.is_positional() {
            let name =
                arg.get_value_names().map(|n| n.join(" ")).unwrap_or_else(|| arg.get_id().as_str().to_uppercase());
            let many = if matches!(arg.get_action(), clap::ArgAction::Append) { "\\&..." } else { "" };
            return Some(if arg.is_required_set() {
                format!("{}{many}", italic(&name))
            } else {
                format!("[{}]{many}", italic(&name))
            });
        }
        let flag = match (arg.get_short(), arg.get_long()) {
            (Some(s), Some(l)) => format!("{}|{}", bold(&format!("-{s}")), bold(&format!("--{l}"))),
            (None, Some(l)) => bold(&format!("--{l}")),
            (Some(s), None) => bold(&format!("-{s}")),
            (None, None) => return None,
        };
        let flag = match placeholder(arg) {
            Some(value) => format!("{flag}\\ {value}"),
            None => flag,
        };
        let many = if matches!(arg.get_action(), clap::ArgAction::Append) { "\\&..." } else { "" };
        Some(if arg.is_required_set() { flag } else { format!("[{flag}]{many}") })
    };
    let (globals, own): (Vec<&clap::Arg>, Vec<&clap::Arg>) =
        command.get_arguments().partition(|a| agentview::cli::is_global(a));
    let mut words = vec![bold("agentview")];
    words.extend(globals.into_iter().filter_map(word));
    if sub.is_empty() {
        words.push(italic("COMMAND"));
    } else {
        words.push(bold(sub));
        words.extend(own.iter().copied().filter(|a| !a.is_positional()).filter_map(word));
        words.extend(own.iter().copied().filter(|a| a.is_positional()).filter_map(word));
    }
    format!(".SH SYNOPSIS\n{}\n", words.join(" "))
}

/// EXAMPLES, EXIT STATUS, ENVIRONMENT, FILES and SEE ALSO.
fn sections(sub: &str, all: &[String]) -> String {
    use agentview::cli::help;
    let mut out = String::from(".SH EXAMPLES\n");
    for example in help::examples(sub) {
        out.push_str(&format!(".PP\n{}\n.RS 4\n.nf\n{}\n.fi\n.RE\n", roff(example.what), roff(example.command)));
    }
    if let Some(note) = help::note(sub) {
        out.push_str(&format!(".PP\n{}\n", roff(note)));
    }
    out.push_str(".SH \"EXIT STATUS\"\n.PD 0\n");
    for (code, meaning) in help::EXIT_CODES {
        out.push_str(&format!(".TP 5\n.B {code}\n{}\n", roff(meaning)));
    }
    out.push_str(".PD\n");
    out.push_str(".SH ENVIRONMENT\n");
    for (name, meaning) in help::ENVIRONMENT {
        out.push_str(&format!(".TP\n{}\n{}\n", bold(name), roff(meaning)));
    }
    out.push_str(".SH FILES\n");
    for (path, meaning) in help::FILES {
        out.push_str(&format!(".TP\n{}\n{}\n", italic(path), roff(meaning)));
    }
    out.push_str(".SH \"SEE ALSO\"\n");
    let mut refs: Vec<String> = Vec::new();
    if !sub.is_empty() {
        refs.push("agentview".into());
    }
    refs.extend(all.iter().filter(|s| s.as_str() != sub).map(|s| format!("agentview-{s}")));
    let last = refs.len().saturating_sub(1);
    for (i, name) in refs.iter().enumerate() {
        out.push_str(&format!(".BR {} (1){}\n", roff(name), if i < last { "," } else { "" }));
    }
    out
}
