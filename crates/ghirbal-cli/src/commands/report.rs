//! `ghirbal report OUT`: draw `OUT/report.html` again from the run's `stats.json` and `examples.json`, e.g.
//! after an upgrade of ghirbal or when the file was deleted. Reads nothing else of `OUT`.

use std::process::ExitCode;

use anyhow::Context;

use crate::flags::ReportArgs;

pub(crate) fn run(args: &ReportArgs) -> anyhow::Result<ExitCode> {
    let path =
        ghirbal::report::write(&args.out).with_context(|| format!("writing the report of {}", args.out.display()))?;
    eprintln!("ghirbal: report: {}", path.display());
    Ok(ExitCode::SUCCESS)
}
