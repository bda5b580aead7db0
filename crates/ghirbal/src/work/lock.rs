//! The lock on an output directory: `OUT/ghirbal.lock`, an OS file lock held for as long as a process works
//! in `OUT` and released by the OS when the process ends, however it ends (kill -9 included).
//!
//! A one-shot `ghirbal run`, the plan step and `--force` hold it exclusively: nobody else writes while they
//! decide what `OUT` holds. The other `--phase` steps hold it shared, so the tasks of a job array run side by
//! side while a one-shot run on the same `OUT` is refused. The file itself also says "this folder is a
//! ghirbal output" from the first moment, before any plan exists, so that a run interrupted at any point can
//! be resumed or cleared with `--force`; it names the process that last took the lock, for the message a
//! second process gets.

use std::fs::File;
use std::io::{Seek, Write};
use std::path::{Path, PathBuf};

use crate::{Error, Result};

/// The lock file of `out`.
pub fn lock_path(out: &Path) -> PathBuf {
    out.join("ghirbal.lock")
}

/// How a process holds the lock.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LockMode {
    /// Alone: a one-shot run, the plan, `--force`.
    Exclusive,
    /// Beside other `--phase` tasks.
    Shared,
}

/// A held lock on `OUT`; dropping it releases it.
#[derive(Debug)]
pub struct OutLock {
    _file: File,
}

impl OutLock {
    /// Takes the lock on `out` (which must exist) without waiting: a lock another process holds is an
    /// error naming that process.
    pub fn acquire(out: &Path, mode: LockMode) -> Result<OutLock> {
        let path = lock_path(out);
        let mut file = File::options()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(Error::io("opening", &path))?;
        let taken = match mode {
            LockMode::Exclusive => file.try_lock(),
            LockMode::Shared => file.try_lock_shared(),
        };
        match taken {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(Error::Locked {
                    out: out.to_owned(),
                    holder: std::fs::read_to_string(&path).unwrap_or_default().trim().to_owned(),
                })
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(Error::io("locking", &path)(e)),
        }
        let holder = format!(
            "pid {} ({}), since {} s after the Unix epoch",
            std::process::id(),
            std::env::args_os()
                .take(3)
                .map(|a| a.to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join(" "),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs())
        );
        // Shared holders overwrite one another's line: the message then names one of them, which is enough to
        // find the job.
        file.set_len(0)
            .and_then(|()| file.rewind())
            .and_then(|()| file.write_all(holder.as_bytes()))
            .map_err(Error::io("writing", &path))?;
        Ok(OutLock { _file: file })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exclusive_excludes_everyone_and_shared_holders_coexist() {
        let dir = tempfile::tempdir().expect("tmp");
        let first = OutLock::acquire(dir.path(), LockMode::Exclusive).expect("first");
        for mode in [LockMode::Exclusive, LockMode::Shared] {
            let err = OutLock::acquire(dir.path(), mode).expect_err("held");
            assert!(
                err.to_string().contains(&format!("pid {}", std::process::id())),
                "{err}"
            );
        }
        drop(first);
        let a = OutLock::acquire(dir.path(), LockMode::Shared).expect("shared");
        let b = OutLock::acquire(dir.path(), LockMode::Shared).expect("shared too");
        assert!(OutLock::acquire(dir.path(), LockMode::Exclusive).is_err());
        drop((a, b));
        OutLock::acquire(dir.path(), LockMode::Exclusive).expect("free again");
    }
}
