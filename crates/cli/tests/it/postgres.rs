//! The same commands on PostgreSQL (`PORTICO_TEST_POSTGRES_URL`, a server the test may create
//! databases on; required when `PORTICO_TEST_REQUIRE_POSTGRES=1`, as in CI).

use crate::helpers::Portico;

/// A fresh database on the test server, as a URL; `None` (skip) without a server.
pub(crate) fn fresh_database() -> Option<String> {
    let Ok(admin_url) = std::env::var("PORTICO_TEST_POSTGRES_URL") else {
        assert_ne!(
            std::env::var("PORTICO_TEST_REQUIRE_POSTGRES").as_deref(),
            Ok("1"),
            "PORTICO_TEST_REQUIRE_POSTGRES=1 but PORTICO_TEST_POSTGRES_URL is not set"
        );
        eprintln!("skipped: PORTICO_TEST_POSTGRES_URL is not set");
        return None;
    };
    let suffix: u64 = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    let name = format!("portico_cli_{}_{suffix}", std::process::id());
    let create = format!("CREATE DATABASE {name}");
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(async {
            let pool = sqlx::PgPool::connect(&admin_url)
                .await
                .expect("connect to PostgreSQL");
            // Once per test process is enough.
            static SWEPT: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
            if !SWEPT.swap(true, std::sync::atomic::Ordering::SeqCst) {
                sweep_old_databases(&pool).await;
            }
            sqlx::raw_sql(sqlx::AssertSqlSafe(create))
                .execute(&pool)
                .await
                .expect("create database");
            pool.close().await;
        });
    let (prefix, _) = admin_url.rsplit_once('/').expect("a URL with a database");
    Some(format!("{prefix}/{name}"))
}

/// The databases earlier runs left (older than an hour: no test lasts that long) are dropped,
/// so that a developer's own cluster does not fill up. Best effort: without the rights to see
/// their age, nothing is dropped.
async fn sweep_old_databases(pool: &sqlx::PgPool) {
    let old: Vec<String> = sqlx::query_scalar(
        "SELECT datname::text FROM pg_database WHERE datname LIKE 'portico\\_cli\\_%' \
         AND (pg_stat_file('base/' || oid || '/PG_VERSION')).modification \
         < now() - interval '1 hour'",
    )
    .fetch_all(pool)
    .await
    .unwrap_or_default();
    for name in old {
        let drop = format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
        let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(drop)).execute(pool).await;
    }
}

#[test]
fn the_commands_work_on_postgresql() {
    let Some(url) = fresh_database() else {
        return;
    };
    let p = Portico::new();
    let run = |args: &[&str], stdin: &str| {
        let mut all = vec!["--database-url", url.as_str()];
        all.extend_from_slice(args);
        p.run_with_stdin(&all, stdin)
    };
    let migrated = run(&["migrate"], "").ok();
    assert!(migrated.stdout.contains("applied"), "{}", migrated.stdout);
    p.init(&["--database-url", url.as_str()]).ok();
    assert_ne!(
        run(&["init", "--username", "x", "--email", "x@example.com"], "").code,
        0
    );
    let key = run(
        &["api-key", "create", "--username", "admin", "--name", "ci"],
        "",
    )
    .ok();
    assert!(key.stdout.starts_with("ptk_"), "{}", key.stdout);
    run(&["org", "create", "--name", "Acme", "--slug", "acme"], "").ok();
    run(
        &["demo", "--organizations", "20", "--users", "300", "--force"],
        "",
    )
    .ok();
    let listed = run(&["user", "list", "--limit", "1", "--json"], "")
        .ok()
        .stdout;
    let users: serde_json::Value = serde_json::from_str(&listed).expect("json");
    let username = users[0]["username"].as_str().expect("a user");
    let found = run(&["user", "list", "--q", username], "").ok().stdout;
    assert!(found.contains(username), "{found}");
    let orgs = run(&["org", "list", "--q", "acme"], "").ok().stdout;
    assert!(orgs.contains("acme"), "{orgs}");
    let verified = run(&["audit", "verify"], "").ok();
    assert!(
        verified.stdout.contains("audit log intact"),
        "{}",
        verified.stdout
    );
    assert!(
        !p.data_dir().join("portico.db").exists(),
        "no SQLite file when on PostgreSQL"
    );
}
