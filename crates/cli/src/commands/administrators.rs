//! `portico admin list|transfer-super-admin` (S1, P7).

use super::confirm;
use crate::app::{App, CliResult};
use crate::args::AdminCommand;
use crate::output;
use std::process::ExitCode;

pub async fn run(app: &App, cmd: AdminCommand) -> CliResult {
    let bo = app.back_office().await?;
    let services = &app.services;
    match cmd {
        AdminCommand::List { json } => {
            let admins = services.list_administrators(&bo).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&admins)?);
            } else {
                let rows: Vec<Vec<String>> = admins
                    .iter()
                    .map(|u| {
                        vec![
                            u.username.clone(),
                            format!("{} {}", u.first_name, u.last_name)
                                .trim()
                                .to_string(),
                            u.email.clone(),
                            u.status.as_str().to_string(),
                            if u.is_super_admin { "super admin" } else { "" }.to_string(),
                            u.id.to_string(),
                        ]
                    })
                    .collect();
                print!(
                    "{}",
                    output::table(
                        &["USERNAME", "NAME", "EMAIL", "STATUS", "NOTE", "ID"],
                        &rows
                    )
                );
            }
        }
        AdminCommand::TransferSuperAdmin { user, yes } => {
            let target = app.find_user(&user).await?;
            if !yes {
                confirm::typed(
                    &format!("make {} the super admin", target.username),
                    &format!(
                        "Make {} <{}> ({}) the super admin? {} stays an administrator, and the CLI \
                         acts as the new super admin from now on. Type their username to confirm",
                        target.username,
                        target.email,
                        target.id,
                        bo.user().username
                    ),
                    &target.username,
                    "nothing was changed",
                )?;
            }
            let former = bo.user().username.clone();
            let u = services.transfer_super_admin(&bo, target.id).await?;
            println!(
                "{} ({}) is now the super admin; {former} stays an administrator. The CLI now acts as {}.",
                u.username, u.id, u.username
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}
