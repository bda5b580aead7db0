//! The document: `{"id", "text", "meta"}` (DESIGN §1), its place in the input, and its JSON line form.
//!
//! `meta` holds every other input field *verbatim*: values are kept as raw JSON text, never re-parsed and
//! re-printed, so numbers, key order and escapes survive the round trip byte for byte. What ghirbal itself adds
//! (cluster sizes, edit counts) lives apart in [`Document::annotations`] and is written as `meta.ghirbal`.

use std::fmt;
use std::path::Path;
use std::sync::Arc;

use serde::de::{MapAccess, Visitor};
use serde::Deserializer;
use serde_json::value::RawValue;
use serde_json::{Map, Value};

/// The key under `meta` where ghirbal writes its own annotations.
pub const ANNOTATIONS_KEY: &str = "ghirbal";

/// A document's position in the run: shard index, then sequence number inside the shard.
///
/// Ordinals order documents exactly as the input lists them, so "first" means the same thing on every run,
/// at every thread count and under every engine.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Ordinal(pub u64);

impl Ordinal {
    /// Builds the ordinal of record `seq` of shard `shard`.
    pub fn new(shard: u32, seq: u32) -> Ordinal {
        Ordinal((u64::from(shard) << 32) | u64::from(seq))
    }
    /// The shard index.
    pub fn shard(self) -> u32 {
        (self.0 >> 32) as u32
    }
    /// The sequence number inside the shard.
    pub fn seq(self) -> u32 {
        self.0 as u32
    }
}

/// Where a document was read: the file, and the 1-based line (JSONL) or row (Parquet); 0 for a `.txt` file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Origin {
    /// The input file.
    pub file: Arc<Path>,
    /// 1-based line or row; 0 when the whole file is the document.
    pub line: u64,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}", self.file.display())
        } else {
            write!(f, "{}:{}", self.file.display(), self.line)
        }
    }
}

/// Input fields other than id and text, kept as raw JSON in input order.
#[derive(Clone, Debug, Default)]
pub struct Meta(Vec<(String, Box<RawValue>)>);

impl PartialEq for Meta {
    fn eq(&self, other: &Meta) -> bool {
        self.0.len() == other.0.len()
            && self
                .iter()
                .zip(other.iter())
                .all(|(a, b)| a.0 == b.0 && a.1.get() == b.1.get())
    }
}

impl Meta {
    /// The raw JSON of field `key`, if present.
    pub fn get(&self, key: &str) -> Option<&RawValue> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_ref())
    }
    /// The field as a string, if it is a JSON string.
    pub fn get_str(&self, key: &str) -> Option<String> {
        self.get(key)
            .and_then(|raw| serde_json::from_str::<String>(raw.get()).ok())
    }
    /// Adds or replaces a field.
    pub fn insert(&mut self, key: String, value: Box<RawValue>) {
        match self.0.iter_mut().find(|(k, _)| *k == key) {
            Some(slot) => slot.1 = value,
            None => self.0.push((key, value)),
        }
    }
    /// The fields in input order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &RawValue)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_ref()))
    }
    /// True when there are no fields.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// One document flowing through the pipeline.
#[derive(Clone, Debug)]
pub struct Document {
    /// Unique id (from the input, or derived from its place).
    pub id: String,
    /// The text; paragraphs separated by `\n`.
    pub text: String,
    /// Every other input field, verbatim.
    pub meta: Meta,
    /// What ghirbal adds, written as `meta.ghirbal`.
    pub annotations: Map<String, Value>,
    /// Position in the run.
    pub ordinal: Ordinal,
    /// Where it was read.
    pub origin: Origin,
    /// Words and key form shared by the filters, computed on first use (never serialised).
    pub analysis: crate::text::Analysis,
    /// The text as read, kept once a stage has edited it (see [`Document::replace_text`]); never
    /// serialised. A rule that must not be stricter than its reference on the input (the length floor
    /// against FineWeb-2's count) measures it.
    pub as_read: Option<String>,
}

impl Document {
    /// A document with empty meta.
    pub fn new(id: impl Into<String>, text: impl Into<String>, ordinal: Ordinal, origin: Origin) -> Document {
        Document {
            id: id.into(),
            text: text.into(),
            meta: Meta::default(),
            annotations: Map::new(),
            ordinal,
            origin,
            analysis: Default::default(),
            as_read: None,
        }
    }

    /// Replaces the text with an edited one, keeping the text as read (the first version) in `as_read`.
    pub fn replace_text(&mut self, text: String) {
        let previous = std::mem::replace(&mut self.text, text);
        self.as_read.get_or_insert(previous);
    }

    /// The text as read: `as_read` once the text was edited, else the text.
    pub fn text_as_read(&self) -> &str {
        self.as_read.as_deref().unwrap_or(&self.text)
    }

    /// Appends the output JSON line (with trailing `\n`) to `out`.
    pub fn write_json_line(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(b"{\"id\":");
        write_json_str(out, &self.id);
        out.extend_from_slice(b",\"text\":");
        write_json_str(out, &self.text);
        out.extend_from_slice(b",\"meta\":");
        self.write_meta(out);
        out.extend_from_slice(b"}\n");
    }

    /// Appends `meta` (input fields, then `ghirbal` annotations) as a JSON object.
    pub fn write_meta(&self, out: &mut Vec<u8>) {
        out.push(b'{');
        let mut first = true;
        for (key, raw) in self.meta.iter() {
            if key == ANNOTATIONS_KEY && !self.annotations.is_empty() {
                continue;
            }
            if !first {
                out.push(b',');
            }
            first = false;
            write_json_str(out, key);
            out.push(b':');
            out.extend_from_slice(raw.get().as_bytes());
        }
        if !self.annotations.is_empty() {
            if !first {
                out.push(b',');
            }
            write_json_str(out, ANNOTATIONS_KEY);
            out.push(b':');
            // Serialising a Map of Values into a Vec cannot fail.
            let _ = serde_json::to_writer(&mut *out, &self.annotations);
        }
        out.push(b'}');
    }
}

/// A similarity as the output writes it: four decimals, enough to compare with a threshold, and stable to
/// read.
pub(crate) fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

/// Appends `s` as a JSON string literal: the bytes `serde_json` writes (non-ASCII raw, no `\u` escapes, which
/// keeps Arabic output compact and readable; `\" \\ \b \f \n \r \t`, other controls as `\u00xx`), found eight
/// bytes at a time: serialising the survivors byte by byte was 2% of a whole run.
pub fn write_json_str(out: &mut Vec<u8>, s: &str) {
    const LOW: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // True when some byte of `w` is a control (< 0x20), a quote or a backslash.
    let special = |w: u64| {
        let zero = |v: u64| v.wrapping_sub(LOW) & !v & HIGH;
        (w.wrapping_sub(LOW * 0x20) & !w & HIGH)
            | zero(w ^ (LOW * u64::from(b'"')))
            | zero(w ^ (LOW * u64::from(b'\\')))
            != 0
    };
    let bytes = s.as_bytes();
    out.reserve(bytes.len() + 2);
    out.push(b'"');
    let (mut start, mut i) = (0, 0);
    while i < bytes.len() {
        if let Some(word) = bytes.get(i..i + 8) {
            if !special(u64::from_le_bytes(word.try_into().unwrap_or_default())) {
                i += 8;
                continue;
            }
        }
        let b = bytes[i];
        let short = match b {
            b'"' => Some(b'"'),
            b'\\' => Some(b'\\'),
            0x08 => Some(b'b'),
            0x0C => Some(b'f'),
            b'\n' => Some(b'n'),
            b'\r' => Some(b'r'),
            b'\t' => Some(b't'),
            _ => None,
        };
        if short.is_some() || b < 0x20 {
            out.extend_from_slice(&bytes[start..i]);
            match short {
                Some(e) => out.extend_from_slice(&[b'\\', e]),
                None => {
                    const HEX: &[u8; 16] = b"0123456789abcdef";
                    out.extend_from_slice(&[
                        b'\\',
                        b'u',
                        b'0',
                        b'0',
                        HEX[usize::from(b >> 4)],
                        HEX[usize::from(b & 15)],
                    ]);
                }
            }
            start = i + 1;
        }
        i += 1;
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'"');
}

/// One input JSON object, its fields in input order, values still raw.
pub struct RawObject<'a>(pub Vec<(std::borrow::Cow<'a, str>, &'a RawValue)>);

impl<'de: 'a, 'a> serde::Deserialize<'de> for RawObject<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ObjectVisitor<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for ObjectVisitor<'a> {
            type Value = RawObject<'a>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<Self::Value, M::Error> {
                let mut fields = Vec::new();
                while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
                    let value: &'de RawValue = map.next_value()?;
                    fields.push((key, value));
                }
                Ok(RawObject(fields))
            }
        }
        deserializer.deserialize_map(ObjectVisitor(std::marker::PhantomData))
    }
}

/// Why a JSON record could not become a document.
#[derive(Debug, Clone, PartialEq)]
pub enum RecordProblem {
    /// Not valid JSON, or not an object.
    Malformed(String),
    /// No text field, or the text field is not a string.
    MissingText(String),
    /// The text contains a NUL character.
    NulByte,
}

/// A record's fields once parsed: id, text, meta, annotations.
pub type Parsed = (String, String, Meta, Map<String, Value>);
/// A record that could not be parsed: its id if it could be read, and the problem.
pub type ParseError = (Option<String>, RecordProblem);

/// Parses one JSON object line into a document.
///
/// `id_field`/`text_field` name the id and text; every other field goes to `meta` verbatim. A `meta` object
/// (ghirbal's own output) is flattened back, and its `ghirbal` entry becomes the annotations, so that a run's
/// output can be fed to another run. Without an id field the id is `fallback_id`.
pub fn parse_record(
    line: &str,
    id_field: &str,
    text_field: &str,
    fallback_id: impl FnOnce() -> String,
) -> Result<Parsed, ParseError> {
    let obj: RawObject<'_> = serde_json::from_str(line).map_err(|e| (None, RecordProblem::Malformed(e.to_string())))?;
    let mut id = None;
    let mut text = None;
    let mut meta = Meta::default();
    let mut annotations = Map::new();
    for (key, raw) in obj.0 {
        if key == id_field {
            id = Some(raw_to_id(raw, id_field)?);
        } else if key == text_field {
            text = Some(raw);
        } else if key == "meta" && raw.get().starts_with('{') {
            flatten_meta(raw, &mut meta, &mut annotations);
        } else {
            meta.insert(key.into_owned(), raw.to_owned());
        }
    }
    let id = id.unwrap_or_else(fallback_id);
    let Some(text_raw) = text else {
        return Err((Some(id), RecordProblem::MissingText(format!("no field {text_field:?}"))));
    };
    let text: String = match json_string_value(text_raw.get()).map_or_else(|| serde_json::from_str(text_raw.get()), Ok)
    {
        Ok(t) => t,
        Err(e) if text_raw.get().starts_with('"') => {
            let problem = RecordProblem::Malformed(string_problem(text_field, text_raw.get(), &e));
            return Err((Some(id), problem));
        }
        Err(_) => {
            let kind = json_kind(text_raw.get());
            let problem = RecordProblem::MissingText(format!("field {text_field:?} is {kind}, not a string"));
            return Err((Some(id), problem));
        }
    };
    if text.contains('\0') {
        return Err((Some(id), RecordProblem::NulByte));
    }
    Ok((id, text, meta, annotations))
}

/// The value of the JSON string literal `raw` (a [`RawValue`] serde_json has checked: quoted, no raw control
/// characters, every escape well formed), decoded as serde_json decodes it but copied run by run between
/// backslashes into a string sized once (serde_json grows its buffer as it goes: 4% of a run's instructions).
/// `None` for anything else — not a string, half a surrogate pair — for serde_json to decode or to refuse
/// with its own message.
fn json_string_value(raw: &str) -> Option<String> {
    let body = raw.strip_prefix('"')?.strip_suffix('"')?;
    let bytes = body.as_bytes();
    let mut out = String::with_capacity(body.len());
    let mut i = 0;
    while let Some(k) = memchr::memchr(b'\\', &bytes[i..]) {
        // A backslash is ASCII: the slices either side of it are whole characters.
        out.push_str(&body[i..i + k]);
        i += k + 1;
        let escaped = match *bytes.get(i)? {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                let (c, used) = unicode_escape(&bytes[i + 1..])?;
                i += used;
                c
            }
            _ => return None,
        };
        out.push(escaped);
        i += 1;
    }
    out.push_str(&body[i..]);
    Some(out)
}

/// The character of a `\u` escape whose four hex digits start `rest` (with the low half of a surrogate pair
/// from a second escape), and the bytes it took beyond the `u`; `None` for half a pair.
fn unicode_escape(rest: &[u8]) -> Option<(char, usize)> {
    let hex = |at: usize| -> Option<u32> {
        let digits = std::str::from_utf8(rest.get(at..at + 4)?).ok()?;
        u32::from_str_radix(digits, 16)
            .ok()
            .filter(|_| digits.bytes().all(|b| b.is_ascii_hexdigit()))
    };
    let first = hex(0)?;
    match first {
        0xD800..=0xDBFF => {
            if rest.get(4..6)? != b"\\u" {
                return None;
            }
            let low = hex(6).filter(|l| (0xDC00..=0xDFFF).contains(l))?;
            Some((char::from_u32(0x10000 + ((first - 0xD800) << 10) + (low - 0xDC00))?, 10))
        }
        0xDC00..=0xDFFF => None,
        _ => Some((char::from_u32(first)?, 4)),
    }
}

/// The id: a string's value, any other JSON value (a number) as written.
fn raw_to_id(raw: &RawValue, id_field: &str) -> Result<String, ParseError> {
    match serde_json::from_str::<String>(raw.get()) {
        Ok(id) => Ok(id),
        Err(e) if raw.get().starts_with('"') => {
            Err((None, RecordProblem::Malformed(string_problem(id_field, raw.get(), &e))))
        }
        Err(_) => Ok(raw.get().to_owned()),
    }
}

/// Why a JSON string does not decode. The JSON grammar lets `\u` escape half of a UTF-16 surrogate pair, but
/// half a pair names no character (an encoder that cut UTF-16 text mid-pair writes one), so no Rust string
/// can hold it and serde_json refuses it with a message about hex escapes; say which escape it is.
fn string_problem(field: &str, raw: &str, err: &serde_json::Error) -> String {
    match unpaired_surrogate(raw) {
        Some(escape) => {
            format!("field {field:?} holds an unpaired surrogate escape {escape}, which names no character")
        }
        None => format!("field {field:?} is a string that does not decode: {err}"),
    }
}

/// The first `\uD800`–`\uDFFF` escape of a JSON string that is not a high surrogate followed by a low one.
fn unpaired_surrogate(raw: &str) -> Option<&str> {
    let unit = |at: usize| raw.get(at..at + 4).and_then(|h| u16::from_str_radix(h, 16).ok());
    let bytes = raw.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match (bytes[i], bytes.get(i + 1)) {
            (b'\\', Some(b'u')) => {}
            (b'\\', _) => {
                i += 2;
                continue;
            }
            _ => {
                i += 1;
                continue;
            }
        }
        let this = unit(i + 2)?;
        let paired = (0xD800..0xDC00).contains(&this)
            && raw.get(i + 6..i + 8) == Some("\\u")
            && unit(i + 8).is_some_and(|low| (0xDC00..0xE000).contains(&low));
        if paired {
            i += 12;
        } else if (0xD800..0xE000).contains(&this) {
            return raw.get(i..i + 6);
        } else {
            i += 6;
        }
    }
    None
}

fn flatten_meta(raw: &RawValue, meta: &mut Meta, annotations: &mut Map<String, Value>) {
    let Ok(inner) = serde_json::from_str::<RawObject<'_>>(raw.get()) else {
        meta.insert("meta".into(), raw.to_owned());
        return;
    };
    for (key, value) in inner.0 {
        if key == ANNOTATIONS_KEY {
            if let Ok(Value::Object(map)) = serde_json::from_str(value.get()) {
                annotations.extend(map);
                continue;
            }
        }
        meta.insert(key.into_owned(), value.to_owned());
    }
}

fn json_kind(raw: &str) -> &'static str {
    match raw.as_bytes().first() {
        Some(b'n') => "null",
        Some(b't' | b'f') => "a boolean",
        Some(b'{') => "an object",
        Some(b'[') => "an array",
        _ => "a number",
    }
}

/// A convenience for tests and callers: the origin of an in-memory document.
pub fn memory_origin(line: u64) -> Origin {
    Origin {
        file: Arc::from(Path::new("<memory>")),
        line,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(line: &str) -> Result<Parsed, ParseError> {
        parse_record(line, "id", "text", || "f:1".to_owned())
    }

    /// Fewer than `most` of `pieces`, drawn by a linear congruential generator from `state`.
    fn joined(pieces: &[&str], most: u64, state: &mut u64) -> String {
        let mut s = String::new();
        for _ in 0..(*state % most) {
            *state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            s.push_str(pieces[(*state >> 33) as usize % pieces.len()]);
        }
        *state = state.wrapping_add(0x2545_f491);
        s
    }

    #[test]
    fn json_string_values_are_what_serde_json_decodes() {
        let pieces = [
            "قال",
            "a b",
            "\\n",
            "\\\"",
            "\\\\",
            "\\/",
            "\\b",
            "\\f",
            "\\r",
            "\\t",
            "\\u0041",
            "\\u062a",
            "\\u062A",
            "\\u0000",
            "\\ud83d\\ude00",
            "\\uD83D\\uDE00",
            "😀",
            "\\ud83d",
            "\\ude00",
            "\\ud83dx",
            "\\ud83d\\u0041",
            "\\u+041",
            "\\u00g1",
            "\\x",
            "ة",
            "",
        ];
        let mut state = 0x0123_4567_89ab_cdef_u64;
        let (mut fast, mut refused) = (0, 0);
        for _ in 0..20_000 {
            let literal = format!("\"{}\"", joined(&pieces, 12, &mut state));
            let theirs = serde_json::from_str::<String>(&literal);
            match json_string_value(&literal) {
                Some(ours) => {
                    fast += 1;
                    assert_eq!(Some(&ours), theirs.as_ref().ok(), "{literal}");
                }
                // Only what serde_json refuses goes back to it.
                None => {
                    refused += 1;
                    assert!(theirs.is_err(), "{literal}");
                }
            }
        }
        assert!(
            fast > 5_000 && refused > 1_000,
            "fast {fast}, refused {refused}: the test proves little"
        );
        assert_eq!(json_string_value("12"), None);
    }

    #[test]
    fn json_strings_are_the_bytes_serde_json_writes() {
        // Every byte class at every offset of a word: controls, quote, backslash, DEL, ASCII, Arabic, emoji.
        let pieces = [
            "\u{0}", "\u{1f}", "\u{8}", "\u{c}", "\n", "\r", "\t", "\"", "\\", "\u{7f}", "/", "a", " ", "قال", "ة",
            "\u{200f}", "😀", "abcdefgh", "",
        ];
        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        for _ in 0..20_000 {
            let s = joined(&pieces, 24, &mut state);
            let mut ours = Vec::new();
            write_json_str(&mut ours, &s);
            let theirs = serde_json::to_vec(&s).expect("serde_json");
            assert_eq!(
                String::from_utf8_lossy(&ours),
                String::from_utf8_lossy(&theirs),
                "{s:?}"
            );
        }
        for b in 0u8..0x80 {
            let s = (b as char).to_string().repeat(9);
            let mut ours = Vec::new();
            write_json_str(&mut ours, &s);
            assert_eq!(ours, serde_json::to_vec(&s).expect("serde_json"), "byte {b:#x}");
        }
    }

    #[test]
    fn unpaired_surrogate_escapes_are_named() {
        let problem = |line: &str| match parse(line) {
            Err((id, RecordProblem::Malformed(m))) => (id, m),
            other => panic!("{line}: {other:?}"),
        };
        let (id, m) = problem(r#"{"id":"a","text":"\udfff"}"#);
        assert_eq!(id.as_deref(), Some("a"));
        assert_eq!(
            m,
            r#"field "text" holds an unpaired surrogate escape \udfff, which names no character"#
        );
        let (id, m) = problem(r#"{"id":"\ud800","text":"fine"}"#);
        assert_eq!(id, None);
        assert!(
            m.contains(r#"field "id" holds an unpaired surrogate escape \ud800"#),
            "{m}"
        );
        let (_, m) = problem(r#"{"id":"b","text":"\\ud800 ok \ud83d\ude00 \uD83D\u0041"}"#);
        assert!(m.contains(r#"escape \uD83D,"#), "{m}");
        let (id, text, ..) = parse(r#"{"id":5,"text":"\\udfff \ud83d\ude00"}"#).expect("a paired escape is fine");
        assert_eq!((id.as_str(), text.as_str()), ("5", "\\udfff 😀"));
    }

    #[test]
    fn meta_is_kept_verbatim_in_order() {
        let (id, text, meta, _) =
            parse(r#"{"source":"okaz","id":"a","n":1.50e3,"text":"نص","x":{"b":1,"a":2}}"#).expect("parses");
        assert_eq!((id.as_str(), text.as_str()), ("a", "نص"));
        let keys: Vec<_> = meta.iter().map(|(k, v)| format!("{k}={}", v.get())).collect();
        assert_eq!(keys, ["source=\"okaz\"", "n=1.50e3", "x={\"b\":1,\"a\":2}"]);
    }

    #[test]
    fn output_line_round_trips_through_the_reader() {
        let (id, text, meta, mut ann) = parse(r#"{"id":"a","text":"سطر\n\"ثان\"","date":"2015"}"#).expect("parses");
        ann.insert("cluster_size".into(), 3.into());
        let doc = Document {
            id,
            text,
            meta,
            annotations: ann,
            ordinal: Ordinal(0),
            origin: memory_origin(1),
            analysis: Default::default(),
            as_read: None,
        };
        let mut line = Vec::new();
        doc.write_json_line(&mut line);
        assert_eq!(
            std::str::from_utf8(&line).expect("utf8"),
            "{\"id\":\"a\",\"text\":\"سطر\\n\\\"ثان\\\"\",\"meta\":{\"date\":\"2015\",\"ghirbal\":{\"cluster_size\":3}}}\n"
        );
        let (id2, text2, meta2, ann2) =
            parse(std::str::from_utf8(&line[..line.len() - 1]).expect("utf8")).expect("parses");
        assert_eq!((id2, text2), (doc.id.clone(), doc.text.clone()));
        assert_eq!(meta2, doc.meta);
        assert_eq!(ann2, doc.annotations);
    }

    #[test]
    fn problems_are_named() {
        assert!(matches!(parse("{\"id\":1,"), Err((None, RecordProblem::Malformed(_)))));
        assert!(matches!(parse("[1,2]"), Err((None, RecordProblem::Malformed(_)))));
        let (id, p) = parse(r#"{"id":7,"body":"x"}"#).expect_err("no text");
        assert_eq!(id.as_deref(), Some("7"));
        assert_eq!(p, RecordProblem::MissingText("no field \"text\"".into()));
        let (_, p) = parse(r#"{"text":12}"#).expect_err("number text");
        assert_eq!(
            p,
            RecordProblem::MissingText("field \"text\" is a number, not a string".into())
        );
        assert_eq!(
            parse(r#"{"text":"a\u0000b"}"#).expect_err("nul").1,
            RecordProblem::NulByte
        );
        assert_eq!(parse(r#"{"text":"x"}"#).expect("ok").0, "f:1");
    }
}
