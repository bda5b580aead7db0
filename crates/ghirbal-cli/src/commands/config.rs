//! `ghirbal config`: print the default configuration, or what a preset changes.

use std::io::Write;
use std::process::ExitCode;

use crate::flags::{ConfigArgs, PresetArg};

pub(crate) fn run(args: &ConfigArgs) -> anyhow::Result<ExitCode> {
    let text = match args.preset {
        None | Some(PresetArg::Ghirbal) => ghirbal::DEFAULT_TOML,
        Some(PresetArg::Fineweb2) => ghirbal::FINEWEB2_TOML,
    };
    std::io::stdout().write_all(text.as_bytes())?;
    Ok(ExitCode::SUCCESS)
}
