//! Character classes of Arabic text, in one place, so the output and key profiles agree on what a letter, a
//! mark or an invisible control is.

/// Letters of the Arabic alphabet proper (U+0620–U+064A): the letters between which ZWNJ is an artefact.
pub const fn is_arabic_alphabet(c: char) -> bool {
    matches!(c, '\u{0620}'..='\u{063F}' | '\u{0641}'..='\u{064A}')
}

/// Arabic-script letters (Arabic, Persian, Urdu, Pashto, Kurdish and the supplements), tatweel excluded.
pub const fn is_arabic_letter(c: char) -> bool {
    matches!(c,
        '\u{0620}'..='\u{063F}' | '\u{0641}'..='\u{064A}' | '\u{066E}'..='\u{066F}' | '\u{0671}'..='\u{06D3}'
        | '\u{06D5}' | '\u{06EE}'..='\u{06EF}' | '\u{06FA}'..='\u{06FC}' | '\u{06FF}' | '\u{0750}'..='\u{077F}'
        | '\u{08A0}'..='\u{08C9}')
}

/// Arabic combining marks removed by the key profile: harakat, tanwin, shadda, sukun, superscript alef,
/// Quranic annotation marks (U+0610–061A, U+064B–065F, U+0670, U+06D6–06ED).
pub const fn is_arabic_mark(c: char) -> bool {
    matches!(c, '\u{0610}'..='\u{061A}' | '\u{064B}'..='\u{065F}' | '\u{0670}' | '\u{06D6}'..='\u{06ED}')
}

/// Invisible format and bidi controls the output profile strips: LRM, RLM, ALM, LRE–RLO, LRI–PDI, soft
/// hyphen, word joiner, BOM / zero-width no-break space, Mongolian vowel separator. ZWJ is kept (emoji).
pub fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{200E}' | '\u{200F}' | '\u{061C}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{00AD}'
        | '\u{2060}' | '\u{FEFF}' | '\u{180E}')
}

/// Horizontal whitespace the output profile turns into one ASCII space.
pub fn is_space(c: char) -> bool {
    matches!(
        c,
        ' ' | '\t' | '\u{000B}' | '\u{000C}' | '\u{00A0}' | '\u{1680}' | '\u{2000}'
            ..='\u{200A}' | '\u{202F}' | '\u{205F}' | '\u{3000}'
    )
}

/// Line breaks (CR, LF, NEL, LS, PS); CRLF counts as one.
pub fn is_line_break(c: char) -> bool {
    matches!(c, '\n' | '\r' | '\u{0085}' | '\u{2028}' | '\u{2029}')
}

/// The Arabic presentation-form blocks mapped back to base letters (U+FB50–FDFF, U+FE70–FEFE).
pub fn is_presentation_form(c: char) -> bool {
    matches!(c, '\u{FB50}'..='\u{FDFF}' | '\u{FE70}'..='\u{FEFE}')
}

/// Presentation-block characters kept as they are: honorific and phrase ligatures that NFKC would expand
/// into whole phrases (ﷺ ﷻ ﷽ and the newer U+FDFE–FDFF), and the rial sign ﷼ (a currency symbol).
pub fn is_kept_ligature(c: char) -> bool {
    matches!(
        c,
        '\u{FDFA}' | '\u{FDFB}' | '\u{FDFC}' | '\u{FDFD}' | '\u{FDFE}' | '\u{FDFF}'
    )
}

/// Tatweel (kashida), U+0640: typographic elongation only.
pub const TATWEEL: char = '\u{0640}';
/// Zero-width non-joiner.
pub const ZWNJ: char = '\u{200C}';
/// Zero-width space.
pub const ZWSP: char = '\u{200B}';
/// Zero-width joiner (kept in emoji sequences).
pub const ZWJ: char = '\u{200D}';
