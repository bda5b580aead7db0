//! One module per subcommand, each a single `run` function.

pub(crate) mod archive;
pub(crate) mod config;
pub(crate) mod explain;
pub(crate) mod normalize;
pub(crate) mod report;
pub(crate) mod run;
