//! Exact deduplication: documents whose whitespace-normalised text is identical (xxh3-128) form a group; the
//! keep rule picks one keeper, the others are removed with `dedup.exact`, `duplicate_of` and the group size.

use crate::Ordinal;

/// Hash of the text with every run of whitespace folded to one space and the ends trimmed.
pub fn exact_hash(text: &str) -> u128 {
    thread_local! {
        static BUF: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
    }
    BUF.with_borrow_mut(|folded| {
        fold_whitespace(text, folded);
        xxhash_rust::xxh3::xxh3_128(folded.as_bytes())
    })
}

/// Writes `text` into `out` with runs of Unicode whitespace folded to one space, ends trimmed.
///
/// Works on whole non-whitespace runs at a time: only bytes that are ASCII whitespace or could start a
/// non-ASCII whitespace character (lead bytes C2, E1, E2, E3) stop the copy and are decoded.
pub fn fold_whitespace(text: &str, out: &mut String) {
    out.clear();
    let mut pending_space = false;
    let mut run_start = 0;
    let flush = |out: &mut String, run: &str, pending: &mut bool| {
        if !run.is_empty() {
            if *pending && !out.is_empty() {
                out.push(' ');
            }
            out.push_str(run);
            *pending = false;
        }
    };
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if !matches!(
            b,
            b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c | 0xc2 | 0xe1 | 0xe2 | 0xe3
        ) {
            i += 1;
            continue;
        }
        let Some(c) = text[i..].chars().next() else {
            break;
        };
        if c.is_whitespace() {
            flush(out, &text[run_start..i], &mut pending_space);
            pending_space = true;
            run_start = i + c.len_utf8();
        }
        i += c.len_utf8();
    }
    flush(out, &text[run_start..], &mut pending_space);
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

/// What the cluster phase decided about one document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Decision {
    /// Kept, as the keeper of a group of `cluster_size` documents.
    Keeper {
        /// Documents in the group, the keeper included.
        cluster_size: u32,
    },
    /// Removed as a duplicate of `keeper_id`.
    Duplicate {
        /// The keeper's id.
        keeper_id: String,
        /// Documents in the group, the keeper included.
        group_size: u32,
    },
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
        out.push((keeper.ordinal, Decision::Keeper { cluster_size: size }));
        for dup in &group[1..] {
            out.push((
                dup.ordinal,
                Decision::Duplicate {
                    keeper_id: keeper.id.clone(),
                    group_size: size,
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

    fn key(text: &str, seq: u32, rank: &[u8]) -> ExactKey {
        ExactKey {
            hash: exact_hash(text),
            ordinal: Ordinal::new(0, seq),
            rank: rank.to_vec(),
            id: format!("d{seq}"),
        }
    }

    #[test]
    fn folding_handles_unicode_spaces() {
        let mut out = String::new();
        fold_whitespace("\u{a0} أ\u{2003}\u{2003}ب\n\nج ١٢\u{3000}", &mut out);
        assert_eq!(out, "أ ب ج ١٢");
        fold_whitespace("كلمة", &mut out);
        assert_eq!(out, "كلمة");
        fold_whitespace(" \n ", &mut out);
        assert_eq!(out, "");
        // Lead bytes of non-space characters (é, ‘, 、) are not spaces.
        fold_whitespace("é ‘x’、", &mut out);
        assert_eq!(out, "é ‘x’、");
    }

    #[test]
    fn whitespace_does_not_matter_but_letters_do() {
        assert_eq!(
            exact_hash("قال  الوزير\n\nإن"),
            exact_hash(" قال الوزير إن \n")
        );
        assert_ne!(exact_hash("قال الوزير"), exact_hash("قال الوزیر"));
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
                    Decision::Duplicate {
                        keeper_id: "d2".into(),
                        group_size: 3
                    }
                ),
                (Ordinal::new(0, 2), Decision::Keeper { cluster_size: 3 }),
                (
                    Ordinal::new(0, 3),
                    Decision::Duplicate {
                        keeper_id: "d2".into(),
                        group_size: 3
                    }
                ),
            ]
        );
    }
}
