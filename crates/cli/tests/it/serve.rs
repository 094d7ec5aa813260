use crate::helpers::Portico;
use std::io::{Read, Write};
use std::time::{Duration, Instant};

/// A bare `portico` serves: migrates, says how to create the super admin, answers HTTP, and
/// stops cleanly on SIGTERM.
#[test]
fn a_bare_portico_serves_and_stops_on_sigterm() {
    let p = Portico::new();
    let mut server = p.serve(&[], "--password-stdin");
    let (addr, seen) = (server.addr.clone(), &server.seen);
    assert!(seen.contains("portico init --username admin"), "{seen}");

    let mut conn = std::net::TcpStream::connect(&addr).expect("connect");
    conn.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .expect("send");
    let mut response = String::new();
    conn.read_to_string(&mut response).expect("response");
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");

    let status = std::process::Command::new("kill")
        .args(["-TERM", &server.child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(s) = server.child.try_wait().expect("wait") {
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
