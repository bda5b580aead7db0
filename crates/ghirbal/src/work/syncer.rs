//! The process's one syncing thread, and the task markers that wait on it.
//!
//! A work file is synced before its task's marker exists (a marker must never stand over a torn file after a
//! power cut), but nothing else has to wait for the sync: the file is read back from the page cache by the
//! next step, whole since its rename. So a task hands its files' last syncs and then its marker to this
//! thread ([`commit_behind`], [`mark`]) and goes on; the thread works through them in the order given — a
//! task's files before its marker, an earlier task's marker before a later one's — and creates a marker only
//! while every sync so far has succeeded. Before anything trusts the markers or the files on disk (the end of
//! an invocation, `stats.json`, an archive's `archive.json`) the caller waits for the thread to catch up
//! ([`settle`]), which returns the first failure, naming its file.
//!
//! Why: on a file system whose syncs flush the disk's cache (ext4 without a journal: 0.2–1 ms each, even for
//! a few bytes), the dedup steps' small files kept both threads waiting in turn on the disk (BENCHMARKS.md).
//!
//! In the process, a marker handed over counts as there ([`is_marked`]): a later step of the same invocation
//! sees the task as done, as it did when markers were created at once. Without the thread (it could not be
//! started, or this is a child forked after it started, whose copy of the channel has no thread behind it)
//! everything is done in place, as before: sync, rename, marker — and the shared state is never touched (a
//! child forked while the thread held its lock would wait on it forever).

use std::collections::HashSet;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, OnceLock};

use crossbeam_channel::{Receiver, Sender};

use crate::{Error, Result};

/// What the thread does, in the order asked.
enum Job {
    /// Syncs a file (a handle of its own), recording a failure under `path`; the outcome also goes to
    /// `answer` when someone waits for it.
    Sync {
        file: File,
        path: PathBuf,
        answer: Option<Sender<std::io::Result<()>>>,
    },
    /// Creates a marker, unless a sync of a file under `scope` has failed or the marker was taken back
    /// ([`unmark`]) since.
    Mark { path: PathBuf, scope: PathBuf },
    /// Answers once every job before it is done.
    Settle(Sender<()>),
}

/// What the thread and the callers share.
#[derive(Default)]
struct Shared {
    /// Markers handed over and not created yet.
    pending: HashSet<PathBuf>,
    /// The failures no [`settle`] has told yet: the file and the error (kind and text: an `io::Error` cannot
    /// be copied). Each run settles the ones under its own folder: two runs in one process (threads of a
    /// Python program) never fail each other.
    failed: Vec<(PathBuf, std::io::ErrorKind, String)>,
}

impl Shared {
    fn failed_under(&self, scope: &Path) -> bool {
        self.failed.iter().any(|(p, ..)| p.starts_with(scope))
    }
}

fn shared() -> MutexGuard<'static, Shared> {
    static SHARED: OnceLock<Mutex<Shared>> = OnceLock::new();
    let lock = SHARED.get_or_init(Mutex::default).lock();
    // A panic while the lock was held leaves nothing half-done that matters here (a set and an option).
    lock.unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn record_failure(path: &Path, e: &std::io::Error) {
    shared().failed.push((path.to_owned(), e.kind(), e.to_string()));
}

/// The channel to the thread, started at first use; `None` without one (see the module's doc).
fn jobs() -> Option<&'static Sender<Job>> {
    static SYNCER: OnceLock<Option<(u32, Sender<Job>)>> = OnceLock::new();
    let (pid, jobs) = SYNCER
        .get_or_init(|| {
            let (jobs, todo) = crossbeam_channel::unbounded::<Job>();
            let started = std::thread::Builder::new()
                .name("ghirbal-sync".into())
                .spawn(move || work(&todo));
            started.ok().map(|_| (std::process::id(), jobs))
        })
        .as_ref()?;
    (*pid == std::process::id()).then_some(jobs)
}

fn work(todo: &Receiver<Job>) {
    for job in todo {
        match job {
            Job::Sync { file, path, answer } => {
                let synced = file.sync_data();
                if let Err(e) = &synced {
                    record_failure(&path, e);
                }
                // The writer may have gone (an abandoned file): then nobody waits for the answer.
                if let Some(answer) = answer {
                    let _ = answer.try_send(synced);
                }
            }
            Job::Mark { path, scope } => {
                let mut s = shared();
                if s.pending.remove(&path) && !s.failed_under(&scope) {
                    if let Err(e) = File::create(&path) {
                        s.failed.push((path, e.kind(), e.to_string()));
                    }
                }
            }
            Job::Settle(done) => {
                let _ = done.send(());
            }
        }
    }
}

/// Syncs `file` on the thread while its writer goes on; the receiver gets the outcome. `None` when there is
/// no thread (or no handle to spare): the writer's commit then syncs everything itself.
pub(crate) fn sync_soon(file: &File, path: &Path) -> Option<Receiver<std::io::Result<()>>> {
    let (jobs, file) = (jobs()?, file.try_clone().ok()?);
    let (answer, outcome) = crossbeam_channel::bounded(1);
    let job = Job::Sync {
        file,
        path: path.to_owned(),
        answer: Some(answer),
    };
    jobs.send(job).ok().map(|()| outcome)
}

/// Puts the written file `tmp` in place under `path` now and syncs it on the thread, before any marker
/// handed over after this call. Without the thread: syncs, then renames.
pub(crate) fn commit_behind(file: File, tmp: &Path, path: &Path) -> Result<()> {
    let Some(jobs) = jobs() else {
        file.sync_data().map_err(Error::io("syncing", tmp))?;
        drop(file);
        return std::fs::rename(tmp, path).map_err(Error::io("renaming", tmp));
    };
    std::fs::rename(tmp, path).map_err(Error::io("renaming", tmp))?;
    let job = Job::Sync {
        file,
        path: path.to_owned(),
        answer: None,
    };
    if let Err(crossbeam_channel::SendError(Job::Sync { file, .. })) = jobs.send(job) {
        // The thread is gone: the sync is done here.
        file.sync_data().map_err(Error::io("syncing", path))?;
    }
    Ok(())
}

/// Creates the marker `path` once every sync handed over before it is done, unless one of a file under
/// `scope` (the run's folder) failed. An empty file needs no temporary name and no sync of its own: it is
/// there or it is not, and a lost one only redoes its task.
pub(crate) fn mark(path: &Path, scope: &Path) -> Result<()> {
    if let Some(jobs) = jobs() {
        shared().pending.insert(path.to_owned());
        let job = Job::Mark {
            path: path.to_owned(),
            scope: scope.to_owned(),
        };
        if jobs.send(job).is_ok() {
            return Ok(());
        }
        shared().pending.remove(path);
    }
    File::create(path).map(drop).map_err(Error::io("creating", path))
}

/// Takes a marker back: it will not be created if it is still waiting, and it is removed if it is there.
/// False when there was none.
pub(crate) fn unmark(path: &Path) -> Result<bool> {
    let waiting = jobs().is_some() && shared().pending.remove(path);
    match std::fs::remove_file(path) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(waiting),
        Err(e) => Err(Error::io("removing", path)(e)),
    }
}

/// True when the marker is there or handed over and waiting.
pub(crate) fn is_marked(path: &Path) -> bool {
    (jobs().is_some() && shared().pending.contains(path)) || path.exists()
}

/// Waits until every sync and marker handed over so far is done, then returns the first failure under
/// `scope` (the run's folder) not told yet: the markers handed over after it were not created, and their
/// tasks run again next time. Called before anything trusts the files on disk.
pub fn settle(scope: &Path) -> Result<()> {
    let Some(jobs) = jobs() else {
        // Everything was done in place.
        return Ok(());
    };
    let (done, wait) = crossbeam_channel::bounded(1);
    if jobs.send(Job::Settle(done)).is_ok() {
        // A closed channel means the thread is gone: nothing more will be done, nothing to wait for.
        let _ = wait.recv();
    }
    let mut s = shared();
    let Some(first) = s.failed.iter().position(|(p, ..)| p.starts_with(scope)) else {
        return Ok(());
    };
    let (path, kind, text) = s.failed.remove(first);
    s.failed.retain(|(p, ..)| !p.starts_with(scope));
    Err(Error::io("syncing", &path)(std::io::Error::new(kind, text)))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A marker handed over counts as there at once, and is on disk once settled, after the file handed
    /// over before it; one taken back while waiting never appears.
    #[test]
    fn markers_come_after_their_files_and_can_be_taken_back() {
        let dir = tempfile::tempdir().expect("tmp");
        let (tmp, path) = (dir.path().join(".a.tmp"), dir.path().join("a.bin"));
        std::fs::write(&tmp, b"data").expect("write");
        commit_behind(File::open(&tmp).expect("open"), &tmp, &path).expect("commit");
        assert_eq!(std::fs::read(&path).expect("read"), b"data", "in place at once");
        let (kept, dropped) = (dir.path().join("kept.done"), dir.path().join("dropped.done"));
        mark(&kept, dir.path()).expect("mark");
        mark(&dropped, dir.path()).expect("mark");
        assert!(is_marked(&kept) && is_marked(&dropped));
        assert!(unmark(&dropped).expect("unmark"), "it was waiting");
        assert!(!is_marked(&dropped));
        settle(dir.path()).expect("settle");
        assert!(kept.exists());
        assert!(!dropped.exists());
        assert!(unmark(&kept).expect("unmark"));
        assert!(!kept.exists() && !unmark(&kept).expect("unmark again"));
    }

    /// A sync that fails (a character device cannot be synced: EINVAL) is told by the next settle, naming
    /// the file; the marker handed over after it is never created, and the settle after that is clean.
    #[test]
    fn a_failed_sync_is_told_and_no_marker_follows_it() {
        let dir = tempfile::tempdir().expect("tmp");
        let null = File::open("/dev/null").expect("/dev/null");
        assert!(null.sync_data().is_err(), "a device that cannot be synced");
        let (tmp, path) = (dir.path().join(".b.tmp"), dir.path().join("b.bin"));
        std::fs::write(&tmp, b"data").expect("write");
        let marker = dir.path().join("b.done");
        commit_behind(null, &tmp, &path).expect("handed over");
        mark(&marker, dir.path()).expect("mark");
        let elsewhere = tempfile::tempdir().expect("tmp");
        let other = elsewhere.path().join("c.done");
        mark(&other, elsewhere.path()).expect("mark");
        settle(elsewhere.path()).expect("another run's folder is not failed by it");
        assert!(other.exists());
        let err = settle(dir.path()).expect_err("the failed sync is told");
        assert!(err.to_string().contains("b.bin"), "{err}");
        assert!(!marker.exists(), "no marker over an unsynced file");
        settle(dir.path()).expect("told once");
    }
}
