//! The `ghirbal` binary: parse the command line, run one command, map the outcome to an exit code.
//!
//! The codes are a contract with scripts and schedulers (README, "Exit codes"): 0 success; 1 the run failed
//! (the message names the file and line); 2 a usage mistake in the flags or the configuration, which no rerun
//! of the same command can fix; 130 / 143 stopped by SIGINT / SIGTERM (`signals.rs`). The code is chosen by
//! the *kind* of error found in the chain (`ghirbal::Error`, or [`Usage`] for what the CLI checks itself),
//! never by the wording of a message.

mod commands;
mod flags;
mod progress;
mod signals;
mod terminal;

use std::fmt;
use std::process::ExitCode;

use clap::Parser;

/// The run failed: an input, the output directory or the data (the message says which).
const EXIT_FAILED: u8 = 1;
/// Another ghirbal process holds `OUT`'s lock.
const EXIT_BUSY: u8 = 3;
/// A usage mistake: a flag, a flag's value or the configuration (clap exits 2 for its own checks too).
const EXIT_USAGE: u8 = 2;

/// Marks an error as a usage mistake the CLI finds itself (exit 2), e.g. a config file that cannot be read:
/// `.context(Usage(format!("reading config {path}")))`.
#[derive(Debug)]
pub(crate) struct Usage(pub(crate) String);

impl fmt::Display for Usage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn main() -> ExitCode {
    let cli = flags::Cli::parse();
    // Our warnings, and only the errors of dependencies: the HTML parser warns about every odd tag of a web
    // page, thousands per archive, none of them the user's to act on (RUST_LOG overrides).
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| "error,ghirbal=warn,ghirbal_cli=warn".into());
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_target(false)
        .init();
    let result = match cli.command {
        flags::Command::Run(args) => commands::run::run(args),
        flags::Command::Normalize(args) => commands::normalize::run(&args),
        flags::Command::Config(args) => commands::config::run(&args),
        flags::Command::Explain(args) => commands::explain::run(&args),
        flags::Command::Report(args) => commands::report::run(&args),
        flags::Command::Archive(cmd) => commands::archive::run(&cmd),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            if is_broken_pipe(&err) {
                return ExitCode::SUCCESS;
            }
            // Messages quote ids and paths from the data.
            eprintln!("ghirbal: error: {}", terminal::escape_controls(&format!("{err:#}")));
            ExitCode::from(exit_code(&err))
        }
    }
}

/// The exit code of a failed command, from the kind of error behind it.
fn exit_code(err: &anyhow::Error) -> u8 {
    if err.downcast_ref::<Usage>().is_some() {
        return EXIT_USAGE;
    }
    match err.chain().find_map(|e| e.downcast_ref::<ghirbal::Error>()) {
        // An invalid config file or value, an unknown stage, a bad `--memory-budget` or glob: the command
        // must change before it can succeed.
        Some(ghirbal::Error::Config(_)) => EXIT_USAGE,
        // Another process works in OUT: a scheduler waits and retries, nothing is wrong with the command.
        Some(ghirbal::Error::Locked { .. }) => EXIT_BUSY,
        // Inputs that are missing or of an unsupported format are failures of the run (exit 1), as every other
        // problem with the data named: a file may appear, a mount come back; the README's table says so.
        // New variants (the library's Error is non_exhaustive) fail the run until they are given a code.
        _ => EXIT_FAILED,
    }
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        e.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

#[cfg(test)]
mod tests {
    use anyhow::Context;

    use super::*;

    fn code_of(result: anyhow::Result<()>) -> u8 {
        exit_code(&result.expect_err("an error"))
    }

    #[test]
    fn config_errors_are_usage_errors_under_any_context() {
        let config = || Err::<(), _>(ghirbal::Error::Config("unknown stage \"x\"".into()));
        assert_eq!(code_of(config().map_err(anyhow::Error::from)), EXIT_USAGE);
        assert_eq!(code_of(config().context("in --stages").context("outer")), EXIT_USAGE);
    }

    #[test]
    fn cli_usage_marker_is_a_usage_error() {
        let io = Err::<(), _>(std::io::Error::from(std::io::ErrorKind::NotFound));
        assert_eq!(code_of(io.context(Usage("reading config x.toml".into()))), EXIT_USAGE);
    }

    #[test]
    fn other_errors_fail_the_run() {
        let missing = Err::<(), _>(ghirbal::Error::InputNotFound("nope.jsonl".into()));
        assert_eq!(code_of(missing.context("run into out failed")), EXIT_FAILED);
        let io = Err::<(), _>(std::io::Error::from(std::io::ErrorKind::PermissionDenied));
        assert_eq!(code_of(io.context("writing out/x")), EXIT_FAILED);
    }
}
