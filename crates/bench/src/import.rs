//! `portico-import-bench`: bulk import speed. Writes a CSV of generated members, imports it
//! with `portico import users` into a fresh SQLite installation, or into a copy of an existing
//! one (`--onto`, e.g. `portico-bench`'s 1M-user demo, SPEC §4's setting), with no password
//! hashing (new users get welcome links), and prints rows per second. It prints numbers; it
//! asserts nothing.

use clap::Parser;
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Instant;

#[derive(Parser)]
#[command(
    about = "Measure `portico import users` on SQLite, into a fresh database or a copy of one"
)]
struct Args {
    #[arg(long, default_value_t = 100_000)]
    rows: usize,
    /// Where the fresh installation is made (emptied first).
    #[arg(long, default_value = "target/bench-import")]
    data_dir: PathBuf,
    /// The portico binary (default: next to this one).
    #[arg(long)]
    portico: Option<PathBuf>,
    /// Import into a copy of this installation's database (a data directory holding
    /// `portico.db`, e.g. `target/bench-data` after `portico-bench`) instead of a fresh one.
    #[arg(long)]
    onto: Option<PathBuf>,
}

fn portico(bin: &PathBuf, dir: &PathBuf, args: &[&str], stdin: Option<&str>) {
    let mut child = Command::new(bin)
        .env("PORTICO_LOG", "warn")
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("run portico");
    if let Some(s) = stdin {
        child.stdin.take().unwrap().write_all(s.as_bytes()).unwrap();
    }
    let status = child.wait().expect("portico finishes");
    assert!(status.success(), "portico {args:?} failed");
}

fn main() {
    let args = Args::parse();
    let bin = args
        .portico
        .clone()
        .unwrap_or_else(|| std::env::current_exe().unwrap().with_file_name("portico"));
    let _ = std::fs::remove_dir_all(&args.data_dir);
    std::fs::create_dir_all(&args.data_dir).unwrap();
    let dir = args.data_dir.join("data");
    let setting = match &args.onto {
        Some(from) => {
            if !from.join("portico.db").is_file() {
                eprintln!("--onto {}: no portico.db there", from.display());
                std::process::exit(2);
            }
            std::fs::create_dir_all(&dir).unwrap();
            for file in ["portico.db", "portico.db-wal"] {
                let src = from.join(file);
                if src.exists() {
                    std::fs::copy(&src, dir.join(file)).expect("copy the database");
                    // On disk before the clock starts: the import's checkpoint would
                    // otherwise also flush the copy.
                    std::fs::File::open(dir.join(file))
                        .and_then(|f| f.sync_all())
                        .expect("sync the copy");
                }
            }
            format!("a copy of {}", from.display())
        }
        None => {
            portico(
                &bin,
                &dir,
                &[
                    "init",
                    "--username",
                    "admin",
                    "--email",
                    "admin@example.com",
                    "--password-stdin",
                ],
                Some("bench horse battery staple lamp\n"),
            );
            "a fresh database".to_string()
        }
    };
    portico(
        &bin,
        &dir,
        &["org", "create", "--name", "Import Bench"],
        None,
    );
    let csv = args.data_dir.join("members.csv");
    let mut f = std::io::BufWriter::new(std::fs::File::create(&csv).unwrap());
    writeln!(
        f,
        "email,username,first_name,last_name,language,role,applications"
    )
    .unwrap();
    for i in 0..args.rows {
        writeln!(f, "member{i}@import-bench.example,,First{i},Last{i},,,").unwrap();
    }
    f.flush().unwrap();
    drop(f);
    let file = csv.to_string_lossy().into_owned();
    let started = Instant::now();
    portico(
        &bin,
        &dir,
        &["import", "users", &file, "--organization", "import-bench"],
        None,
    );
    let secs = started.elapsed().as_secs_f64();
    println!(
        "import: {} rows in {secs:.2} s = {:.0} rows/s (SQLite, {setting}, whole command incl. start-up)",
        args.rows,
        args.rows as f64 / secs
    );
}
