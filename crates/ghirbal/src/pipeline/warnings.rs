//! Input warnings: the inputs most of whose records could not be read. One bad record is the data's fault
//! and is removed with its reason; a file where nearly every record fails is almost always a setting — the
//! text field named wrong, the encoding, a format the file is not in — and a run that "succeeds" with
//! nothing kept from it hides that. `stats.json` lists each such input with its most common reason and the
//! likely fix; `ghirbal run` prints them, and exits 1 for them with `--strict`.
//!
//! The rule: an input warns when at least 90% of its records, and at least one, were removed with a reason
//! of [`crate::read::FAILURES`]. So a file of one record warns when that record fails (nothing was read from
//! it), a file of ten when nine fail, and an empty file never. The input is the file, counted over all its
//! shards; for `.txt` and `.html` files, which hold one record each, it is the folder they were found in,
//! where a wrong encoding shows (one warning for the folder, not one per file).

use std::collections::BTreeMap;

use super::scan::ScanShardStats;
use crate::read::plan::is_json_name;
use crate::read::{names, ShardKind, ShardSpec};
use crate::stats::InputWarning;
use crate::InputConfig;

/// The share of failed records at which an input warns: `failed / records ≥ 9 / 10`.
const WARN_AT: (u64, u64) = (9, 10);

/// What is known of one input, summed over its shards.
struct Input {
    name: String,
    kind: Kind,
    records: u64,
    failed: BTreeMap<String, u64>,
    missing_text_fields: Option<Vec<String>>,
}

/// What the hint needs to know of an input's format.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// JSONL lines of a file named `.json`: a file that may have meant something else.
    JsonAsLines,
    JsonLines,
    JsonArray,
    Other,
}

/// The inputs of a run in plan order, each counted from its shards' scan stats.
#[derive(Default)]
pub(super) struct Tally {
    inputs: Vec<Input>,
}

impl Tally {
    /// Counts the read stage of one shard's scan.
    pub(super) fn add(&mut self, spec: &ShardSpec, scan: &ScanShardStats) {
        let (name, kind) = input_of(&spec.kind);
        let input = match self.inputs.iter().position(|i| i.name == name) {
            Some(at) => &mut self.inputs[at],
            None => {
                self.inputs.push(Input {
                    name,
                    kind,
                    records: 0,
                    failed: BTreeMap::new(),
                    missing_text_fields: None,
                });
                let last = self.inputs.len() - 1;
                &mut self.inputs[last]
            }
        };
        let Some((_, read)) = scan.stages.0.iter().find(|(stage, _)| stage == "read") else {
            return;
        };
        input.records += read.docs_in;
        for reason in crate::read::FAILURES {
            if let Some(&n) = read.removed.get(reason.code) {
                *input.failed.entry(reason.code.to_owned()).or_default() += n;
            }
        }
        if input.missing_text_fields.is_none() {
            input.missing_text_fields.clone_from(&scan.missing_text_fields);
        }
    }

    /// The inputs that warn, in plan order.
    pub(super) fn warnings(&self, config: &InputConfig) -> Vec<InputWarning> {
        self.inputs.iter().filter_map(|input| warning(input, config)).collect()
    }
}

/// The input a shard belongs to: its file, or for `.txt` and `.html` files their folder.
fn input_of(kind: &ShardKind) -> (String, Kind) {
    match kind {
        ShardKind::Jsonl { path, .. } => {
            let kind = if is_json_name(path) {
                Kind::JsonAsLines
            } else {
                Kind::JsonLines
            };
            (names::display(path), kind)
        }
        ShardKind::JsonArray { path, .. } => (names::display(path), Kind::JsonArray),
        ShardKind::Parquet { path } | ShardKind::Warc { path, .. } => (names::display(path), Kind::Other),
        ShardKind::Txt { root, .. } | ShardKind::Html { root, .. } => (names::display(root), Kind::Other),
    }
}

/// The warning of an input, when the rule says it warns.
fn warning(input: &Input, config: &InputConfig) -> Option<InputWarning> {
    let failed: u64 = input.failed.values().sum();
    if failed == 0 || failed * WARN_AT.1 < input.records * WARN_AT.0 {
        return None;
    }
    // The most common reason; on a tie, the first code in order, so the warning never depends on timing.
    let (top, _) = input.failed.iter().max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))?;
    Some(InputWarning {
        file: input.name.clone(),
        records: input.records,
        failed,
        top_reason: top.clone(),
        hint: hint(top, input, config),
    })
}

/// The likely fix for inputs that fail with `reason`.
fn hint(reason: &str, input: &Input, config: &InputConfig) -> String {
    let text_field = &config.text_field;
    match reason {
        r if r == crate::read::MISSING_TEXT.code => match &input.missing_text_fields {
            Some(fields) if fields.contains(text_field) => format!(
                "the field {text_field:?} of these records is not a string: set `[input] text_field` to the \
                 field that holds the text (the records have fields: {})",
                fields.join(", ")
            ),
            Some(fields) if !fields.is_empty() => format!(
                "set `[input] text_field` (now {text_field:?}) to the field that holds the text; the records \
                 have fields: {}",
                fields.join(", ")
            ),
            _ => format!("set `[input] text_field` (now {text_field:?}) to the field that holds the text"),
        },
        r if r == crate::read::MALFORMED_JSON.code => match input.kind {
            Kind::JsonAsLines => "a `.json` file is read as JSONL (one object per line) unless its first \
                                  character is `[` (one array of objects); this one is neither (one object \
                                  spread over many lines?): write one record per line (`jq -c`)"
                .to_owned(),
            Kind::JsonLines => "each line must be one JSON object (JSONL); a file that holds one JSON array of \
                                objects is read as such when it is named `.json`"
                .to_owned(),
            Kind::JsonArray => {
                "the array's elements must be JSON objects, one record each: `[{\"text\": …}, …]`".to_owned()
            }
            Kind::Other => "see `detail.error` of the removed records".to_owned(),
        },
        r if r == crate::read::INVALID_UTF8.code => "the records are not UTF-8: set `[input] encoding` to theirs \
             (e.g. \"windows-1256\"), or \"auto\" to detect it; `detail.error` of a removed record names the \
             encoding its bytes decode as"
            .to_owned(),
        r if r == crate::read::INVALID_ENCODING.code => format!(
            "the records are not valid {:?}: set `[input] encoding` to theirs, or \"auto\" to detect it",
            config.encoding
        ),
        r if r == crate::read::NUL_BYTE.code => "the texts hold NUL characters: binary data, or UTF-16 text read \
             as UTF-8 (`[input] encoding = \"utf-16le\"` for .txt files)"
            .to_owned(),
        _ => "the archive's records are damaged (HTTP heads that do not parse, records cut short): check how \
              it was written or copied"
            .to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::StageList;

    fn shard(index: u32, path: &str) -> ShardSpec {
        ShardSpec {
            index,
            kind: ShardKind::Jsonl {
                path: path.into(),
                codec: crate::read::Codec::Plain,
                start: 0,
                end: None,
                first_line: 1,
            },
        }
    }

    /// Scan stats of a shard whose read stage saw `records`, removing `removed` (code, count).
    fn scan(records: u64, removed: &[(&str, u64)]) -> ScanShardStats {
        let mut stages = StageList::default();
        let read = stages.entry("read");
        read.docs_in = records;
        for &(code, n) in removed {
            read.removed.insert(code.to_owned(), n);
        }
        ScanShardStats {
            stages,
            ..Default::default()
        }
    }

    fn warned(shards: &[(ShardSpec, ScanShardStats)]) -> Vec<InputWarning> {
        let mut tally = Tally::default();
        for (spec, stats) in shards {
            tally.add(spec, stats);
        }
        tally.warnings(&InputConfig::default())
    }

    #[test]
    fn ninety_percent_of_one_file_over_its_shards_warns() {
        // 9 of 10 over two shards of a.jsonl; b.jsonl 8 of 10; c.jsonl empty; d.jsonl 1 of 1.
        let shards = [
            (shard(0, "a.jsonl"), scan(4, &[("read.missing_text", 4)])),
            (
                shard(1, "a.jsonl"),
                scan(6, &[("read.missing_text", 4), ("read.malformed_json", 1)]),
            ),
            (shard(2, "b.jsonl"), scan(10, &[("read.missing_text", 8)])),
            (shard(3, "c.jsonl"), scan(0, &[])),
            (shard(4, "d.jsonl"), scan(1, &[("read.malformed_json", 1)])),
        ];
        let w = warned(&shards);
        let summary: Vec<_> = w
            .iter()
            .map(|w| (w.file.as_str(), w.records, w.failed, w.top_reason.as_str()))
            .collect();
        assert_eq!(
            summary,
            [
                ("a.jsonl", 10, 9, "read.missing_text"),
                ("d.jsonl", 1, 1, "read.malformed_json")
            ]
        );
        assert!(
            w[0].hint.contains("`[input] text_field` (now \"text\")"),
            "{}",
            w[0].hint
        );
    }

    #[test]
    fn pages_that_are_not_documents_are_not_failures() {
        let shards = [(
            shard(0, "crawl.warc.gz"),
            scan(10, &[("read.not_html", 9), ("read.http_status", 1)]),
        )];
        assert_eq!(warned(&shards), []);
    }

    #[test]
    fn the_hint_names_the_fields_the_records_have() {
        let mut stats = scan(3, &[("read.missing_text", 3)]);
        stats.missing_text_fields = Some(vec!["title".into(), "body".into()]);
        let w = warned(&[(shard(0, "a.json"), stats)]);
        assert!(
            w[0].hint.ends_with("the records have fields: title, body"),
            "{}",
            w[0].hint
        );
        let w = warned(&[(shard(0, "a.json"), scan(2, &[("read.malformed_json", 2)]))]);
        assert!(
            w[0].hint.starts_with("a `.json` file is read as JSONL"),
            "{}",
            w[0].hint
        );
    }
}
