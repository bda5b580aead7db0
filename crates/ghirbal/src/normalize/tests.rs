//! Table-driven tests of both profiles, and property tests over random Arabic-ish text.

use super::chars::*;
use super::*;

/// (input, output profile, key profile).
const CASES: &[(&str, &str, &str)] = &[
    // Presentation forms, block by block (U+FB50–FDFF: Arabic Presentation Forms-A).
    ("\u{FB56}ارس", "پارس", "پارس"),
    ("\u{FB7A}ای", "چای", "چای"),
    ("\u{FB8A}اله", "ژاله", "ژاله"),
    ("\u{FB8E}تاب", "کتاب", "کتاب"),
    ("\u{FB92}ل", "گل", "گل"),
    ("\u{FBFC}", "ی", "ی"),
    ("\u{FB50}", "ٱ", "ا"),
    ("\u{FBA4}", "ۀ", "ۀ"),
    ("\u{FC0B}", "تج", "تج"),
    ("\u{FD3E}نص\u{FD3F}", "\u{FD3E}نص\u{FD3F}", "نص"),
    ("\u{FDF2}", "الله", "الله"),
    ("\u{FDF3}", "اكبر", "اكبر"),
    ("محمد \u{FDFA}", "محمد \u{FDFA}", "محمد صلي الله عليه وسلم"),
    ("\u{FDFD}", "\u{FDFD}", "بسم الله الرحمن الرحيم"),
    ("الله \u{FDFB}", "الله \u{FDFB}", "الله جل جلاله"),
    ("٥٠ \u{FDFC}", "٥٠ \u{FDFC}", "0"),
    // Arabic Presentation Forms-B (U+FE70–FEFE).
    ("\u{FE8D}\u{FEDF}\u{FEB4}\u{FEFC}\u{FEE1}", "السلام", "السلام"),
    ("\u{FE80}", "ء", "ء"),
    ("\u{FE81}", "آ", "ا"),
    ("\u{FE83}\u{FEE3}\u{FEF4}\u{FEAE}", "أمير", "امير"),
    ("\u{FE87}\u{FEE7}\u{FEB4}\u{FE8E}\u{FEE5}", "إنسان", "انسان"),
    ("\u{FE93}", "ة", "ه"),
    ("\u{FEEF}", "ى", "ي"),
    ("\u{FEF5}", "لآ", "لا"),
    ("\u{FEF7}", "لأ", "لا"),
    ("\u{FEF9}", "لإ", "لا"),
    ("\u{FEFB}", "لا", "لا"),
    ("\u{FE85}", "ؤ", "و"),
    ("\u{FE89}", "ئ", "ي"),
    ("ﺷﻜﺮﺍ ﻳﺎ ﺃﺑﻄﺎﻝ", "شكرا يا أبطال", "شكرا يا ابطال"),
    // Isolated and medial haraka forms: the mark joins the letter before, never a space.
    ("ب\u{FE76}", "بَ", "ب"),
    ("ب\u{FE77}", "بَ", "ب"),
    ("ب\u{FE7C}", "بّ", "ب"),
    ("ب\u{FE70}", "بً", "ب"),
    ("ب\u{FE72}", "بٌ", "ب"),
    ("ب\u{FE74}", "بٍ", "ب"),
    ("ب\u{FE78}", "بُ", "ب"),
    ("ب\u{FE7A}", "بِ", "ب"),
    ("ب\u{FE7E}", "بْ", "ب"),
    ("\u{FE76} كلمة", "كلمة", "كلمه"),
    ("ب \u{FE76}", "ب", "ب"),
    ("ب\u{FC5E}", "بٌّ", "ب"),
    // Invisible and bidi controls, one by one.
    ("أ\u{200E}ب", "أب", "اب"),
    ("أ\u{200F}ب", "أب", "اب"),
    ("أ\u{061C}ب", "أب", "اب"),
    ("\u{202A}نص\u{202C}", "نص", "نص"),
    ("\u{202B}نص\u{202C}", "نص", "نص"),
    ("\u{202D}نص\u{202C}", "نص", "نص"),
    ("\u{202E}نص\u{202C}", "نص", "نص"),
    ("\u{2066}نص\u{2069}", "نص", "نص"),
    ("\u{2067}نص\u{2069}", "نص", "نص"),
    ("\u{2068}نص\u{2069}", "نص", "نص"),
    ("كل\u{00AD}مة", "كلمة", "كلمه"),
    ("كل\u{2060}مة", "كلمة", "كلمه"),
    ("\u{FEFF}بداية", "بداية", "بدايه"),
    ("وسط\u{FEFF}النص", "وسطالنص", "وسطالنص"),
    ("أ\u{180E}ب", "أب", "اب"),
    ("2015\u{200F}/2016", "2015/2016", "0 0"),
    // Tatweel inside words and at word ends.
    ("الـــعـــربـــيـــة", "العربية", "العربيه"),
    ("جـميل", "جميل", "جميل"),
    ("كلمةـ أخرى", "كلمة أخرى", "كلمه اخري"),
    ("١٤٢٤هـ", "١٤٢٤ه", "0ه"),
    ("ـبداية", "بداية", "بدايه"),
    // Tatweel separating a proclitic from a digit, a Latin letter or a quotation mark stays (one of them).
    ("الـ24 ساعة", "الـ24 ساعة", "ال0 ساعه"),
    ("الـــ٢٤", "الـ٢٤", "ال0"),
    ("بـ\"ذا فويس\"", "بـ\"ذا فويس\"", "ب ذا فويس"),
    ("لـ«العربية.نت»", "لـ«العربية.نت»", "ل العربيه نت"),
    ("الـUN وبالـCIA", "الـUN وبالـCIA", "الun وبالcia"),
    ("وبـ2015 ولـ\"كذا\"", "وبـ2015 ولـ\"كذا\"", "وب0 ول كذا"),
    // ... but not after a whole word, nor before an Arabic letter.
    ("مدرسةـ24", "مدرسة24", "مدرسه0"),
    ("الـكتاب", "الكتاب", "الكتاب"),
    ("بـ ذا", "ب ذا", "ب ذا"),
    // Harakat are kept by the output profile, removed by the key profile.
    ("قالَ الرئيسُ", "قالَ الرئيسُ", "قال الرييس"),
    ("مُحَمَّدٌ", "مُحَمَّدٌ", "محمد"),
    ("هٰذا", "هٰذا", "هذا"),
    ("ﷺ", "ﷺ", "صلي الله عليه وسلم"),
    ("صلى الله عليه وسلم", "صلى الله عليه وسلم", "صلي الله عليه وسلم"),
    // NFC: a decomposed hamza is composed; letters are never folded in output.
    ("ا\u{0654}حمد", "أحمد", "احمد"),
    ("و\u{0654}", "ؤ", "و"),
    ("ب\u{0651}\u{064E}", "ب\u{064E}\u{0651}", "ب"),
    ("مُحَمَّدٌ قال\u{0651}\u{064F}", "مُحَمَّدٌ قال\u{064F}\u{0651}", "محمد قال"),
    ("أ إ آ ى ة ؤ ئ", "أ إ آ ى ة ؤ ئ", "ا ا ا ي ه و ي"),
    ("الأميركية الأمريكية", "الأميركية الأمريكية", "الاميركيه الامريكيه"),
    // Digits in three systems: kept in output, every number is 0 in the key.
    ("عام 2015", "عام 2015", "عام 0"),
    ("عام ٢٠١٥", "عام ٢٠١٥", "عام 0"),
    ("سال ۱۳۹۴", "سال ۱۳۹۴", "سال 0"),
    ("١٢٫٥٪", "١٢٫٥٪", "0"),
    ("3.14 و 1,000,000", "3.14 و 1,000,000", "0 و 0"),
    ("رقم 1000", "رقم 1000", "رقم 0"),
    ("عربي21", "عربي21", "عربي0"),
    // ZWNJ: removed between Arabic letters only.
    ("ال\u{200C}كتاب", "الكتاب", "الكتاب"),
    ("می\u{200C}شود", "می\u{200C}شود", "میشود"),
    ("كتاب\u{200C} جديد", "كتاب\u{200C} جديد", "كتاب جديد"),
    ("a\u{200C}b", "a\u{200C}b", "ab"),
    // ZWSP and ZWJ: removed between Arabic letters (ZWSP also at a word's edge); ZWJ kept in emoji.
    ("ال\u{200B}كتاب", "الكتاب", "الكتاب"),
    ("ال\u{200D}كتاب", "الكتاب", "الكتاب"),
    ("\u{200B}كتاب\u{200B} جديد\u{200B}", "كتاب جديد", "كتاب جديد"),
    ("a\u{200B}b", "a\u{200B}b", "ab"),
    ("ب\u{200D} ", "ب\u{200D}", "ب"),
    // Letter floods capped at three; digits and punctuation never.
    ("رااااااائع", "رااائع", "رااايع"),
    ("هههههههه", "ههه", "ههه"),
    ("١٠٠٠٠٠٠", "١٠٠٠٠٠٠", "0"),
    ("!!!!!!", "!!!!!!", ""),
    ("goooood", "goooood", "goooood"),
    // Whitespace: one space between words, paragraph breaks kept.
    ("كلمة  \t  أخرى", "كلمة أخرى", "كلمه اخري"),
    ("سطر \r\nثان", "سطر\nثان", "سطر\nثان"),
    ("فقرة\n\n\n\nفقرة", "فقرة\n\nفقرة", "فقره\nفقره"),
    ("  بداية", "بداية", "بدايه"),
    (
        "نص\u{00A0}نص\u{2003}نص\u{202F}نص\u{3000}نص",
        "نص نص نص نص نص",
        "نص نص نص نص نص",
    ),
    ("نهاية  \n", "نهاية", "نهايه"),
    ("a\u{2028}b", "a\nb", "a\nb"),
    // Punctuation: kept in output, a word break in the key.
    ("قال: «نعم»، ثم؟", "قال: «نعم»، ثم؟", "قال نعم ثم"),
    ("أولاً؛ ثانياً…", "أولاً؛ ثانياً…", "اولا ثانيا"),
    ("كلمة،كلمة", "كلمة،كلمة", "كلمه كلمه"),
    ("(انظر) [هنا] {و} - هناك", "(انظر) [هنا] {و} - هناك", "انظر هنا و هناك"),
    // Mixed Latin, case folded only in the key.
    ("Saudi Aramco أرامكو", "Saudi Aramco أرامكو", "saudi aramco ارامكو"),
    ("ÉCOLE école", "ÉCOLE école", "école école"),
    // Emoji: ZWJ sequences are left intact in output, dropped (symbols) in the key.
    ("عائلة 👨\u{200D}👩\u{200D}👧", "عائلة 👨\u{200D}👩\u{200D}👧", "عايله"),
    ("👍🏽 رائع", "👍🏽 رائع", "رايع"),
    // Text outside Arabic is untouched.
    ("日本語のテキスト", "日本語のテキスト", "日本語のテキスト"),
    ("", "", ""),
];

#[test]
fn table_of_mappings() {
    assert!(CASES.len() >= 80, "{} cases", CASES.len());
    let mut failures = Vec::new();
    for (input, want_out, want_key) in CASES {
        let got_out = output(input);
        let got_key = key(input);
        if got_out != *want_out || got_key != *want_key {
            failures.push(format!(
                "{input:?}: output {got_out:?} (want {want_out:?}), key {got_key:?} (want {want_key:?})"
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn the_cheap_nfc_paths_agree_with_nfc() {
    use unicode_normalization::UnicodeNormalization;
    let mut rng = Rng(7);
    for _ in 0..20_000 {
        let x = random_text(&mut rng);
        let nfc: String = x.nfc().collect();
        match super::output::nfc_check_for_tests(&x) {
            Some(true) => assert_eq!(nfc, x, "{x:?} is not NFC"),
            Some(false) => assert_eq!(super::output::reorder_marks_for_tests(&x), nfc, "on {x:?}"),
            None => {}
        }
    }
}

#[test]
fn edits_are_counted_by_kind() {
    let (_, e) = output_with_edits("ﺍﻟـسلام\u{200F}  عليكم\u{200C}م رااااائع");
    assert_eq!(
        (
            e.presentation_forms,
            e.tatweel,
            e.invisible,
            e.whitespace,
            e.zwnj,
            e.repeats
        ),
        (2, 1, 1, 1, 1, 2)
    );
    assert_eq!(output_with_edits("نص عادي.\n\nفقرة.").1, Edits::default());
}

/// A small deterministic generator (xorshift), so failures reproduce.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

const POOL: &[char] = &[
    'ا', 'أ', 'إ', 'آ', 'ٱ', 'ب', 'ت', 'ة', 'ه', 'ى', 'ي', 'ؤ', 'ئ', 'ء', 'ل', 'م', 'ن', 'و', 'ک', 'ی', 'پ',
    '\u{064E}', '\u{064B}', '\u{0651}', '\u{0652}', '\u{0654}', '\u{0670}', '\u{0640}', '\u{200C}', '\u{200D}',
    '\u{200F}', '\u{202B}', '\u{FEFF}', '\u{00AD}', ' ', ' ', ' ', '\n', '\r', '\t', '\u{00A0}', '\u{3000}', '0', '7',
    '٣', '۴', '.', '،', '؟', '«', '»', '!', 'a', 'Z', 'é', '👨', '\u{FE8D}', '\u{FEFB}', '\u{FEF7}', '\u{FE76}',
    '\u{FE77}', '\u{FC5E}', '\u{FDF2}', '\u{FDFA}', '\u{FDFD}', '\u{FB8E}', '日',
];

fn random_text(rng: &mut Rng) -> String {
    let len = (rng.next() % 40) as usize;
    (0..len)
        .map(|_| POOL[(rng.next() % POOL.len() as u64) as usize])
        .collect()
}

#[test]
fn output_is_idempotent_and_key_ignores_it() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for _ in 0..20_000 {
        let x = random_text(&mut rng);
        let once = output(&x);
        assert_eq!(output(&once), once, "output not idempotent on {x:?}");
        assert_eq!(key(&once), key(&x), "key(output(x)) != key(x) on {x:?}");
    }
}

/// Characters the output profile may touch: everything else must come through unchanged and in order.
fn touched(c: char) -> bool {
    is_space(c)
        || is_line_break(c)
        || is_invisible(c)
        || is_presentation_form(c)
        || c == TATWEEL
        || c == ZWNJ
        || c == ZWSP
        || c == ZWJ
        || is_arabic_letter(c)
        || is_arabic_mark(c)
        || c == '\u{0654}'
}

#[test]
fn output_never_changes_characters_outside_the_listed_sets() {
    let mut rng = Rng(42);
    for _ in 0..20_000 {
        let x = random_text(&mut rng);
        let kept_in: String = x.chars().filter(|c| !touched(*c)).collect();
        let kept_out: String = output(&x)
            .chars()
            .filter(|c| !touched(*c) || is_kept_ligature(*c))
            .collect();
        let kept_in_with_ligatures: String = x.chars().filter(|c| !touched(*c) || is_kept_ligature(*c)).collect();
        assert_eq!(kept_out, kept_in_with_ligatures, "on {x:?}");
        assert!(kept_in.chars().count() <= kept_out.chars().count());
    }
}

/// Mostly characters `fold_ignores_output` accepts, some it must refuse, runs of one letter included.
const LINE_POOL: &[char] = &[
    'ا', 'أ', 'آ', 'ى', 'ة', 'ؤ', 'ئ', 'ل', 'ل', 'ل', 'م', 'ۀ', 'ە', 'و', '\u{064E}', '\u{0651}', '\u{0670}',
    '\u{06D6}', '\u{0654}', '\u{0653}', '\u{0640}', '\u{061C}', ' ', ' ', ' ', '\n', '\n', '\r', '\t', '\u{00A0}',
    '\u{00AD}', '«', '»', '،', '٫', '٣', '3', '.', ',', 'A', 'b', 'É', 'e', '\u{0301}', '\u{200C}', '\u{FEFB}',
    '\u{200F}', '\u{202B}', '\u{2013}', '\u{201C}', '\u{2026}', '\u{2003}', '\u{2028}', '\u{0085}', '\u{001A}',
    '\u{FEFF}', '\u{200B}', '\u{200D}',
];

/// Up to 29 characters of [`LINE_POOL`].
fn pool_text(rng: &mut Rng) -> String {
    let len = (rng.next() % 30) as usize;
    (0..len)
        .map(|_| LINE_POOL[(rng.next() % LINE_POOL.len() as u64) as usize])
        .collect()
}

#[test]
fn fold_ignores_output_when_it_says_so() {
    let mut rng = Rng(0x5EED);
    let nonblank = |text: &str| {
        let mut out = String::new();
        fold_lines_into(text, &KeyOptions::default(), &mut out);
        out.split('\n')
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect::<Vec<_>>()
    };
    let mut accepted = 0;
    for _ in 0..50_000 {
        let x = pool_text(&mut rng);
        if fold_ignores_output(&x) {
            accepted += 1;
            assert_eq!(nonblank(&x), nonblank(&output(&x)), "on {x:?}");
        }
    }
    assert!(
        accepted > 2_000,
        "the check accepted only {accepted} texts: the test proves little"
    );
    let news = "قال وزير «الخارجية» إن المحادثات ستُستأنف في ١٥ مايو، 2024.\n\nوأضاف: «لا جديد».  \n";
    assert!(fold_ignores_output(news), "ordinary news text takes the fast path");
    assert!(
        fold_ignores_output("تـطويل\u{00A0}–\u{200F}“x”"),
        "tatweel, NBSP, dashes, quotes and marks too"
    );
    for refused in [
        "a\tb",
        "a\rb",
        "لللل",
        "للـل\u{200F}ل",
        "e\u{0301}",
        "ا\u{0653}",
        "\u{FEFB}",
        "a\u{2028}b",
        "12.\u{200F}5",
        "١٢،ـ٥",
        "لل\u{200B}لل",
        "لل\u{200D}لل",
    ] {
        assert!(!fold_ignores_output(refused), "{refused:?}");
    }
}

#[test]
fn the_guarded_fold_says_what_the_check_says_and_folds_the_same() {
    let mut rng = Rng(0xF01D);
    let opts = KeyOptions::default();
    let (mut guarded, mut plain) = (String::new(), String::new());
    let mut accepted = 0;
    for _ in 0..50_000 {
        let x = pool_text(&mut rng);
        let ok = fold_lines_unless_output_matters(&x, &opts, &mut guarded);
        assert_eq!(ok, fold_ignores_output(&x), "on {x:?}");
        if ok {
            accepted += 1;
            fold_lines_into(&x, &opts, &mut plain);
            assert_eq!(guarded, plain, "on {x:?}");
        }
    }
    assert!(accepted > 2_000, "only {accepted} accepted: the test proves little");
    // Every character of the Basic Multilingual Plane after a letter, and after a decimal mark.
    for cp in (0..0x1_0000u32).filter_map(char::from_u32) {
        for x in [format!("ب{cp}"), format!("1.{cp}5"), format!("{cp}{cp}{cp}{cp}")] {
            assert_eq!(
                fold_lines_unless_output_matters(&x, &opts, &mut guarded),
                fold_ignores_output(&x),
                "on U+{:04X} in {x:?}",
                cp as u32
            );
        }
    }
}

/// Runs of one letter (to reach the flood cap), doubled spaces and line breaks, around the other pools.
fn run_text(rng: &mut Rng) -> String {
    let mut text = String::new();
    for _ in 0..(rng.next() % 12) {
        let c = match rng.next() % 3 {
            0 => POOL[(rng.next() % POOL.len() as u64) as usize],
            1 => LINE_POOL[(rng.next() % LINE_POOL.len() as u64) as usize],
            _ => ['ه', 'ا', ' ', '!', '٣', 'ۀ', 'ڤ', '؛'][(rng.next() % 8) as usize],
        };
        text.extend(std::iter::repeat_n(c, 1 + (rng.next() % 6) as usize));
    }
    text
}

#[test]
fn the_byte_loop_over_plain_runs_changes_nothing() {
    let mut rng = Rng(0xB17E);
    for n in 0..60_000 {
        let x = match n % 3 {
            0 => random_text(&mut rng),
            1 => pool_text(&mut rng),
            _ => run_text(&mut rng),
        };
        assert_eq!(
            super::output::pass_for_tests(&x, true),
            super::output::pass_for_tests(&x, false),
            "on {x:?}"
        );
    }
    for x in [
        "",
        " ",
        "  a",
        "ههههه",
        "هههه ههههه!!!!",
        "قال: «الـUN» ،٣٣٣٣ ؟\r\n\n\n ب",
        "a\u{064E}ب",
    ] {
        assert_eq!(
            super::output::pass_for_tests(x, true),
            super::output::pass_for_tests(x, false),
            "on {x:?}"
        );
    }
}
