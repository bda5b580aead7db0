//! Parquet parts. Columns are the JSONL fields: strings stay strings, `meta` and `detail` are JSON text (a
//! corpus's meta fields vary from record to record, so a fixed schema could not hold them verbatim).
//! Compression is Parquet's own (zstd, gzip or none), applied by the writer thread.

use std::path::Path;
use std::sync::Arc;

use arrow_array::builder::{Float64Builder, StringBuilder};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Schema};
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression as PqCompression, GzipLevel, ZstdLevel};
use parquet::file::properties::WriterProperties;

use super::Channel;
use crate::doc::RawObject;
use crate::work::TmpFile;
use crate::{Compression, Error, OutputConfig, Result};

const KEPT: &[&str] = &["id", "text", "meta"];
const REMOVED: &[&str] = &[
    "id",
    "reason",
    "stage",
    "detail",
    "duplicate_of",
    "similarity",
    "text",
    "meta",
    "raw_base64",
];

fn columns(channel: Channel) -> &'static [&'static str] {
    match channel {
        Channel::Kept => KEPT,
        Channel::Removed => REMOVED,
    }
}

fn schema(channel: Channel) -> Arc<Schema> {
    let fields: Vec<Field> = columns(channel)
        .iter()
        .map(|&name| match name {
            "similarity" => Field::new(name, DataType::Float64, true),
            "id" | "text" => Field::new(name, DataType::Utf8, false),
            _ => Field::new(name, DataType::Utf8, true),
        })
        .collect();
    Arc::new(Schema::new(fields))
}

/// Converts JSONL lines written by ghirbal into an Arrow batch for `channel`.
pub(super) fn to_batch(lines: &[u8], channel: Channel, part: &Path) -> Result<RecordBatch> {
    let names = columns(channel);
    let mut strings: Vec<StringBuilder> = names.iter().map(|_| StringBuilder::new()).collect();
    let mut similarity = Float64Builder::new();
    for line in lines.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
        // The lines are ours; one that does not parse is a bug, and a row of empty strings would hide it.
        let obj: RawObject<'_> = serde_json::from_slice(line).map_err(|e| Error::Parquet {
            path: part.to_owned(),
            message: format!(
                "an output record does not parse ({e}): {}",
                String::from_utf8_lossy(line)
            ),
        })?;
        for (i, name) in names.iter().enumerate() {
            let raw = obj.0.iter().find(|(k, _)| k == name).map(|(_, v)| v.get());
            if *name == "similarity" {
                similarity.append_option(raw.and_then(|r| r.parse::<f64>().ok()));
                continue;
            }
            match raw {
                Some(r) if r.starts_with('"') => strings[i].append_option(serde_json::from_str::<String>(r).ok()),
                Some(r) => strings[i].append_value(r),
                None if *name == "id" || *name == "text" => strings[i].append_value(""),
                None => strings[i].append_null(),
            }
        }
    }
    let arrays: Vec<ArrayRef> = names
        .iter()
        .enumerate()
        .map(|(i, name)| -> ArrayRef {
            if *name == "similarity" {
                Arc::new(similarity.finish())
            } else {
                Arc::new(strings[i].finish())
            }
        })
        .collect();
    // The arrays are built to match the schema column for column.
    RecordBatch::try_new(schema(channel), arrays).map_err(|e| err(part, &e))
}

/// A Parquet writer for one part.
pub(super) fn writer(file: TmpFile, channel: Channel, cfg: &OutputConfig, path: &Path) -> Result<ArrowWriter<TmpFile>> {
    let compression = match cfg.compression {
        Compression::Zstd => PqCompression::ZSTD(ZstdLevel::try_new(cfg.zstd_level).map_err(|e| err(path, &e))?),
        Compression::Gzip => PqCompression::GZIP(GzipLevel::try_new(cfg.gzip_level).map_err(|e| err(path, &e))?),
        Compression::None => PqCompression::UNCOMPRESSED,
    };
    let props = WriterProperties::builder().set_compression(compression).build();
    ArrowWriter::try_new(file, schema(channel), Some(props)).map_err(|e| err(path, &e))
}

pub(super) fn err(path: &Path, e: &dyn std::fmt::Display) -> Error {
    Error::Parquet {
        path: path.to_owned(),
        message: e.to_string(),
    }
}
