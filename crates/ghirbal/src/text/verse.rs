//! Verse: is a document mostly a poem? Arabic poetry — classical (عمودي) and Nabati alike — is laid out one
//! verse or hemistich per line, without end punctuation, and rhymes: every line, or every other line, ends on
//! the same letter (the قافية). Line-shape filters built for web pages (lines ending in punctuation,
//! newlines per word) read such a page as a list and drop it; FineWeb-2 loses Arabic poetry that way. The
//! rhyme is what separates a poem from a list of headlines, which has the same shape but ends anywhere.

/// Lines of at most this many words can be verses (a full bayt of two hemistichs on one line included).
const MAX_VERSE_WORDS: usize = 16;
/// A poem has at least this many verse lines.
const MIN_VERSE_LINES: usize = 6;

/// The last letter of a line (harakat, tatweel, punctuation and spaces after it ignored), if it ends with one.
fn last_letter(line: &str) -> Option<char> {
    line.chars()
        .rev()
        .find(|c| !c.is_whitespace() && !matches!(c, '\u{0640}' | '\u{064B}'..='\u{0652}' | '\u{0670}') && !is_mark(*c))
        // ة ends most feminine nouns and adjectives (الجنوبية، الشمالية): lines ending in it agree by grammar,
        // not by rhyme, so they give no rhyme evidence.
        .filter(|c| c.is_alphabetic() && *c != 'ة')
        .map(|c| match c {
            // Rhymes are heard, not spelled: ى and ي, hamza carriers rhyme together.
            'ى' => 'ي',
            'أ' | 'إ' | 'آ' => 'ا',
            _ => c,
        })
}

fn is_mark(c: char) -> bool {
    matches!(c, '.' | '،' | '!' | '؟' | '?' | '…' | '"' | '»' | ')' | '*')
}

/// Share of `letters` equal to the most common one.
fn top_share(letters: &[char]) -> f64 {
    let mut best = 0;
    for c in letters.iter().filter(|c| **c != '\0') {
        best = best.max(letters.iter().filter(|x| *x == c).count());
    }
    best as f64 / letters.len().max(1) as f64
}

/// True when most of the text's non-blank lines form rhyming verse: at least six short lines without a
/// full stop at the end, whose last letters agree — in 60% of all lines (monorhyme), or in 75% of every
/// second line (hemistichs on separate lines, the second one rhyming).
pub fn looks_like_verse(text: &str) -> bool {
    let lines: Vec<&str> = text.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    let verses: Vec<&str> = lines
        .iter()
        .copied()
        .filter(|l| {
            let words = l.split_whitespace().count();
            (2..=MAX_VERSE_WORDS).contains(&words) && !l.ends_with(['.', ':', '؟', '?', '!'])
        })
        .collect();
    let distinct: std::collections::HashSet<&str> = verses.iter().copied().collect();
    // A poem's lines differ; a line repeated over and over is a different problem.
    if verses.len() < MIN_VERSE_LINES || verses.len() * 2 < lines.len() || distinct.len() * 5 < verses.len() * 4 {
        return false;
    }
    // Lines without a rhyme letter count against the rhyme: they stay in, as a letter no other line has.
    let letters: Vec<char> = verses.iter().map(|l| last_letter(l).unwrap_or('\0')).collect();
    let halves = |parity: usize| -> Vec<char> { letters.iter().copied().skip(parity).step_by(2).collect() };
    // Monorhyme, or a rhyme carried by every second line (Nabati verse rhymes its second hemistich).
    top_share(&letters) >= 0.6 || top_share(&halves(0)) >= 0.75 || top_share(&halves(1)) >= 0.75
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rhyming_poems_are_verse_lists_and_prose_are_not() {
        // Monorhyme (every line ends in ل), in the layout of a news page quoting a poem.
        let poem = "قصيدة جديدة\n\nوهذا نص القصيدة:\nهمش العقل نفسه والضمير اعتزل\nواستباح الأخ دم الأخ بابتذال\nيا الله إني دخيلك من زمان الهبل\nيذبح المسلم المسلم طغى واغتيال\nوالمخطط نشر فوضاه بين الجهل\nوالمجاهد نحر نفسه بسوق الضلال";
        assert!(looks_like_verse(poem));
        // Alternating rhyme: odd lines in ي, even lines in ات.
        let nabati = "الطيب ما هو بالحكي والمناوي\nولا هو بواسطة واسطه وانتخابات\nالطيب لهموم المشاكل يداوي\nوإلا الرداء نقص بكل المجالات\nلولا الرداء ما صار للطيب راوي\nولا دونت للطيب كتب وروايات\nأبدا ولا بين المعاني تساوي\nبين الرداء والطيب فرق ومسافات";
        assert!(looks_like_verse(nabati));
        // Only the second hemistichs rhyme (in م).
        let ajz = "شكرا من عندي ومن شعب اليمن\nسلمان المغوار الرجل الزعيم\nعزم أموره وحرر اليمن\nمن الحوثي الخائن إبليس الرجيم\nالحر أحزمها ورجع الأمل\nسلمان أحزمها الرجل الحكيم\nالحوثي وصالح باعوا اليمن\nولا له في الدنيا غير الجحيم";
        assert!(looks_like_verse(ajz));
        let ticker = "أمطار غزيرة على المرتفعات الجنوبية\nافتتاح ثلاث مدارس جديدة في الأحياء الشمالية\nارتفاع أسعار الخضروات في الأسواق المحلية\nفريق الساحل يتأهل إلى نصف النهائي\nوزارة الصحة تطلق حملة للتوعية\nتمديد ساعات عمل المكتبة العامة\nبدء أعمال صيانة الطريق الساحلي";
        assert!(!looks_like_verse(ticker), "headlines do not rhyme");
        let events = "الأحد: افتتاح معرض الكتاب.\nالاثنين: ندوة عن القراءة.\nالثلاثاء: أمسية شعرية.\nالأربعاء: ورشة للخط.\nالخميس: عرض مسرحي.\nالجمعة: سوق شعبي.";
        assert!(!looks_like_verse(events), "sentences end in full stops");
        assert!(!looks_like_verse("قال الوزير إن المشروع بدأ.\nوأضاف أن العمل مستمر."));
    }
}
