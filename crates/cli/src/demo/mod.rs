//! `portico demo`: a realistic platform to try Portico on, and the data of the benchmarks.
//! Generation runs on its own thread while the previous batch is written, each batch one
//! transaction through the store's bulk loader.

mod activity;
mod generate;
mod names;
mod tree;

use crate::app::{App, CliError, CliResult};
use crate::args::DemoArgs;
use crate::output;
use activity::{Activity, ActivityPlan, DemoRoles};
use generate::{Generator, Plan, base36};
use portico_services::records::{AuditCtx, BulkBatch};
use portico_services::reports::ActivityBatch;
use std::collections::HashSet;
use std::process::ExitCode;
use std::time::Instant;

pub async fn run(app: &App, args: DemoArgs) -> CliResult {
    let services = &app.services;
    let store = services.store();
    let counts = store.counts(services.now()).await?;
    let empty = counts.organizations == 0 && counts.users <= 1;
    if !empty && !args.force {
        return Err(CliError::new(format!(
            "the database already holds data ({} organizations, {} users); \
             run `portico demo --force` to add a demo platform to it anyway",
            counts.organizations, counts.users
        )));
    }
    let mut reserved = HashSet::new();
    if let Some(admin) = store.super_admin().await? {
        reserved.insert(admin.username.to_lowercase());
    }
    let plan = Plan {
        organizations: args.organizations,
        users: args.users,
        enrollments: args.enrollments.unwrap_or(args.users / 5),
        seed: args.seed,
        batch: args.batch.max(1),
        // A second demo in the same database gets names of its own.
        run_tag: if empty {
            String::new()
        } else {
            base36((counts.organizations + counts.users) as u64)
        },
        reserved,
        id_millis: services.now().millis() as u64,
    };
    let roles = DemoRoles::pick(&store.load_access().await?.roles);
    let mut activity = Activity::new(
        ActivityPlan {
            projects: args.projects.unwrap_or(args.organizations / 2),
            enrollments: args
                .project_enrollments
                .unwrap_or(u64::from(args.users) / 2),
            logins: args.logins.unwrap_or(u64::from(args.users) / 2),
            users: args.users,
            seed: args.seed,
            now: services.now(),
        },
        roles,
    );
    let total_rows = u64::from(plan.organizations) + u64::from(plan.users);
    let bar = output::progress_bar(total_rows, "rows");
    bar.set_message("organizations");
    let started = Instant::now();

    // The generator runs ahead by at most two batches.
    let (tx, mut rx) = tokio::sync::mpsc::channel::<(BulkBatch, ActivityBatch, u64)>(2);
    let generator = tokio::task::spawn_blocking(move || {
        let mut g = Generator::new(plan);
        let orgs = g.organizations();
        let n = orgs.len() as u64;
        let projects = activity.projects(&orgs);
        let first = BulkBatch {
            orgs,
            ..Default::default()
        };
        if tx.blocking_send((first, projects, n)).is_err() {
            return (g.totals, activity.totals);
        }
        while let Some(batch) = g.next_users() {
            let n = batch.users.len() as u64;
            let more = activity.for_users(&batch);
            if tx.blocking_send((batch, more, n)).is_err() {
                break;
            }
        }
        (g.totals, activity.totals)
    });
    let ctx = AuditCtx {
        at: services.now(),
        actor: None,
        impersonator: None,
        ip: None,
        user_agent: Some("portico-cli".into()),
    };

    let mut written = Ok(());
    let mut writing = std::time::Duration::ZERO;
    while let Some((batch, more, rows)) = rx.recv().await {
        let t = Instant::now();
        let mut result = store.bulk_insert(services.now(), batch).await;
        if result.is_ok() {
            result = store.bulk_activity(&ctx, more).await;
        }
        writing += t.elapsed();
        tracing::debug!(rows, ms = t.elapsed().as_millis() as u64, "batch written");
        if let Err(e) = result {
            written = Err(e);
            break;
        }
        bar.inc(rows);
        bar.set_message("users");
    }
    drop(rx);
    let (totals, act) = generator
        .await
        .map_err(|e| CliError::new(format!("the generator failed: {e}")))?;
    bar.finish_and_clear();
    written?;

    let secs = started.elapsed().as_secs_f64();
    tracing::info!(
        "demo: {secs:.1} s in all, {:.1} s of it writing to the database",
        writing.as_secs_f64()
    );
    println!(
        "Demo platform ready in {secs:.1} s: {} organizations ({} top-level companies), {} users ({} blocked), \
         {} memberships ({} internal, {} external).",
        totals.organizations,
        totals.companies,
        totals.users,
        totals.blocked,
        totals.internal + totals.external,
        totals.internal,
        totals.external,
    );
    println!(
        "Activity: {} projects, {} enrollments, {} role assignments, {} logins over the last 30 days.",
        act.projects, act.enrollments, act.assignments, act.logins
    );
    if !totals.samples.is_empty() {
        println!("Some users: {}", totals.samples.join(", "));
        println!(
            "Try: portico user list --q {}",
            totals.samples[0].split('.').next().unwrap_or_default()
        );
    }
    if store.super_admin().await?.is_none() {
        println!(
            "No super admin yet: create one with `portico init --username admin --email you@example.com`."
        );
    }
    Ok(ExitCode::SUCCESS)
}
