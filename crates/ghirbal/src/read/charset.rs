//! Character sets: turning the bytes of a file, a JSONL line or a web page into text, and saying which
//! encoding was used and how it was found.
//!
//! Arabic text still travels in legacy encodings: the classic corpora (Watan, Khaleej, OSAC) are windows-1256
//! `.txt` files, older sites serve windows-1256 or ISO-8859-6, often declared only in the HTTP header or not at
//! all. Decoding such bytes as UTF-8 yields mojibake, so nothing here guesses silently: text files and JSONL
//! are UTF-8 unless the user sets `[input] encoding` (`"auto"` or a label), and when UTF-8 fails the error
//! names the encoding the bytes do decode as and the knob to turn. Web pages follow the browser's order — byte
//! order mark, HTTP header, `<meta>` tag, then detection — except that a declaration the bytes contradict
//! (UTF-8 declared, not valid UTF-8) is overruled by detection, and the record says so.
//!
//! Encodings are `encoding_rs`'s (the WHATWG Encoding Standard: every label a page may use); detection is
//! `chardetng` (Firefox's detector, which knows windows-1256 and ISO-8859-6 apart).

use encoding_rs::{Encoding, UTF_16BE, UTF_16LE, UTF_8};

/// What `[input] encoding` asks for text files and JSONL.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Charset {
    /// UTF-8 only (a UTF-8 byte order mark is dropped); anything else is an error naming the encoding it is.
    Utf8,
    /// A byte order mark, else UTF-8 when the bytes are valid UTF-8, else detection.
    Auto,
    /// This encoding (a byte order mark still wins, as in a browser).
    Fixed(&'static Encoding),
}

impl Charset {
    /// Parses the `[input] encoding` setting: `"utf-8"`, `"auto"` or any WHATWG label (`"windows-1256"`,
    /// `"iso-8859-6"`, `"cp1256"`, `"utf-16le"` …).
    pub fn parse(setting: &str) -> Result<Charset, String> {
        let s = setting.trim();
        if s.eq_ignore_ascii_case("auto") {
            return Ok(Charset::Auto);
        }
        match Encoding::for_label(s.as_bytes()) {
            Some(e) if e == UTF_8 => Ok(Charset::Utf8),
            Some(e) => Ok(Charset::Fixed(e)),
            None => Err(format!(
                "unknown encoding {setting:?}: use \"utf-8\", \"auto\" or an encoding label such as \"windows-1256\""
            )),
        }
    }

    /// Whether lines can be found by splitting the bytes at `\n` (false for UTF-16).
    pub fn splits_at_newline(self) -> bool {
        !matches!(self, Charset::Fixed(e) if e == UTF_16LE || e == UTF_16BE)
    }
}

/// How the encoding of a text was found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Found {
    /// A byte order mark.
    Bom,
    /// The HTTP `Content-Type` header.
    Http,
    /// A `<meta charset>` or `<meta http-equiv>` tag.
    Meta,
    /// `[input] encoding` named it.
    Config,
    /// Valid UTF-8 (nothing declared).
    Utf8,
    /// Guessed from the bytes.
    Detected,
}

impl Found {
    /// The name written to `meta`.
    pub fn as_str(self) -> &'static str {
        match self {
            Found::Bom => "bom",
            Found::Http => "http-header",
            Found::Meta => "meta-tag",
            Found::Config => "config",
            Found::Utf8 => "valid-utf-8",
            Found::Detected => "detected",
        }
    }
}

/// Text and the encoding it was decoded from.
#[derive(Debug)]
pub struct Decoded {
    /// The text (without a byte order mark).
    pub text: String,
    /// The encoding used.
    pub encoding: &'static Encoding,
    /// How it was chosen.
    pub found: Found,
    /// A declaration the bytes contradicted and that was overruled (web pages only).
    pub overruled: Option<&'static Encoding>,
    /// Byte sequences that were not valid in the encoding, each replaced by U+FFFD (web pages only: text
    /// files and JSONL never decode with replacement).
    pub replaced: bool,
}

/// Bytes that are not valid in the encoding asked for.
#[derive(Debug)]
pub struct Undecodable {
    /// The encoding tried.
    pub encoding: &'static Encoding,
    /// Offset of the first invalid byte.
    pub at: usize,
    /// An encoding the bytes do decode as, worth naming in the error.
    pub hint: Option<&'static Encoding>,
}

impl Undecodable {
    /// The error message: where it failed and, when the bytes are another encoding, which knob to turn.
    pub fn message(&self, unit: &str) -> String {
        let mut m = format!("invalid {} at byte {} of the {unit}", self.encoding.name(), self.at);
        if let Some(hint) = self.hint {
            m.push_str(&format!(
                "; it decodes cleanly as {}: set [input] encoding = \"auto\" (or \"{}\")",
                hint.name(),
                hint.name().to_ascii_lowercase()
            ));
        }
        m
    }
}

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// `bytes` without a leading UTF-8 byte order mark.
pub fn strip_utf8_bom(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(UTF8_BOM).unwrap_or(bytes)
}

/// Decodes a text file or a JSONL line under `charset`. Never replaces: bytes that are not valid in the
/// chosen encoding are an error, so a wrong setting cannot turn text into mojibake without a word.
pub fn decode_text(bytes: Vec<u8>, charset: Charset) -> Result<Decoded, (Vec<u8>, Undecodable)> {
    if let Some((encoding, bom_len)) = Encoding::for_bom(&bytes) {
        if charset != Charset::Utf8 || encoding == UTF_8 {
            return strict(&bytes[bom_len..], encoding, Found::Bom).ok_or_else(|| {
                let at = first_invalid(&bytes[bom_len..], encoding) + bom_len;
                (
                    bytes,
                    Undecodable {
                        encoding,
                        at,
                        hint: None,
                    },
                )
            });
        }
    }
    let chosen = match charset {
        Charset::Fixed(encoding) => Some((encoding, Found::Config)),
        Charset::Auto if simdutf8::basic::from_utf8(&bytes).is_ok() => Some((UTF_8, Found::Utf8)),
        Charset::Auto => detect(&bytes, None).map(|e| (e, Found::Detected)),
        Charset::Utf8 => Some((UTF_8, Found::Config)),
    };
    if let Some((encoding, found)) = chosen {
        if encoding == UTF_8 {
            return match String::from_utf8(bytes) {
                Ok(text) => Ok(utf8(text, found)),
                Err(e) => {
                    let at = e.utf8_error().valid_up_to();
                    let bytes = e.into_bytes();
                    let hint = detect(&bytes, None);
                    Err((bytes, Undecodable { encoding, at, hint }))
                }
            };
        }
        if let Some(decoded) = strict(&bytes, encoding, found) {
            return Ok(decoded);
        }
    }
    let encoding = chosen.map_or(UTF_8, |(e, _)| e);
    let at = first_invalid(&bytes, encoding);
    Err((
        bytes,
        Undecodable {
            encoding,
            at,
            hint: None,
        },
    ))
}

fn utf8(text: String, found: Found) -> Decoded {
    Decoded {
        text,
        encoding: UTF_8,
        found,
        overruled: None,
        replaced: false,
    }
}

/// Decodes without replacement: `None` when a byte sequence is not valid in `encoding`.
fn strict(bytes: &[u8], encoding: &'static Encoding, found: Found) -> Option<Decoded> {
    let text = encoding
        .decode_without_bom_handling_and_without_replacement(bytes)?
        .into_owned();
    Some(Decoded {
        text,
        encoding,
        found,
        overruled: None,
        replaced: false,
    })
}

/// Offset of the first byte `encoding` rejects (the length when none is rejected).
fn first_invalid(bytes: &[u8], encoding: &'static Encoding) -> usize {
    let mut decoder = encoding.new_decoder_without_bom_handling();
    let mut out = String::with_capacity(decoder.max_utf8_buffer_length(bytes.len()).unwrap_or(bytes.len() * 3));
    let (result, read) = decoder.decode_to_string_without_replacement(bytes, &mut out, true);
    match result {
        encoding_rs::DecoderResult::Malformed(len, after) => read.saturating_sub(len as usize + after as usize),
        _ => bytes.len(),
    }
}

/// A legacy encoding the bytes are probably in and decode in without an invalid sequence, with most of
/// their non-ASCII characters letters — `None` for UTF-8, binary data or a guess that does not hold.
pub fn detect(bytes: &[u8], tld: Option<&[u8]>) -> Option<&'static Encoding> {
    let mut detector = chardetng::EncodingDetector::new();
    detector.feed(bytes, true);
    let guess = detector.guess(tld, false);
    let text = guess.decode_without_bom_handling_and_without_replacement(bytes)?;
    let (mut letters, mut other) = (0usize, 0usize);
    for c in text.chars().filter(|c| !c.is_ascii()) {
        if c.is_alphabetic() || ('\u{064B}'..='\u{065F}').contains(&c) {
            letters += 1;
        } else {
            other += 1;
        }
    }
    (letters > 0 && letters >= 4 * other).then_some(guess)
}

/// The HTTP `Content-Type` charset parameter, if any (`text/html; charset="windows-1256"`).
pub fn charset_param(content_type: &str) -> Option<&'static Encoding> {
    let lower = content_type.to_ascii_lowercase();
    let at = lower.find("charset=")? + "charset=".len();
    let value = content_type[at..].trim_start();
    let value = value.trim_start_matches(['"', '\'']);
    let end = value.find([';', '"', '\'', ' ', ',']).unwrap_or(value.len());
    Encoding::for_label(&value.as_bytes()[..end])
}

/// The encoding a page declares in a `<meta>` tag within its first 4 KiB (`<meta charset=…>` or
/// `<meta http-equiv="Content-Type" content="…; charset=…">`). UTF-16 declared in a tag means UTF-8, as
/// in browsers (a page whose tag can be read as ASCII is not UTF-16).
pub fn meta_charset(html: &[u8]) -> Option<&'static Encoding> {
    let head = &html[..html.len().min(4096)];
    let lower: Vec<u8> = head.iter().map(u8::to_ascii_lowercase).collect();
    let mut from = 0;
    while let Some(rel) = memchr::memmem::find(&lower[from..], b"<meta") {
        let start = from + rel;
        let end = memchr::memchr(b'>', &lower[start..]).map_or(lower.len(), |e| start + e);
        let tag = std::str::from_utf8(&lower[start..end]).unwrap_or("");
        if let Some(e) = charset_param(tag) {
            return Some(if e == UTF_16LE || e == UTF_16BE { UTF_8 } else { e });
        }
        from = end;
    }
    None
}

/// Decodes a web page: byte order mark, then the HTTP header, then the `<meta>` tag, then detection. A
/// declaration of UTF-8 that the bytes break, or of windows-1252/ISO-8859-1 (servers' default) on a page
/// whose `<meta>` tag or content says otherwise, is overruled. Invalid sequences left in the chosen
/// encoding become U+FFFD and `replaced` says so (pages are often a little broken; the text is kept).
pub fn decode_page(bytes: &[u8], http: Option<&'static Encoding>, tld: Option<&[u8]>) -> Decoded {
    if let Some((encoding, bom_len)) = Encoding::for_bom(bytes) {
        return lossy(&bytes[bom_len..], encoding, Found::Bom, None);
    }
    let meta = meta_charset(bytes);
    let mut overruled = None;
    for (declared, found) in [(http, Found::Http), (meta, Found::Meta)] {
        let Some(encoding) = declared else { continue };
        let latin_default = encoding == encoding_rs::WINDOWS_1252;
        if encoding == UTF_8 && simdutf8::basic::from_utf8(bytes).is_err() {
            overruled.get_or_insert(encoding);
            continue;
        }
        if latin_default && found == Found::Http && meta.is_some_and(|m| m != encoding) {
            overruled.get_or_insert(encoding);
            continue;
        }
        if latin_default && detect(bytes, tld).is_some_and(|d| d != encoding) {
            overruled.get_or_insert(encoding);
            continue;
        }
        return lossy(bytes, encoding, found, overruled);
    }
    if simdutf8::basic::from_utf8(bytes).is_ok() {
        return lossy(bytes, UTF_8, Found::Utf8, overruled);
    }
    let encoding = detect(bytes, tld).unwrap_or_else(|| {
        let mut detector = chardetng::EncodingDetector::new();
        detector.feed(bytes, true);
        detector.guess(tld, true)
    });
    lossy(bytes, encoding, Found::Detected, overruled)
}

fn lossy(bytes: &[u8], encoding: &'static Encoding, found: Found, overruled: Option<&'static Encoding>) -> Decoded {
    let (text, replaced) = encoding.decode_without_bom_handling(bytes);
    Decoded {
        text: text.into_owned(),
        encoding,
        found,
        overruled,
        replaced,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use encoding_rs::{ISO_8859_6, WINDOWS_1256};

    const ARABIC: &str =
        "أعلنت وزارة الصحة اليوم عن افتتاح مستشفى جديد في مدينة الرياض، يضم مئتي سرير ويخدم سكان الأحياء الشمالية.";

    fn encode(text: &str, encoding: &'static Encoding) -> Vec<u8> {
        let (bytes, _, unmappable) = encoding.encode(text);
        assert!(!unmappable, "{} cannot encode the sample", encoding.name());
        bytes.into_owned()
    }

    #[test]
    fn settings_parse() {
        assert_eq!(Charset::parse("utf-8"), Ok(Charset::Utf8));
        assert_eq!(Charset::parse("UTF8"), Ok(Charset::Utf8));
        assert_eq!(Charset::parse("auto"), Ok(Charset::Auto));
        assert_eq!(Charset::parse("cp1256"), Ok(Charset::Fixed(WINDOWS_1256)));
        assert!(Charset::parse("klingon").is_err());
    }

    #[test]
    fn utf8_bom_is_dropped_and_utf8_stays_strict() {
        let mut bytes = UTF8_BOM.to_vec();
        bytes.extend_from_slice(ARABIC.as_bytes());
        let d = decode_text(bytes, Charset::Utf8).expect("utf-8");
        assert_eq!(d.text, ARABIC);
        let (_, err) = decode_text(encode(ARABIC, WINDOWS_1256), Charset::Utf8).expect_err("1256 is not utf-8");
        assert_eq!(err.hint, Some(WINDOWS_1256), "{}", err.message("file"));
        assert!(err.message("file").contains("[input] encoding = \"auto\""));
    }

    #[test]
    fn auto_and_labels_decode_arabic_legacy_encodings() {
        for encoding in [WINDOWS_1256, ISO_8859_6] {
            let d = decode_text(encode(ARABIC, encoding), Charset::Auto).expect("auto");
            assert_eq!(
                (d.text.as_str(), d.encoding, d.found),
                (ARABIC, encoding, Found::Detected)
            );
            let d = decode_text(encode(ARABIC, encoding), Charset::Fixed(encoding)).expect("label");
            assert_eq!(d.text, ARABIC);
        }
        let mut utf16 = vec![0xFF, 0xFE];
        utf16.extend(ARABIC.encode_utf16().flat_map(u16::to_le_bytes));
        let d = decode_text(utf16, Charset::Auto).expect("utf-16 with a bom");
        assert_eq!((d.text.as_str(), d.found), (ARABIC, Found::Bom));
    }

    #[test]
    fn binary_bytes_get_no_hint() {
        let bytes: Vec<u8> = (0..=255u8).cycle().take(2000).collect();
        let (_, err) = decode_text(bytes, Charset::Utf8).expect_err("binary");
        assert_eq!(err.hint, None);
    }

    #[test]
    fn pages_follow_bom_header_meta_detection() {
        let page = |meta: &str| {
            let mut b = format!("<html><head>{meta}<title>t</title></head><body><p>").into_bytes();
            b.extend(encode(ARABIC, WINDOWS_1256));
            b.extend_from_slice(b"</p></body></html>");
            b
        };
        let tagged = page(r#"<meta http-equiv="Content-Type" content="text/html; charset=windows-1256">"#);
        let d = decode_page(&tagged, None, None);
        assert_eq!((d.encoding, d.found), (WINDOWS_1256, Found::Meta));
        assert!(d.text.contains(ARABIC));
        // The server's Latin-1 default loses to the page's own tag; a false UTF-8 claim loses to detection.
        let d = decode_page(&tagged, Some(encoding_rs::WINDOWS_1252), None);
        assert_eq!(
            (d.encoding, d.found, d.overruled),
            (WINDOWS_1256, Found::Meta, Some(encoding_rs::WINDOWS_1252))
        );
        let d = decode_page(&page("<meta charset=\"utf-8\">"), Some(UTF_8), None);
        assert_eq!((d.encoding, d.found), (WINDOWS_1256, Found::Detected));
        assert!(d.text.contains(ARABIC) && !d.replaced);
        let d = decode_page(&page(""), Some(WINDOWS_1256), None);
        assert_eq!((d.encoding, d.found), (WINDOWS_1256, Found::Http));
        assert_eq!(charset_param("text/html; Charset=\"ISO-8859-6\""), Some(ISO_8859_6));
    }
}
