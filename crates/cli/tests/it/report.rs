//! `portico report NAME --format csv|json`: the reports as the CLI operator, on a demo
//! platform whose activity totals the demo printed.

use crate::helpers::Portico;
use serde_json::Value;

fn number_before(text: &str, word: &str) -> i64 {
    let at = text
        .find(word)
        .unwrap_or_else(|| panic!("{word} in {text}"));
    text[..at]
        .split_whitespace()
        .last()
        .unwrap()
        .parse()
        .unwrap()
}

#[test]
fn reports_on_the_demo_platform_add_up() {
    let p = Portico::new();
    p.init_with(&[], &["--preset", "lms"]).ok();
    let demo = p
        .run(&[
            "demo",
            "--organizations",
            "20",
            "--users",
            "300",
            "--projects",
            "8",
            "--project-enrollments",
            "120",
            "--logins",
            "250",
            "--seed",
            "5",
        ])
        .ok()
        .stdout;
    let line = demo
        .lines()
        .find(|l| l.starts_with("Activity:"))
        .expect(&demo);
    assert_eq!(number_before(line, "projects"), 8, "{line}");
    let enrollments = number_before(line, "enrollments");
    let assignments = number_before(line, "role assignments");
    assert!(enrollments > 0 && assignments > 0, "{line}");
    assert_eq!(number_before(line, "logins"), 250, "{line}");

    // R1: every generated login lies in the default period (the last 30 days).
    let logins: Value =
        serde_json::from_str(&p.run(&["report", "logins", "--format", "json"]).ok().stdout)
            .unwrap();
    assert_eq!(logins["logins"], 250, "{logins}");
    let per_day: i64 = logins["per_day"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["logins"].as_i64().unwrap())
        .sum();
    assert_eq!(per_day, 250);
    assert_eq!(logins["per_day"].as_array().unwrap().len(), 30);
    let distinct = logins["distinct_users"].as_i64().unwrap();
    assert!(distinct > 0 && distinct <= 250, "{logins}");
    let csv = p
        .run(&["report", "logins", "--format", "csv", "--view", "users"])
        .ok()
        .stdout;
    assert!(csv.starts_with("user_id,username,"), "{csv}");
    assert_eq!(
        csv.lines().count() as i64 - 1,
        distinct,
        "one row per person"
    );

    // R4: totals agree with the demo, in JSON and in the CSV's total row.
    let activity: Value = serde_json::from_str(
        &p.run(&["report", "system-activity", "--format", "json"])
            .ok()
            .stdout,
    )
    .unwrap();
    assert_eq!(activity["totals"]["organizations"], 20);
    assert_eq!(activity["totals"]["projects"], 8);
    assert_eq!(activity["totals"]["enrollments"], enrollments);
    let csv = p
        .run(&["report", "system-activity", "--format", "csv"])
        .ok()
        .stdout;
    let total = csv.lines().last().unwrap();
    assert!(total.ends_with(&format!(",{enrollments}")), "{total}");

    // R2 + R3: one row per generated assignment.
    let org_admins = p.run(&["report", "organization-admins"]).ok().stdout;
    assert!(
        org_admins.starts_with("organization_id,organization,user_id"),
        "{org_admins}"
    );
    let project_admins: Value = serde_json::from_str(
        &p.run(&["report", "project-admins", "--format", "json"])
            .ok()
            .stdout,
    )
    .unwrap();
    let rows = org_admins.lines().count() as i64 - 1
        + project_admins["items"].as_array().unwrap().len() as i64;
    assert_eq!(rows, assignments);

    let bad = p.run(&["report", "sales"]);
    assert_ne!(bad.code, 0);
    assert!(bad.stderr.contains("organization-admins"), "{}", bad.stderr);
    let bad = p.run(&["report", "logins", "--from", "2026-13-01"]);
    assert_ne!(bad.code, 0);
    assert!(bad.stderr.contains("from"), "{}", bad.stderr);
}
