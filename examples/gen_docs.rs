//! Writes the shell completions (`completions/`) and man pages (`man/`) from the clap
//! definitions: `cargo run --example gen-docs`. `tests/docs.rs` checks they are up to date.
#![allow(clippy::print_stdout)]

#[path = "../tests/support/docs.rs"]
pub mod docs;

fn main() -> std::io::Result<()> {
    let root = docs::root();
    for file in docs::generate() {
        let path = root.join(&file.path);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        if std::fs::read(&path).ok().as_deref() == Some(&file.contents[..]) {
            continue;
        }
        std::fs::write(&path, &file.contents)?;
        println!("wrote {}", file.path.display());
    }
    Ok(())
}
