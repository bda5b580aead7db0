//! A document's story terms, taken in the scan from the key form it already has: each distinct word that is
//! not a stop word, with its weight before the corpus-wide IDF is known — sublinear term frequency
//! (`1 + ln tf`), times `head_weight` when the word is in the title or lead, times `number_weight` for a
//! number of two digits or more. The key form folds hamza, ى/ي and ة/ه and drops harakat, so «إسرائيل» and
//! «اسرائيل» are one term. A term is the xxh3-64 of the word folded to 32 bits: the vectors are compared,
//! never printed (`explain` finds the shared words again from the texts).

use crate::text::stop_hashes;
use crate::text::Words;

/// One term and its weight before IDF.
pub type Term = (u32, f32);

/// The terms of a key form whose words are `words`, sorted by term. `head_weight` applies to the words of
/// the first three non-blank lines.
pub fn of_key(key: &str, words: &Words, head_weight: f32, number_weight: f32) -> Vec<Term> {
    let head_end = head_end(key);
    let (bytes, stop) = (key.as_bytes(), stop_hashes());
    // term << 2 | in the head << 1 | a number: one sort brings each term's occurrences together.
    let mut found: Vec<u64> = Vec::with_capacity(words.len());
    for (span, &hash) in words.spans().iter().zip(&words.hashes) {
        if stop.contains(hash) {
            continue;
        }
        let word = &bytes[span.start as usize..span.end as usize];
        let number = word.len() >= 2 && word.iter().all(u8::is_ascii_digit);
        let head = (span.start as usize) < head_end;
        found.push(u64::from(fold32(hash)) << 2 | u64::from(head) << 1 | u64::from(number));
    }
    found.sort_unstable();
    let mut out: Vec<Term> = Vec::with_capacity(found.len());
    let mut i = 0;
    while i < found.len() {
        let term = found[i] >> 2;
        let (mut head, mut number, mut tf) = (false, false, 0u32);
        while i < found.len() && found[i] >> 2 == term {
            head |= found[i] & 2 != 0;
            number |= found[i] & 1 != 0;
            tf += 1;
            i += 1;
        }
        // Most terms occur once: 1 + ln 1 is exactly 1, without a logarithm (a call per term was a third of
        // the time this function took).
        let mut w = if tf == 1 { 1.0 } else { 1.0 + (tf as f32).ln() };
        if head {
            w *= head_weight;
        }
        if number {
            w *= number_weight;
        }
        out.push((term as u32, w));
    }
    out
}

/// The byte where the fourth non-blank line of `key` starts (the end of the title and lead).
fn head_end(key: &str) -> usize {
    let mut lines = 0;
    let mut at = 0;
    for line in key.split_inclusive('\n') {
        if !line.trim().is_empty() {
            lines += 1;
            if lines > 3 {
                return at;
            }
        }
        at += line.len();
    }
    key.len()
}

/// A word's 64-bit hash folded to the 32 bits a term keeps; never 0, which the linking's tables keep for an
/// empty slot (a fold of 0 joins term 1: one word in four billion).
fn fold32(h: u64) -> u32 {
    ((h ^ (h >> 32)) as u32).max(1)
}

/// Days since 1970-01-01 of a date field: a string starting `YYYY-MM-DD` (or `YYYY/MM/DD`), or a number of
/// seconds since 1970 (milliseconds when it is above 10^11). `None` for anything else.
pub fn day_of(raw: &str) -> Option<i32> {
    let raw = raw.trim();
    if let Some(s) = raw.strip_prefix('"').and_then(|s| s.strip_suffix('"')) {
        return day_of_date(s);
    }
    let n: f64 = raw.parse().ok()?;
    if !n.is_finite() {
        return None;
    }
    let seconds = if n.abs() > 1e11 { n / 1000.0 } else { n };
    let day = (seconds / 86_400.0).floor();
    (day.abs() < 1e7).then_some(day as i32)
}

fn day_of_date(s: &str) -> Option<i32> {
    let b = s.as_bytes();
    if b.len() < 10 || !matches!(b[4], b'-' | b'/') || b[7] != b[4] {
        return day_of_mail_date(s);
    }
    let num = |r: std::ops::Range<usize>| s.get(r)?.parse::<i32>().ok();
    let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    Some(days_from_civil(y, m, d))
}

/// The day a news URL's path names (`…/2015/07/24/…`, `…/2015-07-24-…`), and the text naming it: a year
/// 1900–2099 after a `/`, then month and day, each after the same `/` or `-`. Sites file articles under the
/// day they were published; a crawl often keeps the URL and nothing else of the date.
pub fn date_in_url(url: &str) -> Option<(i32, &str)> {
    let b = url.as_bytes();
    let digits = |r: std::ops::Range<usize>| b.get(r).is_some_and(|d| d.iter().all(u8::is_ascii_digit));
    for at in 1..b.len().saturating_sub(9) {
        let year_ok = b[at - 1] == b'/' && matches!(&b[at..at + 2], b"19" | b"20") && digits(at..at + 4);
        let sep = b[at + 4];
        if !year_ok || !matches!(sep, b'/' | b'-') || !digits(at + 5..at + 7) || b.get(at + 7) != Some(&sep) {
            continue;
        }
        let day_len = if digits(at + 8..at + 10) { 2 } else { 1 };
        if !digits(at + 8..at + 8 + day_len) || b.get(at + 8 + day_len).is_some_and(u8::is_ascii_digit) {
            continue;
        }
        let text = &url[at..at + 8 + day_len];
        let num = |r: std::ops::Range<usize>| url.get(r)?.parse::<i32>().ok();
        let (y, m, d) = (num(at..at + 4)?, num(at + 5..at + 7)?, num(at + 8..at + 8 + day_len)?);
        if (1..=12).contains(&m) && (1..=31).contains(&d) {
            return Some((days_from_civil(y, m, d), text));
        }
    }
    None
}

/// The day of an RSS / e-mail date (RFC 2822: `Mon, 20 Jul 2015 10:31:00 +0300`, the weekday optional):
/// day, English month abbreviation, four-digit year. The time and zone are ignored (a day is the unit).
fn day_of_mail_date(s: &str) -> Option<i32> {
    const MONTHS: [&str; 12] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    let s = s.split_once(',').map_or(s, |(_, rest)| rest);
    let mut parts = s.split_whitespace();
    let d: i32 = parts.next()?.parse().ok()?;
    let month = parts.next()?.get(..3)?.to_ascii_lowercase();
    let m = MONTHS.iter().position(|x| *x == month)? as i32 + 1;
    let y = parts.next()?;
    let y: i32 = if y.len() == 4 { y.parse().ok()? } else { return None };
    if !(1..=31).contains(&d) {
        return None;
    }
    Some(days_from_civil(y, m, d))
}

/// Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i32, m: i32, d: i32) -> i32 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::Analysis;

    fn terms(text: &str) -> Vec<Term> {
        let mut a = Analysis::default();
        let kw = a.key_words(text, crate::normalize::KeySpec::default());
        of_key(&kw.key, &kw.words, 1.6, 1.5)
    }

    #[test]
    fn stop_words_go_and_repeats_grow_slowly() {
        let t = terms("عنوان الخبر\nمقدمة\nثالث\nقال الوزير إن الوزير في درعا درعا درعا");
        // قال الوزير (×2) درعا (×3) عنوان الخبر مقدمة ثالث; إن and في are stop words.
        assert_eq!(t.len(), 7, "{t:?}");
        let w = |word: &str| {
            let mut a = Analysis::default();
            let kw = a.key_words(word, crate::normalize::KeySpec::default());
            let h = fold32(kw.words.hashes[0]);
            t.iter().find(|x| x.0 == h).map(|x| x.1)
        };
        assert_eq!(w("إن"), None);
        assert!((w("درعا").unwrap_or(0.0) - (1.0 + 3f32.ln())).abs() < 1e-6);
        assert!(
            (w("عنوان").unwrap_or(0.0) - 1.6).abs() < 1e-6,
            "a title word is weighted up"
        );
        assert!((w("قال").unwrap_or(0.0) - 1.0).abs() < 1e-6, "the fourth line is body");
    }

    #[test]
    fn numbers_weigh_more_and_spellings_fold() {
        let t = terms("خبر\n\n\nسطر\nسطر\nنزح 12000 شخص من إسرائيل واسرائيل اسرائيل 5");
        let mut a = Analysis::default();
        let kw = a.key_words("12000 اسرائيل", crate::normalize::KeySpec::default());
        let (n, isr) = (fold32(kw.words.hashes[0]), fold32(kw.words.hashes[1]));
        assert!((t.iter().find(|x| x.0 == n).map_or(0.0, |x| x.1) - 1.5).abs() < 1e-6);
        assert!((t.iter().find(|x| x.0 == isr).map_or(0.0, |x| x.1) - (1.0 + 2f32.ln())).abs() < 1e-6);
        assert!(t.windows(2).all(|w| w[0].0 < w[1].0), "sorted and distinct");
        assert!(terms("").is_empty());
    }

    #[test]
    fn dates_in_news_urls() {
        for (url, text) in [
            ("https://alwatan.example.org/news/2015/07/24/corniche", "2015/07/24"),
            ("http://site.example/2015-07-24-title", "2015-07-24"),
            ("https://a.example/ar/2015/07/4/x", "2015/07/4"),
        ] {
            let (day, found) = date_in_url(url).expect(url);
            assert_eq!(found, text, "{url}");
            assert_eq!(day, days_from_civil(2015, 7, text[8..].parse().expect("day")), "{url}");
        }
        for url in [
            "https://a.example/article/201507241",
            "https://a.example/2015/13/01/x",
            "https://a.example/12015/07/24/x",
            "https://a.example/2015/07/245/x",
            "https://a.example/news/123456",
            "",
        ] {
            assert_eq!(date_in_url(url), None, "{url}");
        }
    }

    #[test]
    fn dates_of_every_shape() {
        assert_eq!(day_of("\"1970-01-01\""), Some(0));
        assert_eq!(day_of("\"2015-07-24 10:31:00\""), Some(16640));
        assert_eq!(day_of("\"2015/07/24\""), Some(16640));
        assert_eq!(day_of("\"2000-03-01T00:00:00Z\""), Some(11017));
        assert_eq!(day_of("1437696000"), Some(16640));
        assert_eq!(day_of("1437696000000"), Some(16640));
        assert_eq!(day_of("\"Fri, 24 Jul 2015 10:31:00 +0300\""), Some(16640));
        assert_eq!(day_of("\"24 July 2015\""), Some(16640));
        for bad in [
            "\"24/07/2015\"",
            "\"yesterday\"",
            "\"2015-13-01\"",
            "null",
            "true",
            "\"\"",
            "1e400",
            "\"Fri, 24 Jux 2015\"",
            "\"Fri, 32 Jul 2015\"",
            "\"24 Jul 15\"",
        ] {
            assert_eq!(day_of(bad), None, "{bad}");
        }
    }
}
