//! JSON arrays: a `.json` file (plain or compressed) whose first character other than whitespace (and a byte
//! order mark) is `[` holds one array of records, `[{"id": …, "text": …}, …]`, as many exporters write them.
//!
//! The file is streamed, never loaded: a byte scanner finds where each element starts and ends (it follows
//! strings and their escapes, and the nesting of objects and arrays) and hands the element's bytes to the
//! workers exactly as a JSONL line, so an element is decoded, parsed and, when it cannot become a document,
//! removed with the same `read.*` reasons. The whitespace outside the element's strings (a pretty-printed
//! array's newlines and indentation) is left out, as a JSONL writer leaves it: the fields kept verbatim in
//! `meta` must fit on one output line, and no string's bytes change. Memory holds one batch and the element
//! being read, whatever the size of the array. An array is one shard: cutting it would need a pass to find
//! element boundaries.
//!
//! The `line` of an element (`detail.line` of a removal, the id `FILE:N` of a record without one) is its
//! 1-based position in the array — `jq '.[N-1]'` shows it — not a line of the file: a minified array has all
//! its elements on one line, and ids must be unique. A break in the grammar *between* elements (a missing
//! comma, a trailing comma, a bracket that closes the wrong thing, text after the closing `]`, an end before
//! it) ends the shard with an input problem naming the file, line and byte (the run exits 1): the elements
//! before it are read, an element cut short is removed as `read.malformed_json` with its bytes, and nothing
//! after the break is guessed at.

use std::io::BufRead;

use super::charset::Charset;
use super::compress;
use super::jsonl::{truncated, Batcher};
use super::InputProblem;
use super::{ReadItem, ShardEnd, ShardKind, ShardSpec};
use crate::{Error, InputConfig, Result};

/// Where the scanner is in the array's grammar.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Expect {
    /// Whitespace and a byte order mark, then `[`.
    Open,
    /// The first element, or `]` (an empty array).
    FirstOrClose,
    /// An element, after a comma.
    Element,
    /// More of the element being read.
    InElement,
    /// `,` or `]` after an element.
    CommaOrClose,
    /// Nothing but whitespace after the closing `]`.
    End,
}

/// What [`Scanner::feed`] stopped at.
#[derive(Debug, PartialEq, Eq)]
enum Event {
    /// The bytes given were used up.
    More,
    /// An element ended; its bytes are complete.
    Element,
    /// The grammar broke at the next byte: why.
    Broken(String),
}

/// The array's grammar between elements, and the nesting and strings inside one.
#[derive(Debug)]
struct Scanner {
    expect: Expect,
    /// The open brackets of the element being read, innermost last.
    open: Vec<u8>,
    /// The element is a number or a literal (`true`, `null`): it ends at a comma, `]` or whitespace.
    scalar: bool,
    in_string: bool,
    /// The previous byte was a backslash inside a string.
    escaped: bool,
    /// Elements ended so far.
    elements: u64,
    /// Bytes fed so far, and newlines among them.
    offset: u64,
    newlines: u64,
}

impl Scanner {
    fn new() -> Scanner {
        Scanner {
            expect: Expect::Open,
            open: Vec::new(),
            scalar: false,
            in_string: false,
            escaped: false,
            elements: 0,
            offset: 0,
            newlines: 0,
        }
    }

    /// Reads `chunk` up to the first event, appending the element being read to `element` (without the
    /// whitespace outside its strings); returns how many bytes it used (the byte that broke the grammar is
    /// not used).
    fn feed(&mut self, chunk: &[u8], element: &mut Vec<u8>) -> (usize, Event) {
        let (used, event) = self.step(chunk, element);
        self.offset += used as u64;
        self.newlines += memchr::memchr_iter(b'\n', &chunk[..used]).count() as u64;
        (used, event)
    }

    fn step(&mut self, chunk: &[u8], element: &mut Vec<u8>) -> (usize, Event) {
        let mut i = 0;
        while i < chunk.len() {
            if self.expect == Expect::InElement {
                let (n, event) = self.element(&chunk[i..], element);
                i += n;
                if event == Event::Element {
                    self.expect = Expect::CommaOrClose;
                    self.elements += 1;
                }
                if event != Event::More {
                    return (i, event);
                }
                continue;
            }
            let b = chunk[i];
            let at_start = self.offset + (i as u64) < 3;
            match (self.expect, b) {
                (_, b' ' | b'\t' | b'\n' | b'\r') => {}
                // A UTF-8 byte order mark before the array.
                (Expect::Open, 0xEF | 0xBB | 0xBF) if at_start => {}
                (Expect::Open, b'[') => self.expect = Expect::FirstOrClose,
                (Expect::FirstOrClose | Expect::CommaOrClose, b']') => self.expect = Expect::End,
                (Expect::CommaOrClose, b',') => self.expect = Expect::Element,
                (Expect::Element, b']') => return (i, Event::Broken("a comma with no element after it".into())),
                (Expect::FirstOrClose | Expect::Element, _) => {
                    self.start(b);
                    continue;
                }
                (expect, _) => return (i, Event::Broken(unexpected(expect, b, self.elements))),
            }
            i += 1;
        }
        (i, Event::More)
    }

    /// An element starts with `b` (not yet used).
    fn start(&mut self, b: u8) {
        self.expect = Expect::InElement;
        self.open.clear();
        self.scalar = !matches!(b, b'{' | b'[' | b'"');
        self.in_string = false;
        self.escaped = false;
    }

    /// Reads the element being read in `s`, appending it to `out` without its whitespace outside strings:
    /// bytes used and whether it ended (or broke).
    fn element(&mut self, s: &[u8], out: &mut Vec<u8>) -> (usize, Event) {
        let mut i = 0;
        while i < s.len() {
            if self.escaped || self.in_string {
                let (n, closed) = self.string(&s[i..]);
                out.extend_from_slice(&s[i..i + n]);
                i += n;
                if closed && self.open.is_empty() {
                    return (i, Event::Element);
                }
                continue;
            }
            let b = s[i];
            if matches!(b, b' ' | b'\t' | b'\n' | b'\r') {
                if self.scalar {
                    return (i, Event::Element);
                }
                i += 1;
                continue;
            }
            if self.scalar {
                if matches!(b, b',' | b']') {
                    return (i, Event::Element);
                }
                out.push(b);
                i += 1;
                continue;
            }
            match b {
                b'"' => self.in_string = true,
                b'{' | b'[' => self.open.push(b),
                b'}' | b']' => {
                    let opener = if b == b'}' { b'{' } else { b'[' };
                    if self.open.pop() != Some(opener) {
                        let message = format!(
                            "`{}` closes nothing open in element {}, whose brackets do not match",
                            b as char,
                            self.elements + 1
                        );
                        return (i, Event::Broken(message));
                    }
                }
                _ => {}
            }
            out.push(b);
            i += 1;
            if self.open.is_empty() && !self.in_string {
                return (i, Event::Element);
            }
        }
        (i, Event::More)
    }

    /// Reads on inside a string: bytes used, and whether its closing quote was among them.
    fn string(&mut self, s: &[u8]) -> (usize, bool) {
        let mut i = 0;
        while i < s.len() {
            if self.escaped {
                self.escaped = false;
                i += 1;
                continue;
            }
            // Text is most of a corpus: jump to the next quote or backslash.
            let Some(k) = memchr::memchr2(b'"', b'\\', &s[i..]) else {
                return (s.len(), false);
            };
            i += k + 1;
            if s[i - 1] == b'"' {
                self.in_string = false;
                return (i, true);
            }
            self.escaped = true;
        }
        (i, false)
    }

    /// Whether the array closed (and nothing but whitespace followed, so far).
    fn closed(&self) -> bool {
        self.expect == Expect::End
    }

    /// Whether an element was being read.
    fn in_element(&self) -> bool {
        self.expect == Expect::InElement
    }
}

/// What is wrong with byte `b` where `expect` was expected, after `elements` elements.
fn unexpected(expect: Expect, b: u8, elements: u64) -> String {
    let found = if b.is_ascii_graphic() {
        format!("`{}`", b as char)
    } else {
        format!("byte 0x{b:02X}")
    };
    match expect {
        Expect::Open => format!("the file does not start with `[` but with {found}"),
        Expect::CommaOrClose => format!("expected `,` or `]` after element {elements}, found {found}"),
        _ => format!("only whitespace may follow the array's closing `]`, found {found}"),
    }
}

/// Whether `path` holds a JSON array: its first byte other than whitespace and a UTF-8 byte order mark is
/// `[`. Decompresses only as far as that byte.
pub(crate) fn starts_array(path: &std::path::Path, codec: compress::Codec) -> Result<bool> {
    let mut reader = compress::open(path, codec, 0, None)?.reader;
    let mut at = 0u64;
    loop {
        let chunk = match reader.fill_buf() {
            Ok(chunk) => chunk,
            // Read as JSONL, whose reader meets the same fault and reports it with its place.
            Err(_) => return Ok(false),
        };
        if chunk.is_empty() {
            return Ok(false);
        }
        let bom = |i: usize| at + (i as u64) < 3 && matches!(chunk[i], 0xEF | 0xBB | 0xBF);
        if let Some(i) = (0..chunk.len()).find(|&i| !(chunk[i].is_ascii_whitespace() || bom(i))) {
            return Ok(chunk[i] == b'[');
        }
        let n = chunk.len();
        at += n as u64;
        reader.consume(n);
    }
}

/// Encodings in which a byte that looks like `"` or `\` may be the second half of a character: the scanner,
/// which works on bytes, could not tell where a string ends.
fn scannable(charset: Charset) -> bool {
    use encoding_rs::{BIG5, GB18030, GBK, SHIFT_JIS, UTF_16BE, UTF_16LE};
    !matches!(charset, Charset::Fixed(e) if [UTF_16LE, UTF_16BE, SHIFT_JIS, BIG5, GBK, GB18030].contains(&e))
}

/// Reads the elements of a JSON array shard into batches of records.
pub(super) fn read(
    spec: &ShardSpec,
    input: &InputConfig,
    batch_bytes: u64,
    emit: &mut dyn FnMut(ReadItem) -> bool,
) -> Result<ShardEnd> {
    let ShardKind::JsonArray { path, codec } = &spec.kind else {
        unreachable!("json_array::read called on a shard that is not a JSON array")
    };
    let charset = input.charset()?;
    if !scannable(charset) {
        return Err(Error::Config(format!(
            "{}: a JSON array cannot be read in {} (a byte of a character may look like a quote or a backslash); \
             convert it to UTF-8 (iconv -t UTF-8)",
            path.display(),
            input.encoding
        )));
    }
    let mut opened = compress::open(path, *codec, 0, None)?;
    let mut b = Batcher::new(spec.index, path, &opened.position);
    let mut scanner = Scanner::new();
    let mut problem = None;
    loop {
        let chunk = match opened.reader.fill_buf() {
            Ok(chunk) => chunk,
            Err(e) => {
                problem = Some(truncated(path, &e, &opened.position, b.records()));
                break;
            }
        };
        if chunk.is_empty() {
            if !scanner.closed() {
                let message = "the text ends before the array's closing `]` (the file is cut short?)".to_owned();
                problem = Some(broken(path, &scanner, b.records(), message));
            }
            break;
        }
        let (used, event) = scanner.feed(chunk, &mut b.buf);
        opened.reader.consume(used);
        b.raw_bytes += used as u64;
        match event {
            Event::More => {}
            Event::Element => {
                push_element(&mut b);
                if b.full(batch_bytes) && !emit(ReadItem::Batch(b.take())) {
                    return Ok(ShardEnd::default());
                }
            }
            Event::Broken(message) => {
                problem = Some(broken(path, &scanner, b.records(), message));
                break;
            }
        }
    }
    // An element cut short is still a record: removed as malformed, with its bytes, so nothing is lost.
    if scanner.in_element() {
        push_element(&mut b);
    }
    let raw_bytes = scanner.offset;
    let records = b.records();
    if !b.ends.is_empty() {
        emit(ReadItem::Batch(b.take()));
    }
    Ok(ShardEnd {
        records,
        raw_bytes,
        problem,
        ..Default::default()
    })
}

/// Closes the record being filled: its "line" is its 1-based position in the array.
fn push_element(b: &mut Batcher) {
    let position = b.records() + 1;
    b.ends.push(b.buf.len());
    b.lines.push(position);
}

/// The problem of an array whose grammar broke where the scanner stands.
fn broken(path: &std::path::Path, scanner: &Scanner, records: u64, message: String) -> InputProblem {
    let err = Error::BadArray {
        path: path.to_path_buf(),
        line: scanner.newlines + 1,
        byte: scanner.offset,
        records,
        message,
    };
    InputProblem {
        file: path.display().to_string(),
        message: err.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The elements `text` splits into, fed in chunks of `size` bytes, and the break, if any.
    fn split(text: &str, size: usize) -> (Vec<String>, Option<String>) {
        let mut scanner = Scanner::new();
        let (mut elements, mut current) = (Vec::new(), Vec::new());
        let mut rest = text.as_bytes();
        while !rest.is_empty() {
            let take = size.min(rest.len());
            let (used, event) = scanner.feed(&rest[..take], &mut current);
            rest = &rest[used..];
            match event {
                Event::More => {}
                Event::Element => elements.push(String::from_utf8(std::mem::take(&mut current)).expect("utf-8")),
                Event::Broken(why) => return (elements, Some(why)),
            }
        }
        let end = (!scanner.closed()).then(|| "unclosed".to_owned());
        (elements, end)
    }

    #[test]
    fn elements_are_cut_at_their_boundaries_whatever_the_chunks() {
        let text = concat!(
            "\u{feff} [ {\"id\":\"a\",\"text\":\"نص ] } [ \\\" \\\\\"},\n [1,[2,{\"x\":\"]\"}]] ,",
            "\"s\\\"]\" , 12.5e3,true,null ,{},\n{\n  \"a\" : [ 1 ,\r\n\t\" b \" ] }]\n "
        );
        let want = [
            "{\"id\":\"a\",\"text\":\"نص ] } [ \\\" \\\\\"}",
            "[1,[2,{\"x\":\"]\"}]]",
            "\"s\\\"]\"",
            "12.5e3",
            "true",
            "null",
            "{}",
            "{\"a\":[1,\" b \"]}",
        ];
        for size in [1, 2, 3, 7, 64, 4096] {
            assert_eq!(
                split(text, size),
                (want.map(String::from).to_vec(), None),
                "chunks of {size}"
            );
        }
        assert_eq!(split("[]", 1), (vec![], None));
    }

    #[test]
    fn breaks_between_elements_are_named() {
        let cases = [
            (
                "[{\"a\":1} {\"b\":2}]",
                1,
                "expected `,` or `]` after element 1, found `{`",
            ),
            ("[{\"a\":1},]", 1, "a comma with no element after it"),
            (
                "[{\"a\":1}] [{\"b\":2}]",
                1,
                "only whitespace may follow the array's closing `]`, found `[`",
            ),
            (
                "[{\"a\":[1}]",
                0,
                "`}` closes nothing open in element 1, whose brackets do not match",
            ),
            ("{\"a\":1}", 0, "the file does not start with `[` but with `{`"),
        ];
        for (text, n, why) in cases {
            let (elements, broke) = split(text, 3);
            assert_eq!((elements.len(), broke.as_deref()), (n, Some(why)), "{text}");
        }
        let (elements, end) = split("[{\"a\":1},{\"b\":\"cut", 5);
        assert_eq!((elements.len(), end.as_deref()), (1, Some("unclosed")));
    }

    #[test]
    fn the_break_names_its_line_and_byte() {
        let mut scanner = Scanner::new();
        let text = b"[\n{\"a\":1}\n{\"b\":2}]";
        let (used, event) = scanner.feed(text, &mut Vec::new());
        assert_eq!(event, Event::Element);
        let (more, event) = scanner.feed(&text[used..], &mut Vec::new());
        assert!(matches!(event, Event::Broken(_)), "{event:?}");
        assert_eq!((scanner.offset, scanner.newlines + 1), ((used + more) as u64, 3));
        assert_eq!(text[used + more], b'{');
    }

    #[test]
    fn an_array_is_told_from_jsonl_by_its_first_byte() {
        let dir = tempfile::tempdir().expect("tmp");
        let cases: [(&str, &[u8], bool); 6] = [
            ("a.json", b" \n\t[{\"text\":\"x\"}]", true),
            ("b.json", b"\xef\xbb\xbf[]", true),
            ("c.json", b"{\"text\":\"[\"}\n", false),
            ("d.json", b"", false),
            ("e.json", b"   ", false),
            ("f.json", b"x[", false),
        ];
        for (name, body, array) in cases {
            let path = dir.path().join(name);
            std::fs::write(&path, body).expect("write");
            assert_eq!(
                starts_array(&path, compress::Codec::Plain).expect("peek"),
                array,
                "{name}"
            );
        }
    }
}
