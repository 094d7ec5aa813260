use crate::helpers::Portico;
use std::io::{BufRead, BufReader, Read, Write};
use std::process::Stdio;
use std::time::{Duration, Instant};

/// A bare `portico` serves: migrates, says how to create the super admin, answers HTTP, and
/// stops cleanly on SIGTERM.
#[test]
fn a_bare_portico_serves_and_stops_on_sigterm() {
    let p = Portico::new();
    let mut child = p
        .command(&["--listen", "127.0.0.1:0"])
        .env("PORTICO_LOG", "info")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("portico starts");
    let mut stderr = BufReader::new(child.stderr.take().expect("stderr"));
    let mut seen = String::new();
    let mut addr = None;
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline && !(addr.is_some() && seen.contains("--password-stdin")) {
        let mut line = String::new();
        if stderr.read_line(&mut line).expect("read stderr") == 0 {
            break;
        }
        if let Some(rest) = line.split("listening on http://").nth(1) {
            addr = rest.split_whitespace().next().map(str::to_string);
        }
        seen.push_str(&line);
    }
    let addr = addr.unwrap_or_else(|| panic!("no listening line in:\n{seen}"));
    assert!(seen.contains("portico init --username admin"), "{seen}");

    let mut conn = std::net::TcpStream::connect(&addr).expect("connect");
    conn.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .expect("send");
    let mut response = String::new();
    conn.read_to_string(&mut response).expect("response");
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");

    let status = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(s) = child.try_wait().expect("wait") {
            assert!(s.success(), "exit status {s:?}");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "still running 30 s after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}
