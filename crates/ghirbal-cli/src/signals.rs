//! Ctrl-C and `kill` during `ghirbal run`: say where the run stopped and how to go on, then exit 130 (SIGINT)
//! or 143 (SIGTERM), as a shell reports a process its signal ended. Without this the process vanished without a
//! word. Ending at any instant is safe: the library writes every file under a temporary name and renames it
//! whole, and each task's marker comes after its data, so a rerun of the same command resumes. The library is
//! therefore not asked to stop gracefully; the process ends where it is.

use std::sync::Arc;

use anyhow::Context;
use signal_hook::consts::{SIGINT, SIGTERM};
use signal_hook::iterator::Signals;

use crate::progress::Tracker;

/// From now on, SIGINT and SIGTERM end the process with a message built from `tracker`.
pub(crate) fn stop_with_message(tracker: Arc<Tracker>) -> anyhow::Result<()> {
    let mut signals = Signals::new([SIGINT, SIGTERM]).context("installing the SIGINT/SIGTERM handler")?;
    std::thread::Builder::new()
        .name("signals".into())
        .spawn(move || {
            if let Some(signal) = signals.forever().next() {
                stop(signal, &tracker);
            }
        })
        .context("starting the signal thread")?;
    Ok(())
}

fn stop(signal: i32, tracker: &Tracker) -> ! {
    let name = if signal == SIGINT { "SIGINT" } else { "SIGTERM" };
    tracker.clear();
    eprintln!("ghirbal: stopped by {name} {}", tracker.whereabouts());
    eprintln!("ghirbal: rerun the same command to continue; finished tasks are kept");
    // 128 + the signal's number, the shell's convention: 130 for SIGINT, 143 for SIGTERM.
    std::process::exit(128 + signal)
}
