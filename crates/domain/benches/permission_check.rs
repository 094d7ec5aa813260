//! The permission check on a model of 10,000 organizations (depth 4), 1,000,000 users and 50
//! roles (issue 3). Criterion measures the mean/median per check; a second pass times 1,000,000
//! individual checks with `Instant` and prints p50/p99/p99.9, next to the same percentiles of an
//! empty timed section (the timer's own cost, to subtract).
//!
//! Run: `cargo bench -p portico-domain --bench permission_check -- --quick`

use criterion::{Criterion, criterion_group, criterion_main};
use portico_domain::access::{
    AccessEngine, Assignment, Catalog, Effect, Level, OrgKey, OrgTree, Override, PermIx,
    PermissionSet, ProjectKey, Reach, Role, RoleKey, Scope, UserKey,
};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::hint::black_box;
use std::time::{Duration, Instant};

const USERS: u32 = 1_000_000;
const ROLES: usize = 50;
const NOW: i64 = 1_000_000;

struct Model {
    engine: AccessEngine,
    tree: OrgTree,
    /// Each user's organization (where their organization role is assigned).
    home: Vec<OrgKey>,
    perms: u16,
}

/// 10 roots × 10 × 10 × 8, plus 890 more at depth 4: 10,000 organizations.
fn tree() -> OrgTree {
    let mut parents: Vec<Option<OrgKey>> = (0..10).map(|_| None).collect();
    let mut level: Vec<u32> = (0..10).collect();
    for fanout in [10, 10, 8] {
        let mut next = Vec::new();
        for &p in &level {
            for _ in 0..fanout {
                next.push(parents.len() as u32);
                parents.push(Some(OrgKey(p)));
            }
        }
        level = next;
    }
    while parents.len() < 10_000 {
        parents.push(Some(OrgKey(110 + parents.len() as u32 % 1000)));
    }
    OrgTree::new(parents).expect("a tree")
}

fn random_set(rng: &mut StdRng, catalog: &Catalog, level: Level, density: f64) -> PermissionSet {
    catalog
        .valid_at(level)
        .iter()
        .filter(|_| rng.random_bool(density))
        .collect()
}

fn model() -> Model {
    let started = Instant::now();
    let catalog = Catalog::portico();
    let mut rng = StdRng::seed_from_u64(3);
    let roles: Vec<Role> = (0..ROLES)
        .map(|i| {
            let level = match i {
                0..10 => Level::Platform,
                10..35 => Level::Organization,
                _ => Level::Project,
            };
            Role {
                key: format!("r{i}"),
                name: format!("Role {i}"),
                level,
                description: String::new(),
                permissions: random_set(&mut rng, &catalog, level, 0.4),
                preset: false,
                reach: Reach::Scope,
            }
        })
        .collect();
    let tree = tree();
    let orgs = tree.len() as u32;
    let mut assignments = Vec::with_capacity(USERS as usize * 12 / 10);
    let mut overrides = Vec::new();
    let mut home = Vec::with_capacity(USERS as usize);
    for u in 0..USERS {
        let user = UserKey(u);
        let org = OrgKey(rng.random_range(0..orgs));
        home.push(org);
        let role = RoleKey(rng.random_range(10..35));
        let expires = rng.random_bool(0.01).then(|| rng.random_range(0..2 * NOW));
        assignments.push(Assignment {
            user,
            role,
            scope: Scope::Org(org),
            expires,
        });
        if rng.random_bool(0.2) {
            let project = Scope::Project(ProjectKey(rng.random_range(0..50_000)), org);
            assignments.push(Assignment {
                user,
                role: RoleKey(rng.random_range(35..50)),
                scope: project,
                expires: None,
            });
        }
        if rng.random_bool(0.001) {
            assignments.push(Assignment {
                user,
                role: RoleKey(rng.random_range(0..10)),
                scope: Scope::Platform,
                expires: None,
            });
        }
        if rng.random_bool(0.01) {
            let permissions = random_set(&mut rng, &catalog, Level::Organization, 0.1);
            overrides.push(Override {
                user,
                scope: Scope::Org(org),
                effect: Effect::Deny,
                permissions,
            });
        }
    }
    let engine =
        AccessEngine::build(tree.clone(), &roles, &assignments, &overrides).expect("valid model");
    eprintln!(
        "model: {orgs} organizations, {USERS} users, {ROLES} roles, {} assignments, {} overrides; built in {:.2?}",
        assignments.len(),
        overrides.len(),
        started.elapsed()
    );
    Model {
        engine,
        tree,
        home,
        perms: catalog.len() as u16,
    }
}

/// Random users; the scope is the user's own organization, one of its ancestors or a project
/// in it (80%), or any organization (20%: a request outside their reach).
fn queries(m: &Model, n: usize, users: u32) -> Vec<(UserKey, PermIx, Scope)> {
    let mut rng = StdRng::seed_from_u64(7);
    (0..n)
        .map(|_| {
            let user = UserKey(rng.random_range(0..users));
            let home = m.home[user.0 as usize];
            let org = if rng.random_bool(0.8) {
                let chain: Vec<OrgKey> = m.tree.chain(home).collect();
                chain[rng.random_range(0..chain.len())]
            } else {
                OrgKey(rng.random_range(0..m.tree.len() as u32))
            };
            let scope = match rng.random_range(0..10) {
                0 => Scope::Platform,
                1 => Scope::Project(ProjectKey(rng.random_range(0..50_000)), org),
                _ => Scope::Org(org),
            };
            (user, PermIx(rng.random_range(0..m.perms)), scope)
        })
        .collect()
}

fn percentiles(mut ns: Vec<u64>) -> (u64, u64, u64) {
    ns.sort_unstable();
    let at = |q: f64| ns[((ns.len() - 1) as f64 * q) as usize];
    (at(0.50), at(0.99), at(0.999))
}

fn bench(c: &mut Criterion) {
    let m = model();
    let qs = queries(&m, 1 << 20, USERS);
    let allowed = qs
        .iter()
        .filter(|(u, p, s)| m.engine.allowed(*u, *p, *s, NOW))
        .count();
    eprintln!(
        "allowed in {:.1}% of sampled checks",
        100.0 * allowed as f64 / qs.len() as f64
    );
    // A server answers many checks for the same few callers: 1,000 users, warm in cache.
    let hot = queries(&m, 1 << 16, 1_000);

    for (name, qs) in [
        ("allowed, any of 1M users (cold cache)", &qs),
        ("allowed, 1,000 active users (warm)", &hot),
    ] {
        let mut i = 0usize;
        c.bench_function(name, |b| {
            b.iter(|| {
                let (u, p, s) = qs[i & (qs.len() - 1)];
                i = i.wrapping_add(1);
                black_box(
                    m.engine
                        .allowed(black_box(u), black_box(p), black_box(s), NOW),
                )
            })
        });
    }

    // Individual timings.
    let mut checks = Vec::with_capacity(qs.len());
    let mut empty = Vec::with_capacity(qs.len());
    for &(u, p, s) in &qs {
        let t = Instant::now();
        black_box(
            m.engine
                .allowed(black_box(u), black_box(p), black_box(s), NOW),
        );
        checks.push(t.elapsed().as_nanos() as u64);
        let t = Instant::now();
        black_box((u, p, s));
        empty.push(t.elapsed().as_nanos() as u64);
    }
    let (c50, c99, c999) = percentiles(checks);
    let (e50, e99, e999) = percentiles(empty);
    println!("individual checks (n = {}), timer included:", qs.len());
    println!("  allowed():   p50 {c50} ns   p99 {c99} ns   p99.9 {c999} ns");
    println!("  empty timer: p50 {e50} ns   p99 {e99} ns   p99.9 {e999} ns");
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    targets = bench
}
criterion_main!(benches);
