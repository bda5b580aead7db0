//! Where a run is, for two readers: the progress bar on stderr (position, docs/s, MB/s, ETA; drawn only when
//! stderr is a terminal and the run is not `--quiet`), and the signal handler, which tells the user where a
//! stopped run stopped (`signals.rs`). The library reports its two long phases only, the scan (in input bytes)
//! and the write (in documents); between them the tracker knows which one ended last.

use std::io::IsTerminal;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Instant;

use indicatif::{HumanBytes, ProgressBar, ProgressDrawTarget, ProgressStyle};

/// What the library last reported, and the bar that shows it.
pub(crate) struct Tracker {
    /// `step --shard i/N` when one step runs (`--phase`), else the whole run.
    step: Option<String>,
    draw: bool,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    /// The phase running, or the last one that ended.
    phase: Option<&'static str>,
    running: bool,
    position: u64,
    total: u64,
    docs: u64,
    bar: Option<(ProgressBar, Instant)>,
}

/// The tracker as the library's `Progress` (a trait of the library cannot be implemented on `Arc` here).
struct Reporter(Arc<Tracker>);

impl Tracker {
    /// A tracker for the whole run, or for one step (`step` = "scan --shard 0/4"); it draws a bar when `draw`
    /// and stderr is a terminal.
    pub(crate) fn new(step: Option<String>, draw: bool) -> Arc<Tracker> {
        Arc::new(Tracker {
            step,
            draw: draw && std::io::stderr().is_terminal(),
            state: Mutex::new(State::default()),
        })
    }

    /// What the library reports progress to.
    pub(crate) fn reporter(self: &Arc<Self>) -> Box<dyn ghirbal::Progress> {
        Box::new(Reporter(Arc::clone(self)))
    }

    /// Takes the bar off the screen, so that a message can follow.
    pub(crate) fn clear(&self) {
        if let Some((bar, _)) = self.state().bar.take() {
            bar.finish_and_clear();
        }
    }

    /// Where the run is, in words: "during the scan, 45% done (12.30 MiB of 27.00 MiB of input read, 3400
    /// documents)".
    pub(crate) fn whereabouts(&self) -> String {
        let state = self.state();
        let phase = state.phase.map(|phase| state.describe(phase, self.step.is_none()));
        match (&self.step, phase) {
            (Some(step), None) => format!("in step {step}"),
            (Some(step), Some(phase)) => format!("in step {step}, {phase}"),
            (None, None) => "before the scan (planning the run, or counting site lines)".to_owned(),
            (None, Some(phase)) => phase,
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // A panic elsewhere must not hide where the run was.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl State {
    /// The phase, running or ended; `whole_run` names what follows an ended phase.
    fn describe(&self, phase: &str, whole_run: bool) -> String {
        if !self.running {
            return match (phase, whole_run) {
                ("scan", true) => "after the scan, while clustering duplicates (the write had not started)".into(),
                ("write", true) => "after the write, while checking the books and writing stats.json".into(),
                _ => format!("after the {phase}"),
            };
        }
        let percent = (self.total > 0).then(|| self.position.saturating_mul(100) / self.total);
        let done = percent.map_or_else(String::new, |p| format!(", {p}% done"));
        let (docs, position, total) = (self.docs, self.position, self.total);
        match phase {
            "scan" => format!(
                "during the scan{done} ({} of {} of input read, {docs} documents)",
                HumanBytes(position),
                HumanBytes(total)
            ),
            "write" => format!("during the write{done} ({position} of {total} documents written)"),
            _ => format!("during the {phase}{done} ({position} of {total})"),
        }
    }
}

impl ghirbal::Progress for Reporter {
    fn start(&self, phase: &'static str, total: u64) {
        let tracker = &self.0;
        let bar = tracker.draw.then(|| (bar(phase, total), Instant::now()));
        let mut state = tracker.state();
        *state = State {
            phase: Some(phase),
            running: true,
            total,
            bar,
            ..State::default()
        };
    }

    fn advance(&self, position: u64, docs: u64) {
        let mut state = self.0.state();
        state.position += position;
        state.docs += docs;
        let total = state.docs;
        if let Some((bar, started)) = state.bar.as_ref() {
            bar.inc(position);
            let rate = total as f64 / started.elapsed().as_secs_f64().max(1e-3);
            bar.set_message(format!("{total} docs ({rate:.0} docs/s)"));
        }
    }

    fn finish(&self) {
        self.0.state().running = false;
        self.0.clear();
    }
}

/// A bar for `phase`: bytes and a byte rate for the scan, documents otherwise.
fn bar(phase: &'static str, total: u64) -> ProgressBar {
    let template = match phase {
        "scan" => "{prefix:>6} [{bar:30}] {bytes}/{total_bytes} {binary_bytes_per_sec} {msg} ETA {eta}",
        _ => "{prefix:>6} [{bar:30}] {pos}/{len} docs {msg} ETA {eta}",
    };
    let style = ProgressStyle::with_template(template).unwrap_or_else(|_| ProgressStyle::default_bar());
    let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr())
        .with_style(style.progress_chars("=> "));
    bar.set_prefix(phase);
    bar
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whereabouts_follow_the_phases() {
        let tracker = Tracker::new(None, false);
        assert!(tracker.whereabouts().starts_with("before the scan"));
        let reporter = tracker.reporter();
        reporter.start("scan", 4_000_000);
        reporter.advance(1_000_000, 10);
        reporter.advance(500_000, 5);
        assert_eq!(
            tracker.whereabouts(),
            "during the scan, 37% done (1.43 MiB of 3.81 MiB of input read, 15 documents)"
        );
        reporter.finish();
        assert!(tracker.whereabouts().starts_with("after the scan, while clustering"));
        reporter.start("write", 15);
        reporter.advance(3, 3);
        assert_eq!(
            tracker.whereabouts(),
            "during the write, 20% done (3 of 15 documents written)"
        );
    }

    #[test]
    fn a_step_is_named() {
        let tracker = Tracker::new(Some("cluster --shard 1/4".into()), false);
        assert_eq!(tracker.whereabouts(), "in step cluster --shard 1/4");
        let tracker = Tracker::new(Some("scan --shard 0/1".into()), false);
        tracker.reporter().start("scan", 0);
        assert_eq!(
            tracker.whereabouts(),
            "in step scan --shard 0/1, during the scan (0 B of 0 B of input read, 0 documents)"
        );
    }
}
