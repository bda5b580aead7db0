//! `ghirbal normalize`: stdin → stdout, one line at a time, through the output or key profile.

use std::io::{BufRead, BufWriter, Write};
use std::process::ExitCode;

use anyhow::Context;

use crate::flags::{NormalizeArgs, ProfileArg};

pub(crate) fn run(args: &NormalizeArgs) -> anyhow::Result<ExitCode> {
    let stdin = std::io::stdin().lock();
    let mut out = BufWriter::new(std::io::stdout().lock());
    let mut line = Vec::new();
    let mut reader = std::io::BufReader::new(stdin);
    let mut number = 0u64;
    loop {
        line.clear();
        if reader.read_until(b'\n', &mut line).context("reading stdin")? == 0 {
            break;
        }
        number += 1;
        let text = std::str::from_utf8(&line).with_context(|| format!("stdin line {number} is not valid UTF-8"))?;
        let text = text.strip_suffix('\n').unwrap_or(text);
        let normalized = match args.profile {
            ProfileArg::Output => ghirbal::normalize::output(text),
            ProfileArg::Key => ghirbal::normalize::key(text),
        };
        out.write_all(normalized.as_bytes())?;
        out.write_all(b"\n")?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
