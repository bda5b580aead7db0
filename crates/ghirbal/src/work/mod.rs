//! The work layer: every file a run keeps under `OUT/work/`, one module per format, each with a typed record,
//! one writer and one reader; the one way a file lands on disk ([`atomic`]), synced behind the work before
//! its task's marker ([`syncer`]); the lock on `OUT` ([`lock`]); the steps and their markers ([`step`],
//! [`layout`]).
//!
//! ```text
//! OUT/ghirbal.lock                lock            the OS lock; "this folder is a ghirbal output"
//! OUT/work/manifest.json          json            config, inputs, shard plan        (plan)
//!          lines/S.bin            site_lines      (site, line) records by partition (scan, per shard)
//!          staged/S.docs          staged          records held back for scan-sited  (scan, per shard)
//!          lines/P.tables         site_lines      repeated lines, shared openings   (lines-count, per partition)
//!          scan/S.lines           scanlines       survivors, SEQ\tBYTES\tWORDS\tJSON (scan, per shard)
//!          scan/S.removed.lines   scanlines       what the stages removed           (scan)
//!          keys/S.bin             keys            exact keys, ids, band records     (scan)
//!          near/S.sketch(.idx)    sketch          near-dup sketches                 (scan, near dedup on)
//!          dups/P.bin             decisions       exact decisions by shard, ids used twice (cluster)
//!          near/edges/P.bin       edges           verified near-dup pairs           (near)
//!          near/clusters.bin      decisions       near decisions by shard           (near-clusters)
//!          story/S.terms          story           survivors' story terms            (scan, story on)
//!          story/S.links          story           kept documents' stories, related  (story)
//!          stats/STEP/N.json      json            what each task counted
//!          markers/STEP/N.done    layout          "task N of STEP is complete"
//! ```
//! Every binary file starts with a header naming its kind and [`VERSION`] and carries checksums (per section,
//! per record, per frame); JSON files carry a checksum key. A reader that finds anything else returns
//! [`crate::Error::Corrupt`] naming the file and the byte; the pipeline then removes the marker of the task
//! that wrote it ([`layout::Layout::producer`]) so that the next run redoes that task from its inputs.

pub mod atomic;
pub(crate) mod codec;
pub(crate) mod decisions;
pub(crate) mod edges;
pub(crate) mod frame;
pub(crate) mod json;
pub(crate) mod keys;
pub mod layout;
pub mod lock;
pub(crate) mod partbuf;
pub(crate) mod scanlines;
pub(crate) mod sections;
pub(crate) mod site_lines;
pub(crate) mod sketch;
pub(crate) mod sort;
pub(crate) mod staged;
pub mod step;
pub(crate) mod story;
pub mod syncer;

use std::path::{Path, PathBuf};

pub use atomic::{create_tmp, discard, sync_soon, tmp_path, write_atomic, write_behind, TmpFile};
pub use layout::Layout;
pub use lock::{LockMode, OutLock};
pub use step::{Step, StepReport, TaskSlice};

/// The work format: bumped whenever any file under `OUT/work/` changes. A work folder of another version is
/// refused by name (the manifest says which version wrote it; every binary file's header too).
pub const VERSION: u32 = 10;

/// The spill folder of the file at `path` (`path.spill/`), for writers that outgrow memory.
pub(crate) fn spill_dir(path: &Path) -> PathBuf {
    let mut p = path.as_os_str().to_owned();
    p.push(".spill");
    PathBuf::from(p)
}
