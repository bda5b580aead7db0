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

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

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
pub fn create_tmp(path: &Path) -> Result<(File, PathBuf)> {
    let tmp = tmp_path(path);
    let file = File::create(&tmp).map_err(Error::io("creating", &tmp))?;
    Ok((file, tmp))
}

/// Removes a temporary file that will not be committed (a missing one is not an error).
pub fn discard(tmp: &Path) -> Result<()> {
    match std::fs::remove_file(tmp) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(Error::io("removing", tmp)(e)),
        _ => Ok(()),
    }
}

/// Puts a fully written temporary file in place: its data to disk, then the rename.
pub fn commit(tmp: &Path, path: &Path) -> Result<()> {
    File::open(tmp)
        .and_then(|f| f.sync_data())
        .map_err(Error::io("syncing", tmp))?;
    std::fs::rename(tmp, path).map_err(Error::io("renaming", tmp))
}

/// Writes `data` to `path` atomically and durably.
pub fn write_atomic(path: &Path, data: &[u8]) -> Result<()> {
    let (mut file, tmp) = create_tmp(path)?;
    file.write_all(data).map_err(Error::io("writing", &tmp))?;
    drop(file);
    commit(&tmp, path)
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
}
