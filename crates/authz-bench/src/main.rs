//! `authz-compare`: the same permission checks answered by Portico's engine, by casbin (RBAC
//! with domains) and by Cedar, over one generated platform (10,000 organizations of depth 4,
//! 1,000,000 users, 50 roles). Every sampled check is answered by all three and the answers
//! must agree; each check is timed on its own and the table gives p50/p99/p99.9 and the ratios.
//!
//! Run: `cargo run --release -p portico-authz-bench --bin authz-compare`
//! (`--users 100000` for a quicker run; `--help` for the rest).

use casbin::CoreApi;
use clap::Parser;
use portico_authz_bench::model::{Model, NOW, Query, percentiles};
use portico_authz_bench::{casbin_enc, cedar_enc};
use std::hint::black_box;
use std::time::{Duration, Instant};

#[derive(Parser)]
#[command(about = "Portico's permission check side by side with casbin and cedar-policy")]
struct Args {
    /// Users in the model.
    #[arg(long, default_value_t = 1_000_000)]
    users: u32,
    /// Checks timed on Portico's engine.
    #[arg(long, default_value_t = 1_000_000)]
    portico_checks: usize,
    /// Checks timed on Cedar (at most; see --seconds; 0: Cedar is not built).
    #[arg(long, default_value_t = 200_000)]
    cedar_checks: usize,
    /// Checks timed on casbin (at most; see --seconds; 0: casbin is not built).
    #[arg(long, default_value_t = 20_000)]
    casbin_checks: usize,
    /// Time budget per engine for its timed checks.
    #[arg(long, default_value_t = 30)]
    seconds: u64,
}

/// Resident memory of this process, in MiB (Linux).
fn rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

struct Run {
    name: &'static str,
    ns: Vec<u64>,
    allowed: usize,
    disagree: usize,
    build: Duration,
    mem_mib: f64,
}

/// Times `check` over `reqs` (each on its own), up to the budget; compares with `expected`.
fn time_checks<R>(
    name: &'static str,
    reqs: &[R],
    expected: &[bool],
    budget: Duration,
    build: Duration,
    mem_mib: f64,
    mut check: impl FnMut(&R) -> bool,
) -> Run {
    let started = Instant::now();
    let mut ns = Vec::with_capacity(reqs.len());
    let (mut allowed, mut disagree) = (0, 0);
    for (i, r) in reqs.iter().enumerate() {
        let t = Instant::now();
        let ok = black_box(check(black_box(r)));
        ns.push(t.elapsed().as_nanos() as u64);
        allowed += ok as usize;
        if ok != expected[i] {
            disagree += 1;
            if disagree <= 5 {
                eprintln!("{name}: check #{i} answered {ok}, Portico {}", expected[i]);
            }
        }
        if i % 256 == 255 && started.elapsed() > budget {
            break;
        }
    }
    Run {
        name,
        ns,
        allowed,
        disagree,
        build,
        mem_mib,
    }
}

fn main() {
    let args = Args::parse();
    let budget = Duration::from_secs(args.seconds);

    let t = Instant::now();
    let m = Model::generate(args.users);
    let live = m.live_assignments().count();
    println!(
        "model: {} organizations (depth 4), {} users, {} roles, {} assignments ({} in force), {} denials; generated in {:.1?}",
        m.tree.len(),
        m.users,
        m.roles.len(),
        m.assignments.len(),
        live,
        m.overrides.len(),
        t.elapsed()
    );
    let n = args
        .portico_checks
        .max(args.cedar_checks)
        .max(args.casbin_checks);
    let queries: Vec<Query> = m.queries(n, m.users, 7);

    let mem0 = rss_mib();
    let t = Instant::now();
    let engine = m.portico();
    let portico_build = t.elapsed();
    let portico_mem = rss_mib() - mem0;
    let expected: Vec<bool> = queries
        .iter()
        .map(|q| engine.allowed(q.user, q.perm, q.scope, NOW))
        .collect();

    let portico = time_checks(
        "portico",
        &queries[..args.portico_checks],
        &expected,
        budget,
        portico_build,
        portico_mem,
        |q| engine.allowed(q.user, q.perm, q.scope, NOW),
    );
    let mut runs = vec![portico];

    // An engine given 0 checks is not built.
    if args.cedar_checks > 0 {
        let mem0 = rss_mib();
        let t = Instant::now();
        let cedar = cedar_enc::build(&m);
        let build = t.elapsed();
        let mem = rss_mib() - mem0;
        println!(
            "cedar: {} policies, {} entities, built in {build:.1?}",
            cedar.policy_count, cedar.entity_count
        );
        // Requests are built before timing: only the decision is measured.
        let reqs: Vec<_> = queries[..args.cedar_checks]
            .iter()
            .map(|q| (*q, cedar_enc::request(q)))
            .collect();
        runs.push(time_checks(
            "cedar-policy",
            &reqs,
            &expected,
            budget,
            build,
            mem,
            |(_, r)| cedar.allowed(r),
        ));
        runs.push(time_checks(
            "cedar, sliced",
            &reqs,
            &expected,
            budget,
            build,
            mem,
            |(q, r)| cedar.allowed_sliced(q, r),
        ));
    }
    if args.casbin_checks > 0 {
        let mem0 = rss_mib();
        let t = Instant::now();
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("tokio runtime");
        let (casbin, np, ng) = rt.block_on(casbin_enc::build(&m));
        let build = t.elapsed();
        let mem = rss_mib() - mem0;
        println!("casbin: {np} p rules, {ng} g rules, built in {build:.1?}");
        let reqs: Vec<Vec<String>> = queries[..args.casbin_checks]
            .iter()
            .map(|q| casbin_enc::request(&m, q))
            .collect();
        runs.push(time_checks(
            "casbin",
            &reqs,
            &expected,
            budget,
            build,
            mem,
            |r| casbin.enforce(r.clone()).expect("casbin enforce"),
        ));
    }
    let mut empty = Vec::with_capacity(100_000);
    for q in queries.iter().take(100_000) {
        let t = Instant::now();
        black_box(q);
        empty.push(t.elapsed().as_nanos() as u64);
    }

    let (p50, p99, _) = percentiles(runs[0].ns.clone());
    println!();
    println!(
        "{:<13} {:>9} {:>10} {:>10} {:>10} {:>8} {:>11} {:>10} {:>9} {:>9} {:>9}",
        "engine",
        "checks",
        "p50",
        "p99",
        "p99.9",
        "allowed",
        "disagree",
        "build",
        "memory",
        "p50 ×",
        "p99 ×"
    );
    let mut disagreements = 0;
    for r in &runs {
        let (a, b, c) = percentiles(r.ns.clone());
        disagreements += r.disagree;
        println!(
            "{:<13} {:>9} {:>8}ns {:>8}ns {:>8}ns {:>7.1}% {:>11} {:>9.1?} {:>6.0}MiB {:>8.1}x {:>8.1}x",
            r.name,
            r.ns.len(),
            a,
            b,
            c,
            100.0 * r.allowed as f64 / r.ns.len().max(1) as f64,
            r.disagree,
            r.build,
            r.mem_mib,
            a as f64 / p50.max(1) as f64,
            b as f64 / p99.max(1) as f64,
        );
    }
    let (e50, e99, e999) = percentiles(empty);
    println!(
        "{:<13} {:>9} {:>8}ns {:>8}ns {:>8}ns   (the timer's own cost, included above)",
        "empty timer", 100_000, e50, e99, e999
    );
    let ratio = |r: &Run| percentiles(r.ns.clone()).1 as f64 / p99.max(1) as f64;
    let slowest_ratio = runs[1..].iter().map(ratio).fold(f64::INFINITY, f64::min);
    println!(
        "target: Portico p99 under 1 µs: {} ({p99} ns); at least 10× faster than the others at p99: {}",
        if p99 < 1_000 { "met" } else { "NOT met" },
        if runs.len() < 2 {
            "not compared".to_string()
        } else if slowest_ratio >= 10.0 {
            format!("met ({slowest_ratio:.1}× the nearest)")
        } else {
            format!("NOT met ({slowest_ratio:.1}× the nearest)")
        },
    );
    if disagreements > 0 {
        eprintln!("{disagreements} checks where an engine disagreed with Portico");
        std::process::exit(1);
    }
}
