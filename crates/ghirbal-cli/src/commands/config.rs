//! `ghirbal config`: print the default configuration.

use std::io::Write;
use std::process::ExitCode;

pub(crate) fn run() -> anyhow::Result<ExitCode> {
    std::io::stdout().write_all(ghirbal::DEFAULT_TOML.as_bytes())?;
    Ok(ExitCode::SUCCESS)
}
