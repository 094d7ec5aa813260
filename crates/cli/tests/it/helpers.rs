use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

pub const PASSWORD: &str = "correct horse battery staple lamp";

/// A data directory of its own and the binary pointed at it.
pub struct Portico {
    pub dir: tempfile::TempDir,
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    #[track_caller]
    pub fn ok(self) -> Self {
        assert_eq!(
            self.code, 0,
            "expected success\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        self
    }
}

impl Portico {
    pub fn new() -> Self {
        Self {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    pub fn db_path(&self) -> PathBuf {
        self.data_dir().join("portico.db")
    }

    pub fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_portico"));
        for (k, _) in std::env::vars() {
            if k.starts_with("PORTICO_") {
                c.env_remove(k);
            }
        }
        c.env("PORTICO_LOG", "warn")
            .arg("--data-dir")
            .arg(self.data_dir())
            .args(args)
            .current_dir(self.dir.path());
        c
    }

    /// Runs with `stdin` as standard input (a pipe, so never a terminal).
    pub fn run_with_stdin(&self, args: &[&str], stdin: &str) -> Run {
        let mut child = self
            .command(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the portico binary runs");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(stdin.as_bytes())
            .expect("write stdin");
        to_run(child.wait_with_output().expect("portico finishes"))
    }

    pub fn run(&self, args: &[&str]) -> Run {
        self.run_with_stdin(args, "")
    }

    /// A fresh installation with its super admin `admin`.
    pub fn initialized() -> Self {
        let p = Self::new();
        p.run_with_stdin(
            &[
                "init",
                "--username",
                "admin",
                "--email",
                "admin@example.com",
                "--password-stdin",
            ],
            &format!("{PASSWORD}\n"),
        )
        .ok();
        p
    }
}

fn to_run(o: Output) -> Run {
    Run {
        code: o.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
    }
}

/// Runs SQL against the SQLite database directly (what an attacker with file access could do).
pub fn sqlite<T: Send + 'static>(
    db: &Path,
    f: impl AsyncFnOnce(&sqlx::SqlitePool) -> T + Send + 'static,
) -> T {
    let url = format!("sqlite://{}", db.display());
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(async move {
            let pool = sqlx::SqlitePool::connect(&url)
                .await
                .expect("open the database");
            let out = f(&pool).await;
            pool.close().await;
            out
        })
}
