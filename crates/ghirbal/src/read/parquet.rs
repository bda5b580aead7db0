//! Parquet: the id and text columns must be strings (Utf8, LargeUtf8 or Utf8View); every other column goes to
//! `meta`, converted to JSON by arrow-json so that any Arrow type is kept. Rows are numbered from 1 in `detail`.
//! A row with a null or non-string text is removed with `read.missing_text`.

use std::path::Path;
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::{Array, RecordBatch};
use arrow_schema::DataType;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use super::{bad_record, Payload, RawBatch, ReadItem, Record, ShardEnd};
use crate::doc::{RawObject, RecordProblem};
use crate::stats::InputProblem;
use crate::{Document, Error, InputConfig, Meta, Ordinal, Origin, Result};

const ROWS_PER_BATCH: usize = 1024;

/// Reads a Parquet file, decoding rows into records batch by batch.
pub(super) fn read(
    shard: u32,
    path: &Path,
    input: &InputConfig,
    emit: &mut dyn FnMut(ReadItem) -> bool,
) -> Result<ShardEnd> {
    let err = |e: &dyn std::fmt::Display| Error::Parquet {
        path: path.to_owned(),
        message: e.to_string(),
    };
    let file = std::fs::File::open(path).map_err(Error::io("opening", path))?;
    let reader = ParquetRecordBatchReaderBuilder::try_new(file)
        .map_err(|e| err(&e))?
        .with_batch_size(ROWS_PER_BATCH)
        .build()
        .map_err(|e| err(&e))?;
    let file: Arc<Path> = Arc::from(path);
    let (mut next_seq, mut raw_total, mut problem) = (0u32, 0u64, None);
    for batch in reader {
        let batch = match batch {
            Ok(batch) => batch,
            Err(e) => {
                let message = format!("{} ({next_seq} rows read before it)", err(&e));
                problem = Some(InputProblem {
                    file: path.display().to_string(),
                    message,
                });
                break;
            }
        };
        let raw_bytes = batch.get_array_memory_size() as u64;
        raw_total += raw_bytes;
        let records = decode(&batch, shard, next_seq, &file, input);
        let first_seq = next_seq;
        next_seq += records.len() as u32;
        let raw = RawBatch {
            shard,
            first_seq,
            raw_bytes,
            consumed: 0,
            payload: Payload::Records(records),
        };
        if !emit(ReadItem::Batch(raw)) {
            return Ok(ShardEnd::default());
        }
    }
    Ok(ShardEnd {
        records: u64::from(next_seq),
        raw_bytes: raw_total,
        problem,
        ..Default::default()
    })
}

fn string_at(array: &dyn Array, row: usize) -> Option<String> {
    if array.is_null(row) {
        return None;
    }
    match array.data_type() {
        DataType::Utf8 => Some(array.as_string::<i32>().value(row).to_owned()),
        DataType::LargeUtf8 => Some(array.as_string::<i64>().value(row).to_owned()),
        DataType::Utf8View => Some(array.as_string_view().value(row).to_owned()),
        _ => None,
    }
}

fn meta_lines(batch: &RecordBatch, skip: &[Option<usize>]) -> Vec<Meta> {
    let keep: Vec<usize> = (0..batch.num_columns()).filter(|i| !skip.contains(&Some(*i))).collect();
    let mut metas = vec![Meta::default(); batch.num_rows()];
    let Ok(projected) = batch.project(&keep) else {
        return metas;
    };
    if projected.num_columns() == 0 {
        return metas;
    }
    let mut writer = arrow_json::LineDelimitedWriter::new(Vec::new());
    if writer.write(&projected).and_then(|()| writer.finish()).is_err() {
        return metas;
    }
    let json = writer.into_inner();
    for (meta, line) in metas.iter_mut().zip(json.split(|&b| b == b'\n')) {
        if let Ok(obj) = serde_json::from_slice::<RawObject<'_>>(line) {
            for (k, v) in obj.0 {
                meta.insert(k.into_owned(), v.to_owned());
            }
        }
    }
    metas
}

fn decode(batch: &RecordBatch, shard: u32, first_seq: u32, file: &Arc<Path>, input: &InputConfig) -> Vec<Record> {
    let schema = batch.schema();
    let id_col = schema.index_of(&input.id_field).ok();
    let text_col = schema.index_of(&input.text_field).ok();
    let metas = meta_lines(batch, &[id_col, text_col]);
    let mut out = Vec::with_capacity(batch.num_rows());
    for (row, meta) in metas.into_iter().enumerate() {
        let seq = first_seq + row as u32;
        let origin = Origin {
            file: Arc::clone(file),
            line: u64::from(seq) + 1,
        };
        let ordinal = Ordinal::new(shard, seq);
        let id = id_col
            .and_then(|c| string_at(batch.column(c).as_ref(), row))
            .unwrap_or_else(|| format!("{}:{}", file.display(), origin.line));
        let text = text_col.and_then(|c| string_at(batch.column(c).as_ref(), row));
        out.push(match text {
            Some(text) if text.contains('\0') => Err(bad_record(id, RecordProblem::NulByte, &origin, text, ordinal)),
            Some(text) => Ok(Document {
                id,
                text,
                meta,
                annotations: Default::default(),
                ordinal,
                origin,
                analysis: Default::default(),
                as_read: None,
            }),
            None => {
                let why = match text_col {
                    None => format!("no column {:?}", input.text_field),
                    Some(c) => format!(
                        "column {:?} is {} here, not a string",
                        input.text_field,
                        describe(batch.column(c).as_ref(), row)
                    ),
                };
                Err(bad_record(
                    id,
                    RecordProblem::MissingText(why),
                    &origin,
                    String::new(),
                    ordinal,
                ))
            }
        });
    }
    out
}

fn describe(array: &dyn Array, row: usize) -> String {
    if array.is_null(row) {
        "null".into()
    } else {
        format!("of type {}", array.data_type())
    }
}
