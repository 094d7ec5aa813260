//! `portico user list|block|unblock|delete`.

use crate::app::{App, CliError, CliResult};
use crate::args::UserCommand;
use crate::output;
use portico_domain::page::{MAX_LIMIT, PageRequest};
use portico_services::records::UserRecord;
use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;

pub async fn run(app: &App, cmd: UserCommand) -> CliResult {
    let bo = app.back_office().await?;
    let services = &app.services;
    match cmd {
        UserCommand::List { q, limit, json } => {
            let q = q.filter(|q| !q.trim().is_empty());
            let mut users: Vec<UserRecord> = Vec::new();
            let mut after = None;
            while users.len() < limit {
                let want = (limit - users.len()).min(MAX_LIMIT as usize) as u32;
                let page = services
                    .search_users(&bo, q.as_deref(), PageRequest { limit: want, after })
                    .await?;
                users.extend(page.items);
                match page.next {
                    Some(n) => after = Some(n),
                    None => break,
                }
            }
            if json {
                println!("{}", serde_json::to_string_pretty(&users)?);
            } else if users.is_empty() {
                eprintln!("no users found");
            } else {
                let rows: Vec<Vec<String>> = users
                    .iter()
                    .map(|u| {
                        vec![
                            u.username.clone(),
                            format!("{} {}", u.first_name, u.last_name)
                                .trim()
                                .to_string(),
                            u.email.clone(),
                            u.status.as_str().to_string(),
                            u.id.to_string(),
                        ]
                    })
                    .collect();
                print!(
                    "{}",
                    output::table(&["USERNAME", "NAME", "EMAIL", "STATUS", "ID"], &rows)
                );
            }
        }
        UserCommand::Block { user } => {
            let u = app.find_user(&user).await?;
            let u = services.block_user(&bo, u.id).await?;
            println!(
                "Blocked {} ({}): their sessions ended and their API keys were revoked.",
                u.username, u.id
            );
        }
        UserCommand::Unblock { user } => {
            let u = app.find_user(&user).await?;
            let u = services.unblock_user(&bo, u.id).await?;
            println!("{} ({}) is {}.", u.username, u.id, u.status.as_str());
        }
        UserCommand::Delete { user, yes } => {
            let u = app.find_user(&user).await?;
            if !yes {
                let detail = services.user_detail(&bo, u.id).await?;
                confirm_delete(&u, detail.memberships.len())?;
            }
            services.delete_user(&bo, u.id).await?;
            println!(
                "Deleted {} ({}) permanently; their personal data was erased.",
                u.username, u.id
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Asks on the terminal; without one, refuses (scripts must say `--yes`).
fn confirm_delete(u: &UserRecord, memberships: usize) -> CliResult<()> {
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        return Err(CliError::new(format!(
            "refusing to delete {} without confirmation: standard input is not a terminal; add --yes",
            u.username
        )));
    }
    eprint!(
        "Delete {} <{}> ({}) permanently? They lose {} membership(s) and their personal data \
         is erased; this cannot be undone. Type the username to confirm: ",
        u.username, u.email, u.id, memberships
    );
    std::io::stderr().flush()?;
    let mut line = String::new();
    stdin.lock().read_line(&mut line)?;
    if line.trim() != u.username {
        return Err(CliError::new("not confirmed; nothing was deleted"));
    }
    Ok(())
}
