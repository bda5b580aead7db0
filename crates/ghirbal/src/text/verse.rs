//! Verse: is a document mostly a poem? Arabic poetry — classical (عمودي) and Nabati alike — is laid out one
//! verse or hemistich per line, without end punctuation, and rhymes: every line, or every other line, ends on
//! the same letter (the قافية). Line-shape filters built for web pages (lines ending in punctuation,
//! newlines per word) read such a page as a list and drop it; FineWeb-2 loses Arabic poetry that way. The
//! rhyme is what separates a poem from a list of headlines, which has the same shape but ends anywhere.

/// Lines of at most this many words can be verses (a full bayt of two hemistichs on one line included).
const MAX_VERSE_WORDS: usize = 16;
/// A poem has at least this many verse lines.
const MIN_VERSE_LINES: usize = 6;

/// The rhyme letter of a line: its last letter (harakat, tatweel, punctuation and spaces after it ignored,
/// ى and ي, hamza carriers of alef as one), if it ends with a letter other than ة.
pub fn rhyme_letter(line: &str) -> Option<char> {
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
/// full stop at the end, whose last letters agree — in 60% of all lines (monorhyme), in 75% of every second
/// line (hemistichs on separate lines, the second one rhyming), or line by line with one of the two lines
/// before in 45% of lines (several poems, each with its rhyme).
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
    // A poem's lines differ (a song repeats its refrain, not every line); one line over and over is not verse.
    if verses.len() < MIN_VERSE_LINES || verses.len() * 2 < lines.len() || distinct.len() * 2 < verses.len() {
        return false;
    }
    // Lines without a rhyme letter count against the rhyme: they stay in, as a letter no other line has.
    let letters: Vec<char> = verses.iter().map(|l| rhyme_letter(l).unwrap_or('\0')).collect();
    let halves = |parity: usize| -> Vec<char> { letters.iter().copied().skip(parity).step_by(2).collect() };
    // Monorhyme, or a rhyme carried by every second line (Nabati verse rhymes its second hemistich), or —
    // for a page of several short poems, each with its own rhyme — lines rhyming with one of the two
    // before them (chance gives about one line in six that).
    let local = (2..letters.len())
        .filter(|&i| letters[i] != '\0' && (letters[i] == letters[i - 1] || letters[i] == letters[i - 2]))
        .count() as f64
        / (letters.len() - 2) as f64;
    top_share(&letters) >= 0.6 || top_share(&halves(0)) >= 0.75 || top_share(&halves(1)) >= 0.75 || local >= 0.45
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
        // Two short poems, each with its own rhyme, and a signature line between them.
        let anthology = "يستاهل التكريم يستاهل الزين\nيستاهل المركب جميل ومزيون\nحاشي صغير قيمته كلها دين\nتو اشتريته صرت يا ناس مديون\nعبدالكريم النغيمشي - لوذة\nهذا فحل ستين ذود مغاتير\nالزين كله فيه ولا عنه صده\nوطه عن الجكسار وزيد التصاوير\nأهل النظر تشوف جزره ومده";
        assert!(looks_like_verse(anthology));
        let ticker = "أمطار غزيرة على المرتفعات الجنوبية\nافتتاح ثلاث مدارس جديدة في الأحياء الشمالية\nارتفاع أسعار الخضروات في الأسواق المحلية\nفريق الساحل يتأهل إلى نصف النهائي\nوزارة الصحة تطلق حملة للتوعية\nتمديد ساعات عمل المكتبة العامة\nبدء أعمال صيانة الطريق الساحلي";
        assert!(!looks_like_verse(ticker), "headlines do not rhyme");
        let events = "الأحد: افتتاح معرض الكتاب.\nالاثنين: ندوة عن القراءة.\nالثلاثاء: أمسية شعرية.\nالأربعاء: ورشة للخط.\nالخميس: عرض مسرحي.\nالجمعة: سوق شعبي.";
        assert!(!looks_like_verse(events), "sentences end in full stops");
        assert!(!looks_like_verse("قال الوزير إن المشروع بدأ.\nوأضاف أن العمل مستمر."));
    }
}
