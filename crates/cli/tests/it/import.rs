//! `portico import users` and `portico export`: all or nothing, the rules of a single add,
//! per-row errors with line numbers, a killed import leaving the database as it was.

use crate::helpers::{Portico, sqlite};
use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::time::{Duration, Instant};

const HEADER: &str = "email,username,first_name,last_name,language,role,applications\n";

/// Counts of users, memberships, audit entries and outbox messages.
fn counts(p: &Portico) -> [i64; 4] {
    sqlite(&p.db_path(), async |pool| {
        let mut out = [0; 4];
        for (i, t) in ["users", "memberships", "audit_events", "email_outbox"]
            .iter()
            .enumerate()
        {
            let q = format!("SELECT COUNT(*) FROM {t}");
            out[i] = sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(q))
                .fetch_one(pool)
                .await
                .unwrap();
        }
        out
    })
}

fn actions(p: &Portico, action: &'static str) -> i64 {
    sqlite(&p.db_path(), async move |pool| {
        sqlx::query_scalar("SELECT COUNT(*) FROM audit_events WHERE action = ?")
            .bind(action)
            .fetch_one(pool)
            .await
            .unwrap()
    })
}

fn with_orgs() -> Portico {
    let p = Portico::initialized();
    p.run(&["org", "create", "--name", "Acme", "--slug", "acme"])
        .ok();
    p.run(&["org", "create", "--name", "Beta", "--slug", "beta"])
        .ok();
    p.run(&[
        "org",
        "add-member",
        "beta",
        "--email",
        "shared@example.com",
        "--first-name",
        "Sam",
        "--last-name",
        "Shared",
    ])
    .ok();
    p
}

fn write(p: &Portico, name: &str, body: &str) -> String {
    let path = p.dir.path().join(name);
    std::fs::write(&path, body).unwrap();
    path.to_string_lossy().into_owned()
}

#[test]
fn import_creates_internal_and_external_members_and_queues_welcome_emails() {
    let p = with_orgs();
    let file = write(
        &p,
        "m.csv",
        &format!(
            "{HEADER}ann@example.com,,Ann,Lee,,,\n\
             Shared@Example.com,,Ignored,Names,,,\n\
             bob@example.com,bobby,Bob,Ray,de,,\n\
             ann@other.example.com,,Ann,Other,,,\n"
        ),
    );
    let before = counts(&p);
    let r = p
        .run(&["import", "users", &file, "--organization", "acme", "--json"])
        .ok();
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["created"], 3, "{v}");
    assert_eq!(v["added_external"], 1, "{v}");
    assert_eq!(v["welcome_emails"], 3, "{v}");
    let after = counts(&p);
    assert_eq!(after[0] - before[0], 3, "three new users");
    assert_eq!(after[1] - before[1], 4, "four memberships");
    assert_eq!(after[3] - before[3], 3, "three welcome emails queued");
    // U3: the known email is one identity, an external member, names untouched; the taken
    // suggested username got a number, as a single add does.
    let (kind, first, welcome_to, ann2) = sqlite(&p.db_path(), async |pool| {
        let kind: String = sqlx::query_scalar(
            "SELECT m.kind FROM memberships m JOIN users u ON u.id = m.user_id \
             JOIN organizations o ON o.id = m.org_id \
             WHERE u.email_key = 'shared@example.com' AND o.slug = 'acme'",
        )
        .fetch_one(pool)
        .await
        .unwrap();
        let first: String = sqlx::query_scalar(
            "SELECT first_name FROM users WHERE email_key = 'shared@example.com'",
        )
        .fetch_one(pool)
        .await
        .unwrap();
        let to: Vec<String> = sqlx::query_scalar(
            "SELECT to_address FROM email_outbox WHERE template = 'welcome' ORDER BY to_address",
        )
        .fetch_all(pool)
        .await
        .unwrap();
        let ann2: String = sqlx::query_scalar(
            "SELECT username FROM users WHERE email_key = 'ann@other.example.com'",
        )
        .fetch_one(pool)
        .await
        .unwrap();
        (kind, first, to, ann2)
    });
    assert_eq!(kind, "external");
    assert_eq!(first, "Sam");
    assert!(
        welcome_to.contains(&"bob@example.com".to_string()),
        "{welcome_to:?}"
    );
    assert_ne!(ann2, "ann", "the suggested username was taken in the file");
    let verify = p.run(&["audit", "verify"]).ok();
    assert!(verify.stdout.contains("intact"), "{}", verify.stdout);
    assert_eq!(actions(&p, "member.import"), 1);
    assert_eq!(
        actions(&p, "user.create"),
        5,
        "admin, Sam and the three imported"
    );
}

#[test]
fn an_import_with_one_bad_row_changes_nothing_and_reports_every_bad_line() {
    let p = with_orgs();
    let file = write(
        &p,
        "bad.csv",
        &format!(
            "{HEADER}ok1@example.com,,A,B,,,\n\
             not-an-email,,C,D,,,\n\
             ok2@example.com,,E,F,,,\n\
             ok3@example.com,x y,G,H,,,\n"
        ),
    );
    let before = counts(&p);
    let r = p.run(&["import", "users", &file, "--organization", "acme"]);
    assert_ne!(r.code, 0);
    assert!(r.stderr.contains("line 3, email"), "{}", r.stderr);
    assert!(r.stderr.contains("line 5, username"), "{}", r.stderr);
    assert!(r.stderr.contains("nothing was imported"), "{}", r.stderr);
    assert_eq!(counts(&p), before);
}

#[test]
fn bad_rows_in_a_large_file_are_reported_in_line_order() {
    // 5,000 rows are parsed on several threads: the errors still come in line
    // order, with the right lines, and nothing is written.
    let p = with_orgs();
    let mut body = HEADER.to_string();
    for i in 0..5_000 {
        match i {
            0 => body.push_str("first-bad,,A,B,,,\n"),
            2_600 => body.push_str("middle@example.com,x y,A,B,,,\n"),
            4_999 => body.push_str("last-bad,,A,B,,,\n"),
            _ => body.push_str(&format!("many{i}@example.com,,A,B,,,\n")),
        }
    }
    let file = write(&p, "large.csv", &body);
    let before = counts(&p);
    let r = p.run(&["import", "users", &file, "--organization", "acme"]);
    assert_ne!(r.code, 0);
    let lines: Vec<&str> = r
        .stderr
        .lines()
        .filter(|l| l.starts_with("line "))
        .collect();
    assert_eq!(lines.len(), 3, "{}", r.stderr);
    assert!(lines[0].starts_with("line 2, email"), "{}", r.stderr);
    assert!(lines[1].starts_with("line 2602, username"), "{}", r.stderr);
    assert!(lines[2].starts_with("line 5001, email"), "{}", r.stderr);
    assert_eq!(counts(&p), before);
}

#[test]
fn duplicate_rows_in_the_file_name_both_lines() {
    let p = with_orgs();
    let file = write(
        &p,
        "dup.csv",
        &format!(
            "{HEADER}a@example.com,alpha,A,B,,,\n\
             b@example.com,beta1,C,D,,,\n\
             A@EXAMPLE.com,gamma,E,F,,,\n\
             c@example.com,Alpha,G,H,,,\n"
        ),
    );
    let before = counts(&p);
    let r = p.run(&["import", "users", &file, "--organization", "acme"]);
    assert_ne!(r.code, 0);
    assert!(
        r.stderr.contains("line 4, email") && r.stderr.contains("lines 2 and 4"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("line 5, username") && r.stderr.contains("lines 2 and 5"),
        "{}",
        r.stderr
    );
    assert_eq!(counts(&p), before);
    // A member already in the organization, and a taken explicit username, are refused too.
    let again = write(
        &p,
        "again.csv",
        &format!("{HEADER}shared@example.com,,A,B,,,\nnew@example.com,admin,C,D,,,\n"),
    );
    let r = p.run(&["import", "users", &again, "--organization", "beta"]);
    assert!(r.stderr.contains("line 2, email"), "{}", r.stderr);
    assert!(r.stderr.contains("already a member"), "{}", r.stderr);
    assert!(
        r.stderr
            .contains("line 3, username: the username admin is taken"),
        "{}",
        r.stderr
    );
    assert_eq!(counts(&p), before);
}

#[test]
fn an_import_past_the_seat_limit_is_refused_with_the_numbers() {
    let p = with_orgs();
    p.run(&[
        "app", "create", "--name", "Chat", "--slug", "chat", "--auto",
    ])
    .ok();
    p.run(&["org", "licenses", "acme", "--app-seats", "2"]).ok();
    let file = write(
        &p,
        "seats.csv",
        &format!("{HEADER}a@example.com,,A,B,,,\nb@example.com,,C,D,,,\nc@example.com,,E,F,,,\n"),
    );
    let before = counts(&p);
    let r = p.run(&["import", "users", &file, "--organization", "acme"]);
    assert_ne!(r.code, 0);
    assert!(
        r.stderr.contains("needs 3 application seats") && r.stderr.contains("2 of 2"),
        "{}",
        r.stderr
    );
    assert_eq!(counts(&p), before);
    // Two fit; an unknown application is a row error.
    let fits = write(
        &p,
        "fits.csv",
        &format!("{HEADER}a@example.com,,A,B,,,chat\nb@example.com,,C,D,,,\n"),
    );
    p.run(&["import", "users", &fits, "--organization", "acme"])
        .ok();
    let r = p.run(&["org", "licenses", "acme"]).ok();
    assert!(
        r.stdout.contains("application seats: 2 of 2"),
        "{}",
        r.stdout
    );
    let unknown = write(&p, "u.csv", &format!("{HEADER}z@example.com,,A,B,,,nope\n"));
    let r = p.run(&["import", "users", &unknown, "--organization", "beta"]);
    assert!(r.stderr.contains("line 2, applications"), "{}", r.stderr);
}

#[test]
fn a_dry_run_reports_and_changes_nothing() {
    let p = with_orgs();
    let file = write(
        &p,
        "dry.csv",
        &format!("{HEADER}a@example.com,,A,B,,,\nshared@example.com,,C,D,,,\n"),
    );
    let before = counts(&p);
    let r = p
        .run(&[
            "import",
            "users",
            &file,
            "--organization",
            "acme",
            "--dry-run",
        ])
        .ok();
    assert!(r.stdout.contains("Would import 2 rows"), "{}", r.stdout);
    assert!(r.stdout.contains("add_external"), "{}", r.stdout);
    assert_eq!(counts(&p), before);
}

#[test]
fn a_role_column_assigns_an_organization_role() {
    let p = with_orgs();
    p.run(&["role", "import", "lms"]).ok();
    let org_role = "lms.manager";
    // U9: a role needs an IP allowlist, as for a single assignment.
    let h = "email,first_name,last_name,role,ip_allowlist\n";
    let bare = write(
        &p,
        "bare.csv",
        &format!("{h}boss@example.com,B,O,{org_role},\n"),
    );
    let r = p.run(&["import", "users", &bare, "--organization", "acme"]);
    assert!(r.stderr.contains("line 2, ip_allowlist"), "{}", r.stderr);
    let file = write(
        &p,
        "roles.csv",
        &format!("{h}boss@example.com,B,O,{org_role},10.0.0.0/8;192.0.2.1\n"),
    );
    let r = p
        .run(&["import", "users", &file, "--organization", "acme", "--json"])
        .ok();
    assert!(r.stdout.contains("\"roles_assigned\": 1"), "{}", r.stdout);
    let n: i64 = sqlite(&p.db_path(), async |pool| {
        sqlx::query_scalar(
            "SELECT COUNT(*) FROM role_assignments a JOIN users u ON u.id = a.user_id \
             WHERE u.email_key = 'boss@example.com'",
        )
        .fetch_one(pool)
        .await
        .unwrap()
    });
    assert_eq!(n, 1);
    let platform = write(
        &p,
        "platform.csv",
        &format!("{HEADER}x@example.com,,X,Y,,basic.admin,\n"),
    );
    let r = p.run(&["import", "users", &platform, "--organization", "acme"]);
    assert!(r.stderr.contains("line 2, role"), "{}", r.stderr);
}

#[test]
fn a_killed_import_leaves_the_database_as_before() {
    let p = with_orgs();
    let mut body = String::from(HEADER);
    for i in 0..200_000 {
        body.push_str(&format!(
            "member{i}@kill.example.com,,First{i},Last{i},,,\n"
        ));
    }
    let file = write(&p, "big.csv", &body);
    let before = counts(&p);
    let mut child = p
        .command(&["import", "users", &file, "--organization", "acme"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    stderr.read_line(&mut line).unwrap();
    assert!(line.contains("writing 200000 rows"), "{line}");
    // Wait until the transaction has written to the WAL, then kill the process.
    let wal = p.db_path().with_extension("db-wal");
    let deadline = Instant::now() + Duration::from_secs(120);
    while std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0) < 4 << 20 {
        assert!(
            Instant::now() < deadline,
            "the import never started writing"
        );
        assert!(
            child.try_wait().unwrap().is_none(),
            "the import ended before it was killed"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(
        child.try_wait().unwrap().is_none(),
        "the import ended before it was killed"
    );
    child.kill().unwrap(); // SIGKILL
    let status = child.wait().unwrap();
    assert!(!status.success());
    assert_eq!(counts(&p), before);
    let verify = p.run(&["audit", "verify"]).ok();
    assert!(verify.stdout.contains("intact"), "{}", verify.stdout);
}

#[test]
fn export_round_trip_and_formula_cells_neutralised() {
    let p = with_orgs();
    let file = write(
        &p,
        "in.csv",
        &format!(
            "{HEADER}eve@example.com,,=HYPERLINK(\"x\"),+1,,,\nfay@example.com,fay,Fay,Lee,,,\n"
        ),
    );
    p.run(&["import", "users", &file, "--organization", "acme"])
        .ok();
    let out = p.dir.path().join("out.csv");
    let out_s = out.to_string_lossy().into_owned();
    p.run(&[
        "export",
        "users",
        "--organization",
        "acme",
        "--output",
        &out_s,
    ])
    .ok();
    let csv = std::fs::read_to_string(&out).unwrap();
    assert!(csv.starts_with(HEADER.trim_end()), "{csv}");
    assert!(csv.contains("'=HYPERLINK"), "{csv}");
    assert!(csv.contains(",'+1,"), "{csv}");
    assert!(!csv.contains(",=HYPERLINK"), "{csv}");
    // The export imports into another organization: the same people, as external members.
    let r = p
        .run(&[
            "import",
            "users",
            &out_s,
            "--organization",
            "beta",
            "--json",
        ])
        .ok();
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["added_external"], 2, "{v}");
    assert_eq!(v["created"], 0, "{v}");
    // The names came back as they were, not with the quote.
    let first: String = sqlite(&p.db_path(), async |pool| {
        sqlx::query_scalar("SELECT first_name FROM users WHERE email_key = 'eve@example.com'")
            .fetch_one(pool)
            .await
            .unwrap()
    });
    assert_eq!(first, "=HYPERLINK(\"x\")");
    // JSON and organizations; both audited.
    let j = p.run(&["export", "organizations", "--format", "json"]).ok();
    let v: serde_json::Value = serde_json::from_str(&j.stdout).unwrap();
    assert!(
        v.as_array().unwrap().iter().any(|o| o["slug"] == "acme"),
        "{v}"
    );
    assert_eq!(actions(&p, "users.export"), 1);
    assert_eq!(actions(&p, "organizations.export"), 1);
}

#[test]
fn import_and_export_on_postgresql() {
    let Some(url) = crate::postgres::fresh_database() else {
        return;
    };
    let p = Portico::new();
    let run = |args: &[&str]| {
        let mut all = vec!["--database-url", url.as_str()];
        all.extend_from_slice(args);
        p.run(&all)
    };
    p.init(&["--database-url", url.as_str()]).ok();
    run(&["org", "create", "--name", "Acme", "--slug", "acme"]).ok();
    let bad = write(
        &p,
        "bad.csv",
        &format!("{HEADER}a@example.com,,A,B,,,\nbad,,C,D,,,\n"),
    );
    let r = run(&["import", "users", &bad, "--organization", "acme"]);
    assert_ne!(r.code, 0);
    assert!(r.stderr.contains("line 3, email"), "{}", r.stderr);
    let good = write(
        &p,
        "good.csv",
        &format!("{HEADER}a@example.com,,A,B,,,\nb@example.com,,=cmd,D,,,\n"),
    );
    let r = run(&["import", "users", &good, "--organization", "acme", "--json"]).ok();
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["created"], 2, "{v}");
    let out = run(&["export", "users", "--organization", "acme"]).ok();
    assert!(out.stdout.contains("a@example.com"), "{}", out.stdout);
    assert!(out.stdout.contains("'=cmd"), "{}", out.stdout);
    let verify = run(&["audit", "verify"]).ok();
    assert!(verify.stdout.contains("intact"), "{}", verify.stdout);
}
