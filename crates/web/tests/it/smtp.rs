//! An SMTP server for tests: a tokio listener on `127.0.0.1:0` that speaks just enough SMTP
//! for lettre (220 greeting, EHLO/HELO, MAIL FROM, RCPT TO, DATA … `.`, RSET, NOOP, QUIT) and
//! records every message it accepts. What it answers at the end of DATA can be scripted per
//! message: accept (250), a transient refusal (451), a permanent one (550), or no answer at
//! all (hang, as a server that stalls or a network that drops the reply).
//!
//! ```ignore
//! let smtp = SmtpServer::start().await;
//! smtp.script([EndOfData::Accept, EndOfData::Hang]); // then Accept for every later message
//! // … point Portico at smtp.url() …
//! let mails = smtp.wait_for(1).await;
//! assert_eq!(mails[0].subject, "Welcome to Portico");
//! let link = mails[0].text.lines().find(|l| l.starts_with("http")).unwrap();
//! ```

use base64::Engine;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

/// What the server answers when a message's DATA ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(dead_code)]
pub(crate) enum EndOfData {
    /// `250 OK`: the message is accepted and recorded.
    Accept,
    /// `451`: try again later (not recorded).
    Transient,
    /// `550`: refused for good (not recorded).
    Permanent,
    /// No answer; the connection stays open until the server is dropped (not recorded).
    Hang,
}

/// One accepted message.
#[derive(Debug, Clone)]
#[allow(dead_code)]
pub(crate) struct ReceivedMail {
    /// The envelope: `MAIL FROM` and `RCPT TO` addresses, without the angle brackets.
    pub from: String,
    pub to: Vec<String>,
    /// The DATA as received (dot-stuffing undone), headers and MIME body.
    pub raw: String,
    /// Decoded `Subject` header.
    pub subject: String,
    /// `Message-ID` header, with its angle brackets.
    pub message_id: String,
    /// The decoded `text/plain` part (the whole body for a single-part message).
    pub text: String,
    /// The decoded `text/html` part, empty when there is none.
    pub html: String,
}

#[derive(Default)]
struct State {
    received: Vec<ReceivedMail>,
    script: VecDeque<EndOfData>,
    /// Messages whose DATA ended, whatever the answer.
    data_ends: usize,
}

/// A running test SMTP server; stops (and drops hanging connections) when dropped.
pub(crate) struct SmtpServer {
    port: u16,
    state: Arc<Mutex<State>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

#[allow(dead_code)]
impl SmtpServer {
    pub(crate) async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let state = Arc::new(Mutex::new(State::default()));
        let st = state.clone();
        let task = tokio::spawn(async move {
            let mut conns = tokio::task::JoinSet::new();
            loop {
                let Ok((sock, _)) = listener.accept().await else {
                    return;
                };
                conns.spawn(session(sock, st.clone()));
            }
        });
        Self { port, state, task }
    }

    /// `smtp://127.0.0.1:PORT` (no TLS, no authentication).
    pub(crate) fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// The answers to the next messages' end of DATA, in order; `Accept` after them.
    pub(crate) fn script(&self, answers: impl IntoIterator<Item = EndOfData>) {
        self.state.lock().unwrap().script.extend(answers);
    }

    /// Every accepted message so far.
    pub(crate) fn received(&self) -> Vec<ReceivedMail> {
        self.state.lock().unwrap().received.clone()
    }

    /// How many messages reached the end of DATA (accepted or not).
    pub(crate) fn data_ends(&self) -> usize {
        self.state.lock().unwrap().data_ends
    }

    /// How many accepted messages carry `message_id`.
    pub(crate) fn deliveries_of(&self, message_id: &str) -> usize {
        self.received()
            .iter()
            .filter(|m| m.message_id == message_id)
            .count()
    }

    /// Waits (up to 20 s) until at least `n` messages were accepted.
    pub(crate) async fn wait_for(&self, n: usize) -> Vec<ReceivedMail> {
        self.wait_until(|s| s.received.len() >= n, &format!("{n} accepted messages"))
            .await;
        self.received()
    }

    /// Waits (up to 20 s) until at least `n` messages reached the end of DATA.
    pub(crate) async fn wait_for_data_ends(&self, n: usize) {
        self.wait_until(|s| s.data_ends >= n, &format!("{n} ends of DATA"))
            .await;
    }

    async fn wait_until(&self, done: impl Fn(&State) -> bool, what: &str) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        loop {
            if done(&self.state.lock().unwrap()) {
                return;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "the SMTP server did not see {what} in time (accepted: {})",
                self.received().len()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

async fn say(w: &mut tokio::net::tcp::OwnedWriteHalf, s: &str) -> bool {
    w.write_all(s.as_bytes()).await.is_ok() && w.write_all(b"\r\n").await.is_ok()
}

fn strip_path(arg: &str) -> String {
    let a = arg.trim();
    let a = a.split_once(':').map_or(a, |(_, v)| v).trim();
    let a = a.split_whitespace().next().unwrap_or("");
    a.trim_start_matches('<').trim_end_matches('>').to_string()
}

async fn session(sock: tokio::net::TcpStream, state: Arc<Mutex<State>>) {
    let (r, mut w) = sock.into_split();
    let mut r = BufReader::new(r);
    if !say(&mut w, "220 localhost test SMTP").await {
        return;
    }
    let (mut from, mut to) = (String::new(), Vec::<String>::new());
    let mut line = String::new();
    loop {
        line.clear();
        if r.read_line(&mut line).await.unwrap_or(0) == 0 {
            return;
        }
        let cmd = line.trim_end_matches(['\r', '\n']);
        let verb = cmd
            .split_whitespace()
            .next()
            .unwrap_or("")
            .to_ascii_uppercase();
        let ok = match verb.as_str() {
            "EHLO" => say(&mut w, "250-localhost\r\n250-8BITMIME\r\n250 SMTPUTF8").await,
            "HELO" => say(&mut w, "250 localhost").await,
            "MAIL" => {
                from = strip_path(&cmd[4..]);
                to.clear();
                say(&mut w, "250 OK").await
            }
            "RCPT" => {
                to.push(strip_path(&cmd[4..]));
                say(&mut w, "250 OK").await
            }
            "RSET" => {
                from.clear();
                to.clear();
                say(&mut w, "250 OK").await
            }
            "NOOP" => say(&mut w, "250 OK").await,
            "QUIT" => {
                say(&mut w, "221 bye").await;
                return;
            }
            "DATA" => {
                if !say(&mut w, "354 end with <CRLF>.<CRLF>").await {
                    return;
                }
                let mut raw = String::new();
                loop {
                    line.clear();
                    if r.read_line(&mut line).await.unwrap_or(0) == 0 {
                        return;
                    }
                    let l = line.trim_end_matches(['\r', '\n']);
                    if l == "." {
                        break;
                    }
                    raw.push_str(l.strip_prefix('.').unwrap_or(l));
                    raw.push_str("\r\n");
                }
                let answer = {
                    let mut s = state.lock().unwrap();
                    s.data_ends += 1;
                    let a = s.script.pop_front().unwrap_or(EndOfData::Accept);
                    if a == EndOfData::Accept {
                        s.received.push(parse(&from, &to, raw));
                    }
                    a
                };
                match answer {
                    EndOfData::Accept => say(&mut w, "250 OK queued").await,
                    EndOfData::Transient => say(&mut w, "451 4.3.0 try again later").await,
                    EndOfData::Permanent => say(&mut w, "550 5.1.1 no such mailbox").await,
                    EndOfData::Hang => {
                        std::future::pending::<()>().await;
                        false
                    }
                }
            }
            _ => say(&mut w, "502 command not implemented").await,
        };
        if !ok {
            return;
        }
    }
}

/// Headers (unfolded) and body of a MIME entity.
fn split_entity(s: &str) -> (Vec<(String, String)>, String) {
    let (head, body) = s.split_once("\r\n\r\n").unwrap_or((s, ""));
    let mut headers: Vec<(String, String)> = Vec::new();
    for l in head.split("\r\n") {
        if l.starts_with([' ', '\t']) {
            if let Some(last) = headers.last_mut() {
                last.1.push(' ');
                last.1.push_str(l.trim());
            }
        } else if let Some((k, v)) = l.split_once(':') {
            headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
        }
    }
    (headers, body.to_string())
}

fn header<'a>(h: &'a [(String, String)], name: &str) -> &'a str {
    h.iter()
        .find(|(k, _)| k == name)
        .map_or("", |(_, v)| v.as_str())
}

/// RFC 2047 encoded words (`=?utf-8?b?…?=`, `=?utf-8?q?…?=`), as lettre writes them.
fn decode_words(v: &str) -> String {
    let mut out = String::new();
    for (i, word) in v.split_whitespace().enumerate() {
        let decoded = word
            .strip_prefix("=?")
            .and_then(|w| w.strip_suffix("?="))
            .and_then(|w| {
                let mut p = w.splitn(3, '?');
                let (_charset, enc, text) = (p.next()?, p.next()?, p.next()?);
                let bytes = match enc.to_ascii_lowercase().as_str() {
                    "b" => base64::engine::general_purpose::STANDARD
                        .decode(text)
                        .ok()?,
                    "q" => quoted_printable(&text.replace('_', " ")),
                    _ => return None,
                };
                String::from_utf8(bytes).ok()
            });
        match decoded {
            Some(d) => out.push_str(&d),
            None => {
                if i > 0 {
                    out.push(' ');
                }
                out.push_str(word);
            }
        }
    }
    out
}

fn quoted_printable(s: &str) -> Vec<u8> {
    let s = s.replace("=\r\n", "");
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'='
            && i + 2 < b.len()
            && let Some(v) = std::str::from_utf8(&b[i + 1..i + 3])
                .ok()
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(v);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    out
}

fn decode_body(headers: &[(String, String)], body: &str) -> String {
    let bytes = match header(headers, "content-transfer-encoding")
        .to_ascii_lowercase()
        .as_str()
    {
        "base64" => base64::engine::general_purpose::STANDARD
            .decode(body.split_whitespace().collect::<String>())
            .unwrap_or_default(),
        "quoted-printable" => quoted_printable(body),
        _ => body.as_bytes().to_vec(),
    };
    String::from_utf8_lossy(&bytes)
        .replace("\r\n", "\n")
        .trim_end_matches('\n')
        .to_string()
}

fn boundary(content_type: &str) -> Option<String> {
    content_type.split(';').find_map(|p| {
        let p = p.trim();
        p.strip_prefix("boundary=")
            .map(|b| b.trim_matches('"').to_string())
    })
}

fn parse(from: &str, to: &[String], raw: String) -> ReceivedMail {
    let (headers, body) = split_entity(&raw);
    let mut text = String::new();
    let mut html = String::new();
    let ct = header(&headers, "content-type").to_string();
    match boundary(&ct) {
        Some(b) => {
            for part in body.split(&format!("--{b}")).skip(1) {
                let part = part.trim_start_matches("\r\n");
                if part.starts_with("--") {
                    break;
                }
                let (h, pb) = split_entity(part);
                let pct = header(&h, "content-type").to_ascii_lowercase();
                if pct.starts_with("text/plain") {
                    text = decode_body(&h, &pb);
                } else if pct.starts_with("text/html") {
                    html = decode_body(&h, &pb);
                }
            }
        }
        None if ct.to_ascii_lowercase().starts_with("text/html") => {
            html = decode_body(&headers, &body);
        }
        None => text = decode_body(&headers, &body),
    }
    ReceivedMail {
        from: from.to_string(),
        to: to.to_vec(),
        subject: decode_words(header(&headers, "subject")),
        message_id: header(&headers, "message-id").to_string(),
        text,
        html,
        raw,
    }
}
