//! `portico authz explain|holders|permissions` (P1, P10).

use super::role::parse_level;
use crate::app::{App, CliResult};
use crate::args::AuthzCommand;
use crate::output;
use serde_json::json;
use std::process::ExitCode;

pub async fn run(app: &App, cmd: AuthzCommand) -> CliResult {
    let bo = app.back_office().await?;
    let services = &app.services;
    match cmd {
        AuthzCommand::Explain {
            user,
            permission,
            org,
        } => {
            let target = app.find_user(&user).await?;
            let scope = app.scope(&bo, org.as_deref()).await?;
            let e = services.explain(&bo, target.id, &permission, scope).await?;
            println!(
                "{}: {} {} at {}",
                e.decision.to_uppercase(),
                target.username,
                e.permission,
                app.scope_label(&bo, e.scope).await
            );
            for r in e.reasons {
                println!("  - {}", r.detail);
            }
            Ok(if e.allowed {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        AuthzCommand::Holders {
            permission,
            org,
            json,
        } => {
            let scope = app.scope(&bo, org.as_deref()).await?;
            let users = services.holders(&bo, &permission, scope).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&users)?);
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
                            if u.is_super_admin { "super admin" } else { "" }.to_string(),
                            u.id.to_string(),
                        ]
                    })
                    .collect();
                print!(
                    "{}",
                    output::table(&["USERNAME", "NAME", "EMAIL", "NOTE", "ID"], &rows)
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        AuthzCommand::Permissions { level, json } => {
            let level = level.as_deref().map(parse_level).transpose()?;
            let catalog = services.permission_catalog();
            let entries: Vec<_> = catalog
                .entries()
                .iter()
                .filter(|e| level.is_none_or(|l| e.levels.contains(l)))
                .collect();
            if json {
                let out: Vec<_> = entries
                    .iter()
                    .map(|e| {
                        json!({
                            "permission": e.permission.as_str(),
                            "section": e.section,
                            "levels": e.levels.levels().map(|l| l.as_str()).collect::<Vec<_>>(),
                            "description": e.description,
                            "application": e.application,
                        })
                    })
                    .collect();
                println!("{}", serde_json::to_string_pretty(&out)?);
            } else {
                let rows: Vec<Vec<String>> = entries
                    .iter()
                    .map(|e| {
                        vec![
                            e.section.clone(),
                            e.permission.as_str().to_string(),
                            e.levels
                                .levels()
                                .map(|l| l.as_str())
                                .collect::<Vec<_>>()
                                .join(","),
                            e.description.clone(),
                        ]
                    })
                    .collect();
                print!(
                    "{}",
                    output::table(&["SECTION", "PERMISSION", "LEVELS", "DESCRIPTION"], &rows)
                );
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
