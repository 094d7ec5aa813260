//! Reports (R1–R4) over HTTP as the super admin: each endpoint asked `n` times (the first
//! answer is cold), JSON and CSV, with the size of what came back. Prints; asserts nothing.

use serde_json::Value;
use std::time::{Duration, Instant};

pub struct Row {
    name: String,
    times: Vec<Duration>,
    bytes: usize,
}

async fn time(client: &reqwest::Client, key: &str, url: &str, csv: bool, n: usize) -> Row {
    let mut times = Vec::with_capacity(n);
    let mut bytes = 0;
    for _ in 0..n.max(1) {
        let mut rb = client.get(url).bearer_auth(key);
        if csv {
            rb = rb.header(reqwest::header::ACCEPT, "text/csv");
        }
        let t = Instant::now();
        let r = rb.send().await.expect("request");
        assert!(r.status().is_success(), "{url}: {}", r.status());
        bytes = r.bytes().await.expect("body").len();
        times.push(t.elapsed());
    }
    Row {
        name: String::new(),
        times,
        bytes,
    }
}

pub async fn measure(client: &reqwest::Client, base: &str, key: &str, n: usize) -> Vec<Row> {
    // The organization with the most logins, for the drill-down.
    let summary: Value = client
        .get(format!("{base}/api/v1/reports/logins"))
        .bearer_auth(key)
        .send()
        .await
        .expect("logins")
        .json()
        .await
        .expect("json");
    let top_org = summary["per_organization"][0]["organization_id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let last_day = summary["to"].as_str().unwrap_or_default().to_string();
    let cases: Vec<(String, String, bool)> = vec![
        (
            "R1 logins, last 30 days (JSON)".into(),
            "/api/v1/reports/logins".into(),
            false,
        ),
        (
            "R1 logins, per organization (CSV)".into(),
            "/api/v1/reports/logins?view=organizations".into(),
            true,
        ),
        (
            "R1 drill-down, one day".into(),
            format!("/api/v1/reports/logins?day={last_day}"),
            false,
        ),
        (
            "R1 drill-down, largest organization".into(),
            format!("/api/v1/reports/logins?organization={top_org}"),
            false,
        ),
        (
            "R1 drill-down, whole period, top 1000 (CSV)".into(),
            "/api/v1/reports/logins?view=users".into(),
            true,
        ),
        (
            "R2 organization administrators (JSON)".into(),
            "/api/v1/reports/organization-admins".into(),
            false,
        ),
        (
            "R3 project administrators, a page of 50 organizations (JSON)".into(),
            "/api/v1/reports/project-admins".into(),
            false,
        ),
        (
            "R3 project administrators, all (CSV)".into(),
            "/api/v1/reports/project-admins".into(),
            true,
        ),
        (
            "R4 system activity, a page of 50 organizations (JSON)".into(),
            "/api/v1/reports/system-activity".into(),
            false,
        ),
        (
            "R4 system activity, all (CSV)".into(),
            "/api/v1/reports/system-activity".into(),
            true,
        ),
    ];
    let mut rows = Vec::new();
    for (name, path, csv) in cases {
        let mut r = time(client, key, &format!("{base}{path}"), csv, n).await;
        r.name = name;
        rows.push(r);
    }
    rows
}

fn ms(d: Duration) -> String {
    format!("{:.0} ms", d.as_secs_f64() * 1000.0)
}

pub fn print(rows: &[Row], users: u64, orgs: u64, database: &str) {
    println!();
    println!("Reports — {users} users, {orgs} organizations, {database} (target: each under 2 s)");
    println!("| report | first (cold) | median | max | answer size |");
    println!("|---|---|---|---|---|");
    for r in rows {
        let mut sorted = r.times.clone();
        sorted.sort();
        println!(
            "| {} | {} | {} | {} | {:.1} kB |",
            r.name,
            ms(r.times[0]),
            ms(sorted[sorted.len() / 2]),
            ms(*sorted.last().unwrap()),
            r.bytes as f64 / 1024.0
        );
    }
}
