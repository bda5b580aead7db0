//! Test helpers: a fresh temporary directory per test, running the real `ghirbal` binary, and reading what a
//! run wrote (`kept/`, `removed/`, `stats.json`).

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use serde_json::Value;

/// The binary under test.
pub const GHIRBAL: &str = env!("CARGO_BIN_EXE_ghirbal");

/// A temporary directory, removed when the test ends.
pub struct Dir {
    tmp: tempfile::TempDir,
}

impl Dir {
    pub fn new() -> Dir {
        Dir {
            tmp: tempfile::Builder::new()
                .prefix("ghirbal-it-")
                .tempdir()
                .expect("creating a temporary directory"),
        }
    }

    /// `DIR/rel`.
    pub fn join(&self, rel: &str) -> PathBuf {
        self.tmp.path().join(rel)
    }

    /// The conventional output directory of a test, `DIR/out`.
    pub fn out(&self) -> PathBuf {
        self.join("out")
    }

    /// Writes `DIR/rel` (parents created) and returns its path.
    pub fn write(&self, rel: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
        let path = self.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("creating parent folders");
        }
        std::fs::write(&path, bytes).expect("writing a test input");
        path
    }
}

/// Turns command-line pieces into `OsString`s.
pub fn args<I, S>(args: I) -> Vec<std::ffi::OsString>
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    args.into_iter().map(|a| a.as_ref().to_owned()).collect()
}

/// Runs `ghirbal ARGS...` to completion: (exit code, stdout, stderr).
pub fn run<I, S>(argv: I) -> (i32, String, String)
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    run_env(argv, &[])
}

/// [`run`] with environment variables set.
pub fn run_env<I, S>(argv: I, env: &[(&str, &str)]) -> (i32, String, String)
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    let argv = args(argv);
    let output = Command::new(GHIRBAL)
        .args(&argv)
        .env_remove("RUST_LOG")
        .env_remove("GHIRBAL_PROGRESS_INTERVAL")
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .output()
        .expect("starting ghirbal");
    let code = output
        .status
        .code()
        .unwrap_or_else(|| panic!("ghirbal {argv:?} was killed: {:?}", output.status));
    (
        code,
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// Runs `ghirbal ARGS...` as [`run`] does, but kills it and fails the test when it takes longer than `limit`.
/// For commands that print little: output is collected once the process ends (a full pipe would stall it).
pub fn run_within<I, S>(argv: I, limit: std::time::Duration) -> (i32, String, String)
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    let argv = engine_stages(args(argv));
    let mut child = Command::new(GHIRBAL)
        .args(&argv)
        .env_remove("RUST_LOG")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starting ghirbal");
    let started = std::time::Instant::now();
    while child.try_wait().expect("polling ghirbal").is_none() {
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("ghirbal {argv:?} still running after {limit:?}: killed");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let output = child.wait_with_output().expect("collecting ghirbal's output");
    let code = output
        .status
        .code()
        .unwrap_or_else(|| panic!("ghirbal {argv:?} was killed: {:?}", output.status));
    (
        code,
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// Runs `ghirbal ARGS...` and fails the test unless it exits 0; returns (stdout, stderr).
fn run_success<I, S>(argv: I) -> (String, String)
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    let argv = args(argv);
    let (code, stdout, stderr) = run(&argv);
    assert_eq!(
        code, 0,
        "ghirbal {argv:?} failed\n--- stdout\n{stdout}\n--- stderr\n{stderr}"
    );
    (stdout, stderr)
}

/// Runs `ghirbal ARGS...` and fails the test unless it exits 0; returns stderr.
pub fn run_ok<I, S>(argv: I) -> String
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    run_success(argv).1
}

/// Runs `ghirbal ARGS...` and fails the test unless it exits 0; returns stdout.
pub fn run_stdout<I, S>(argv: I) -> String
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    run_success(argv).0
}

/// Starts `ghirbal ARGS...` in the background, output discarded.
pub fn spawn<I, S>(argv: I) -> Child
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    Command::new(GHIRBAL)
        .args(args(argv))
        .env_remove("RUST_LOG")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("starting ghirbal")
}

/// The files of a folder, sorted by name.
pub fn file_names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("listing {}: {e}", dir.display()))
        .map(|e| e.expect("a directory entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Every file of a folder with its bytes, sorted by name.
pub fn dir_bytes(dir: &Path) -> Vec<(String, Vec<u8>)> {
    file_names(dir)
        .into_iter()
        .map(|name| {
            let bytes = std::fs::read(dir.join(&name)).expect("reading an output part");
            (name, bytes)
        })
        .collect()
}

/// The decompressed bytes of one JSONL part (`.jsonl.zst`, `.jsonl.gz` or `.jsonl`).
pub fn decompress(path: &Path) -> Vec<u8> {
    let name = path.to_string_lossy();
    let file = std::fs::read(path).unwrap_or_else(|e| panic!("reading {name}: {e}"));
    let mut out = Vec::new();
    if name.ends_with(".jsonl.zst") {
        zstd::stream::read::Decoder::new(&file[..])
            .and_then(|mut d| d.read_to_end(&mut out))
            .unwrap_or_else(|e| panic!("decoding {name}: {e}"));
    } else if name.ends_with(".jsonl.gz") {
        flate2::read::MultiGzDecoder::new(&file[..])
            .read_to_end(&mut out)
            .unwrap_or_else(|e| panic!("decoding {name}: {e}"));
    } else if name.ends_with(".jsonl") {
        out = file;
    } else {
        panic!("unexpected file in an output folder: {name}");
    }
    out
}

/// Every record of every part in `dir` (`OUT/kept` or `OUT/removed`), parts in file-name order.
pub fn read_jsonl_dir(dir: &Path) -> Vec<Value> {
    let mut records = Vec::new();
    for name in file_names(dir) {
        let path = dir.join(&name);
        let data = decompress(&path);
        if data.is_empty() {
            continue;
        }
        assert_eq!(data.last(), Some(&b'\n'), "{name} does not end with a newline");
        for (i, line) in data[..data.len() - 1].split(|&b| b == b'\n').enumerate() {
            let value: Value = serde_json::from_slice(line)
                .unwrap_or_else(|e| panic!("{name} line {}: {e}: {}", i + 1, String::from_utf8_lossy(line)));
            records.push(value);
        }
    }
    records
}

/// `OUT/stats.json`.
pub fn read_stats(out: &Path) -> Value {
    let path = out.join("stats.json");
    let data = std::fs::read(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    serde_json::from_slice(&data).unwrap_or_else(|e| panic!("parsing {}: {e}", path.display()))
}

/// What a finished run wrote.
pub struct Outcome {
    pub kept: Vec<Value>,
    pub removed: Vec<Value>,
    pub stats: Value,
}

impl Outcome {
    /// The kept record with id `id`.
    pub fn kept(&self, id: &str) -> &Value {
        find(&self.kept, id).unwrap_or_else(|| panic!("{id} is not in kept/: {:?}", ids(&self.kept)))
    }
    /// The removed record with id `id`.
    pub fn removed(&self, id: &str) -> &Value {
        find(&self.removed, id).unwrap_or_else(|| panic!("{id} is not in removed/: {:?}", ids(&self.removed)))
    }
}

/// Reads kept/, removed/ and stats.json of `out`, and checks the books: conservation holds and its counts
/// are the records actually found in the parts.
pub fn outcome(out: &Path) -> Outcome {
    let kept = read_jsonl_dir(&out.join("kept"));
    let removed = read_jsonl_dir(&out.join("removed"));
    let stats = read_stats(out);
    let c = &stats["conservation"];
    assert_eq!(c["holds"], true, "conservation does not hold: {c}");
    assert_eq!(c["kept"], kept.len(), "conservation.kept vs records in kept/");
    assert_eq!(
        c["removed"],
        removed.len(),
        "conservation.removed vs records in removed/"
    );
    assert_eq!(
        c["input"],
        kept.len() + removed.len(),
        "conservation.input vs kept + removed"
    );
    Outcome { kept, removed, stats }
}

/// The ids of records, in order.
pub fn ids(records: &[Value]) -> Vec<&str> {
    records
        .iter()
        .map(|r| r["id"].as_str().expect("every record has a string id"))
        .collect()
}

/// The record with id `id`.
pub fn find<'a>(records: &'a [Value], id: &str) -> Option<&'a Value> {
    records.iter().find(|r| r["id"] == id)
}

/// One JSONL line `{"id":ID,"text":TEXT}` plus extra fields, with a trailing newline.
pub fn line(id: &str, text: &str, extra: &[(&str, Value)]) -> String {
    let mut obj = serde_json::Map::new();
    obj.insert("id".into(), id.into());
    obj.insert("text".into(), text.into());
    for (k, v) in extra {
        obj.insert((*k).to_owned(), v.clone());
    }
    let mut s = Value::Object(obj).to_string();
    s.push('\n');
    s
}

/// Gzip of `data` as one member.
pub fn gzip(data: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(6));
    enc.write_all(data).expect("gzip in memory");
    enc.finish().expect("gzip in memory")
}

/// Zstandard of `data` as one frame.
pub fn zstd(data: &[u8]) -> Vec<u8> {
    zstd::encode_all(data, 3).expect("zstd in memory")
}

/// Bzip2 of `data` as one stream.
pub fn bzip2(data: &[u8]) -> Vec<u8> {
    let mut enc = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::default());
    enc.write_all(data).expect("bzip2 in memory");
    enc.finish().expect("bzip2 in memory")
}

/// Xz of `data` as one stream.
pub fn xz(data: &[u8]) -> Vec<u8> {
    let mut enc = liblzma::write::XzEncoder::new(Vec::new(), 6);
    enc.write_all(data).expect("xz in memory");
    enc.finish().expect("xz in memory")
}

/// A small deterministic generator (splitmix64) for test corpora.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    /// A number in `0..n`.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
}

const WORDS: &[&str] = &[
    "قال",
    "الوزير",
    "إن",
    "المدينة",
    "الساحل",
    "محطة",
    "مياه",
    "السلام",
    "عليكم",
    "الأسبوع",
    "٢٠١٥",
    "news",
    "data",
    "report",
    "2015",
    "the",
];

/// `n` words of mixed Arabic and ASCII text, some lines broken by `\n`.
pub fn words(rng: &mut Rng, n: usize) -> String {
    let mut s = String::new();
    for i in 0..n {
        if i > 0 {
            s.push(if rng.below(12) == 0 { '\n' } else { ' ' });
        }
        s.push_str(WORDS[rng.below(WORDS.len())]);
    }
    s
}

/// The stages the engine tests run unless a test names its own with `--stages`: normalisation and exact
/// dedup. These tests exercise the machinery (reading, accounting, resuming, writing) on generated text that
/// is not realistic Arabic, which the language filter would rightly remove; the filters have their own tests.
pub const ENGINE_STAGES: &str = "normalize,dedup.exact";

/// A `run` command on the engine stages: adds `--stages ENGINE_STAGES` unless the command names its stages
/// or a preset. Tests call it where they build the command (`engine_argv![…]`), so what a run does is read
/// at the call; `run`, `run_ok` and `spawn` pass arguments through as given.
pub fn engine_stages(mut argv: Vec<std::ffi::OsString>) -> Vec<std::ffi::OsString> {
    let is_run = argv.first().is_some_and(|a| a == "run");
    if is_run && !argv.iter().any(|a| a == "--stages" || a == "--preset") {
        argv.push("--stages".into());
        argv.push(ENGINE_STAGES.into());
    }
    argv
}

/// Every step of a run, in order (`--phase`).
pub const STEPS: &[&str] = &[
    "plan",
    "scan",
    "lines-count",
    "scan-sited",
    "cluster",
    "near",
    "near-clusters",
    "story",
    "write",
    "finish",
];

/// `../shared/REL` beside the repository. A test that needs it fails when it is missing: it never passes
/// without its data.
pub fn shared_dir(rel: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared").join(rel);
    assert!(
        dir.is_dir(),
        "{} is missing: clone the project beside ../shared (as CI does)",
        dir.display()
    );
    dir
}

/// `../shared/seeds` (the two canonical articles).
pub fn seeds_dir() -> PathBuf {
    shared_dir("seeds")
}

/// What the `normalize` stage does to a text: the library's output profile.
pub fn output_profile(text: &str) -> String {
    ghirbal::normalize::output(text)
}

/// Overwrites `path` with as many bytes of `fill` and puts its modification time back: a run's manifest
/// (size and mtime) does not see the change, so a step that still read the file would read `fill`.
pub fn swap_unseen(path: &Path, fill: u8) -> Vec<u8> {
    let original = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mtime = std::fs::metadata(path).and_then(|m| m.modified()).expect("an mtime");
    std::fs::write(path, vec![fill; original.len()]).expect("overwriting");
    std::fs::File::options()
        .write(true)
        .open(path)
        .and_then(|f| f.set_modified(mtime))
        .expect("setting the mtime back");
    original
}

/// The two real Arabic news pages of `../shared/data/diverse/web`, copied into `DIR/pages` (a folder of
/// `.html` files: one web shard, with no site).
pub fn news_pages(dir: &Dir) -> PathBuf {
    let web = shared_dir("data/diverse/web");
    for page in ["goose3-test_cnn_arabic.html", "trafilatura-assabah.com.tn.article.html"] {
        let bytes = std::fs::read(web.join(page)).expect("a page");
        dir.write(&format!("pages/{page}"), bytes);
    }
    dir.join("pages")
}
