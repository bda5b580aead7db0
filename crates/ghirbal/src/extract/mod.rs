//! Main-text extraction: an HTML page → the article's paragraphs (one per line), its title and publication
//! date, with navigation, menus, comment sections, share bars and footers left out.
//!
//! The page-level choice of *which* block is the article is `dom_smoothie`'s (a port of Mozilla's
//! Readability, chosen over the Rust trafilatura ports for paragraph-preserving text, speed and upkeep —
//! see ARCHITECTURE.md). What it cannot know is ours: the text is tidied into our line form (paragraphs as
//! lines, whitespace collapsed), and the date lines and bylines at its head («الأحد، 04 آب/اغسطس 2013، آخر
//! تحديث 02:21», «حوار: آسيا العتروس») go to `meta.ghirbal.extract.head_lines` instead of the text. Work per page is bounded before the extractor sees it: the
//! page's size, its element count and its nesting depth; a page over a bound is removed with
//! `extract.too_large` and the bound it broke, never parsed.

mod head;

use crate::Reason;

/// The page is bigger, deeper or has more elements than the bounds allow.
pub const TOO_LARGE: Reason = Reason::new("extract", "extract.too_large");
/// The extractor could not find an article.
pub const FAILED: Reason = Reason::new("extract", "extract.failed");
/// An article was found but holds no text.
pub const EMPTY: Reason = Reason::new("extract", "extract.empty");
/// Every reason extraction returns.
pub const REASONS: &[Reason] = &[TOO_LARGE, FAILED, EMPTY];

/// Bounds on the work spent on one page (`[input]` settings).
#[derive(Clone, Copy, Debug)]
pub struct Bounds {
    /// Largest page, in bytes of decoded HTML.
    pub max_bytes: usize,
    /// Most elements.
    pub max_elements: usize,
    /// Deepest nesting of elements.
    pub max_depth: usize,
}

/// What extraction found.
#[derive(Clone, Debug, Default)]
pub struct Extracted {
    /// The article's paragraphs, one per line.
    pub text: String,
    /// The page's title, when it has one.
    pub title: Option<String>,
    /// The publication date the page declares (metadata), when it does.
    pub published: Option<String>,
    /// Date lines and bylines taken off the top of the text.
    pub head_lines: Vec<String>,
}

/// Why a page gave no document: the reason and a message for the removal's detail.
#[derive(Clone, Debug)]
pub struct Failure {
    /// `extract.*`.
    pub reason: Reason,
    /// What happened, with the bound or the extractor's error.
    pub message: String,
}

/// Extracts the main text of `html` (already decoded), `url` resolving relative links.
pub fn extract(html: &str, url: Option<&str>, bounds: Bounds) -> Result<Extracted, Failure> {
    check_bounds(html, bounds)?;
    let url = url.filter(|u| u.starts_with("http://") || u.starts_with("https://"));
    let config = dom_smoothie::Config {
        max_elements_to_parse: bounds.max_elements,
        text_mode: dom_smoothie::TextMode::Formatted,
        ..Default::default()
    };
    let failed = |e: dom_smoothie::ReadabilityError| Failure {
        reason: FAILED,
        message: e.to_string(),
    };
    // A page is untrusted input to a parser we did not write: a panic inside it is this page's failure, not
    // the run's.
    let parsed = std::panic::catch_unwind(|| {
        dom_smoothie::Readability::new(html, url, Some(config)).and_then(|mut r| r.parse())
    });
    let article = match parsed {
        Ok(result) => result.map_err(failed)?,
        Err(panic) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            return Err(Failure {
                reason: FAILED,
                message: format!("the extractor panicked on this page: {what}"),
            });
        }
    };
    let mut lines = tidy(&article.text_content);
    let head_lines = head::take_leading(&mut lines);
    let text = lines.join("\n");
    if text.is_empty() {
        return Err(Failure {
            reason: EMPTY,
            message: "the article the extractor found has no text".into(),
        });
    }
    let title = Some(collapse(&article.title)).filter(|t| !t.is_empty());
    Ok(Extracted {
        text,
        title,
        published: article.published_time.filter(|p| !p.trim().is_empty()),
        head_lines,
    })
}

/// Paragraphs as lines: each line's whitespace collapsed, blank lines and invisible-only lines dropped.
fn tidy(text: &str) -> Vec<String> {
    text.lines()
        .map(collapse)
        .filter(|l| l.chars().any(|c| !c.is_whitespace() && !is_invisible(c)))
        .collect()
}

fn is_invisible(c: char) -> bool {
    matches!(c, '\u{FEFF}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2064}')
}

fn collapse(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for word in s.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// Refuses pages over a bound before any tree is built: size, then a single pass over the tags counting
/// elements and the open-element depth (void elements, comments, scripts and styles skipped).
fn check_bounds(html: &str, bounds: Bounds) -> Result<(), Failure> {
    let too_large = |message: String| Failure {
        reason: TOO_LARGE,
        message,
    };
    if html.len() > bounds.max_bytes {
        return Err(too_large(format!(
            "{} bytes of HTML (limit {})",
            html.len(),
            bounds.max_bytes
        )));
    }
    let shape = shape(html.as_bytes());
    if shape.elements > bounds.max_elements {
        return Err(too_large(format!(
            "{} elements (limit {})",
            shape.elements, bounds.max_elements
        )));
    }
    if shape.depth > bounds.max_depth {
        return Err(too_large(format!(
            "elements nested {} deep (limit {})",
            shape.depth, bounds.max_depth
        )));
    }
    Ok(())
}

struct Shape {
    elements: usize,
    depth: usize,
}

const VOID: &[&[u8]] = &[
    b"area", b"base", b"br", b"col", b"embed", b"hr", b"img", b"input", b"link", b"meta", b"param", b"source",
    b"track", b"wbr", b"p", b"li", b"option", b"td", b"tr", b"th", b"dt", b"dd",
];

/// Element count and an upper estimate of nesting depth. Elements whose end tag is optional (`p`, `li`,
/// `td` …) are not counted as open, so a page of unclosed paragraphs is not "deep".
fn shape(html: &[u8]) -> Shape {
    let (mut elements, mut depth, mut max_depth, mut i) = (0usize, 0usize, 0usize, 0usize);
    while let Some(rel) = memchr::memchr(b'<', &html[i..]) {
        i += rel + 1;
        if html[i..].starts_with(b"!--") {
            i = memchr::memmem::find(&html[i..], b"-->").map_or(html.len(), |e| i + e + 3);
            continue;
        }
        let closing = html.get(i) == Some(&b'/');
        let name_start = i + usize::from(closing);
        let name_len = html[name_start..]
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric())
            .count();
        if name_len == 0 {
            continue;
        }
        let name: Vec<u8> = html[name_start..name_start + name_len].to_ascii_lowercase();
        let end = memchr::memchr(b'>', &html[i..]).map_or(html.len(), |e| i + e);
        let self_closing = end > 0 && html.get(end - 1) == Some(&b'/');
        i = end;
        if closing {
            depth = depth.saturating_sub(usize::from(!VOID.contains(&name.as_slice())));
            continue;
        }
        elements += 1;
        if name == b"script" || name == b"style" {
            let close: &[u8] = if name == b"script" { b"</script" } else { b"</style" };
            let lower_find = find_ci(&html[i..], close);
            i = lower_find.map_or(html.len(), |e| i + e);
            continue;
        }
        if !self_closing && !VOID.contains(&name.as_slice()) {
            depth += 1;
            max_depth = max_depth.max(depth);
        }
    }
    Shape {
        elements,
        depth: max_depth,
    }
}

/// Position of `needle` (lower case ASCII) in `hay`, ignoring ASCII case.
fn find_ci(hay: &[u8], needle: &[u8]) -> Option<usize> {
    let first = needle[0];
    let mut from = 0;
    while let Some(rel) = memchr::memchr2(first, first.to_ascii_uppercase(), &hay[from..]) {
        let at = from + rel;
        if hay.len() >= at + needle.len() && hay[at..at + needle.len()].eq_ignore_ascii_case(needle) {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const BOUNDS: Bounds = Bounds {
        max_bytes: 1 << 20,
        max_elements: 10_000,
        max_depth: 500,
    };

    fn page(body: &str) -> String {
        format!("<html><head><title>عنوان الصفحة</title></head><body>{body}</body></html>")
    }

    #[test]
    fn article_paragraphs_become_lines_and_furniture_goes() {
        let para = "أعلنت وزارة الصحة اليوم عن افتتاح مستشفى جديد في مدينة الرياض يضم مئتي سرير ويخدم سكان الأحياء الشمالية والشرقية من المدينة.";
        let body = format!(
            "<nav><ul><li><a href='/'>الرئيسية</a></li><li><a href='/s'>رياضة</a></li></ul></nav>\
             <article><h1>مستشفى جديد</h1><div class='date'>الأحد، 04 آب/اغسطس 2013، آخر تحديث 02:21 (GMT+0400)</div>\
             <p>{para}</p><p>{para} وقال الوزير إن المستشفى سيفتح أبوابه الشهر المقبل.</p><p>{para}</p></article>\
             <footer>جميع الحقوق محفوظة</footer>"
        );
        let x = extract(&page(&body), Some("https://example.com/a"), BOUNDS).expect("extracts");
        let lines: Vec<&str> = x.text.lines().collect();
        assert_eq!(lines.len(), 4, "{:?}", x.text);
        assert_eq!(lines[0], "مستشفى جديد", "the article's own heading stays");
        assert!(lines[1..].iter().all(|l| l.starts_with("أعلنت")), "{lines:?}");
        assert!(!x.text.contains("الرئيسية") && !x.text.contains("الحقوق"));
        assert_eq!(x.head_lines, ["الأحد، 04 آب/اغسطس 2013، آخر تحديث 02:21 (GMT+0400)"]);
        assert!(x.title.is_some());
    }

    #[test]
    fn bounds_refuse_before_parsing() {
        let deep = "<div>".repeat(5_000) + "نص" + &"</div>".repeat(5_000);
        let e = extract(&page(&deep), None, BOUNDS).expect_err("too deep");
        assert_eq!(e.reason, TOO_LARGE);
        assert!(e.message.contains("nested"), "{}", e.message);
        let many = "<span>كلمة</span>".repeat(20_000);
        assert_eq!(
            extract(&page(&many), None, BOUNDS).expect_err("too many").reason,
            TOO_LARGE
        );
        let big = "<p>".to_owned() + &"ا".repeat(1 << 20) + "</p>";
        assert_eq!(
            extract(&page(&big), None, BOUNDS).expect_err("too big").reason,
            TOO_LARGE
        );
        // Unclosed paragraphs and list items are not depth.
        let flat = "<p>فقرة".repeat(2_000);
        assert!(shape(page(&flat).as_bytes()).depth < 10);
    }

    #[test]
    fn an_empty_page_is_empty_or_failed() {
        let e = extract(&page(""), None, BOUNDS).expect_err("nothing there");
        assert!(e.reason == EMPTY || e.reason == FAILED, "{e:?}");
    }
}
