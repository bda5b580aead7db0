//! Parquet: the text column is a string (Utf8, LargeUtf8, Utf8View) or binary (Binary, LargeBinary,
//! BinaryView, FixedSizeBinary: bytes decoded like a JSONL line, under `[input] encoding`, so bytes that do not
//! decode are removed with `read.invalid_utf8` and kept raw), plain or dictionary-encoded (as pandas and
//! Spark write categorical columns). The id column is any of those or an integer (its decimal string). Every
//! other column goes to `meta`, converted to JSON by arrow-json so that any Arrow type is kept. Rows are
//! numbered from 1 in `detail`. A row with a null or non-string text is removed with `read.missing_text`.

use std::path::Path;
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::{Array, RecordBatch};
use arrow_schema::DataType;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use super::charset::{self, Charset};
use super::InputProblem;
use super::{bad_record, undecodable, BadRecord, Payload, RawBatch, ReadItem, Record, ShardEnd};
use crate::doc::{RawObject, RecordProblem};
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
    let ids = id_col.map(|c| Column::new(batch.column(c).as_ref()));
    let texts = text_col.map(|c| Column::new(batch.column(c).as_ref()));
    let charset = input.charset().unwrap_or(Charset::Utf8);
    let metas = meta_lines(batch, &[id_col, text_col]);
    let mut out = Vec::with_capacity(batch.num_rows());
    for (row, meta) in metas.into_iter().enumerate() {
        let seq = first_seq + row as u32;
        let at = Row {
            origin: Origin {
                file: Arc::clone(file),
                line: u64::from(seq) + 1,
            },
            ordinal: Ordinal::new(shard, seq),
        };
        let id = ids
            .as_ref()
            .and_then(|c| c.cell(row).id())
            .unwrap_or_else(|| format!("{}:{}", file.display(), at.origin.line));
        out.push(match texts.as_ref().map_or(Cell::Other, |c| c.cell(row)) {
            Cell::Text(text) => document(id, text.to_owned(), None, meta, at),
            Cell::Bytes(bytes) => match charset::decode_text(bytes.to_vec(), charset) {
                Ok(mut decoded) => {
                    let text = std::mem::take(&mut decoded.text);
                    document(id, text, Some(&decoded), meta, at)
                }
                Err((raw, err)) => Err(undecodable(id, raw, &err, "value", &at.origin, at.ordinal)),
            },
            _ => Err(no_text(id, input, texts.as_ref(), row, at)),
        });
    }
    out
}

/// Where a row is: its file and row number, its ordinal.
struct Row {
    origin: Origin,
    ordinal: Ordinal,
}

/// The document of a row whose text was read; a NUL character removes it.
fn document(id: String, text: String, decoded: Option<&charset::Decoded>, meta: Meta, at: Row) -> Record {
    if text.contains('\0') {
        return Err(bad_record(id, RecordProblem::NulByte, &at.origin, text, at.ordinal));
    }
    let mut doc = Document {
        id,
        text,
        meta,
        annotations: Default::default(),
        ordinal: at.ordinal,
        origin: at.origin,
        analysis: Default::default(),
        as_read: None,
    };
    if let Some(decoded) = decoded {
        super::note_charset(&mut doc, decoded);
    }
    Ok(doc)
}

/// The removal of a row without a text: no text column, a null, or a value of another type.
fn no_text(id: String, input: &InputConfig, texts: Option<&Column<'_>>, row: usize, at: Row) -> Box<BadRecord> {
    let why = match texts {
        None => format!("no column {:?}", input.text_field),
        Some(c) => format!(
            "column {:?} is {} here, not a string",
            input.text_field,
            c.describe(row)
        ),
    };
    bad_record(
        id,
        RecordProblem::MissingText(why),
        &at.origin,
        String::new(),
        at.ordinal,
    )
}

/// An id or text column of one batch, a dictionary's keys resolved once for the batch.
struct Column<'a> {
    array: &'a dyn Array,
    /// For a dictionary column: its values, and each row's index into them.
    dict: Option<(&'a dyn Array, Vec<usize>)>,
}

/// One value of an id or text column.
enum Cell<'a> {
    /// A string.
    Text(&'a str),
    /// Binary: text in some encoding, UTF-8 unless `[input] encoding` says otherwise.
    Bytes(&'a [u8]),
    /// An integer, in decimal.
    Integer(String),
    /// Null, or a type that is neither.
    Other,
}

impl<'a> Column<'a> {
    fn new(array: &'a dyn Array) -> Column<'a> {
        let dict = array
            .as_any_dictionary_opt()
            .map(|d| (d.values().as_ref(), d.normalized_keys()));
        Column { array, dict }
    }

    fn cell(&self, row: usize) -> Cell<'a> {
        if self.array.is_null(row) {
            return Cell::Other;
        }
        match &self.dict {
            Some((values, keys)) => keys.get(row).map_or(Cell::Other, |&key| cell(*values, key)),
            None => cell(self.array, row),
        }
    }

    fn describe(&self, row: usize) -> String {
        if self.array.is_null(row) {
            "null".into()
        } else {
            format!("of type {}", self.array.data_type())
        }
    }
}

impl Cell<'_> {
    /// The value as an id: a string, binary (lossily), or an integer in decimal.
    fn id(self) -> Option<String> {
        match self {
            Cell::Text(text) => Some(text.to_owned()),
            Cell::Bytes(bytes) => Some(String::from_utf8_lossy(bytes).into_owned()),
            Cell::Integer(n) => Some(n),
            Cell::Other => None,
        }
    }
}

fn cell(array: &dyn Array, row: usize) -> Cell<'_> {
    if row >= array.len() || array.is_null(row) {
        return Cell::Other;
    }
    match array.data_type() {
        DataType::Utf8 => Cell::Text(array.as_string::<i32>().value(row)),
        DataType::LargeUtf8 => Cell::Text(array.as_string::<i64>().value(row)),
        DataType::Utf8View => Cell::Text(array.as_string_view().value(row)),
        DataType::Binary => Cell::Bytes(array.as_binary::<i32>().value(row)),
        DataType::LargeBinary => Cell::Bytes(array.as_binary::<i64>().value(row)),
        DataType::BinaryView => Cell::Bytes(array.as_binary_view().value(row)),
        DataType::FixedSizeBinary(_) => Cell::Bytes(array.as_fixed_size_binary().value(row)),
        _ => integer(array, row).map_or(Cell::Other, Cell::Integer),
    }
}

fn integer(array: &dyn Array, row: usize) -> Option<String> {
    use arrow_array::types::{
        Int16Type, Int32Type, Int64Type, Int8Type, UInt16Type, UInt32Type, UInt64Type, UInt8Type,
    };
    Some(match array.data_type() {
        DataType::Int8 => array.as_primitive::<Int8Type>().value(row).to_string(),
        DataType::Int16 => array.as_primitive::<Int16Type>().value(row).to_string(),
        DataType::Int32 => array.as_primitive::<Int32Type>().value(row).to_string(),
        DataType::Int64 => array.as_primitive::<Int64Type>().value(row).to_string(),
        DataType::UInt8 => array.as_primitive::<UInt8Type>().value(row).to_string(),
        DataType::UInt16 => array.as_primitive::<UInt16Type>().value(row).to_string(),
        DataType::UInt32 => array.as_primitive::<UInt32Type>().value(row).to_string(),
        DataType::UInt64 => array.as_primitive::<UInt64Type>().value(row).to_string(),
        _ => return None,
    })
}
