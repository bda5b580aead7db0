//! Integration tests: each runs the real `ghirbal` binary in a fresh temporary directory.
//!
//! One test binary for the whole suite (one link); modules group the cases by behaviour.

/// Declares a test that gets a fresh [`util::Dir`] (as in ripgrep's `rgtest!`).
macro_rules! ghtest {
    ($name:ident, |$dir:ident| $body:block) => {
        #[test]
        fn $name() {
            let $dir = $crate::util::Dir::new();
            $body
        }
    };
}

/// Command-line arguments from any mix of strings and paths: `argv!["run", &input, "-o", &out]`.
macro_rules! argv {
    ($($arg:expr),* $(,)?) => {
        vec![$(::std::ffi::OsString::from(
            ::std::convert::AsRef::<::std::ffi::OsStr>::as_ref(&$arg)
        )),*]
    };
}

/// `ghirbal run …` on the engine stages (normalisation and exact dedup), unless the arguments name their
/// stages or a preset: `engine_argv![&input, "-o", &out]`.
macro_rules! engine_argv {
    ($($arg:expr),* $(,)?) => {
        $crate::util::engine_stages(argv!["run", $($arg),*])
    };
}

mod archive;
mod bad_input;
mod cli;
mod compressed;
mod config;
mod cpu;
mod dedup;
mod determinism;
mod encodings;
mod faults;
mod input_warnings;
mod inputs;
mod json_array;
mod layout;
mod long_line;
mod near;
mod output_dir;
mod parquet;
mod progress;
mod repairs;
mod report;
mod resume;
mod signals;
mod sited;
mod story;
mod terminal;
mod util;
mod web;
mod work_compression;
