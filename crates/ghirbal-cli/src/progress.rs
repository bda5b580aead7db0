//! Where a run is, for two readers: the progress on stderr, and the signal handler, which tells the user where
//! a stopped run stopped (`signals.rs`). The library reports its two long phases only, the scan (in input bytes)
//! and the write (in documents); between them the tracker knows which one ended last.
//!
//! On a terminal the progress is a bar (position, docs/s, MB/s, ETA). When stderr is not a terminal — a Slurm
//! or Ray log, `nohup` — a bar would be thousands of redrawn lines, so instead one plain line is printed every
//! 15 seconds (`GHIRBAL_PROGRESS_INTERVAL`, in seconds, changes it): `progress: scan 45% 12.30 MiB of 27.00
//! MiB, 3,400 docs, 8.1 MB/s, ETA 2s`. A run shorter than the interval prints none; `--quiet` prints neither.
//! Progress goes to stderr only: stdout is for what a command outputs.

use std::io::IsTerminal;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use indicatif::{HumanBytes, HumanCount, ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Seconds between two progress lines when stderr is not a terminal.
const LINE_INTERVAL: f64 = 15.0;
/// The variable that changes [`LINE_INTERVAL`] (tests set it small).
const INTERVAL_VAR: &str = "GHIRBAL_PROGRESS_INTERVAL";

/// What the library last reported, and the bar or the lines that show it.
pub(crate) struct Tracker {
    /// `step --shard i/N` when one step runs (`--phase`), else the whole run.
    step: Option<String>,
    draw: bool,
    state: Mutex<State>,
    /// The thread printing progress lines, and the sender whose drop stops it.
    lines: Mutex<Option<(mpsc::Sender<()>, JoinHandle<()>)>>,
}

#[derive(Default)]
struct State {
    /// The phase running, or the last one that ended.
    phase: Option<&'static str>,
    running: bool,
    position: u64,
    total: u64,
    docs: u64,
    /// When the phase started.
    started: Option<Instant>,
    bar: Option<ProgressBar>,
}

/// The tracker as the library's `Progress` (a trait of the library cannot be implemented on `Arc` here).
struct Reporter(Arc<Tracker>);

impl Tracker {
    /// A tracker for the whole run, or for one step (`step` = "scan --shard 0/4"). When `show`, it draws a bar
    /// if stderr is a terminal and prints progress lines if not, until [`Tracker::stop`].
    pub(crate) fn new(step: Option<String>, show: bool) -> Arc<Tracker> {
        let terminal = std::io::stderr().is_terminal();
        let tracker = Arc::new(Tracker {
            step,
            draw: show && terminal,
            state: Mutex::new(State::default()),
            lines: Mutex::new(None),
        });
        if show && !terminal {
            tracker.print_lines(line_interval());
        }
        tracker
    }

    /// Prints a progress line every `interval` from another thread, until [`Tracker::stop`]. A thread that
    /// cannot start costs the lines only, so it is a warning.
    fn print_lines(self: &Arc<Self>, interval: Duration) {
        let (stop, stopped) = mpsc::channel::<()>();
        let tracker: Weak<Tracker> = Arc::downgrade(self);
        let spawned = std::thread::Builder::new().name("progress".into()).spawn(move || {
            while let Err(RecvTimeoutError::Timeout) = stopped.recv_timeout(interval) {
                let Some(tracker) = tracker.upgrade() else {
                    return;
                };
                // Data from the inputs never reaches this line: only counts, and OUT is not named.
                eprintln!("progress: {}", tracker.line());
            }
        });
        match spawned {
            Ok(handle) => *self.lines.lock().unwrap_or_else(PoisonError::into_inner) = Some((stop, handle)),
            Err(e) => tracing::warn!("no progress lines: cannot start their thread: {e}"),
        }
    }

    /// Stops the progress lines, so that nothing follows the run's own last words.
    pub(crate) fn stop(&self) {
        let lines = self.lines.lock().unwrap_or_else(PoisonError::into_inner).take();
        if let Some((stop, handle)) = lines {
            drop(stop);
            // The thread only prints; if it panicked, the run's outcome stands.
            let _ = handle.join();
        }
    }

    /// What the library reports progress to.
    pub(crate) fn reporter(self: &Arc<Self>) -> Box<dyn ghirbal::Progress> {
        Box::new(Reporter(Arc::clone(self)))
    }

    /// Takes the bar off the screen, so that a message can follow.
    pub(crate) fn clear(&self) {
        if let Some(bar) = self.state().bar.take() {
            bar.finish_and_clear();
        }
    }

    /// One progress line: the running phase's numbers, or where the run is between phases.
    fn line(&self) -> String {
        let state = self.state();
        let now = match (state.running, state.phase, state.started) {
            (true, Some(phase), Some(started)) => state.numbers(phase, started.elapsed()),
            _ => {
                drop(state);
                return self.whereabouts();
            }
        };
        match &self.step {
            Some(step) => format!("step {step}: {now}"),
            None => now,
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
    /// "scan 45% 12.30 MiB of 27.00 MiB, 3,400 docs, 8.1 MB/s, ETA 2s" (the write counts documents).
    fn numbers(&self, phase: &str, elapsed: Duration) -> String {
        let (position, total) = (self.position, self.total);
        let seconds = elapsed.as_secs_f64().max(1e-3);
        let percent = match total {
            0 => String::new(),
            _ => format!(" {}%", position.saturating_mul(100) / total),
        };
        // The rest takes as long as what is done took, pro rata.
        let eta = match position {
            0 => "ETA unknown".to_owned(),
            _ => {
                let left = total.saturating_sub(position) as f64 * seconds / position as f64;
                format!("ETA {}", short_duration(left))
            }
        };
        match phase {
            "scan" => format!(
                "scan{percent} {} of {}, {} docs, {:.1} MB/s, {eta}",
                HumanBytes(position),
                HumanBytes(total),
                HumanCount(self.docs),
                position as f64 / 1e6 / seconds
            ),
            _ => format!(
                "{phase}{percent} {} of {} docs, {} docs/s, {eta}",
                HumanCount(position),
                HumanCount(total),
                HumanCount((position as f64 / seconds).round() as u64)
            ),
        }
    }

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
        let bar = tracker.draw.then(|| bar(phase, total));
        let mut state = tracker.state();
        *state = State {
            phase: Some(phase),
            running: true,
            total,
            started: Some(Instant::now()),
            bar,
            ..State::default()
        };
    }

    fn advance(&self, position: u64, docs: u64) {
        let mut state = self.0.state();
        state.position += position;
        state.docs += docs;
        let total = state.docs;
        if let (Some(bar), Some(started)) = (state.bar.as_ref(), state.started) {
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

/// The interval between progress lines: `GHIRBAL_PROGRESS_INTERVAL` seconds when set (a positive number,
/// `0.5` too), else [`LINE_INTERVAL`]. A value that is not one is said, not ignored in silence.
fn line_interval() -> Duration {
    let Some(value) = std::env::var_os(INTERVAL_VAR) else {
        return Duration::from_secs_f64(LINE_INTERVAL);
    };
    let parsed = value.to_str().and_then(|v| v.trim().parse::<f64>().ok());
    match parsed
        .and_then(|s| Duration::try_from_secs_f64(s).ok())
        .filter(|d| !d.is_zero())
    {
        Some(interval) => interval,
        None => {
            tracing::warn!(
                "{INTERVAL_VAR}={value:?} is not a positive number of seconds: a line every {LINE_INTERVAL} s"
            );
            Duration::from_secs_f64(LINE_INTERVAL)
        }
    }
}

/// "2s", "3m05s", "1h02m": an ETA in a log line.
fn short_duration(seconds: f64) -> String {
    let s = seconds.round() as u64;
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m{:02}s", s / 60, s % 60),
        _ => format!("{}h{:02}m", s / 3600, s % 3600 / 60),
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
    fn a_progress_line_has_the_phase_numbers() {
        let tracker = Tracker::new(None, false);
        assert!(tracker.line().starts_with("before the scan"), "{}", tracker.line());
        let state = State {
            phase: Some("scan"),
            running: true,
            position: 12_897_485,
            total: 28_311_552,
            docs: 3400,
            ..State::default()
        };
        assert_eq!(
            state.numbers("scan", Duration::from_secs(2)),
            "scan 45% 12.30 MiB of 27.00 MiB, 3,400 docs, 6.4 MB/s, ETA 2s"
        );
        let state = State {
            position: 3000,
            total: 15_000,
            ..State::default()
        };
        assert_eq!(
            state.numbers("write", Duration::from_secs(150)),
            "write 20% 3,000 of 15,000 docs, 20 docs/s, ETA 10m00s"
        );
        let state = State::default();
        assert_eq!(
            state.numbers("scan", Duration::from_secs(1)),
            "scan 0 B of 0 B, 0 docs, 0.0 MB/s, ETA unknown"
        );
        assert_eq!(short_duration(7325.0), "2h02m");
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
