use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

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
        p.init(&[]).ok();
        p
    }

    /// `init` of the super admin `admin` (password on standard input), after `global` flags
    /// (e.g. `--database-url`) and followed by `extra` ones (e.g. `--preset lms`).
    pub fn init_with(&self, global: &[&str], extra: &[&str]) -> Run {
        let mut args = global.to_vec();
        args.extend_from_slice(&[
            "init",
            "--username",
            "admin",
            "--email",
            "admin@example.com",
            "--password-stdin",
        ]);
        args.extend_from_slice(extra);
        self.run_with_stdin(&args, &format!("{PASSWORD}\n"))
    }

    pub fn init(&self, global: &[&str]) -> Run {
        self.init_with(global, &[])
    }
}

/// A running `portico serve`; killed when dropped.
pub struct Server {
    pub child: Child,
    /// `127.0.0.1:PORT`.
    pub addr: String,
    /// What it printed on standard error up to the listening line (and `wait_for`).
    pub seen: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }
}

impl Portico {
    /// Starts the binary with `args` (it serves when no subcommand is given) on a free port,
    /// and waits until it says where it listens and has printed `wait_for`.
    pub fn serve(&self, args: &[&str], wait_for: &str) -> Server {
        let mut all = vec!["--listen", "127.0.0.1:0"];
        all.extend_from_slice(args);
        let mut child = self
            .command(&all)
            .env("PORTICO_LOG", "info")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("portico starts");
        let mut stderr = BufReader::new(child.stderr.take().expect("stderr"));
        let mut seen = String::new();
        let mut addr = None;
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline && !(addr.is_some() && seen.contains(wait_for)) {
            let mut line = String::new();
            if stderr.read_line(&mut line).expect("read stderr") == 0 {
                break;
            }
            if let Some(rest) = line.split("listening on http://").nth(1) {
                addr = rest.split_whitespace().next().map(str::to_string);
            }
            seen.push_str(&line);
        }
        // Keep draining its log so the server never blocks on a full pipe.
        std::thread::spawn(move || {
            let mut sink = String::new();
            while stderr.read_line(&mut sink).map(|n| n > 0).unwrap_or(false) {
                sink.clear();
            }
        });
        let addr = addr.unwrap_or_else(|| panic!("no listening line in:\n{seen}"));
        Server { child, addr, seen }
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
