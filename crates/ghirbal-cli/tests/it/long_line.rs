//! One very long record (50 MB of text on one line) goes through with bounded memory.

use crate::util::{ids, line, outcome, output_profile, run_ok, Rng};

const BIG: usize = 50 << 20;

ghtest!(a_50_mb_line_is_read_with_bounded_memory, |dir| {
    let mut rng = Rng::new(3);
    let pieces = ["غربال ", "corpus ", "السلام عليكم ", "data-", "٢٠١٥ ", "\n"];
    let mut text = String::with_capacity(BIG + 64);
    while text.len() < BIG {
        text.push_str(pieces[rng.below(pieces.len())]);
    }
    text.push('.');
    let mut body = line("before", "نص قصير", &[]);
    body += &line("big", &text, &[]);
    body += &line("after", "short text", &[]);
    body += &line("last", "نص آخر", &[]);
    let input = dir.write("long.jsonl", body);

    let out = dir.out();
    run_ok(engine_argv![input, "-o", out]);
    let o = outcome(&out);
    assert_eq!(ids(&o.kept), ["before", "big", "after", "last"]);
    // The stored text is exactly the output profile of the input.
    assert!(
        o.kept("big")["text"] == output_profile(&text).as_str(),
        "the long text changed"
    );
    let rss = o.stats["peak_rss_bytes"].as_u64().expect("peak_rss_bytes");
    assert!(rss > 0, "peak_rss_bytes is not measured");
    assert!(
        rss < 12 * 50_000_000,
        "peak RSS {} MB for a 50 MB line",
        rss / 1_000_000
    );
});
