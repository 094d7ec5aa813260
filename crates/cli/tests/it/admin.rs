use crate::helpers::{PASSWORD, Portico};

#[test]
fn init_reads_the_password_from_stdin_and_refuses_a_second_time() {
    let p = Portico::new();
    let r = p.init_with(&[], &["--preset", "lms"]).ok();
    assert!(r.stdout.contains("admin"), "{}", r.stdout);
    assert!(
        !r.stdout.contains(PASSWORD),
        "the given password is never echoed"
    );
    assert!(
        !r.stdout.contains("shown once"),
        "nothing generated: {}",
        r.stdout
    );
    // The chosen preset's roles are there, and no other preset's.
    let roles = p.run(&["role", "list"]).ok().stdout;
    for key in [
        "lms.partial_administrator",
        "lms.observer",
        "lms.organization_administrator",
    ] {
        assert!(roles.contains(key), "{key} in:\n{roles}");
    }
    assert!(!roles.contains("basic."), "{roles}");

    let again = p.run_with_stdin(
        &[
            "init",
            "--username",
            "other",
            "--email",
            "other@example.com",
            "--password-stdin",
        ],
        &format!("{PASSWORD}\n"),
    );
    assert_ne!(again.code, 0);
    assert!(
        again.stderr.contains("already has its super admin"),
        "{}",
        again.stderr
    );
}

#[test]
fn init_without_a_password_generates_one_and_shows_it_once() {
    let p = Portico::new();
    let r = p
        .run(&["init", "--username", "root", "--email", "root@example.com"])
        .ok();
    assert!(r.stdout.contains("shown once"), "{}", r.stdout);
    let pw = r
        .stdout
        .lines()
        .map(str::trim)
        .find(|l| l.len() == 27 && l.matches('-').count() == 3)
        .unwrap_or_else(|| panic!("a generated password in {:?}", r.stdout));
    assert!(pw.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'));
}

#[test]
fn a_weak_password_is_refused_with_the_reason() {
    let p = Portico::new();
    let r = p.run_with_stdin(
        &[
            "init",
            "--username",
            "admin",
            "--email",
            "admin@example.com",
            "--password-stdin",
        ],
        "passwordpassword\n",
    );
    assert_ne!(r.code, 0);
    assert!(r.stderr.contains("password"), "{}", r.stderr);
}

#[test]
fn api_key_create_prints_only_the_key() {
    let p = Portico::initialized();
    let r = p
        .run(&[
            "api-key",
            "create",
            "--username",
            "admin",
            "--name",
            "ci",
            "--expires-days",
            "30",
        ])
        .ok();
    let out = r.stdout.trim_end_matches('\n');
    assert!(!out.contains('\n'), "one line only: {out:?}");
    assert!(out.starts_with("ptk_"), "{out:?}");
    assert!(out.len() > 60, "{out:?}");

    let unknown = p.run(&["api-key", "create", "--username", "nobody", "--name", "x"]);
    assert_ne!(unknown.code, 0);
    assert!(unknown.stdout.is_empty());
    assert!(unknown.stderr.contains("nobody"), "{}", unknown.stderr);
}

#[test]
fn commands_that_need_the_super_admin_say_how_to_create_one() {
    let p = Portico::new();
    let r = p.run(&["org", "list"]);
    assert_ne!(r.code, 0);
    assert!(r.stderr.contains("portico init"), "{}", r.stderr);
}

#[test]
fn migrate_applies_once_then_reports_up_to_date() {
    let p = Portico::new();
    let first = p.run(&["migrate"]).ok();
    assert!(first.stdout.contains("applied"), "{}", first.stdout);
    let second = p.run(&["migrate"]).ok();
    assert!(second.stdout.contains("up to date"), "{}", second.stdout);
}

#[test]
fn config_shows_sources_and_redacts_the_database_password() {
    let p = Portico::new();
    let r = p
        .command(&["config", "--listen", "127.0.0.1:9999"])
        .env(
            "PORTICO_DATABASE_URL",
            "postgres://portico:VerySecret1@db/portico",
        )
        .output()
        .expect("runs");
    let out = String::from_utf8_lossy(&r.stdout);
    assert!(r.status.success(), "{out}");
    assert!(!out.contains("VerySecret1"), "{out}");
    assert!(out.contains("postgres://portico:***@db/portico"), "{out}");
    assert!(
        out.contains("127.0.0.1:9999") && out.contains("(flag)"),
        "{out}"
    );

    let md = p.run(&["config", "--markdown"]).ok();
    assert!(md.stdout.starts_with("| Setting"), "{}", md.stdout);
    assert!(md.stdout.contains("PORTICO_DATA_DIR"));

    let bad = p
        .command(&["config"])
        .env("PORTICO_LISTEN", "nowhere")
        .output()
        .expect("runs");
    assert_eq!(bad.status.code(), Some(2));
}

/// An upgrade: a database one migration behind (here `users.language` taken away again) is
/// migrated by the next command, which then reads users through the same connections. Before
/// the fix, a pooled connection that had loaded the old schema read `"language"` as a string
/// and the command failed about half the time; it is run a few times to catch that.
#[test]
fn a_command_that_applies_a_migration_reads_the_new_schema() {
    let p = Portico::initialized();
    for _ in 0..4 {
        crate::helpers::sqlite(&p.db_path(), async |pool| {
            sqlx::raw_sql(
                "ALTER TABLE users DROP COLUMN language; \
                 DELETE FROM schema_migrations WHERE version = 20;",
            )
            .execute(pool)
            .await
            .expect("take the last migration back");
        });
        let r = p.run(&["user", "list"]).ok();
        assert!(r.stdout.contains("admin"), "{}", r.stdout);
        let again: i64 = crate::helpers::sqlite(&p.db_path(), async |pool| {
            sqlx::query_scalar("SELECT COUNT(*) FROM schema_migrations WHERE version = 20")
                .fetch_one(pool)
                .await
                .expect("count")
        });
        assert_eq!(again, 1, "the command applied the migration again");
    }
}
