//! The `ghirbal` binary: parse the command line, run one command, map the outcome to an exit code
//! (0 success; 1 the run failed, the message names the file and line; 2 usage error).

mod commands;
mod flags;
mod progress;

use std::process::ExitCode;

use clap::Parser;

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
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            if is_broken_pipe(&err) {
                return ExitCode::SUCCESS;
            }
            eprintln!("ghirbal: error: {err:#}");
            ExitCode::from(1)
        }
    }
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        e.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
