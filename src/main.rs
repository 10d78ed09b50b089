//! The `jobmirror` binary: everything lives in the library.

fn main() -> std::process::ExitCode {
    jobmirror::cli::main()
}
