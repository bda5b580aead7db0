//! Web pages to documents, on the worker threads: a WARC record's HTTP response (status, headers, chunked
//! transfer and gzip/deflate content encodings undone), or a `.html` file, is decoded in its own character
//! set ([`super::charset::decode_page`]) and its main text extracted ([`crate::extract`]). WET `conversion`
//! records are text already: their paragraphs are kept as lines.
//!
//! A response that is not an HTML page is removed with `read.not_html`, one whose status is not 200 with
//! `read.http_status`, one whose HTTP head does not parse with `read.bad_http`, a record cut short with
//! `read.truncated`; a page the extractor refuses or finds empty with `extract.*`. `meta` keeps the target
//! URI, the WARC date, the HTTP status and content type, the charset used and how it was found, and the
//! page's title and publication date.

use std::io::Read;
use std::path::Path;
use std::sync::Arc;

use serde_json::value::RawValue;

use super::charset::{self, Decoded};
use super::warc::WarcRecord;
use super::{place_detail, BadRecord, Record};
use crate::extract::{self, Bounds};
use crate::{Document, InputConfig, Ordinal, Origin, Reason, Removal};

/// A response that is not an HTML page (an image, a PDF, JSON …).
pub const NOT_HTML: Reason = Reason::new("read", "read.not_html");
/// A response whose HTTP status is not 200.
pub const HTTP_STATUS: Reason = Reason::new("read", "read.http_status");
/// A response whose HTTP head does not parse, or whose body cannot be decoded (bad chunking, an unknown
/// content encoding).
pub const BAD_HTTP: Reason = Reason::new("read", "read.bad_http");
/// A record the archive cut short.
pub const TRUNCATED: Reason = Reason::new("read", "read.truncated");

/// Builds meta and the id of a page, then removes or keeps it.
struct Page<'a> {
    id: String,
    meta: Vec<(&'static str, serde_json::Value)>,
    origin: Origin,
    ordinal: Ordinal,
    input: &'a InputConfig,
}

impl Page<'_> {
    fn remove(self, reason: Reason, message: String) -> Record {
        let mut removal = place_detail(Removal::new(reason), &self.origin).with("error", message);
        for (k, v) in &self.meta {
            if matches!(*k, "url" | "warc_offset" | "http_status" | "content_type") {
                removal = removal.with(k, v.clone());
            }
        }
        Err(Box::new(BadRecord {
            id: self.id,
            removal,
            text: String::new(),
            ordinal: self.ordinal,
        }))
    }

    fn document(self, text: String, annotations: Option<serde_json::Map<String, serde_json::Value>>) -> Record {
        let mut doc = Document::new(self.id, text, self.ordinal, self.origin);
        for (k, v) in self.meta {
            if let Ok(raw) = RawValue::from_string(v.to_string()) {
                doc.meta.insert(k.to_owned(), raw);
            }
        }
        if let Some(a) = annotations {
            doc.annotations.insert("extract".into(), a.into());
        }
        Ok(doc)
    }

    fn charset(&mut self, decoded: &Decoded) {
        self.meta
            .push(("charset", decoded.encoding.name().to_ascii_lowercase().into()));
        self.meta.push(("charset_found", decoded.found.as_str().into()));
        if let Some(e) = decoded.overruled {
            self.meta
                .push(("charset_overruled", e.name().to_ascii_lowercase().into()));
        }
    }

    /// Decodes and extracts an HTML payload.
    fn html(mut self, body: &[u8], http_charset: Option<&'static encoding_rs::Encoding>) -> Record {
        let url = self
            .meta
            .iter()
            .find(|(k, _)| *k == "url")
            .and_then(|(_, v)| v.as_str().map(str::to_owned));
        let tld = url.as_deref().and_then(tld);
        let decoded = charset::decode_page(body, http_charset, tld.as_deref().map(str::as_bytes));
        self.charset(&decoded);
        match extract::extract(&decoded.text, url.as_deref(), bounds(self.input)) {
            Err(f) => self.remove(f.reason, f.message),
            Ok(x) => {
                if let Some(t) = x.title {
                    self.meta.push(("title", t.into()));
                }
                if let Some(p) = x.published {
                    self.meta.push(("published", p.into()));
                }
                let mut note = serde_json::Map::new();
                if !x.head_lines.is_empty() {
                    note.insert("head_lines".into(), x.head_lines.into());
                }
                if decoded.replaced {
                    note.insert("charset_replaced".into(), true.into());
                }
                self.document(x.text, (!note.is_empty()).then_some(note))
            }
        }
    }
}

fn bounds(input: &InputConfig) -> Bounds {
    Bounds {
        max_bytes: input.max_page_bytes as usize,
        max_elements: input.max_page_elements as usize,
        max_depth: input.max_page_depth as usize,
    }
}

/// The last label of a URL's host, lower case («sa» for `https://www.spa.gov.sa/x`), for detection.
fn tld(url: &str) -> Option<String> {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let host = rest.split(['/', '?', '#', ':']).next()?;
    let label = host.rsplit('.').next()?.to_ascii_lowercase();
    (label.len() >= 2 && label.bytes().all(|b| b.is_ascii_lowercase())).then_some(label)
}

/// Turns framed WARC records into records.
pub(super) fn parse_records(
    shard: u32,
    first_seq: u32,
    file: &Arc<Path>,
    records: Vec<WarcRecord>,
    input: &InputConfig,
) -> Vec<Record> {
    records
        .into_iter()
        .enumerate()
        .map(|(i, r)| warc_record(r, Ordinal::new(shard, first_seq + i as u32), file, input))
        .collect()
}

fn warc_record(r: WarcRecord, ordinal: Ordinal, file: &Arc<Path>, input: &InputConfig) -> Record {
    let id = r
        .header("WARC-Record-ID")
        .map(|v| v.trim().trim_start_matches('<').trim_end_matches('>').to_owned())
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| format!("{}@{}", file.display(), r.offset));
    let mut meta: Vec<(&'static str, serde_json::Value)> = Vec::new();
    if let Some(u) = r.header("WARC-Target-URI") {
        meta.push(("url", u.trim().trim_start_matches('<').trim_end_matches('>').into()));
    }
    if let Some(d) = r.header("WARC-Date") {
        meta.push(("warc_date", d.into()));
    }
    meta.push(("warc_offset", r.offset.into()));
    let page = Page {
        id,
        meta,
        origin: Origin {
            file: Arc::clone(file),
            line: 0,
        },
        ordinal,
        input,
    };
    if r.truncated {
        let message = format!(
            "the archive ends inside this record ({} of {} bytes)",
            r.block.len(),
            r.declared
        );
        return page.remove(TRUNCATED, message);
    }
    if r.declared > input.max_page_bytes {
        let message = format!("a {} byte record (limit {})", r.declared, input.max_page_bytes);
        return page.remove(extract::TOO_LARGE, message);
    }
    match r.kind.as_str() {
        "conversion" => wet_text(page, &r),
        "resource" => {
            let content_type = r.header("Content-Type").unwrap_or("").to_owned();
            typed_body(page, &content_type, &r.block)
        }
        _ => response(page, &r.block),
    }
}

/// A WET `conversion` record: UTF-8 text whose lines are paragraphs.
fn wet_text(mut page: Page<'_>, r: &WarcRecord) -> Record {
    let declared = r.header("Content-Type").and_then(charset::charset_param);
    let decoded = charset::decode_page(&r.block, declared.or(Some(encoding_rs::UTF_8)), None);
    page.charset(&decoded);
    let text: Vec<&str> = decoded.text.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    if text.is_empty() {
        return page.remove(extract::EMPTY, "the converted text is empty".into());
    }
    page.document(text.join("\n"), None)
}

/// An HTTP response: status, headers, body.
fn response(mut page: Page<'_>, block: &[u8]) -> Record {
    let mut headers = [httparse::EMPTY_HEADER; 160];
    let mut resp = httparse::Response::new(&mut headers);
    let parsed = httparse::ParserConfig::default()
        .allow_spaces_after_header_name_in_responses(true)
        .allow_obsolete_multiline_headers_in_responses(true)
        .allow_multiple_spaces_in_response_status_delimiters(true)
        .parse_response(&mut resp, block);
    let head_len = match parsed {
        Ok(httparse::Status::Complete(n)) => n,
        Ok(httparse::Status::Partial) => return page.remove(BAD_HTTP, "the HTTP head is cut short".into()),
        Err(e) => return page.remove(BAD_HTTP, format!("the HTTP head does not parse: {e}")),
    };
    let status = resp.code.unwrap_or(0);
    let header = |name: &str| {
        resp.headers
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case(name))
            .map(|h| String::from_utf8_lossy(h.value).trim().to_owned())
    };
    let content_type = header("Content-Type").unwrap_or_default();
    let transfer = header("Transfer-Encoding").unwrap_or_default().to_ascii_lowercase();
    let encoding = header("Content-Encoding").unwrap_or_default().to_ascii_lowercase();
    page.meta.push(("http_status", status.into()));
    if status != 200 {
        return page.remove(HTTP_STATUS, format!("HTTP status {status}"));
    }
    let mut body = std::borrow::Cow::Borrowed(&block[head_len..]);
    if transfer.contains("chunked") {
        match dechunk(&body) {
            Some(b) => body = b.into(),
            None => return page.remove(BAD_HTTP, "the chunked body does not parse".into()),
        }
    }
    match decode_content(&body, &encoding, page.input.max_page_bytes) {
        Ok(Some(b)) => body = b.into(),
        Ok(None) => {}
        Err(message) => return page.remove(BAD_HTTP, message),
    }
    typed_body(page, &content_type, &body)
}

/// Checks the content type (or sniffs the body when there is none), then extracts.
fn typed_body(mut page: Page<'_>, content_type: &str, body: &[u8]) -> Record {
    if !content_type.is_empty() {
        page.meta.push(("content_type", content_type.into()));
    }
    let lower = content_type.to_ascii_lowercase();
    let html = if lower.trim().is_empty() {
        looks_like_html(body)
    } else {
        lower.contains("html")
    };
    if !html {
        let what = if lower.trim().is_empty() {
            "no content type, and not HTML".to_owned()
        } else {
            lower
        };
        return page.remove(NOT_HTML, format!("content type {what}"));
    }
    page.html(body, charset::charset_param(content_type))
}

fn looks_like_html(body: &[u8]) -> bool {
    let head: Vec<u8> = body.iter().take(1024).map(u8::to_ascii_lowercase).collect();
    memchr::memmem::find(&head, b"<html").is_some() || memchr::memmem::find(&head, b"<!doctype html").is_some()
}

/// Undoes `Transfer-Encoding: chunked`; `None` when the chunks do not parse.
fn dechunk(body: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(body.len());
    let mut rest = body;
    loop {
        let nl = memchr::memchr(b'\n', rest)?;
        let size_text = std::str::from_utf8(&rest[..nl]).ok()?;
        let size_text = size_text.split(';').next()?.trim();
        let size = usize::from_str_radix(size_text, 16).ok()?;
        rest = &rest[nl + 1..];
        if size == 0 {
            return Some(out);
        }
        let chunk = rest.get(..size)?;
        out.extend_from_slice(chunk);
        rest = &rest[size..];
        rest = rest
            .strip_prefix(b"\r\n")
            .or_else(|| rest.strip_prefix(b"\n"))
            .unwrap_or(rest);
    }
}

/// Undoes a gzip or deflate content encoding, at most `limit` bytes; `Ok(None)` when there is none.
fn decode_content(body: &[u8], encoding: &str, limit: u64) -> Result<Option<Vec<u8>>, String> {
    let mut out = Vec::new();
    let stored_decoded = match encoding.trim() {
        "gzip" | "x-gzip" => !body.starts_with(&[0x1f, 0x8b]),
        "deflate" => body.trim_ascii_start().starts_with(b"<"),
        _ => false,
    };
    if stored_decoded {
        // Archivers often store the decoded payload under the server's original header (ClueWeb, wget).
        return Ok(None);
    }
    let result = match encoding.trim() {
        "" | "identity" | "none" => return Ok(None),
        "gzip" | "x-gzip" => flate2::read::MultiGzDecoder::new(body)
            .take(limit + 1)
            .read_to_end(&mut out),
        "deflate" => flate2::read::ZlibDecoder::new(body)
            .take(limit + 1)
            .read_to_end(&mut out),
        other => return Err(format!("content encoding {other:?} is not supported")),
    };
    match result {
        Ok(_) if out.len() as u64 > limit => Err(format!("the decoded body is over {limit} bytes")),
        Ok(_) => Ok(Some(out)),
        Err(e) => Err(format!("the {encoding} body does not decode: {e}")),
    }
}

/// Turns `.html` files into records: (id, path, bytes) as for `.txt`.
pub(super) fn parse_pages(
    shard: u32,
    first_seq: u32,
    files: Vec<(String, Arc<Path>, Vec<u8>)>,
    input: &InputConfig,
) -> Vec<Record> {
    files
        .into_iter()
        .enumerate()
        .map(|(i, (id, file, bytes))| {
            let page = Page {
                id,
                meta: Vec::new(),
                origin: Origin { file, line: 0 },
                ordinal: Ordinal::new(shard, first_seq + i as u32),
                input,
            };
            if bytes.len() as u64 > input.max_page_bytes {
                let message = format!("a {} byte page (limit {})", bytes.len(), input.max_page_bytes);
                return page.remove(extract::TOO_LARGE, message);
            }
            page.html(&bytes, None)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_and_encodings_undo() {
        assert_eq!(
            dechunk(b"4\r\nWiki\r\n5;x=1\r\npedia\r\n0\r\n\r\n").as_deref(),
            Some(&b"Wikipedia"[..])
        );
        assert_eq!(dechunk(b"zz\r\nWiki"), None);
        assert_eq!(dechunk(b"10\r\nshort"), None);
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        std::io::Write::write_all(&mut gz, "<html>نص</html>".as_bytes()).expect("gzip");
        let gz = gz.finish().expect("gzip");
        let out = decode_content(&gz, "gzip", 1 << 20).expect("decodes").expect("some");
        assert_eq!(out, "<html>نص</html>".as_bytes());
        assert!(decode_content(&gz, "gzip", 4).is_err(), "the bound holds");
        assert!(decode_content(b"x", "br", 10).is_err());
        assert_eq!(tld("https://www.spa.gov.sa/x?y").as_deref(), Some("sa"));
    }
}
