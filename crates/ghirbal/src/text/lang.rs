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

/// The language of the (folded) function word whose running hash (see [`WordCounter`]) is `hash`.
fn function_word(hash: u64) -> Option<usize> {
    static TABLE: std::sync::OnceLock<super::HashMap64<usize>> = std::sync::OnceLock::new();
    let table = TABLE.get_or_init(|| {
        FUNCTION_WORDS
            .iter()
            .enumerate()
            .flat_map(|(lang, words)| words.iter().map(move |w| (w.chars().fold(FNV_START, step), lang)))
            .collect()
    });
    table.get(&hash).copied()
}

/// Counts words, and function words per language, as the characters of a text go by: each word is
/// reduced to a running hash of its characters on the way, with no buffer to fill.
#[derive(Default)]
struct WordCounter {
    hash: u64,
    chars: u32,
    words: u32,
    function_words: [u32; 5],
}

/// The running word hash (FNV-1a over code points).
fn step(hash: u64, c: char) -> u64 {
    (hash ^ u64::from(c)).wrapping_mul(0x0100_0000_01b3)
}

const FNV_START: u64 = 0xcbf2_9ce4_8422_2325;

impl WordCounter {
    #[inline]
    fn push(&mut self, c: char) {
        self.hash = step(if self.chars == 0 { FNV_START } else { self.hash }, c);
        self.chars += 1;
    }

    fn end(&mut self) {
        if self.chars > 0 {
            self.words += 1;
            // No function word is longer than six characters.
            if self.chars <= 6 {
                if let Some(lang) = function_word(self.hash) {
                    self.function_words[lang] += 1;
                }
            }
        }
        self.chars = 0;
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
    &[
        "لە",
        "بە",
        "كە",
        "ئەو",
        "لەگەڵ",
        "دەكات",
        "بۆ",
        "ئەم",
        "یان",
        "ئەوە",
        "دوای",
    ],
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
    Keep,
    Fold(char),
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
                    Some(f) if f == c => WordChar::Keep,
                    Some(f) => WordChar::Fold(f),
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
    let table = arabic_table();
    let (mut arabic, mut other) = (0u32, 0u32);
    let mut evidence = [0.0f64; 5];
    let mut weights = [0u32; 5];
    let mut extension = 0u32;
    let mut words = WordCounter::default();
    for c in sample.chars() {
        let cp = c as u32;
        if (0x0600..0x0700).contains(&cp) {
            // The Arabic block, by table: most characters of an Arabic text take this path.
            let info = table[(cp - 0x0600) as usize];
            if info.letter {
                arabic += 1;
                extension += u32::from(info.extension);
                if let Some((lang, weight)) = info.evidence {
                    weights[lang as usize] += u32::from(weight);
                }
            }
            match info.word {
                WordChar::Keep => words.push(c),
                WordChar::Fold(f) => words.push(f),
                WordChar::Skip => {}
                WordChar::Break => words.end(),
            }
        } else if c.is_ascii() {
            other += u32::from(c.is_ascii_alphabetic());
            if c.is_ascii_alphanumeric() {
                words.push(c);
            } else {
                words.end();
            }
        } else {
            if is_presentation_form(c) && c.is_alphabetic() {
                arabic += 1;
            } else if c.is_alphabetic() {
                other += 1;
            }
            if c.is_alphanumeric() || c == '\u{200C}' {
                if let Some(f) = fold_for_words(c) {
                    words.push(f);
                }
            } else {
                words.end();
            }
        }
    }
    words.end();
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
