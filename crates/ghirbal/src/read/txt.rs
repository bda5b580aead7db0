//! Folders of `.txt` files: one document per file, id = path relative to the folder without `.txt`
//! (`seeds/000_00c58df026898146.txt` → `000_00c58df026898146`). The text is the file's bytes, unaltered.

use std::path::Path;
use std::sync::Arc;

use super::{place_detail, BadRecord, Payload, RawBatch, ReadItem, Record, ShardEnd, ShardKind, ShardSpec};
use super::{INVALID_UTF8, NUL_BYTE};
use crate::{Document, Error, Ordinal, Origin, Removal, Result};

/// Reads the files of a `.txt` shard into batches.
pub(super) fn read(spec: &ShardSpec, batch_bytes: u64, emit: &mut dyn FnMut(ReadItem) -> bool) -> Result<ShardEnd> {
    let ShardKind::Txt { root, files } = &spec.kind else {
        unreachable!("txt::read called on a non-txt shard")
    };
    let mut items = Vec::new();
    let (mut bytes, mut total, mut next_seq) = (0u64, 0u64, 0u32);
    for rel in files {
        let path = root.join(rel);
        let data = std::fs::read(&path).map_err(Error::io("reading", &path))?;
        bytes += data.len() as u64;
        total += data.len() as u64;
        let id = rel.strip_suffix(".txt").unwrap_or(rel).to_owned();
        items.push((id, Arc::from(path.as_path()), data));
        if bytes >= batch_bytes {
            let batch = take(spec.index, &mut next_seq, &mut items, &mut bytes);
            if !emit(ReadItem::Batch(batch)) {
                return Ok(ShardEnd::default());
            }
        }
    }
    if !items.is_empty() {
        let batch = take(spec.index, &mut next_seq, &mut items, &mut bytes);
        emit(ReadItem::Batch(batch));
    }
    Ok(ShardEnd {
        records: u64::from(next_seq),
        raw_bytes: total,
        problem: None,
    })
}

fn take(shard: u32, next_seq: &mut u32, items: &mut Vec<(String, Arc<Path>, Vec<u8>)>, bytes: &mut u64) -> RawBatch {
    let first_seq = *next_seq;
    *next_seq += items.len() as u32;
    let raw_bytes = std::mem::take(bytes);
    RawBatch {
        shard,
        first_seq,
        raw_bytes,
        consumed: raw_bytes,
        payload: Payload::Files(std::mem::take(items)),
    }
}

/// Turns file contents into records.
pub(super) fn parse(shard: u32, first_seq: u32, files: Vec<(String, Arc<Path>, Vec<u8>)>) -> Vec<Record> {
    files
        .into_iter()
        .enumerate()
        .map(|(i, (id, file, data))| {
            let ordinal = Ordinal::new(shard, first_seq + i as u32);
            let origin = Origin { file, line: 0 };
            match String::from_utf8(data) {
                Ok(text) if text.contains('\0') => {
                    let removal =
                        place_detail(Removal::new(NUL_BYTE), &origin).with("error", "text contains a NUL character");
                    Err(Box::new(BadRecord {
                        id,
                        removal,
                        text,
                        ordinal,
                    }))
                }
                Ok(text) => Ok(Document::new(id, text, ordinal, origin)),
                Err(e) => {
                    let at = e.utf8_error().valid_up_to();
                    let bytes = e.into_bytes();
                    let removal = place_detail(Removal::new(INVALID_UTF8), &origin)
                        .with("error", format!("invalid UTF-8 at byte {at} of the file"));
                    let text = String::from_utf8_lossy(&bytes).into_owned();
                    Err(Box::new(BadRecord {
                        id,
                        removal: Removal {
                            raw: Some(bytes),
                            ..removal
                        },
                        text,
                        ordinal,
                    }))
                }
            }
        })
        .collect()
}
