//! The ordered parallel flow every streaming phase uses: one producer thread reads, `threads` workers
//! transform, and the calling thread consumes results strictly in production order.
//!
//! Memory is bounded: at most `window` items are between the producer and the consumer at any time (a token
//! is taken per item produced and returned per item consumed), whatever the corpus size and however unevenly
//! items take time. Order, not timing, decides what the consumer sees, so output does not depend on `threads`.

use std::collections::BTreeMap;

use crossbeam_channel::{bounded, unbounded};

use crate::Result;

/// Runs `produce → work (parallel) → consume (in order)`.
///
/// `produce` gets an `emit` callback that returns `false` once the flow is stopping (a consumer error); it
/// should then return promptly. The first error, from either end, is returned.
pub(crate) fn run_ordered<I, O, P, W, C>(threads: usize, produce: P, work: W, mut consume: C) -> Result<()>
where
    I: Send,
    O: Send,
    P: FnOnce(&mut dyn FnMut(I) -> bool) -> Result<()> + Send,
    W: Fn(I) -> O + Sync,
    C: FnMut(O) -> Result<()>,
{
    let threads = threads.max(1);
    let window = 2 * threads + 2;
    let (token_tx, token_rx) = bounded::<()>(window);
    for _ in 0..window {
        let _ = token_tx.send(());
    }
    let (in_tx, in_rx) = bounded::<(u64, I)>(window);
    let (out_tx, out_rx) = unbounded::<(u64, O)>();
    std::thread::scope(|scope| {
        let producer = scope.spawn(move || {
            let mut next = 0u64;
            let mut emit = |item: I| -> bool {
                if token_rx.recv().is_err() {
                    return false;
                }
                let ok = in_tx.send((next, item)).is_ok();
                next += 1;
                ok
            };
            produce(&mut emit)
        });
        for _ in 0..threads {
            let (in_rx, out_tx, work) = (in_rx.clone(), out_tx.clone(), &work);
            scope.spawn(move || {
                for (idx, item) in in_rx {
                    if out_tx.send((idx, work(item))).is_err() {
                        break;
                    }
                }
            });
        }
        drop((in_rx, out_tx));
        let consumed = consume_in_order(out_rx, &token_tx, &mut consume);
        drop(token_tx);
        let produced = producer.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        consumed.and(produced)
    })
}

fn consume_in_order<O>(
    out_rx: crossbeam_channel::Receiver<(u64, O)>,
    token_tx: &crossbeam_channel::Sender<()>,
    consume: &mut dyn FnMut(O) -> Result<()>,
) -> Result<()> {
    let mut pending = BTreeMap::new();
    let mut next = 0u64;
    for (idx, out) in out_rx {
        pending.insert(idx, out);
        while let Some(out) = pending.remove(&next) {
            consume(out)?;
            let _ = token_tx.send(());
            next += 1;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Error;

    #[test]
    fn output_order_is_input_order_at_any_thread_count() {
        for threads in [1, 2, 7] {
            let mut seen = Vec::new();
            run_ordered(
                threads,
                |emit| {
                    for i in 0..500u64 {
                        emit(i);
                    }
                    Ok(())
                },
                |i| {
                    // Uneven work so that workers finish out of order.
                    std::thread::sleep(std::time::Duration::from_micros((i * 7919) % 300));
                    i * 2
                },
                |o| {
                    seen.push(o);
                    Ok(())
                },
            )
            .expect("flow");
            assert_eq!(seen, (0..500).map(|i| i * 2).collect::<Vec<_>>(), "threads={threads}");
        }
    }

    #[test]
    fn a_consumer_error_stops_the_producer() {
        let mut produced = 0;
        let err = run_ordered(
            2,
            |emit| {
                for i in 0..1_000_000u64 {
                    if !emit(i) {
                        break;
                    }
                    produced += 1;
                }
                Ok(())
            },
            |i| i,
            |o| {
                if o == 10 {
                    Err(Error::Config("stop".into()))
                } else {
                    Ok(())
                }
            },
        )
        .expect_err("stops");
        assert_eq!(err.to_string(), "invalid configuration: stop");
        assert!(produced < 100, "producer ran on: {produced}");
    }
}
