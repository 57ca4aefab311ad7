//! The `agentview` binary: everything lives in the library.

fn main() -> std::process::ExitCode {
    agentview::main()
}
