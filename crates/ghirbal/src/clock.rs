//! CPU clocks, for the CPU seconds of `stats.json` (issue #16).
//!
//! Wall-clock time is not CPU time: a worker waiting on a channel, on a disk or for a core that another
//! process holds sees its wall clock run on. Stage times summed from wall clocks once came to 11.9 s in a
//! one-thread run whose process used 7.5 CPU-s. The clocks here advance only while a thread runs:
//! [`thread_seconds`] is the calling thread's CPU time (`CLOCK_THREAD_CPUTIME_ID`), [`process_seconds`] the
//! process's, user and system, every thread, ended ones included (`CLOCK_PROCESS_CPUTIME_ID`: the figure
//! `getrusage(RUSAGE_SELF)` and `/usr/bin/time` give as user + sys).
//!
//! Each read is one `clock_gettime` through rustix's safe wrapper (the workspace forbids `unsafe`). On Linux
//! these two clocks are a system call, not the vDSO, so the pipeline reads them per stage per batch, never
//! per document. Where the platform has no such clocks (here: anything but Linux and macOS) both read 0 and
//! [`MEASURED`] is false, which `stats.json` says; a CPU time is never stood in for by a wall time.

use std::time::Instant;

/// True where the CPU clocks exist; elsewhere every CPU second recorded is 0.
pub(crate) const MEASURED: bool = cfg!(any(target_os = "linux", target_os = "macos"));

/// CPU seconds the calling thread has used so far (0 where not [`MEASURED`]).
pub(crate) fn thread_seconds() -> f64 {
    os::thread()
}

/// CPU seconds the whole process has used so far, every thread, user and system (0 where not
/// [`MEASURED`]).
pub(crate) fn process_seconds() -> f64 {
    os::process()
}

#[cfg(any(target_os = "linux", target_os = "macos"))]
mod os {
    use rustix::time::{clock_gettime, ClockId};

    fn seconds(id: ClockId) -> f64 {
        let t = clock_gettime(id);
        t.tv_sec as f64 + t.tv_nsec as f64 * 1e-9
    }
    pub(super) fn thread() -> f64 {
        seconds(ClockId::ThreadCPUTime)
    }
    pub(super) fn process() -> f64 {
        seconds(ClockId::ProcessCPUTime)
    }
}

#[cfg(not(any(target_os = "linux", target_os = "macos")))]
mod os {
    pub(super) fn thread() -> f64 {
        0.0
    }
    pub(super) fn process() -> f64 {
        0.0
    }
}

/// Wall-clock and CPU seconds, as spent by one process (or summed over several).
#[derive(Clone, Copy, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub(crate) struct Spent {
    /// Wall-clock seconds.
    pub wall_seconds: f64,
    /// Process CPU seconds, user + system, every thread.
    pub cpu_seconds: f64,
}

impl std::ops::AddAssign for Spent {
    fn add_assign(&mut self, o: Spent) {
        self.wall_seconds += o.wall_seconds;
        self.cpu_seconds += o.cpu_seconds;
    }
}

/// The wall clock and the process's CPU clock, read at a start, to tell what was [`Spent`] since.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Stopwatch {
    wall: Instant,
    cpu: f64,
}

impl Stopwatch {
    /// Starts now.
    pub(crate) fn start() -> Stopwatch {
        Stopwatch {
            wall: Instant::now(),
            cpu: process_seconds(),
        }
    }

    /// What the process spent since the start (all its threads, whatever they worked on).
    pub(crate) fn elapsed(&self) -> Spent {
        Spent {
            wall_seconds: self.wall.elapsed().as_secs_f64(),
            cpu_seconds: process_seconds() - self.cpu,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Burns CPU for about `seconds` of this thread's CPU time.
    fn spin(seconds: f64) -> u64 {
        let start = thread_seconds();
        let mut x = 1u64;
        while thread_seconds() - start < seconds {
            for _ in 0..10_000 {
                x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            }
        }
        x
    }

    #[test]
    fn a_sleeping_thread_uses_no_cpu_and_a_busy_one_does() {
        if !MEASURED {
            assert_eq!((thread_seconds(), process_seconds()), (0.0, 0.0));
            return;
        }
        let watch = Stopwatch::start();
        let thread = thread_seconds();
        std::thread::sleep(std::time::Duration::from_millis(200));
        let slept = thread_seconds() - thread;
        assert!(slept < 0.05, "a sleep used {slept} CPU-s of its thread");
        // Another thread's CPU counts for the process, not for this thread.
        let before = thread_seconds();
        std::thread::spawn(|| spin(0.2)).join().expect("the spinning thread");
        assert!(thread_seconds() - before < 0.05, "the other thread's CPU counted here");
        let spent = watch.elapsed();
        assert!(spent.wall_seconds >= 0.4, "{spent:?}");
        // (Other tests' threads may add to the process's CPU, never take from it.)
        assert!(
            spent.cpu_seconds >= 0.2,
            "the ended thread's CPU is the process's: {spent:?}"
        );
    }
}
