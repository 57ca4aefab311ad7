//! Every Rust file under tests/ is compiled into a test binary: Cargo.toml names the binaries
//! (`autotests = false`), so a file nobody declares as a module would never run, and say nothing.

use std::path::{Path, PathBuf};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The `.rs` files under `dir`, recursively.
fn rust_files(dir: &Path, found: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> =
        std::fs::read_dir(dir).expect("a test directory").map(|e| e.expect("an entry").path()).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            rust_files(&path, found);
        } else if path.extension().is_some_and(|e| e == "rs") {
            found.push(path);
        }
    }
}

/// The file that must declare `file` as a module, and the module's name: `a/b.rs` is declared
/// in `a.rs` (or `a/mod.rs`, or the root `a/main.rs`), `a/mod.rs` where `a.rs` would be,
/// `tests/x.rs` in the root `tests/tests.rs`.
fn declarer(tests: &Path, file: &Path) -> (PathBuf, String) {
    let stem = file.file_stem().and_then(|s| s.to_str()).expect("a file name").to_string();
    let (dir, name) = if stem == "mod" {
        let dir = file.parent().expect("a directory");
        (dir.parent().expect("a parent"), dir.file_name().and_then(|s| s.to_str()).expect("a name").to_string())
    } else {
        (file.parent().expect("a directory"), stem)
    };
    if dir == tests {
        return (tests.join("tests.rs"), name);
    }
    let declaring = [dir.with_extension("rs"), dir.join("mod.rs"), dir.join("main.rs")]
        .into_iter()
        .find(|f| f.exists())
        .unwrap_or_else(|| dir.join("mod.rs"));
    (declaring, name)
}

fn declares(file: &Path, name: &str) -> bool {
    let text = std::fs::read_to_string(file).unwrap_or_default();
    text.lines().map(str::trim).any(|l| l == format!("mod {name};") || l == format!("pub mod {name};"))
}

#[test]
fn every_test_file_is_part_of_a_test_binary() {
    let repo = repo();
    let tests = repo.join("tests");
    let manifest = std::fs::read_to_string(repo.join("Cargo.toml")).expect("Cargo.toml");
    let roots: Vec<PathBuf> = manifest
        .lines()
        .filter_map(|l| l.trim().strip_prefix("path = \"tests/"))
        .filter_map(|l| l.strip_suffix('"'))
        .map(|p| tests.join(p))
        .collect();
    assert!(roots.contains(&tests.join("tests.rs")), "Cargo.toml names tests/tests.rs: {roots:?}");
    let mut files = Vec::new();
    rust_files(&tests, &mut files);
    let mut missing = Vec::new();
    for file in files.iter().filter(|f| !roots.contains(f)) {
        let (declaring, name) = declarer(&tests, file);
        if !declares(&declaring, &name) {
            missing.push(format!("{} (no `mod {name};` in {})", file.display(), declaring.display()));
        }
    }
    assert!(missing.is_empty(), "files no test binary compiles:\n{}", missing.join("\n"));
    assert!(files.len() > 100, "the walk found the tests: {}", files.len());
}

/// Modules are found where their names say, so a file's place is its module path.
#[test]
fn no_test_file_is_included_by_path() {
    let mut files = Vec::new();
    rust_files(&repo().join("tests"), &mut files);
    let attribute = ["#[", "path"].concat();
    let included: Vec<String> = files
        .iter()
        .filter(|f| std::fs::read_to_string(f).unwrap_or_default().lines().any(|l| l.trim().starts_with(&attribute)))
        .map(|f| f.display().to_string())
        .collect();
    assert!(included.is_empty(), "#[path] attributes in {included:?}");
}
