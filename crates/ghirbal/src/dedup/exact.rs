//! Exact deduplication: documents whose whitespace-normalised text is identical (xxh3-128) form a group; the
//! keep rule picks one keeper, the others are removed with `dedup.exact`, `duplicate_of` and the group size.

use super::Decision;
use crate::normalize::{fold_into, output, KeyOptions};
use crate::Ordinal;

/// The exact-dedup hash of a document: xxh3-128 of its key form (see [`crate::normalize::key`]), computed
/// from text that is already in the output profile when `normalized` is true.
pub fn exact_hash(text: &str, normalized: bool, opts: &KeyOptions) -> u128 {
    thread_local! {
        static BUF: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
    }
    BUF.with_borrow_mut(|key| {
        if normalized {
            fold_into(text, opts, key);
        } else {
            fold_into(&output(text), opts, key);
        }
        hash_key(key)
    })
}

/// xxh3-128 of a key form, its line breaks counted as spaces, its blank lines ignored (documents that differ
/// only in where the lines break are duplicates) and every number folded to `0` (the analysis form keeps
/// digits, see [`crate::normalize::fold_lines_into`]; in the key form they are `0` already).
pub fn hash_key(key: &str) -> u128 {
    let bytes = key.as_bytes();
    // One line without digits (a line key, most of the time) is hashed as it is.
    if !digit_or_newline(bytes) {
        return xxhash_rust::xxh3::xxh3_128(bytes);
    }
    FOLDED.with(|buf| {
        let mut buf = buf.borrow_mut();
        buf.clear();
        for line in crate::text::split_lines(key).filter(|l| !l.is_empty()) {
            if !buf.is_empty() {
                buf.push(b' ');
            }
            fold_numbers(line.as_bytes(), &mut buf);
        }
        xxhash_rust::xxh3::xxh3_128(&buf)
    })
}

/// True when `bytes` hold an ASCII digit or a line break; looked for 64 bytes at a time, without an early
/// exit inside a block, so that the compiler turns the test into vector instructions.
fn digit_or_newline(bytes: &[u8]) -> bool {
    bytes.chunks(64).any(|block| {
        block
            .iter()
            .fold(false, |seen, b| seen | (b.wrapping_sub(b'0') < 10) | (*b == b'\n'))
    })
}

thread_local! {
    /// The bytes [`hash_key`] hashes, reused from call to call.
    static FOLDED: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Appends `line` to `out` with each run of digits and decimal points (which the key has only inside numbers)
/// replaced by `0`.
fn fold_numbers(line: &[u8], out: &mut Vec<u8>) {
    let mut i = 0;
    while i < line.len() {
        let start = i;
        while i < line.len() && !line[i].is_ascii_digit() {
            i += 1;
        }
        out.extend_from_slice(&line[start..i]);
        if i < line.len() {
            out.push(b'0');
            while i < line.len() && (line[i].is_ascii_digit() || line[i] == b'.') {
                i += 1;
            }
        }
    }
}

/// One survivor's exact-dedup key, as stored by the scan phase.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExactKey {
    /// Hash of the normalised text.
    pub hash: u128,
    /// The document's ordinal.
    pub ordinal: Ordinal,
    /// Its keep-rule rank (smaller is preferred).
    pub rank: Vec<u8>,
    /// Its id, for `duplicate_of`.
    pub id: String,
}

/// Groups keys by hash and decides each group: the keeper is the smallest (rank, ordinal).
pub fn decide(mut keys: Vec<ExactKey>) -> Vec<(Ordinal, Decision)> {
    keys.sort_unstable_by(|a, b| (a.hash, &a.rank, a.ordinal).cmp(&(b.hash, &b.rank, b.ordinal)));
    let mut out = Vec::new();
    for group in keys.chunk_by(|a, b| a.hash == b.hash) {
        if group.len() < 2 {
            continue;
        }
        let size = group.len() as u32;
        let keeper = &group[0];
        out.push((
            keeper.ordinal,
            Decision::Keeper {
                cluster_id: None,
                cluster_size: size,
            },
        ));
        for dup in &group[1..] {
            out.push((
                dup.ordinal,
                Decision::Exact {
                    keeper_id: keeper.id.clone(),
                    group_size: size,
                    cluster: None,
                    archived: None,
                },
            ));
        }
    }
    out.sort_unstable_by_key(|(ordinal, _)| *ordinal);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_analysis_form_hashes_like_the_key_form() {
        let opts = KeyOptions::default();
        for text in [
            "بلغ 58.1 مليار ريال في 2014م، بارتفاع ٢١٫٣٪\n\nعن عام 2013",
            "1.2.3 و 4,5 و١٢٣",
            "لا أرقام هنا\nسطر ثان",
            "",
        ] {
            let (mut key, mut analysis) = (String::new(), String::new());
            fold_into(text, &opts, &mut key);
            crate::normalize::fold_lines_into(text, &opts, &mut analysis);
            assert_eq!(hash_key(&key), hash_key(&analysis), "{text}");
        }
        assert_ne!(hash_key("عام 0"), hash_key("عام"), "a number is not nothing");
    }

    #[test]
    fn raw_text_the_output_pass_cannot_change_hashes_like_its_output_form() {
        let opts = KeyOptions::default();
        let mut accepted = 0;
        for text in [
            "\n\n  عنوان  الخبر \n\n\n\nقال الوزيـــر إن 58.1 مليار ريال «تكفي»…\n\u{200F}سطر\n\n",
            "  نص\u{00A0}قصير –  \n***\n\n\nتم.  ",
            "سطر\tبجدول",
            "ﺍﻟﺴﻼﻡ",
        ] {
            if crate::normalize::fold_ignores_output(text) {
                accepted += 1;
                assert_eq!(
                    exact_hash(text, true, &opts),
                    exact_hash(text, false, &opts),
                    "{text:?}"
                );
            }
        }
        assert_eq!(
            accepted, 2,
            "the first two take the fast path, the tab and the presentation form do not"
        );
    }

    fn key(text: &str, seq: u32, rank: &[u8]) -> ExactKey {
        ExactKey {
            hash: h(text),
            ordinal: Ordinal::new(0, seq),
            rank: rank.to_vec(),
            id: format!("d{seq}"),
        }
    }

    fn h(text: &str) -> u128 {
        exact_hash(text, false, &KeyOptions::default())
    }

    #[test]
    fn spelling_variants_and_layout_do_not_matter_but_words_do() {
        assert_eq!(h("قال  الوزير\n\nإن"), h(" قال الوزير إن \n"));
        assert_eq!(h("الأميركيّة، في ٢٠١٥"), h("الاميركيه في 2016"));
        assert_eq!(h("مُحَمَّدٌ إلى المدرسة"), h("محمد الى المدرسه"));
        assert_ne!(h("قال الوزير"), h("قال السفير"));
        assert_eq!(hash_key("a b"), hash_key("a\nb"));
    }

    #[test]
    fn keeper_is_smallest_rank_then_first() {
        let decisions = decide(vec![
            key("نص", 0, b"b"),
            key("آخر", 1, b""),
            key("نص", 2, b"a"),
            key("نص", 3, b"a"),
        ]);
        assert_eq!(
            decisions,
            vec![
                (
                    Ordinal::new(0, 0),
                    Decision::Exact {
                        keeper_id: "d2".into(),
                        group_size: 3,
                        cluster: None,
                        archived: None,
                    }
                ),
                (
                    Ordinal::new(0, 2),
                    Decision::Keeper {
                        cluster_id: None,
                        cluster_size: 3
                    }
                ),
                (
                    Ordinal::new(0, 3),
                    Decision::Exact {
                        keeper_id: "d2".into(),
                        group_size: 3,
                        cluster: None,
                        archived: None,
                    }
                ),
            ]
        );
    }
}
