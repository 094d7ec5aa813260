//! The outbox from the binary: `portico serve` with `--smtp-url` runs the delivery worker
//! (and stops it on SIGTERM); `portico outbox` lists, shows and resends; the SMTP URL's
//! password never shows.

use crate::helpers::{Portico, sqlite};
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A minimal blocking SMTP server that accepts every message; returns its port and the
/// DATA of each accepted message.
fn smtp_sink() -> (u16, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let got = Arc::new(Mutex::new(Vec::new()));
    let sink = got.clone();
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(conn) = conn else { return };
            let sink = sink.clone();
            std::thread::spawn(move || {
                let mut w = conn.try_clone().unwrap();
                let mut r = BufReader::new(conn);
                let mut say = |s: &str| w.write_all(format!("{s}\r\n").as_bytes()).is_ok();
                say("220 sink");
                let mut line = String::new();
                loop {
                    line.clear();
                    if r.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    let verb = line.split_whitespace().next().unwrap_or("").to_uppercase();
                    match verb.as_str() {
                        "EHLO" => say("250-sink\r\n250-AUTH PLAIN LOGIN\r\n250 8BITMIME"),
                        "AUTH" => say("235 2.7.0 accepted"),
                        "DATA" => {
                            say("354 go on");
                            let mut data = String::new();
                            loop {
                                line.clear();
                                if r.read_line(&mut line).unwrap_or(0) == 0 {
                                    return;
                                }
                                if line.trim_end() == "." {
                                    break;
                                }
                                data.push_str(&line);
                            }
                            sink.lock().unwrap().push(data);
                            say("250 OK")
                        }
                        "QUIT" => {
                            say("221 bye");
                            return;
                        }
                        _ => say("250 OK"),
                    };
                }
            });
        }
    });
    (port, got)
}

/// A message as another process (or a use case) would have stored it.
fn insert_message(p: &Portico, id: &str, status: &str) {
    let (id, status) = (id.to_string(), status.to_string());
    sqlite(&p.db_path(), async move |pool| {
        sqlx::query(
            "INSERT INTO email_outbox (id, to_address, to_user_id, template, language, subject, \
             text_body, html_body, status, attempts, next_attempt_at, lease_until, last_error, \
             created_at, sent_at) VALUES (?, 'anna@example.com', NULL, 'welcome', 'en', \
             'Welcome to Portico', 'Hello Anna', '<p>Hello Anna</p>', ?, 0, 0, NULL, NULL, 1, NULL)",
        )
        .bind(id)
        .bind(status)
        .execute(pool)
        .await
        .expect("insert");
    });
}

const QUEUED: &str = "eml_01jd3v6k2m8w1f3q9c4x7b5n2e";
const HELD: &str = "eml_01jd3v6k2m8w1f3q9c4x7b5n2f";

#[test]
fn serve_with_smtp_delivers_the_outbox_and_stops_on_sigterm() {
    let (port, got) = smtp_sink();
    let p = Portico::initialized();
    insert_message(&p, QUEUED, "queued");
    let url = format!("smtp://mailer:hunter2secret@127.0.0.1:{port}");
    let mut server = p.serve(&["--smtp-url", &url], "sending email through");
    assert!(!server.seen.contains("hunter2secret"), "{}", server.seen);
    assert!(
        server.seen.contains("smtp://mailer:***@127.0.0.1"),
        "{}",
        server.seen
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    while got.lock().unwrap().is_empty() {
        assert!(Instant::now() < deadline, "nothing delivered");
        std::thread::sleep(Duration::from_millis(50));
    }
    let data = got.lock().unwrap()[0].clone();
    assert!(
        data.contains(&format!("Message-ID: <{QUEUED}@localhost>")),
        "{data}"
    );
    assert!(data.contains("Subject: Welcome to Portico"), "{data}");
    // The message is recorded as sent right after the server's 250.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let out = p.run(&["outbox", "list", "--json"]).ok().stdout;
        if out.contains("\"status\": \"sent\"") {
            break;
        }
        assert!(Instant::now() < deadline, "not marked sent: {out}");
        std::thread::sleep(Duration::from_millis(100));
    }
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
        assert!(Instant::now() < deadline, "still running after SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(got.lock().unwrap().len(), 1, "sent once");
}

#[test]
fn without_smtp_the_outbox_holds_messages_and_says_how_to_send_them() {
    let p = Portico::initialized();
    insert_message(&p, HELD, "held");
    let run = p.run(&["outbox", "list"]).ok();
    assert!(run.stdout.contains(HELD), "{}", run.stdout);
    assert!(run.stdout.contains("held"), "{}", run.stdout);
    assert!(run.stderr.contains("PORTICO_SMTP_URL"), "{}", run.stderr);
    let run = p.run(&["outbox", "show", HELD]).ok();
    assert!(run.stdout.contains("Hello Anna"), "{}", run.stdout);
    let run = p.run(&["outbox", "resend", HELD]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("PORTICO_SMTP_URL"), "{}", run.stderr);
    let run = p.run(&["outbox", "list", "--status", "lost"]);
    assert_eq!(run.code, 1);
    // With an SMTP server configured, resend queues it for `portico serve`.
    let url = "smtp://mailer:hunter2secret@127.0.0.1:2525";
    let run = p.run(&["--smtp-url", url, "outbox", "resend", HELD]).ok();
    assert!(run.stdout.contains("queued"), "{}", run.stdout);
    let run = p
        .run(&["outbox", "list", "--status", "queued", "--json"])
        .ok();
    assert!(run.stdout.contains(HELD), "{}", run.stdout);
    let run = p.run(&["--smtp-url", url, "config"]).ok();
    assert!(!run.stdout.contains("hunter2secret"), "{}", run.stdout);
    assert!(run.stdout.contains("smtp_url"), "{}", run.stdout);
    let run = p.run(&["--smtp-url", "http://nope", "config"]);
    assert_ne!(run.code, 0);
    assert!(run.stderr.contains("smtp://"), "{}", run.stderr);
}
