//! Parquet output parts, and Parquet input.

use std::path::Path;
use std::sync::Arc;

use arrow_array::{Array, ArrayRef, RecordBatch, StringArray};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::arrow::ArrowWriter;
use serde_json::json;

use crate::util::{file_names, ids, line, outcome, run_ok};

/// The string column `name` of every row of a Parquet file.
fn strings(path: &Path, name: &str) -> Vec<Option<String>> {
    let file = std::fs::File::open(path).expect("opening a parquet part");
    let reader = ParquetRecordBatchReaderBuilder::try_new(file)
        .expect("a parquet file")
        .build()
        .expect("a parquet reader");
    let mut out = Vec::new();
    for batch in reader {
        let batch = batch.expect("a record batch");
        let column = batch
            .column_by_name(name)
            .unwrap_or_else(|| panic!("no column {name} in {}", path.display()));
        let column = column.as_any().downcast_ref::<StringArray>().expect("a string column");
        out.extend((0..column.len()).map(|i| column.is_valid(i).then(|| column.value(i).to_owned())));
    }
    out
}

ghtest!(parquet_output_parts_are_parquet, |dir| {
    let input = dir.write(
        "in.jsonl",
        line("a", "نص أول", &[("source", json!("s1"))])
            + &line("b", "نص  أول", &[("source", json!("s2"))])
            + "not json\n"
            + &line("c", "نص ثان", &[]),
    );
    let out = dir.out();
    run_ok(engine_argv![input, "-o", out, "--format", "parquet"]);
    let stats = crate::util::read_stats(&out);
    assert_eq!(stats["conservation"]["holds"], true, "{stats}");
    assert_eq!(
        stats["conservation"],
        json!({"input": 4, "kept": 2, "removed": 2, "holds": true})
    );
    let (mut kept_ids, mut removed_ids) = (Vec::new(), Vec::new());
    for (sub, ids) in [("kept", &mut kept_ids), ("removed", &mut removed_ids)] {
        let names = file_names(&out.join(sub));
        assert!(!names.is_empty(), "{sub}/ is empty");
        crate::layout::assert_part_names(&out.join(sub), "parquet");
        for name in names {
            let path = out.join(sub).join(&name);
            let bytes = std::fs::read(&path).expect("reading a part");
            assert!(
                bytes.len() > 8 && bytes.starts_with(b"PAR1") && bytes.ends_with(b"PAR1"),
                "{sub}/{name} is not a Parquet file"
            );
            ids.extend(strings(&path, "id").into_iter().map(|s| s.expect("id")));
        }
    }
    assert_eq!(kept_ids, ["a", "c"]);
    assert_eq!(removed_ids.len(), 2, "{removed_ids:?}");
    let removed = out.join("removed").join(&file_names(&out.join("removed"))[0]);
    let reasons: Vec<_> = strings(&removed, "reason").into_iter().flatten().collect();
    assert_eq!(reasons, ["dedup.exact", "read.malformed_json"]);
    let kept = out.join("kept").join(&file_names(&out.join("kept"))[0]);
    let meta = strings(&kept, "meta");
    let meta: serde_json::Value =
        serde_json::from_str(meta[0].as_deref().expect("meta of a")).expect("meta is JSON text");
    assert_eq!(
        meta,
        json!({"source": "s1", "ghirbal": {"cluster_id": "a", "cluster_size": 2}})
    );
});

ghtest!(parquet_input_columns_become_meta, |dir| {
    let path = dir.join("in.parquet");
    let column = |values: Vec<Option<&str>>| -> ArrayRef { Arc::new(StringArray::from(values)) };
    let batch = RecordBatch::try_from_iter([
        ("id", column(vec![Some("p1"), Some("p2"), Some("p3"), Some("p4")])),
        (
            "text",
            column(vec![Some("نص من باركيه"), Some("نص  من باركيه "), None, Some("آخر")]),
        ),
        ("source", column(vec![Some("wire"), Some("daily"), Some("x"), None])),
    ])
    .expect("a record batch");
    let file = std::fs::File::create(&path).expect("creating the parquet input");
    let mut writer = ArrowWriter::try_new(file, batch.schema(), None).expect("a parquet writer");
    writer.write(&batch).expect("writing parquet");
    writer.close().expect("closing parquet");

    let out = dir.out();
    run_ok(engine_argv![path, "-o", out]);
    let o = outcome(&out);
    assert_eq!(ids(&o.kept), ["p1", "p4"]);
    assert_eq!(
        o.kept("p1")["meta"],
        json!({"source": "wire", "ghirbal": {"cluster_id": "p1", "cluster_size": 2}})
    );
    assert_eq!(o.kept("p1")["text"], "نص من باركيه");
    let dup = o.removed("p2");
    assert_eq!(dup["duplicate_of"], "p1", "{dup}");
    assert_eq!(dup["meta"]["source"], "daily", "{dup}");
    let missing = o.removed("p3");
    assert_eq!(missing["reason"], "read.missing_text", "{missing}");
    assert_eq!(missing["detail"]["file"], path.display().to_string());
    assert_eq!(missing["detail"]["line"], 3, "{missing}");
});
