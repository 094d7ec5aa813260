//! `portico user list|block|unblock|delete|copy`; the access commands (`grant`, `deny`,
//! `overrides`, `remove-override`, `allowlist`, `filters`) are in `user_access.rs`.

use super::{confirm, user_access};
use crate::app::{App, CliResult};
use crate::args::UserCommand;
use crate::output;
use portico_domain::page::{MAX_LIMIT, PageRequest};
use portico_services::access::admin::CopyUserInput;
use portico_services::records::UserRecord;
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
        UserCommand::ResetPassword {
            user,
            generate,
            language,
        } => {
            use portico_services::credentials::ResetMode;
            let u = app.find_user(&user).await?;
            let mode = if generate {
                ResetMode::Generate
            } else {
                ResetMode::Email
            };
            match services
                .admin_reset_password(&bo, u.id, mode, language.as_deref())
                .await?
            {
                Some(pw) => println!(
                    "New password for {} (shown once, copy it now): {pw}\nTheir sessions were ended.",
                    u.username
                ),
                None => println!(
                    "A password reset link is on its way to {} <{}>.",
                    u.username, u.email
                ),
            }
        }
        UserCommand::ResetMfa { user } => {
            let u = app.find_user(&user).await?;
            if services.admin_reset_mfa(&bo, u.id).await? {
                println!(
                    "Removed {}'s second factor; they log in with their password and may set up a new one.",
                    u.username
                );
            } else {
                println!("{} has no second factor.", u.username);
            }
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
        UserCommand::Copy {
            source,
            username,
            email,
            first_name,
            last_name,
            copy_filters,
            json,
        } => {
            let src = app.find_user(&source).await?;
            let u = services
                .copy_user(
                    &bo,
                    src.id,
                    CopyUserInput {
                        username,
                        email,
                        first_name,
                        last_name,
                        copy_filters,
                    },
                )
                .await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&u)?);
            } else {
                println!(
                    "Copied {} to {} <{}> ({}){}: same memberships, roles and personal grants \
                     and denials; status {}.",
                    src.username,
                    u.username,
                    u.email,
                    u.id,
                    if copy_filters {
                        " with data filters"
                    } else {
                        ""
                    },
                    u.status.as_str()
                );
            }
        }
        other => return user_access::run(app, &bo, other).await,
    }
    Ok(ExitCode::SUCCESS)
}

/// Asks on the terminal; without one, refuses (scripts must say `--yes`).
fn confirm_delete(u: &UserRecord, memberships: usize) -> CliResult<()> {
    confirm::typed(
        &format!("delete {}", u.username),
        &format!(
            "Delete {} <{}> ({}) permanently? They lose {} membership(s) and their personal data \
             is erased; this cannot be undone. Type the username to confirm",
            u.username, u.email, u.id, memberships
        ),
        &u.username,
        "nothing was deleted",
    )
}
