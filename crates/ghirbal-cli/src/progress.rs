//! The progress bar on stderr (only when stderr is a terminal): position, docs/s, MB/s, ETA.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Instant;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

struct Bar {
    bar: Mutex<Option<(ProgressBar, Instant)>>,
    docs: AtomicU64,
}

/// A progress reporter: a bar on a terminal, nothing otherwise.
pub(crate) fn bar() -> Box<dyn ghirbal::Progress> {
    if std::io::stderr().is_terminal() {
        Box::new(Bar {
            bar: Mutex::new(None),
            docs: AtomicU64::new(0),
        })
    } else {
        Box::new(ghirbal::pipeline::NoProgress)
    }
}

impl ghirbal::Progress for Bar {
    fn start(&self, phase: &'static str, total: u64) {
        let template = match phase {
            "scan" => "{prefix:>6} [{bar:30}] {bytes}/{total_bytes} {binary_bytes_per_sec} {msg} ETA {eta}",
            _ => "{prefix:>6} [{bar:30}] {pos}/{len} docs {msg} ETA {eta}",
        };
        let style = ProgressStyle::with_template(template).unwrap_or_else(|_| ProgressStyle::default_bar());
        let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr())
            .with_style(style.progress_chars("=> "));
        bar.set_prefix(phase);
        self.docs.store(0, Ordering::Relaxed);
        if let Ok(mut slot) = self.bar.lock() {
            *slot = Some((bar, Instant::now()));
        }
    }

    fn advance(&self, position: u64, docs: u64) {
        let total = self.docs.fetch_add(docs, Ordering::Relaxed) + docs;
        if let Ok(slot) = self.bar.lock() {
            if let Some((bar, started)) = slot.as_ref() {
                bar.inc(position);
                let rate = total as f64 / started.elapsed().as_secs_f64().max(1e-3);
                bar.set_message(format!("{total} docs ({rate:.0} docs/s)"));
            }
        }
    }

    fn finish(&self) {
        if let Ok(mut slot) = self.bar.lock() {
            if let Some((bar, _)) = slot.take() {
                bar.finish_and_clear();
            }
        }
    }
}
