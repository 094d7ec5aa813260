//! The import's parsing of cells into domain values, spread over the machine's cores: it
//! comes before anything else can start. (Planning new users, the other per-row work, runs on
//! a thread of its own beside the write instead: `plan_write`.)

/// Rows below this are mapped on the calling thread (threads cost more than they save).
const MIN_PARALLEL: usize = 2_000;

/// `f` over `items` on up to `available_parallelism` scoped threads (at most 8), the
/// results in the items' order. A panic in `f` is resumed on the calling thread.
pub(crate) fn map_in_order<T: Send, U: Send>(items: Vec<T>, f: impl Fn(T) -> U + Sync) -> Vec<U> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(8));
    if threads < 2 || items.len() < MIN_PARALLEL {
        return items.into_iter().map(f).collect();
    }
    let per = items.len().div_ceil(threads);
    let mut parts = Vec::with_capacity(threads);
    let mut rest = items;
    while rest.len() > per {
        let tail = rest.split_off(per);
        parts.push(std::mem::replace(&mut rest, tail));
    }
    parts.push(rest);
    let f = &f;
    std::thread::scope(|s| {
        let handles: Vec<_> = parts
            .into_iter()
            .map(|part| s.spawn(move || part.into_iter().map(f).collect::<Vec<U>>()))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_order_on_every_split() {
        for n in [0, 1, 1_999, 2_000, 2_001, 10_007] {
            let out = map_in_order((0..n).collect(), |i: usize| i * 2);
            assert_eq!(out, (0..n).map(|i| i * 2).collect::<Vec<_>>(), "n = {n}");
        }
    }
}
