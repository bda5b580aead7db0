//! The one way a file lands in `OUT/`: written under a temporary name of this process, its data forced to
//! disk, then renamed into place.
//!
//! Why each part: the temporary name carries the process id, so two processes writing the same file (two
//! invocations of one `--shard` slice, a job array retrying a task) never write into one another's bytes; the
//! rename makes the file appear whole or not at all; the data sync makes that true after a power cut too, so
//! a task's marker (created after its files) can never stand over a torn file. The folder is not synced after
//! each rename: journaling file systems (ext4, xfs) commit metadata in order, so a marker that survived a
//! power cut implies the renames before it did — and syncing every folder cost a third of a small run's
//! wall time (BENCHMARKS.md). Markers themselves are not synced: a lost marker only redoes its task.
//!
//! The data goes to disk while the file is written, not all at its end ([`TmpFile`]): a run writes its work
//! files in seconds, long before the kernel's own writeback would start, so a sync at the end found every
//! byte still to write, with every thread idle behind it. The files a task marker vouches for go further
//! ([`TmpFile::commit_behind`]): renamed at once, their last sync left to the syncing thread, and the marker
//! made to wait for it instead of the task ([`super::syncer`]). The rest — the manifest, `stats.json`, a
//! news archive's files — are synced before their rename ([`TmpFile::commit`], [`write_atomic`]).

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

use crossbeam_channel::{Receiver, TryRecvError};

use crate::{Error, Result};

/// The temporary name `path` is written under by this process: `.NAME.PID.tmp` in the same folder.
pub fn tmp_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.{}.tmp", std::process::id()))
}

/// True for a file name [`tmp_path`] makes (by any process).
pub fn is_tmp_name(name: &str) -> bool {
    name.starts_with('.') && name.ends_with(".tmp")
}

/// Creates the temporary file of `path`: returns it and its name.
pub fn create_tmp(path: &Path) -> Result<(TmpFile, PathBuf)> {
    let tmp = tmp_path(path);
    let file = File::create(&tmp).map_err(Error::io("creating", &tmp))?;
    let file = TmpFile {
        file,
        tmp: tmp.clone(),
        unsynced: 0,
        behind: None,
    };
    Ok((file, tmp))
}

/// Bytes written between two syncs started behind the writer ([`TmpFile`]).
const SYNC_EVERY: u64 = 8 << 20;

/// A file being written under its temporary name whose data is sent to disk as it grows: past every
/// [`SYNC_EVERY`] bytes written, the process's syncing thread ([`super::syncer`]) syncs what the file holds so far
/// while the writer goes on (one sync per file at a time: while it runs, the bytes just wait for the next
/// one). [`TmpFile::commit`] then waits on that sync and syncs the rest — the few bytes written since — before
/// the rename: every byte is on disk before the file has its name, as before; only the waiting moved behind
/// the work.
///
/// On 20,000 news articles (150 MB of work files, written in under a second) the syncs at the tasks' ends
/// were ~150 ms of waiting in a 2.6 s one-thread run, and all of it serial at two threads (BENCHMARKS.md).
#[derive(Debug)]
pub struct TmpFile {
    file: File,
    tmp: PathBuf,
    /// Bytes written since the last sync started.
    unsynced: u64,
    /// The answer of the sync under way, if one is.
    behind: Option<Receiver<std::io::Result<()>>>,
}

impl TmpFile {
    /// Asks for what is written so far to be synced behind the writer, unless a sync is still under way:
    /// a writer about to commit several files asks for each before committing the first, so that their
    /// syncs overlap its other work. A sync that cannot be asked for (no thread or file handle to spare) is
    /// no error: nothing is lost, the commit syncs it all.
    pub fn sync_behind(&mut self) -> std::io::Result<()> {
        if let Some(answer) = &self.behind {
            match answer.try_recv() {
                Err(TryRecvError::Empty) => return Ok(()),
                Ok(synced) => synced?,
                // The syncing thread is gone: the commit syncs everything.
                Err(TryRecvError::Disconnected) => {}
            }
            self.behind = None;
        }
        if let Some(behind) = super::syncer::sync_soon(&self.file, &self.tmp) {
            self.behind = Some(behind);
            self.unsynced = 0;
        }
        Ok(())
    }

    /// Puts the fully written file in place under `path`: waits on the sync under way (its error is the
    /// file's: a sync that failed once is not retried), syncs the rest, then the rename.
    pub fn commit(mut self, path: &Path) -> Result<()> {
        let behind = match self.behind.take() {
            // A closed channel: the syncing thread is gone, the sync below covers it all.
            Some(answer) => answer.recv().unwrap_or(Ok(())),
            None => Ok(()),
        };
        let synced = behind.and_then(|()| self.file.sync_data());
        synced.map_err(Error::io("syncing", &self.tmp))?;
        drop(self.file);
        std::fs::rename(&self.tmp, path).map_err(Error::io("renaming", &self.tmp))
    }

    /// Puts the fully written file in place under `path` now, its last sync left to the syncing thread
    /// ([`super::syncer`]): for files a task marker vouches for (the marker waits on the sync) or that only
    /// count once the run has settled (`kept/`, `removed/`, before `stats.json`). A sync under way is not
    /// waited on: its failure, like this one's, is told by the run's settle.
    pub fn commit_behind(self, path: &Path) -> Result<()> {
        super::syncer::commit_behind(self.file, &self.tmp, path)
    }
}

impl Write for TmpFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        // Before the write: an error of the last sync is then told without bytes written, as `Write` asks.
        if self.unsynced >= SYNC_EVERY {
            self.sync_behind()?;
        }
        let n = self.file.write(buf)?;
        self.unsynced += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.file.flush()
    }
}

/// Removes a temporary file that will not be committed (a missing one is not an error).
pub fn discard(tmp: &Path) -> Result<()> {
    match std::fs::remove_file(tmp) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(Error::io("removing", tmp)(e)),
        _ => Ok(()),
    }
}

/// Flushes a buffered temporary file and starts its data on its way to disk ([`TmpFile::sync_behind`]): what
/// a writer does to each of its files before committing the first.
pub fn sync_soon(out: &mut std::io::BufWriter<TmpFile>) -> Result<()> {
    out.flush().map_err(|e| Error::io("writing", &out.get_ref().tmp)(e))?;
    let file = out.get_mut();
    file.sync_behind().map_err(|e| Error::io("syncing", &file.tmp)(e))
}

/// Writes `data` to `path` atomically and durably.
pub fn write_atomic(path: &Path, data: &[u8]) -> Result<()> {
    let (mut file, tmp) = create_tmp(path)?;
    file.write_all(data).map_err(Error::io("writing", &tmp))?;
    file.commit(path)
}

/// Writes `data` to `path` atomically, its sync left to the syncing thread ([`TmpFile::commit_behind`]).
pub fn write_behind(path: &Path, data: &[u8]) -> Result<()> {
    let (mut file, tmp) = create_tmp(path)?;
    file.write_all(data).map_err(Error::io("writing", &tmp))?;
    file.commit_behind(path)
}

/// Removes the temporary files left under `dir` (recursively) by processes that died mid-write. Only call
/// while holding `OUT`'s exclusive lock: no live process is writing then.
pub fn remove_stale_tmp(dir: &Path) -> Result<u64> {
    let mut removed = 0;
    for entry in walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(std::result::Result::ok)
    {
        let name = entry.file_name().to_string_lossy();
        if entry.file_type().is_file() && is_tmp_name(&name) {
            std::fs::remove_file(entry.path()).map_err(Error::io("removing", entry.path()))?;
            removed += 1;
        }
    }
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_appears_whole_under_its_name_and_leaves_no_temporary() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("a.json");
        write_atomic(&path, b"{}").expect("write");
        assert_eq!(std::fs::read(&path).expect("read"), b"{}");
        let names: Vec<String> = std::fs::read_dir(dir.path())
            .expect("list")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["a.json"]);
        let tmp = tmp_path(&path);
        assert!(tmp.to_string_lossy().contains(&std::process::id().to_string()));
        assert!(is_tmp_name(&tmp.file_name().expect("name").to_string_lossy()));
        std::fs::write(dir.path().join(".b.json.99999.tmp"), b"torn").expect("write");
        assert_eq!(remove_stale_tmp(dir.path()).expect("sweep"), 1);
        assert!(path.exists());
    }

    /// Syncs started behind the writer (past every `SYNC_EVERY` bytes, and when asked) never change what
    /// lands: a file of several syncs' worth, written in uneven pieces, is its bytes exactly, under its name
    /// only once committed.
    #[test]
    fn a_file_synced_while_written_lands_whole() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("big.bin");
        let (mut file, tmp) = create_tmp(&path).expect("create");
        let mut want = Vec::new();
        let mut i = 0u64;
        while (want.len() as u64) < 2 * SYNC_EVERY + 12_345 {
            // Uneven pieces, each a pattern of its own, so that a piece lost or written twice shows.
            let piece: Vec<u8> = (0..(i * 7919) % 300_000 + 1).map(|k| (k ^ i) as u8).collect();
            file.write_all(&piece).expect("write");
            want.extend_from_slice(&piece);
            i += 1;
            if i.is_multiple_of(5) {
                file.sync_behind().expect("sync behind");
            }
        }
        assert!(
            file.unsynced < want.len() as u64,
            "a sync was started behind the writer"
        );
        assert!(!path.exists(), "no name before the commit");
        file.commit(&path).expect("commit");
        assert!(!tmp.exists());
        assert_eq!(std::fs::read(&path).expect("read"), want);
    }
}
