//! The head of an extracted article: date lines («الأحد، 04 آب/اغسطس 2013، آخر تحديث 02:21 (GMT+0400)»,
//! «نشر في: 12 جانفي 2019 - 10:15») and bylines («حوار: آسيا العتروس», «بقلم: …»). Pages print them between
//! the headline and the body, extractors keep them, and they are not the article's text: they go to `meta`.
//! A byline is a line of at most six words that opens with a credit word and a colon (or «بقلم»). A line is a date line when it holds a digit, a month or
//! weekday name (Gregorian in its Egyptian, Levantine and Maghrebi names, or Hijri), and at most two words
//! outside the vocabulary of dates — so a sentence that merely mentions a date is never one.

/// Words of dates: weekdays, months in every regional naming, Hijri months, and the words pages put
/// around a date. Compared after stripping «ال» from neither side: the forms are listed as printed.
const NAMES: &[&str] = &[
    "الأحد",
    "الاحد",
    "الاثنين",
    "الإثنين",
    "الثلاثاء",
    "الأربعاء",
    "الاربعاء",
    "الخميس",
    "الجمعة",
    "السبت",
    "يناير",
    "فبراير",
    "مارس",
    "أبريل",
    "ابريل",
    "إبريل",
    "مايو",
    "يونيو",
    "يونيه",
    "يوليو",
    "يوليه",
    "أغسطس",
    "اغسطس",
    "سبتمبر",
    "أكتوبر",
    "اكتوبر",
    "نوفمبر",
    "ديسمبر",
    "كانون",
    "شباط",
    "آذار",
    "اذار",
    "نيسان",
    "أيار",
    "ايار",
    "حزيران",
    "تموز",
    "آب",
    "اب",
    "أيلول",
    "ايلول",
    "تشرين",
    "جانفي",
    "فيفري",
    "أفريل",
    "افريل",
    "ماي",
    "جوان",
    "جويلية",
    "أوت",
    "اوت",
    "محرم",
    "صفر",
    "ربيع",
    "جمادى",
    "رجب",
    "شعبان",
    "رمضان",
    "شوال",
    "القعدة",
    "الحجة",
];

/// Other words a date line may hold.
const AROUND: &[&str] = &[
    "الأول",
    "الاول",
    "الثاني",
    "الآخر",
    "الاخر",
    "الأولى",
    "الآخرة",
    "ذو",
    "ذي",
    "آخر",
    "اخر",
    "تحديث",
    "التحديث",
    "نشر",
    "تم",
    "النشر",
    "في",
    "بتاريخ",
    "تاريخ",
    "الساعة",
    "ساعة",
    "صباحا",
    "صباحاً",
    "مساء",
    "مساءً",
    "ص",
    "م",
    "هـ",
    "ه",
    "بتوقيت",
    "توقيت",
    "مكة",
    "المكرمة",
    "غرينتش",
    "GMT",
    "UTC",
    "AM",
    "PM",
];

/// Credit words that open a byline.
const CREDITS: &[&str] = &[
    "حوار",
    "بقلم",
    "كتب",
    "كتبت",
    "إعداد",
    "اعداد",
    "تقرير",
    "متابعة",
    "ترجمة",
    "تحرير",
    "تصوير",
    "المحرر",
    "مراسلنا",
    "مراسلتنا",
    "إشراف",
    "اشراف",
];

/// Whether `line` is a byline.
pub(super) fn is_byline(line: &str) -> bool {
    if line.split_whitespace().count() > 6 {
        return false;
    }
    let first = line.split(|c: char| !c.is_alphabetic()).next().unwrap_or("");
    CREDITS.contains(&first) && (first == "بقلم" || line[first.len()..].trim_start().starts_with(':'))
}

/// Longest line above a byline taken as the article's headline or standfirst, in words.
const MAX_STANDFIRST_WORDS: usize = 60;

/// Removes the date lines and bylines among the first three lines (a headline may come before them) and
/// returns them, in order. The lines above a byline go with it: pages print the headline and its
/// standfirst above the credit, and the body below it (Assabah: «- الجيل الذي سعى النظام لتدجينه … -»
/// over «حوار: آسيا العتروس»), unless one of them is longer than a standfirst.
pub(super) fn take_leading(lines: &mut Vec<String>) -> Vec<String> {
    let head = lines.len().min(3);
    let words = |i: usize| lines[i].split_whitespace().count();
    // Only over a body: the text after the byline must outweigh what stands above it (a short item signed at
    // its end keeps its paragraphs).
    let above = (0..head)
        .find(|&i| is_byline(&lines[i]))
        .filter(|&k| (0..k).all(|i| words(i) <= MAX_STANDFIRST_WORDS))
        .filter(|&k| (k + 1..lines.len()).map(words).sum::<usize>() > (0..k).map(words).sum::<usize>())
        .unwrap_or(0);
    let furniture: Vec<usize> = (0..head)
        .filter(|&i| i < above || is_date_line(&lines[i]) || is_byline(&lines[i]))
        .collect();
    // Removed from the last so the indices hold, then put back in page order (a lazy `rev().map().rev()`
    // would remove from the first).
    let mut taken: Vec<String> = furniture.iter().rev().map(|&i| lines.remove(i)).collect();
    taken.reverse();
    taken
}

/// Whether `line` is only a date (and the words around one).
pub(super) fn is_date_line(line: &str) -> bool {
    if !line.chars().any(|c| c.is_numeric()) || line.split_whitespace().count() > 16 {
        return false;
    }
    let (mut names, mut others) = (0, 0);
    for word in line.split(|c: char| !c.is_alphabetic()).filter(|w| !w.is_empty()) {
        let word = word.trim_start_matches('و');
        if NAMES.contains(&word) {
            names += 1;
        } else if !AROUND.contains(&word) && !word.is_empty() {
            others += 1;
        }
    }
    names > 0 && others <= 2
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_standfirst_above_the_byline_goes_with_it() {
        let mut lines: Vec<String> = [
            "- الجيل الذي سعى النظام لتدجينه هو الذي ينتفض مطالبا بحريته",
            "حوار: آسيا العتروس",
            "مالذي يحدث في السودان؟ والى أين يتجه البلد الذي يقوده الرئيس منذ ثلاثين عاما؟",
        ]
        .map(String::from)
        .to_vec();
        let head = take_leading(&mut lines);
        assert_eq!(head.len(), 2, "{head:?} {lines:?}");
        assert_eq!(lines.len(), 1, "{head:?}");
        assert!(lines[0].starts_with("مالذي"), "{lines:?}");
        // A date and a byline: both taken, in page order, the body left whole.
        let mut lines: Vec<String> = [
            "الأحد، 04 آب/اغسطس 2013",
            "بقلم: فلان الفلاني",
            "نص المقال الأول.",
            "نص ثان.",
        ]
        .map(String::from)
        .to_vec();
        assert_eq!(take_leading(&mut lines), ["الأحد، 04 آب/اغسطس 2013", "بقلم: فلان الفلاني"]);
        assert_eq!(lines, ["نص المقال الأول.", "نص ثان."]);
        // A short item signed at its end keeps its paragraphs.
        let mut lines: Vec<String> = [
            "افتتح الوزير المستشفى الجديد اليوم.",
            "وحضر الافتتاح عدد من المسؤولين.",
            "كتب: فلان",
        ]
        .map(String::from)
        .to_vec();
        assert_eq!(take_leading(&mut lines), ["كتب: فلان"]);
        assert_eq!(lines.len(), 2);
        // A paragraph longer than a standfirst above a credit line stays in the text.
        let long = vec!["كلمة"; 80].join(" ");
        let mut lines = vec![long.clone(), "بقلم: فلان".into(), "نص.".into()];
        assert_eq!(take_leading(&mut lines), ["بقلم: فلان"]);
        assert_eq!(lines, [long, "نص.".to_string()]);
    }

    #[test]
    fn date_lines_and_sentences_apart() {
        for date in [
            "الأحد، 04 آب/اغسطس 2013، آخر تحديث 02:21 (GMT+0400)",
            "نشر في: 12 جانفي 2019 - 10:15",
            "الخميس 5 رمضان 1440 هـ",
            "السبت 14 سبتمبر 2024 | 09:30 صباحاً",
            "مارس 2020",
        ] {
            assert!(is_date_line(date), "{date}");
        }
        for sentence in [
            "وقع الزلزال يوم الأحد 4 أغسطس 2013 في جنوب البلاد.",
            "افتتح الوزير في 12 مايو المعرض الدولي للكتاب بحضور السفراء.",
            "الرياض",
        ] {
            assert!(!is_date_line(sentence), "{sentence}");
        }
        let mut lines = vec![
            "الأحد، 04 آب/اغسطس 2013".to_owned(),
            "نص المقال يبدأ هنا في 2013.".to_owned(),
        ];
        assert_eq!(take_leading(&mut lines).len(), 1);
        assert_eq!(lines, ["نص المقال يبدأ هنا في 2013."]);
    }
}
