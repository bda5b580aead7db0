//! Language identification, embedded (nothing is downloaded at run time).
//!
//! Arabic-script text is classified by our own evidence model, which is fast (one pass over an ~8 KB sample)
//! and separates the languages that share the script, where general-purpose detectors are weakest:
//!
//! - letters only one language uses: ة ى (Arabic); ٹ ڈ ڑ ں ے ہ (Urdu); ټ ډ ړ ږ ښ ګ ڼ ۍ ې (Pashto);
//!   ڕ ڵ ۆ ێ ە (Central Kurdish); and پ چ ژ گ ک ی, shared by Persian, Urdu, Pashto and Kurdish but not Arabic;
//! - function words of each language (في، الذي، كان… / است، این، را… / کے، ہے، میں… / د، په، چې… / لە، بە…),
//!   matched after folding the spelling variants that keyboards mix up (ي/ی, ك/ک, hamza forms, harakat).
//!
//! Each language's evidence is a weighted sum of those rates (and, for Arabic, the absence of the Persian
//! letters); a softmax turns the evidence into scores. The
//! Arabic score is then scaled by the square root of the share of letters that are Arabic-script, so a page
//! that is mostly Latin does not pass as Arabic. Text whose letters are mostly in another script goes to
//! `whatlang` (trigram models) for a label. Accuracy on the labelled set is in `BENCHMARKS.md`.

use crate::normalize::chars::{is_arabic_letter, is_arabic_mark, is_presentation_form};

/// Bytes of text examined (from the start, cut at a character boundary).
pub const DEFAULT_SAMPLE_BYTES: usize = 8192;

/// The result for one document.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LangId {
    /// ISO 639-3 code of the most likely language (`ara`, `pes`, `urd`, `pus`, `ckb`, `eng`…; `und` when the
    /// text has no letters).
    pub label: &'static str,
    /// Score of that label, 0–1.
    pub score: f64,
    /// Score of Arabic, 0–1 (what `filter.language` compares with its threshold).
    pub arabic_score: f64,
    /// Share of the sample's letters that are Arabic-script, 0–1.
    pub arabic_script_ratio: f64,
}

const LANGS: [&str; 5] = ["ara", "pes", "urd", "pus", "ckb"];

/// Which languages a letter is evidence for (bit per entry of `LANGS`), with its weight.
fn letter_evidence(c: char) -> Option<(usize, f64)> {
    match c {
        'ة' | 'ى' => Some((0, 40.0)),
        'ي' | 'ك' => Some((0, 5.0)),
        'ٹ' | 'ڈ' | 'ڑ' | 'ں' | 'ے' | 'ہ' | 'ۓ' => Some((2, 40.0)),
        'ټ' | 'ډ' | 'ړ' | 'ږ' | 'ښ' | 'ګ' | 'ڼ' | 'ۍ' | 'ې' => Some((3, 40.0)),
        'ڕ' | 'ڵ' | 'ۆ' | 'ێ' | 'ە' => Some((4, 40.0)),
        _ => None,
    }
}

/// Letters of the Persian alphabet that Arabic lacks: evidence for all four non-Arabic languages.
fn is_persian_extension(c: char) -> bool {
    matches!(c, 'پ' | 'چ' | 'ژ' | 'گ' | 'ک' | 'ی')
}

/// The language of the (folded) function word whose key (see [`word_key`]) is `key`.
fn function_word(key: u64) -> Option<usize> {
    static TABLE: std::sync::OnceLock<FunctionWords> = std::sync::OnceLock::new();
    TABLE.get_or_init(FunctionWords::new).get(key)
}

/// [`FUNCTION_WORDS`] by key, open-addressed at a tenth full: a word of the text costs one multiply and
/// about one probe (a general hash map cost a third of the language pass; a fifth of Arabic words are
/// function words, and most others are short enough to be looked up).
struct FunctionWords {
    keys: Vec<u64>,
    langs: Vec<u8>,
}

impl FunctionWords {
    const BITS: u32 = 10;

    fn new() -> FunctionWords {
        let mut table = FunctionWords {
            keys: vec![0; 1 << Self::BITS],
            langs: vec![0; 1 << Self::BITS],
        };
        for (lang, words) in FUNCTION_WORDS.iter().enumerate() {
            for word in words.iter() {
                // A word two languages list belongs to the later one.
                let slot = table.slot(function_word_key(word));
                (table.keys[slot], table.langs[slot]) = (function_word_key(word), lang as u8);
            }
        }
        table
    }

    /// Where `key` is, or the empty slot it would take (a key is never 0: its length is in its top byte).
    fn slot(&self, key: u64) -> usize {
        let mask = self.keys.len() - 1;
        let mut slot = (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (64 - Self::BITS)) as usize;
        while self.keys[slot] != 0 && self.keys[slot] != key {
            slot = (slot + 1) & mask;
        }
        slot
    }

    fn get(&self, key: u64) -> Option<usize> {
        let slot = self.slot(key);
        (self.keys[slot] == key).then(|| usize::from(self.langs[slot]))
    }
}

/// The key of one entry of [`FUNCTION_WORDS`] (already in the fold's spelling, and every character in the
/// Arabic block: a unit test checks).
fn function_word_key(word: &str) -> u64 {
    let (key, chars) = word.chars().fold((0u64, 0u32), |(key, n), c| {
        (key << 8 | u64::from((c as u32).wrapping_sub(0x0600) as u8), n + 1)
    });
    word_key(key, chars)
}

/// Counts words, and function words per language, as the characters of a text go by. A word of the Arabic
/// block is packed on the way into a key of one byte per (folded) character, which is exact for the six
/// characters a function word can have; a word with any other character cannot be one.
#[derive(Default)]
struct WordCounter {
    key: u64,
    chars: u32,
    foreign: bool,
    words: u32,
    function_words: [u32; 5],
}

/// The key of a word of at most six characters of the Arabic block, from the low bytes of their code points.
fn word_key(key: u64, chars: u32) -> u64 {
    key | u64::from(chars) << 56
}

impl WordCounter {
    /// A character of the Arabic block, by the low byte of its (folded) code point.
    #[inline]
    fn push_arabic(&mut self, low: u8) {
        self.key = self.key << 8 | u64::from(low);
        self.chars += 1;
    }

    /// Any other character of a word.
    #[inline]
    fn push_foreign(&mut self) {
        self.foreign = true;
        self.chars += 1;
    }

    fn end(&mut self) {
        if self.chars > 0 {
            self.words += 1;
            // No function word is longer than six characters.
            if self.chars <= 6 && !self.foreign {
                if let Some(lang) = function_word(word_key(self.key, self.chars)) {
                    self.function_words[lang] += 1;
                }
            }
        }
        self.chars = 0;
        self.key = 0;
        self.foreign = false;
    }
}

/// Function words of Arabic, Persian, Urdu, Pashto and Sorani, in the folded spelling of [`fold_for_words`].
const FUNCTION_WORDS: [&[&str]; 5] = [
    &[
        "في",
        "علي",
        "الي",
        "التي",
        "الذي",
        "هذا",
        "هذه",
        "عن",
        "مع",
        "كان",
        "قد",
        "لم",
        "لن",
        "كما",
        "حيث",
        "بعد",
        "وقال",
        "وفي",
        "الا",
        "ذلك",
        "تلك",
        "كانت",
        "يكون",
        "لقد",
        "منذ",
        "الذين",
        "عند",
        "بين",
        "فقد",
        "ايضا",
        "وهو",
        "وهي",
    ],
    &[
        "است",
        "اين",
        "را",
        "كه",
        "در",
        "از",
        "براي",
        "مي",
        "هاي",
        "شده",
        "كرد",
        "بود",
        "ها",
        "اما",
        "يك",
        "شود",
        "خود",
        "نيز",
        "هم",
        "بايد",
        "ميشود",
        "كند",
        "ميكند",
        "شد",
    ],
    &[
        "كے", "كي", "ہے", "ميں", "اور", "سے", "نے", "كو", "كہ", "يہ", "پر", "بھي", "تھا", "ہيں", "گيا", "تھے", "ليے",
        "ساتھ",
    ],
    &[
        "د", "په", "او", "دا", "چې", "له", "كې", "ته", "يو", "وه", "دي", "شوي", "كړي", "ځكه",
    ],
    &["لە", "بە", "كە", "ئەو", "لەگەڵ", "دەكات", "بۆ", "ئەم", "ئەوە"],
];

/// Folds the spelling variants keyboards mix up, for function-word matching only.
fn fold_for_words(c: char) -> Option<char> {
    match c {
        'أ' | 'إ' | 'آ' | 'ٱ' => Some('ا'),
        'ی' | 'ى' | 'ي' => Some('ي'),
        'ک' => Some('ك'),
        'ة' | 'ۀ' => Some('ه'),
        '\u{0640}' | '\u{200C}' => None,
        _ if is_arabic_mark(c) => None,
        _ => Some(c),
    }
}

/// How a character of the Arabic block takes part in word matching.
#[derive(Clone, Copy)]
enum WordChar {
    /// A word character, by the low byte of its folded code point (every fold stays in the block).
    Letter(u8),
    Skip,
    Break,
}

/// What one character of U+0600–06FF says about the language.
#[derive(Clone, Copy)]
struct ArabicInfo {
    letter: bool,
    extension: bool,
    evidence: Option<(u8, u8)>,
    word: WordChar,
}

/// The Arabic block, precomputed from the predicates above.
fn arabic_table() -> &'static [ArabicInfo; 256] {
    static TABLE: std::sync::OnceLock<[ArabicInfo; 256]> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| {
        std::array::from_fn(|i| {
            let c = char::from_u32(0x0600 + i as u32).unwrap_or(' ');
            let word = if c.is_alphanumeric() || is_arabic_mark(c) {
                match fold_for_words(c) {
                    Some(f) => WordChar::Letter((f as u32).wrapping_sub(0x0600) as u8),
                    None => WordChar::Skip,
                }
            } else if c == '\u{0640}' {
                WordChar::Skip
            } else {
                WordChar::Break
            };
            ArabicInfo {
                letter: is_arabic_letter(c),
                extension: is_persian_extension(c),
                evidence: letter_evidence(c).map(|(lang, weight)| (lang as u8, weight as u8)),
                word,
            }
        })
    })
}

/// What one pass over a sample counts: characters of the Arabic block by code point (their letters,
/// Persian letters and evidence are summed from it at the end), other letters, and words.
struct Counts {
    block: [u32; 256],
    presentation: u32,
    other: u32,
    words: WordCounter,
}

impl Counts {
    /// One pass over `sample`, a byte at a time: the Arabic block (two bytes led by D8–DB) and ASCII take
    /// the fast paths, any other character is decoded.
    fn of(sample: &str) -> Counts {
        let table = arabic_table();
        let mut counts = Counts {
            block: [0; 256],
            presentation: 0,
            other: 0,
            words: WordCounter::default(),
        };
        let bytes = sample.as_bytes();
        let mut i = 0;
        while let Some(&b) = bytes.get(i) {
            if b < 0x80 {
                counts.ascii(b);
                i += 1;
            } else if (0xD8..=0xDB).contains(&b) {
                let Some(&next) = bytes.get(i + 1) else { break };
                let low = (usize::from(b & 0x03) << 6) | usize::from(next & 0x3F);
                counts.block[low] += 1;
                match table[low].word {
                    WordChar::Letter(f) => counts.words.push_arabic(f),
                    WordChar::Skip => {}
                    WordChar::Break => counts.words.end(),
                }
                i += 2;
            } else {
                let Some(c) = sample.get(i..).and_then(|rest| rest.chars().next()) else {
                    break;
                };
                counts.other_char(c);
                i += c.len_utf8();
            }
        }
        counts.words.end();
        counts
    }

    fn ascii(&mut self, b: u8) {
        self.other += u32::from(b.is_ascii_alphabetic());
        if b.is_ascii_alphanumeric() {
            self.words.push_foreign();
        } else {
            self.words.end();
        }
    }

    /// A character outside ASCII and the Arabic block.
    fn other_char(&mut self, c: char) {
        if is_presentation_form(c) && c.is_alphabetic() {
            self.presentation += 1;
        } else if c.is_alphabetic() {
            self.other += 1;
        }
        if c.is_alphanumeric() || c == '\u{200C}' {
            match fold_for_words(c) {
                Some(f) if ('\u{0600}'..='\u{06FF}').contains(&f) => {
                    self.words.push_arabic((f as u32).wrapping_sub(0x0600) as u8)
                }
                Some(_) => self.words.push_foreign(),
                None => {}
            }
        } else {
            self.words.end();
        }
    }
}

/// Identifies the language of `text` from its first `sample_bytes` bytes.
///
/// ```
/// use ghirbal::text::identify;
/// assert_eq!(identify("قال الوزير إن المشروع الذي بدأ في العام الماضي سيكتمل قريبا", 8192).label, "ara");
/// assert_eq!(identify("این کتاب برای دانش‌آموزان نوشته شده است و در مدرسه خوانده می‌شود", 8192).label, "pes");
/// ```
pub fn identify(text: &str, sample_bytes: usize) -> LangId {
    let mut end = text.len().min(sample_bytes);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let sample = &text[..end];
    let counts = Counts::of(sample);
    let table = arabic_table();
    let (mut arabic, other, words) = (counts.presentation, counts.other, counts.words);
    let mut evidence = [0.0f64; 5];
    let mut weights = [0u32; 5];
    let mut extension = 0u32;
    for (info, &n) in table.iter().zip(&counts.block) {
        if info.letter {
            arabic += n;
            extension += u32::from(info.extension) * n;
            if let Some((lang, weight)) = info.evidence {
                weights[lang as usize] += u32::from(weight) * n;
            }
        }
    }
    for (e, w) in evidence.iter_mut().zip(weights) {
        *e = f64::from(w);
    }
    let letters = arabic + other;
    if letters == 0 {
        return LangId {
            label: "und",
            score: 0.0,
            arabic_score: 0.0,
            arabic_script_ratio: 0.0,
        };
    }
    let ratio = f64::from(arabic) / f64::from(letters);
    if ratio < 0.5 {
        return other_script(sample, ratio);
    }
    let arabic_f = f64::from(arabic);
    for e in &mut evidence {
        *e /= arabic_f;
    }
    let extension_rate = f64::from(extension) / arabic_f;
    for e in &mut evidence[1..] {
        *e += 20.0 * extension_rate;
    }
    // Persian, Urdu, Pashto and Kurdish text is full of پ چ ژ گ ک ی (ی alone is ~7% of Persian letters):
    // their absence is evidence for Arabic.
    evidence[0] += 1.5 * (1.0 - extension_rate / 0.01).max(0.0);
    for (e, n) in evidence.iter_mut().zip(words.function_words) {
        *e += 8.0 * f64::from(n) / f64::from(words.words.max(1));
    }
    scores(&evidence, ratio)
}

fn scores(evidence: &[f64; 5], ratio: f64) -> LangId {
    const SHARPNESS: f64 = 2.5;
    let max = evidence.iter().copied().fold(f64::MIN, f64::max);
    let exp: Vec<f64> = evidence.iter().map(|e| ((e - max) * SHARPNESS).exp()).collect();
    let total: f64 = exp.iter().sum();
    let (best, _) = exp
        .iter()
        .enumerate()
        .fold((0, f64::MIN), |acc, (i, &p)| if p > acc.1 { (i, p) } else { acc });
    let purity = ratio.sqrt();
    let arabic_score = exp[0] / total * purity;
    let score = if best == 0 { arabic_score } else { exp[best] / total };
    LangId {
        label: LANGS[best],
        score,
        arabic_score,
        arabic_script_ratio: ratio,
    }
}

/// Text mostly in another script: whatlang's trigram models name it.
fn other_script(sample: &str, ratio: f64) -> LangId {
    let mut end = sample.len().min(2048);
    while !sample.is_char_boundary(end) {
        end -= 1;
    }
    match whatlang::detect(&sample[..end]) {
        Some(info) => {
            let is_arabic = info.lang() == whatlang::Lang::Ara;
            let score = info.confidence();
            LangId {
                label: info.lang().code(),
                score,
                arabic_score: if is_arabic { score * ratio.sqrt() } else { 0.0 },
                arabic_script_ratio: ratio,
            }
        }
        None => LangId {
            label: "und",
            score: 0.0,
            arabic_score: 0.0,
            arabic_script_ratio: ratio,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(text: &str) -> LangId {
        identify(text, DEFAULT_SAMPLE_BYTES)
    }

    #[test]
    fn separates_the_languages_of_the_arabic_script() {
        let cases = [
            (
                "ara",
                "وأضاف المتحدث باسم الوزارة أن الحكومة قد اتخذت عدة إجراءات لمواجهة الأزمة التي تمر بها المنطقة.",
            ),
            (
                "pes",
                "دولت ایران اعلام کرد که برنامه‌های جدیدی برای کاهش آلودگی هوا در تهران اجرا خواهد شد.",
            ),
            (
                "urd",
                "حکومت نے اعلان کیا ہے کہ شہر میں پانی کی فراہمی کے لیے نیا منصوبہ شروع کیا جائے گا۔",
            ),
            (
                "pus",
                "د کابل ښار په ګڼو سیمو کې د اوبو د کمښت له امله خلک له ستونزو سره مخ دي.",
            ),
            (
                "ckb",
                "حکومەتی هەرێمی کوردستان ڕایگەیاند کە پڕۆژەیەکی نوێ بۆ ئاوی خواردنەوە دەست پێدەکات.",
            ),
        ];
        for (want, text) in cases {
            let got = id(text);
            assert_eq!(got.label, want, "{text}: {got:?}");
            assert!(got.score > 0.8, "{text}: {got:?}");
        }
    }

    #[test]
    fn function_words_fit_their_keys() {
        for word in FUNCTION_WORDS.iter().flat_map(|words| words.iter()) {
            assert!(word.chars().count() <= 6, "{word}: keys hold six characters");
            assert!(
                word.chars().all(|c| ('\u{0600}'..='\u{06FF}').contains(&c)),
                "{word}: not in the block"
            );
            // An entry in another spelling than the fold's would never match.
            assert_eq!(fold_for_words_str(word), *word, "{word}: not in its folded spelling");
        }
        // A function word is counted when spelled with the variants the fold joins, and not inside a longer
        // word or next to a Latin letter.
        let words = Counts::of("فى الذى إلى وفيx في").words;
        assert_eq!((words.words, words.function_words[0]), (5, 4));
    }

    fn fold_for_words_str(word: &str) -> String {
        word.chars().filter_map(fold_for_words).collect()
    }

    #[test]
    fn arabic_score_needs_arabic_script() {
        let ar = id("قال الوزير في مؤتمر صحفي إن المشروع سيبدأ العام المقبل في المنطقة الشرقية.");
        assert!(ar.arabic_score > 0.9, "{ar:?}");
        let en = id("The minister said at a press conference that the project will start next year.");
        assert_eq!(en.label, "eng");
        assert_eq!(en.arabic_score, 0.0);
        let mixed = id("The ministry announced the plan today in Riyadh. قال الوزير إن المشروع سيبدأ.");
        assert!(mixed.arabic_score < 0.711, "{mixed:?}");
        assert_eq!(id("123 456 !!!").label, "und");
        assert_eq!(id("").arabic_score, 0.0);
    }
}
