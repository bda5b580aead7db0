//! The JSON files under `OUT/work/` (the manifest, every task's stats): pretty JSON a person can read, with a
//! `"xxh3"` key holding the checksum of the rest, so that a changed digit — which would still parse, and
//! quietly change a count or a shard's byte range — is an error naming the file.

use std::path::Path;

use crate::{Error, Result};

const KEY: &str = "xxh3";

fn corrupt(path: &Path, message: String) -> Error {
    Error::Corrupt {
        path: path.to_owned(),
        message,
    }
}

/// The first line after `{`: the checksum of the file with this line taken out.
const PREFIX: &[u8] = b"{\n  \"xxh3\": \"";
const LINE_END: &[u8] = b"\",\n";

/// Writes `value` (a struct or map with at least one field) to `path` atomically and durably, with its
/// checksum.
pub(crate) fn write<T: serde::Serialize>(path: &Path, value: &T) -> Result<()> {
    super::write_atomic(path, &encode(path, value)?)
}

/// [`write`], the sync left to the syncing thread: for a task's stats, which its marker vouches for
/// ([`super::TmpFile::commit_behind`]).
pub(crate) fn write_behind<T: serde::Serialize>(path: &Path, value: &T) -> Result<()> {
    super::write_behind(path, &encode(path, value)?)
}

/// The bytes [`write`] writes.
fn encode<T: serde::Serialize>(path: &Path, value: &T) -> Result<Vec<u8>> {
    let mut body = serde_json::to_vec_pretty(value).map_err(|e| corrupt(path, e.to_string()))?;
    body.push(b'\n');
    if !body.starts_with(b"{\n") {
        return Err(corrupt(path, "only objects with fields are written".into()));
    }
    let sum = format!("{:016x}", super::codec::checksum(&body));
    let mut data = PREFIX.to_vec();
    data.extend_from_slice(sum.as_bytes());
    data.extend_from_slice(LINE_END);
    data.extend_from_slice(&body[2..]);
    Ok(data)
}

/// Reads a file [`write`] wrote, checking its checksum (over the bytes: a parsed-and-reprinted number could
/// differ in its last digit from what was written).
pub(crate) fn read<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T> {
    let data = std::fs::read(path).map_err(Error::io("reading", path))?;
    let head = PREFIX.len() + 16 + LINE_END.len();
    let stored = data
        .get(PREFIX.len()..PREFIX.len() + 16)
        .filter(|_| data.starts_with(PREFIX) && data.get(head - LINE_END.len()..head) == Some(LINE_END));
    let Some(stored) = stored else {
        return Err(corrupt(
            path,
            format!("no \"{KEY}\" checksum line (not written by this work format)"),
        ));
    };
    let mut body = b"{\n".to_vec();
    body.extend_from_slice(&data[head..]);
    if format!("{:016x}", super::codec::checksum(&body)).as_bytes() != stored {
        return Err(corrupt(path, "the content does not match its checksum".into()));
    }
    serde_json::from_slice(&body).map_err(|e| corrupt(path, e.to_string()))
}
#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[test]
    fn a_changed_digit_is_caught() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("00000.json");
        let value: BTreeMap<String, f64> = [("kept".into(), 120.0), ("ratio".into(), 0.125)].into();
        write(&path, &value).expect("write");
        let back: BTreeMap<String, f64> = read(&path).expect("read");
        assert_eq!(back, value);
        let text = std::fs::read_to_string(&path).expect("read");
        std::fs::write(&path, text.replace("120", "190")).expect("write");
        let err = read::<BTreeMap<String, f64>>(&path).expect_err("changed");
        assert!(err.to_string().contains("checksum"), "{err}");
        std::fs::write(&path, text).expect("restore");
        read::<BTreeMap<String, f64>>(&path).expect("intact again");
        std::fs::write(&path, "{\"kept\": 1}").expect("write");
        assert!(read::<BTreeMap<String, f64>>(&path).is_err(), "no checksum");
    }
}
