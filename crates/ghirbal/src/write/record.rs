//! The `removed/` record: `{"id","reason","stage","detail",("duplicate_of","similarity"),"text","meta"}`, plus
//! `raw_base64` when the input bytes were not valid UTF-8, so that nothing read is ever lost.

use base64::Engine;

use crate::doc::write_json_str;
use crate::{Document, Removal};

/// The parts of a removed record that do not come from a [`Document`].
pub struct RemovedFields<'a> {
    /// Id of the removed record.
    pub id: &'a str,
    /// Text (or the raw record for unreadable input).
    pub text: &'a str,
    /// The document, when there is one (for its meta).
    pub doc: Option<&'a Document>,
    /// Why.
    pub removal: &'a Removal,
}

/// Appends the removed record as one JSON line.
pub fn removed_line(out: &mut Vec<u8>, f: &RemovedFields<'_>) {
    out.extend_from_slice(b"{\"id\":");
    write_json_str(out, f.id);
    out.extend_from_slice(b",\"reason\":");
    write_json_str(out, f.removal.reason.code);
    out.extend_from_slice(b",\"stage\":");
    write_json_str(out, f.removal.reason.stage);
    out.extend_from_slice(b",\"detail\":");
    let _ = serde_json::to_writer(&mut *out, &f.removal.detail);
    if let Some(keeper) = &f.removal.duplicate_of {
        out.extend_from_slice(b",\"duplicate_of\":");
        write_json_str(out, keeper);
    }
    if let Some(sim) = f.removal.similarity {
        out.extend_from_slice(b",\"similarity\":");
        let _ = serde_json::to_writer(&mut *out, &sim);
    }
    out.extend_from_slice(b",\"text\":");
    write_json_str(out, f.text);
    out.extend_from_slice(b",\"meta\":");
    match f.doc {
        Some(doc) => doc.write_meta(out),
        None => out.extend_from_slice(b"{}"),
    }
    if let Some(raw) = &f.removal.raw {
        out.extend_from_slice(b",\"raw_base64\":");
        write_json_str(out, &base64::engine::general_purpose::STANDARD.encode(raw));
    }
    out.extend_from_slice(b"}\n");
}
