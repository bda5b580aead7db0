//! File names that are not UTF-8. A Unix file name is bytes, and a folder scraped from old servers holds
//! names in Windows-1256 or cut mid-character; such a file is read like any other. Only where a name must
//! become text does it matter: in the manifest it is kept losslessly (its bytes, so a resumed run opens the
//! same file), and in ids and messages each byte that is not UTF-8 is written `\xNN`, so that two names
//! differing only there still give two ids.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A path as text: UTF-8 as it is, any other byte as `\xNN`.
pub fn display(path: &Path) -> String {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        let mut out = String::new();
        for chunk in path.as_os_str().as_bytes().utf8_chunks() {
            out.push_str(chunk.valid());
            for b in chunk.invalid() {
                out.push_str(&format!("\\x{b:02X}"));
            }
        }
        out
    }
    #[cfg(not(unix))]
    {
        path.to_string_lossy().into_owned()
    }
}

/// Whether the manifest can hold this path (every path on Unix; a UTF-8 one elsewhere).
pub fn storable(path: &Path) -> bool {
    cfg!(unix) || path.to_str().is_some()
}

/// How a path is written in the manifest: a string when it is UTF-8, else its bytes.
#[derive(Serialize, Deserialize)]
#[serde(untagged)]
enum Stored {
    Text(String),
    Bytes { os_bytes: Vec<u8> },
}

impl Stored {
    fn of(path: &Path) -> Option<Stored> {
        if let Some(text) = path.to_str() {
            return Some(Stored::Text(text.to_owned()));
        }
        #[cfg(unix)]
        {
            use std::os::unix::ffi::OsStrExt;
            Some(Stored::Bytes {
                os_bytes: path.as_os_str().as_bytes().to_vec(),
            })
        }
        #[cfg(not(unix))]
        {
            None
        }
    }

    fn into_path<E: serde::de::Error>(self) -> Result<PathBuf, E> {
        match self {
            Stored::Text(text) => Ok(PathBuf::from(text)),
            #[cfg(unix)]
            Stored::Bytes { os_bytes } => {
                use std::os::unix::ffi::OsStringExt;
                Ok(PathBuf::from(std::ffi::OsString::from_vec(os_bytes)))
            }
            #[cfg(not(unix))]
            Stored::Bytes { .. } => Err(E::custom("a file name that is not UTF-8, written on Unix")),
        }
    }
}

fn stored<S: Serializer>(path: &Path) -> Result<Stored, S::Error> {
    Stored::of(path).ok_or_else(|| serde::ser::Error::custom(format!("{} is not UTF-8", display(path))))
}

/// `#[serde(with = "names")]` for a `PathBuf`.
pub fn serialize<S: Serializer>(path: &Path, serializer: S) -> Result<S::Ok, S::Error> {
    stored::<S>(path)?.serialize(serializer)
}

/// `#[serde(with = "names")]` for a `PathBuf`.
pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<PathBuf, D::Error> {
    Stored::deserialize(deserializer)?.into_path()
}

/// `#[serde(with = "names::list")]` for a `Vec<PathBuf>`.
pub mod list {
    use super::{stored, Deserialize, Deserializer, PathBuf, Serialize, Serializer, Stored};

    /// Writes each path as [`super::serialize`] does.
    pub fn serialize<S: Serializer>(paths: &[PathBuf], serializer: S) -> Result<S::Ok, S::Error> {
        let all = paths.iter().map(|p| stored::<S>(p)).collect::<Result<Vec<_>, _>>()?;
        all.serialize(serializer)
    }

    /// Reads each path as [`super::deserialize`] does.
    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<PathBuf>, D::Error> {
        Vec::<Stored>::deserialize(deserializer)?
            .into_iter()
            .map(Stored::into_path)
            .collect()
    }
}

#[cfg(all(test, unix))]
mod tests {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;

    use super::*;

    #[derive(Serialize, Deserialize, PartialEq, Debug)]
    struct Holder {
        #[serde(with = "super")]
        one: PathBuf,
        #[serde(with = "super::list")]
        many: Vec<PathBuf>,
    }

    #[test]
    fn names_that_are_not_utf8_round_trip_and_display_distinctly() {
        let odd = PathBuf::from(OsStr::from_bytes(b"dir/\xc7\xe1\xd1\xed\xc7\xd6.txt"));
        let other = PathBuf::from(OsStr::from_bytes(b"dir/\xc7\xe1\xd1\xed\xc7\xd7.txt"));
        let holder = Holder {
            one: odd.clone(),
            many: vec![PathBuf::from("plain/نص.txt"), other.clone()],
        };
        let json = serde_json::to_string(&holder).expect("serialize");
        assert!(json.contains("\"plain/نص.txt\""), "{json}");
        assert_eq!(serde_json::from_str::<Holder>(&json).expect("deserialize"), holder);
        assert_eq!(display(&odd), "dir/\\xC7\\xE1\\xD1\\xED\\xC7\\xD6.txt");
        assert_ne!(display(&odd), display(&other));
        assert_eq!(display(Path::new("نص.txt")), "نص.txt");
    }
}
