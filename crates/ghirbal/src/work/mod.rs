//! The work layer: everything a run keeps on disk besides its outputs, and how it gets there.
//!
//! - [`atomic`]: the one way a file lands in `OUT/` (per-process temporary name, sync, rename, sync);
//! - [`lock`]: the lock on `OUT` that keeps two runs from writing one output.

pub mod atomic;
pub mod lock;

pub use atomic::{commit, create_tmp, tmp_path, write_atomic};
pub use lock::{LockMode, OutLock};
