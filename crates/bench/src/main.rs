//! `portico-bench`: the SPEC §4 measurements, taken from outside the server.
//!
//! It prepares a data directory with `portico init` + `portico demo` (once), starts
//! `portico serve` as a child process, reads its resident memory after start, then measures
//! over HTTP on loopback: global user search, an organization's member page (50 rows), and
//! login throughput, which it compares with the bare argon2id hash rate measured in-process
//! with the same parameters. It prints numbers; it asserts nothing.

mod reports;

use clap::Parser;
use rand::SeedableRng;
use rand::seq::IndexedRandom;
use serde_json::Value;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const PASSWORD: &str = "bench horse battery staple lamp";

#[derive(Parser)]
#[command(about = "Measure Portico against SPEC §4 on demo data")]
struct Args {
    /// Where the benchmark database lives (created with demo data when empty).
    #[arg(long, default_value = "target/bench-data")]
    data_dir: PathBuf,
    #[arg(long, default_value_t = 1_000_000)]
    users: u64,
    #[arg(long, default_value_t = 10_000)]
    organizations: u64,
    /// Requests per latency measurement.
    #[arg(long, default_value_t = 2000)]
    requests: usize,
    /// Seconds of login load.
    #[arg(long, default_value_t = 10)]
    login_seconds: u64,
    /// The portico binary (default: next to this one).
    #[arg(long)]
    portico: Option<PathBuf>,
    /// Measure only the reports (R1–R4), skipping search, member pages and logins.
    #[arg(long)]
    reports_only: bool,
    /// Requests per report measurement.
    #[arg(long, default_value_t = 5)]
    report_requests: usize,
}

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn run(portico: &PathBuf, args: &[&str], stdin: Option<&str>) -> String {
    let mut cmd = Command::new(portico);
    cmd.args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    if stdin.is_some() {
        cmd.stdin(Stdio::piped());
    }
    let mut child = cmd.spawn().expect("run portico");
    if let Some(s) = stdin {
        use std::io::Write;
        child.stdin.take().unwrap().write_all(s.as_bytes()).unwrap();
    }
    let out = child.wait_with_output().expect("portico output");
    assert!(out.status.success(), "portico {args:?} failed");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

async fn timed(
    client: &reqwest::Client,
    key: &str,
    urls: &[String],
) -> (Duration, Duration, Duration) {
    let mut lat = Vec::with_capacity(urls.len());
    for u in urls {
        let t = Instant::now();
        let r = client
            .get(u)
            .bearer_auth(key)
            .send()
            .await
            .expect("request");
        assert!(r.status().is_success(), "{u}: {}", r.status());
        let _ = r.bytes().await;
        lat.push(t.elapsed());
    }
    lat.sort();
    (
        percentile(&lat, 0.5),
        percentile(&lat, 0.95),
        percentile(&lat, 0.99),
    )
}

fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|n| n.parse().ok()))
        })
        .unwrap_or(0)
}

/// CPU seconds (user + system) used so far by a process (`/proc/PID/stat`, in clock ticks of
/// 1/100 s on Linux).
fn cpu_seconds(pid: &str) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command name (which may contain spaces) start after the last ')'.
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = f.get(11).and_then(|v| v.parse().ok()).unwrap_or(0.0)
        + f.get(12).and_then(|v| v.parse().ok()).unwrap_or(0.0);
    ticks / 100.0
}

/// Hashes per second on all cores, and CPU seconds per hash.
fn hash_rate(seconds: u64) -> (f64, f64) {
    use argon2::password_hash::{PasswordHasher, SaltString};
    let cfg = portico_services::ServiceConfig::default();
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2);
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let cpu_start = cpu_seconds("self");
    let handles: Vec<_> = (0..threads)
        .map(|_| {
            std::thread::spawn(move || {
                let params =
                    argon2::Params::new(cfg.argon2_memory_kib, cfg.argon2_iterations, 1, None)
                        .unwrap();
                let a = argon2::Argon2::new(
                    argon2::Algorithm::Argon2id,
                    argon2::Version::V0x13,
                    params,
                );
                let salt = SaltString::encode_b64(b"benchmark-salt-16").unwrap();
                let mut n = 0u64;
                while Instant::now() < deadline {
                    a.hash_password(PASSWORD.as_bytes(), &salt).unwrap();
                    n += 1;
                }
                n
            })
        })
        .collect();
    let cpu0 = cpu_start;
    let total: u64 = handles.into_iter().map(|h| h.join().unwrap()).sum();
    let cpu = cpu_seconds("self") - cpu0;
    (total as f64 / seconds as f64, cpu / total as f64)
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    let portico = args.portico.clone().unwrap_or_else(|| {
        std::env::current_exe()
            .unwrap()
            .parent()
            .unwrap()
            .join("portico")
    });
    let dir = args.data_dir.to_string_lossy().to_string();
    // The demo is made once per database: SQLite's is the data directory's file; a
    // PostgreSQL database is marked by a file there naming its URL.
    let pg_url = std::env::var("PORTICO_DATABASE_URL")
        .ok()
        .filter(|u| !u.is_empty());
    let marker = args.data_dir.join("bench-postgres-demo");
    let fresh = match &pg_url {
        None => !args.data_dir.join("portico.db").exists(),
        Some(url) => std::fs::read_to_string(&marker).ok().as_deref() != Some(url.as_str()),
    };
    if fresh {
        std::fs::create_dir_all(&args.data_dir).unwrap();
        run(
            &portico,
            &[
                "init",
                "--data-dir",
                &dir,
                "--preset",
                "lms",
                "--username",
                "admin",
                "--email",
                "admin@example.com",
                "--password-stdin",
            ],
            Some(&format!("{PASSWORD}\n")),
        );
        let t = Instant::now();
        run(
            &portico,
            &[
                "demo",
                "--data-dir",
                &dir,
                "--users",
                &args.users.to_string(),
                "--organizations",
                &args.organizations.to_string(),
            ],
            None,
        );
        if let Some(url) = &pg_url {
            std::fs::write(&marker, url).expect("mark the PostgreSQL demo");
        }
        println!(
            "demo data: {} users, {} organizations in {:.1} s",
            args.users,
            args.organizations,
            t.elapsed().as_secs_f64()
        );
    }
    let key = run(
        &portico,
        &[
            "api-key",
            "create",
            "--data-dir",
            &dir,
            "--username",
            "admin",
            "--name",
            "bench",
        ],
        None,
    );

    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let base = format!("http://127.0.0.1:{port}");
    let child = Command::new(&portico)
        .args([
            "serve",
            "--data-dir",
            &dir,
            "--listen",
            &format!("127.0.0.1:{port}"),
        ])
        .env("PORTICO_LOG", "warn")
        .stdout(Stdio::null())
        .spawn()
        .expect("start portico serve");
    let server = Server(child);
    let client = reqwest::Client::new();
    let started = Instant::now();
    loop {
        if let Ok(r) = client.get(format!("{base}/readyz")).send().await
            && r.status().is_success()
        {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "server did not become ready"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let rss = rss_kib(server.0.id());
    let report_rows = reports::measure(&client, &base, &key, args.report_requests).await;
    if args.reports_only {
        drop(server);
        reports::print(&report_rows, args.users, args.organizations, database());
        return;
    }

    // Gather organizations and people to ask for.
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    let mut orgs: Vec<String> = Vec::new();
    let mut cursor: Option<String> = None;
    while orgs.len() < 2000 {
        let mut u = format!("{base}/api/v1/organizations?limit=200");
        if let Some(c) = &cursor {
            u.push_str(&format!("&cursor={c}"));
        }
        let v: Value = client
            .get(&u)
            .bearer_auth(&key)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        orgs.extend(
            v["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|o| o["id"].as_str().unwrap().to_string()),
        );
        match v["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
    }
    let mut words: Vec<String> = Vec::new();
    for o in orgs.choose_multiple(&mut rng, 40) {
        let v: Value = client
            .get(format!("{base}/api/v1/organizations/{o}/members?limit=50"))
            .bearer_auth(&key)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        for m in v["items"].as_array().unwrap() {
            let u = &m["user"];
            for f in ["first_name", "last_name", "username"] {
                if let Some(s) = u[f].as_str().filter(|s| s.chars().count() >= 3) {
                    words.push(s.to_string());
                }
            }
        }
    }
    assert!(!words.is_empty(), "no users found: is there demo data?");
    let searches: Vec<String> = (0..args.requests)
        .map(|i| {
            let w = words.choose(&mut rng).unwrap();
            // Mix whole words and prefixes of 3+ characters.
            let q: String = if i % 2 == 0 {
                w.clone()
            } else {
                w.chars().take(3 + i % 3).collect()
            };
            let q: String = q
                .chars()
                .map(|c| if c.is_alphanumeric() { c } else { ' ' })
                .collect();
            format!(
                "{base}/api/v1/users?limit=50&q={}",
                q.trim().replace(' ', "%20")
            )
        })
        .collect();
    let pages: Vec<String> = (0..args.requests)
        .map(|_| {
            format!(
                "{base}/api/v1/organizations/{}/members?limit=50",
                orgs.choose(&mut rng).unwrap()
            )
        })
        .collect();
    // Warm-up, then measure.
    timed(&client, &key, &searches[..searches.len().min(100)]).await;
    let (s50, s95, s99) = timed(&client, &key, &searches).await;
    timed(&client, &key, &pages[..pages.len().min(100)]).await;
    let (m50, m95, m99) = timed(&client, &key, &pages).await;

    // Login throughput with as many concurrent clients as cores.
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2);
    let deadline = Instant::now() + Duration::from_secs(args.login_seconds);
    let workers = (0..cores * 2).map(|_| {
        let c = reqwest::Client::new();
        let url = format!("{base}/api/v1/auth/login");
        async move {
            let mut n = 0u64;
            while Instant::now() < deadline {
                let r = c
                    .post(&url)
                    .json(&serde_json::json!({ "login": "admin", "password": PASSWORD }))
                    .send()
                    .await
                    .unwrap();
                assert!(r.status().is_success(), "login failed: {}", r.status());
                n += 1;
            }
            n
        }
    });
    let server_pid = server.0.id().to_string();
    let cpu0 = cpu_seconds(&server_pid);
    let t = Instant::now();
    let logins: u64 = futures::future::join_all(workers).await.into_iter().sum();
    let login_rate = logins as f64 / t.elapsed().as_secs_f64();
    let cpu_per_login = (cpu_seconds(&server_pid) - cpu0) / logins as f64;
    drop(server);
    let (hashes, cpu_per_hash) = hash_rate(args.login_seconds);

    println!();
    println!(
        "Portico benchmark — {} users, {} organizations, {}, {} cores",
        args.users,
        args.organizations,
        database(),
        cores
    );
    println!("| measurement | p50 | p95 | p99 | target |");
    println!("|---|---|---|---|---|");
    println!(
        "| global user search (`/api/v1/users?q=`) | {} | {} | {} | p95 < 25 ms |",
        ms(s50),
        ms(s95),
        ms(s99)
    );
    println!(
        "| member page, 50 rows | {} | {} | {} | p95 < 10 ms |",
        ms(m50),
        ms(m95),
        ms(m99)
    );
    println!();
    println!("| measurement | value | target |");
    println!("|---|---|---|");
    println!(
        "| logins per second ({} clients) | {login_rate:.1} | ≥ 90 % of hash rate |",
        cores * 2
    );
    println!("| bare argon2id hashes per second ({cores} threads) | {hashes:.1} | |");
    println!(
        "| login rate / hash rate (load generator shares the cores) | {:.1} % | |",
        100.0 * login_rate / hashes
    );
    println!(
        "| server CPU per login | {:.2} ms | |",
        cpu_per_login * 1000.0
    );
    println!(
        "| CPU per bare argon2id hash | {:.2} ms | |",
        cpu_per_hash * 1000.0
    );
    println!(
        "| bare hash cost / login cost (CPU) | {:.1} % | ≥ 90 % |",
        100.0 * cpu_per_hash / cpu_per_login
    );
    println!(
        "| server RSS after start (idle) | {:.1} MB | < 150 MB |",
        rss as f64 / 1024.0
    );
    reports::print(&report_rows, args.users, args.organizations, database());
}

/// Which database the server uses: PostgreSQL when `PORTICO_DATABASE_URL` (which the spawned
/// `portico` commands inherit) names one, else SQLite in the data directory.
fn database() -> &'static str {
    match std::env::var("PORTICO_DATABASE_URL") {
        Ok(u) if u.starts_with("postgres://") || u.starts_with("postgresql://") => "PostgreSQL",
        _ => "SQLite",
    }
}
