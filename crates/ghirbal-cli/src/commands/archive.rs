//! `ghirbal archive stats|clusters ARCHIVE`: what a news archive holds, read from its own files only.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Context;

use crate::flags::ArchiveCommand;
use crate::terminal::escape_controls;

pub(crate) fn run(cmd: &ArchiveCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        ArchiveCommand::Stats { archive, json } => {
            let stats = ghirbal::archive::stats(archive)
                .with_context(|| format!("reading the archive {}", archive.display()))?;
            if *json {
                println!("{}", serde_json::to_string_pretty(&stats)?);
            } else {
                print!("{}", escape_controls(&stats.to_string()));
            }
        }
        ArchiveCommand::Clusters { archive, out } => {
            let rows = ghirbal::archive::ledger::clusters(archive)
                .with_context(|| format!("reading the ledger of {}", archive.display()))?;
            let mut sink: Box<dyn Write> = match out {
                Some(path) => Box::new(std::io::BufWriter::new(
                    std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?,
                )),
                None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
            };
            for row in rows {
                serde_json::to_writer(&mut sink, &row)?;
                sink.write_all(b"\n")?;
            }
            sink.flush()?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
