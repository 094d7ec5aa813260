//! `portico-import-bench`: bulk import speed. Writes a CSV of generated members, imports it
//! with `portico import users` into a fresh SQLite installation (no password hashing: new
//! users get welcome links), and prints rows per second. It prints numbers; it asserts nothing.

use clap::Parser;
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Instant;

#[derive(Parser)]
#[command(about = "Measure `portico import users` on a fresh SQLite database")]
struct Args {
    #[arg(long, default_value_t = 100_000)]
    rows: usize,
    /// Where the fresh installation is made (emptied first).
    #[arg(long, default_value = "target/bench-import")]
    data_dir: PathBuf,
    /// The portico binary (default: next to this one).
    #[arg(long)]
    portico: Option<PathBuf>,
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
    portico(&bin, &dir, &["org", "create", "--name", "Bench"], None);
    let csv = args.data_dir.join("members.csv");
    let mut f = std::io::BufWriter::new(std::fs::File::create(&csv).unwrap());
    writeln!(
        f,
        "email,username,first_name,last_name,language,role,applications"
    )
    .unwrap();
    for i in 0..args.rows {
        writeln!(f, "member{i}@bench.example.com,,First{i},Last{i},,,").unwrap();
    }
    f.flush().unwrap();
    drop(f);
    let file = csv.to_string_lossy().into_owned();
    let started = Instant::now();
    portico(
        &bin,
        &dir,
        &["import", "users", &file, "--organization", "bench"],
        None,
    );
    let secs = started.elapsed().as_secs_f64();
    println!(
        "import: {} rows in {secs:.2} s = {:.0} rows/s (SQLite, fresh database, whole command incl. start-up)",
        args.rows,
        args.rows as f64 / secs
    );
}
