//! `ghirbal explain OUT ID`: print why a document was kept or removed, with the evidence.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Context;

use crate::flags::ExplainArgs;

pub(crate) fn run(args: &ExplainArgs) -> anyhow::Result<ExitCode> {
    let text = ghirbal::explain::explain(&args.out, &args.id)
        .with_context(|| format!("explaining {:?} in {}", args.id, args.out.display()))?;
    // Every id, detail and line in the report comes from the data.
    let text = crate::terminal::escape_controls(&text);
    std::io::stdout().write_all(text.as_bytes())?;
    Ok(ExitCode::SUCCESS)
}
