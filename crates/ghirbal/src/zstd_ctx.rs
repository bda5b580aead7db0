//! One zstd compression context per thread, kept between batches: making a context allocates and clears its
//! tables, which cost as much as compressing a small batch. The frames are the same bytes as from a new
//! context each time (zstd resets a context's state for every frame; only its buffers are reused).

use std::cell::RefCell;

thread_local! {
    static CONTEXT: RefCell<Option<(i32, zstd::bulk::Compressor<'static>)>> = const { RefCell::new(None) };
}

/// `data` as one zstd frame at `level`.
pub(crate) fn compress(data: &[u8], level: i32) -> std::io::Result<Vec<u8>> {
    CONTEXT.with(|cell| {
        let mut slot = cell.borrow_mut();
        if slot.as_ref().is_none_or(|(l, _)| *l != level) {
            *slot = Some((level, zstd::bulk::Compressor::new(level)?));
        }
        match slot.as_mut() {
            Some((_, enc)) => enc.compress(data),
            None => Err(std::io::Error::other("no zstd context")),
        }
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_kept_context_makes_the_bytes_a_new_one_does() {
        let text = "نص عربي للتجربة، يتكرر مرات ومرات\n".repeat(3000);
        for level in [3, -7, 3, 19] {
            for part in [text.as_bytes(), &text.as_bytes()[..1000], b""] {
                let fresh = zstd::bulk::compress(part, level).expect("fresh");
                assert_eq!(super::compress(part, level).expect("kept"), fresh, "level {level}");
            }
        }
    }
}
