//! `portico outbox list|show|resend`: the email outbox, through the same services as Settings →
//! Sent emails (as the super admin; reading a credential link is audited there too).

use crate::app::{App, CliError, CliResult};
use crate::args::OutboxCommand;
use crate::output;
use portico_domain::EmailStatus;
use portico_domain::ids::EmailId;
use portico_domain::page::PageRequest;
use portico_services::records::OutboxMessage;
use serde_json::json;
use std::process::ExitCode;

fn summary(m: &OutboxMessage) -> serde_json::Value {
    json!({
        "id": m.id,
        "to": m.to_address,
        "to_user_id": m.to_user_id,
        "template": m.template,
        "language": m.language,
        "subject": m.subject,
        "status": m.status,
        "attempts": m.attempts,
        "next_attempt_at": m.next_attempt_at.to_rfc3339(),
        "last_error": m.last_error,
        "created_at": m.created_at.to_rfc3339(),
        "sent_at": m.sent_at.map(|t| t.to_rfc3339()),
    })
}

fn parse_id(raw: &str) -> CliResult<EmailId> {
    EmailId::parse(raw.trim())
        .map_err(|_| CliError::new(format!("{raw:?} is not an email id (eml_…)")))
}

pub async fn run(app: &App, cmd: OutboxCommand) -> CliResult {
    let bo = app.back_office().await?;
    let services = &app.services;
    match cmd {
        OutboxCommand::List {
            status,
            limit,
            json,
        } => {
            let status = status
                .map(|s| {
                    EmailStatus::parse(s.trim()).ok_or_else(|| {
                        CliError::new(format!(
                            "status {s:?}: one of queued, sending, sent, failed, held"
                        ))
                    })
                })
                .transpose()?;
            let page = services
                .list_outbox(&bo, status, PageRequest::first(limit))
                .await?;
            if json {
                let items: Vec<_> = page.items.iter().map(summary).collect();
                println!("{}", serde_json::to_string_pretty(&items)?);
            } else if page.items.is_empty() {
                println!("the outbox is empty");
            } else {
                let rows: Vec<Vec<String>> = page
                    .items
                    .iter()
                    .map(|m| {
                        vec![
                            m.created_at.to_display(),
                            m.status.as_str().to_string(),
                            m.attempts.to_string(),
                            m.to_address.clone(),
                            m.subject.clone(),
                            m.id.to_string(),
                        ]
                    })
                    .collect();
                print!(
                    "{}",
                    output::table(
                        &["CREATED (UTC)", "STATUS", "TRIES", "TO", "SUBJECT", "ID"],
                        &rows
                    )
                );
            }
            if !services.config().email_delivery {
                eprintln!(
                    "no SMTP server is configured: emails are kept (held); set PORTICO_SMTP_URL to send them"
                );
            }
        }
        OutboxCommand::Show { id, json } => {
            let v = services.get_outbox_message(&bo, parse_id(&id)?).await?;
            let m = &v.message;
            if json {
                let mut out = summary(m);
                out["text_body"] = json!((!v.bodies_withheld).then_some(&m.text_body));
                out["html_body"] = json!((!v.bodies_withheld).then_some(&m.html_body));
                out["bodies_withheld"] = json!(v.bodies_withheld);
                println!("{}", serde_json::to_string_pretty(&out)?);
            } else {
                println!("Id:        {}", m.id);
                println!("To:        {}", m.to_address);
                println!("Subject:   {}", m.subject);
                println!("Template:  {} ({})", m.template, m.language);
                println!(
                    "Status:    {} after {} attempt(s)",
                    m.status.as_str(),
                    m.attempts
                );
                println!("Created:   {} UTC", m.created_at.to_display());
                if let Some(t) = m.sent_at {
                    println!("Sent:      {} UTC", t.to_display());
                }
                if let Some(e) = &m.last_error {
                    println!("Error:     {e}");
                }
                println!();
                if v.bodies_withheld {
                    println!("(content withheld)");
                } else {
                    println!("{}", m.text_body);
                }
            }
        }
        OutboxCommand::Resend { id } => {
            let m = services.resend_email(&bo, parse_id(&id)?).await?;
            println!("queued {} to {} again", m.id, m.to_address);
        }
    }
    Ok(ExitCode::SUCCESS)
}
