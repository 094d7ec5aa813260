//! Portico's permission check on the benchmark model (10,000 organizations of depth 4,
//! 1,000,000 users, 50 roles): criterion's mean/median per check, for any of the 1M users (cold
//! caches) and for 1,000 active users (warm). `authz-compare` gives the per-check percentiles
//! and the comparison with casbin and Cedar.
//!
//! Run: `cargo bench -p portico-authz-bench --bench permission_check -- --quick`

use criterion::{Criterion, criterion_group, criterion_main};
use portico_authz_bench::model::{Model, NOW};
use std::hint::black_box;
use std::time::Duration;

fn bench(c: &mut Criterion) {
    let m = Model::generate(1_000_000);
    let engine = m.portico();
    let cold = m.queries(1 << 20, m.users, 7);
    let hot = m.queries(1 << 16, 1_000, 8);
    for (name, qs) in [
        ("allowed, any of 1M users (cold cache)", &cold),
        ("allowed, 1,000 active users (warm)", &hot),
    ] {
        let mut i = 0usize;
        c.bench_function(name, |b| {
            b.iter(|| {
                let q = qs[i & (qs.len() - 1)];
                i = i.wrapping_add(1);
                black_box(engine.allowed(
                    black_box(q.user),
                    black_box(q.perm),
                    black_box(q.scope),
                    NOW,
                ))
            })
        });
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    targets = bench
}
criterion_main!(benches);
