//! Folders of `.txt` files (and `.html` pages, read the same way and extracted by [`super::web`]), possibly
//! compressed (`.txt.gz`, `.txt.xz` …): one document per file, id = path relative to the folder without its
//! extensions (`seeds/000_00c58df026898146.txt` → `000_00c58df026898146`). The text is the file's bytes decoded under
//! `[input] encoding` (UTF-8 by default; a byte order mark is not text and is dropped), otherwise unaltered.

use std::io::Read;
use std::path::Path;
use std::sync::Arc;

use super::charset::{self, Charset};
use super::compress::{self, Codec, Place};
use super::plan::file_id;
use super::InputProblem;
use super::NUL_BYTE;
use super::{
    place_detail, undecodable, BadRecord, Payload, RawBatch, ReadItem, Record, ShardEnd, ShardKind, ShardSpec,
};
use crate::{Document, Error, InputConfig, Ordinal, Origin, Removal, Result};

/// Reads the files of a `.txt` shard into batches. A compressed file that does not decode is not a
/// document: the shard ends with an input problem naming it (the run then fails), the other files read.
pub(super) fn read(spec: &ShardSpec, batch_bytes: u64, emit: &mut dyn FnMut(ReadItem) -> bool) -> Result<ShardEnd> {
    let (root, files, html) = match &spec.kind {
        ShardKind::Txt { root, files } => (root, files, false),
        ShardKind::Html { root, files } => (root, files, true),
        _ => unreachable!("txt::read called on a shard of neither .txt nor .html files"),
    };
    let mut items = Vec::new();
    let (mut bytes, mut total, mut next_seq, mut problem) = (0u64, 0u64, 0u32, None);
    for rel in files {
        let path = root.join(rel);
        let data = match contents(&path)? {
            Ok(data) => data,
            Err(fault) => {
                problem = Some(join(problem, fault));
                continue;
            }
        };
        bytes += data.len() as u64;
        total += data.len() as u64;
        items.push((file_id(rel), Arc::from(path.as_path()), data));
        if bytes >= batch_bytes {
            let batch = take(spec.index, &mut next_seq, &mut items, &mut bytes, html);
            if !emit(ReadItem::Batch(batch)) {
                return Ok(ShardEnd::default());
            }
        }
    }
    if !items.is_empty() {
        let batch = take(spec.index, &mut next_seq, &mut items, &mut bytes, html);
        emit(ReadItem::Batch(batch));
    }
    Ok(ShardEnd {
        records: u64::from(next_seq),
        raw_bytes: total,
        problem,
        ..Default::default()
    })
}

/// One input problem for the shard (it has room for one), naming every file that failed.
fn join(first: Option<InputProblem>, next: InputProblem) -> InputProblem {
    match first {
        None => next,
        Some(first) => InputProblem {
            message: format!("{}; {}", first.message, next.message),
            ..first
        },
    }
}

/// A file's bytes, decompressed when its name says so; a decoding failure is an input problem, not an
/// error, so the files read before it stay accounted.
fn contents(path: &Path) -> Result<std::result::Result<Vec<u8>, InputProblem>> {
    let name = path.file_name().map(|n| n.to_string_lossy()).unwrap_or_default();
    let (codec, _) = Codec::from_name(&name);
    if codec == Codec::Plain {
        return std::fs::read(path).map(Ok).map_err(Error::io("reading", path));
    }
    // Unbuffered above the decoder: read_to_end asks for large reads, and a folder may hold many files.
    let (mut decoded, position) = compress::decoded(path, codec, 0, None)?;
    let mut data = Vec::new();
    match decoded.read_to_end(&mut data) {
        Ok(_) => Ok(Ok(data)),
        Err(e) => {
            let place = compress::Fault::of(&e).map_or(Place::At(position.offset()), |f| f.place);
            Ok(Err(InputProblem {
                file: path.display().to_string(),
                message: format!(
                    "{}: input is truncated or corrupt {place} of the compressed file (not read): {e}",
                    path.display()
                ),
            }))
        }
    }
}

fn take(
    shard: u32,
    next_seq: &mut u32,
    items: &mut Vec<(String, Arc<Path>, Vec<u8>)>,
    bytes: &mut u64,
    html: bool,
) -> RawBatch {
    let first_seq = *next_seq;
    *next_seq += items.len() as u32;
    let raw_bytes = std::mem::take(bytes);
    RawBatch {
        shard,
        first_seq,
        raw_bytes,
        consumed: raw_bytes,
        payload: if html {
            Payload::Pages(std::mem::take(items))
        } else {
            Payload::Files(std::mem::take(items))
        },
    }
}

/// Turns file contents into records, decoding each under `[input] encoding`.
pub(super) fn parse(
    shard: u32,
    first_seq: u32,
    files: Vec<(String, Arc<Path>, Vec<u8>)>,
    input: &InputConfig,
) -> Vec<Record> {
    let charset = input.charset().unwrap_or(Charset::Utf8);
    files
        .into_iter()
        .enumerate()
        .map(|(i, (id, file, data))| {
            let ordinal = Ordinal::new(shard, first_seq + i as u32);
            let origin = Origin { file, line: 0 };
            match charset::decode_text(data, charset) {
                Ok(decoded) if decoded.text.contains('\0') => {
                    let removal =
                        place_detail(Removal::new(NUL_BYTE), &origin).with("error", "text contains a NUL character");
                    Err(Box::new(BadRecord {
                        id,
                        removal,
                        text: decoded.text,
                        ordinal,
                    }))
                }
                Ok(decoded) => {
                    let mut doc = Document::new(id, String::new(), ordinal, origin);
                    super::note_charset(&mut doc, &decoded);
                    doc.text = decoded.text;
                    Ok(doc)
                }
                Err((bytes, err)) => Err(undecodable(id, bytes, &err, "file", &origin, ordinal)),
            }
        })
        .collect()
}
