//! `portico role assign|unassign|assignments` (P3): who holds which role where.

use crate::app::{App, CliError, CliResult};
use crate::args::RoleCommand;
use crate::output;
use portico_domain::ids::AssignmentId;
use portico_services::BackOffice;
use portico_services::access::grants::{AssignInput, AssignmentView};
use std::process::ExitCode;

pub async fn run(app: &App, bo: &BackOffice, cmd: RoleCommand) -> CliResult {
    let services = &app.services;
    match cmd {
        RoleCommand::Assign {
            user,
            role,
            org,
            expires_days,
        } => {
            let target = app.find_user(&user).await?;
            let role = app.find_role(bo, &role)?.role;
            let scope = app.scope(bo, org.as_deref()).await?;
            let expires_at = expires_days.map(|d| services.now().plus_secs(i64::from(d) * 86_400));
            let a = services
                .assign_role(
                    bo,
                    target.id,
                    AssignInput {
                        role_id: role.id,
                        scope,
                        expires_at,
                    },
                )
                .await?;
            println!(
                "{} now holds {} at {} ({})",
                target.username,
                role.name,
                app.scope_label(bo, a.scope).await,
                a.id
            );
        }
        RoleCommand::Unassign {
            user,
            assignment,
            role,
            org,
        } => {
            let target = app.find_user(&user).await?;
            let id = match (assignment, role) {
                (Some(id), _) => AssignmentId::parse(id.trim())?,
                (None, Some(role)) => {
                    let role = app.find_role(bo, &role)?.role;
                    let scope = app.scope(bo, org.as_deref()).await?;
                    let found: Vec<AssignmentView> = services
                        .list_assignments(bo, target.id)
                        .await?
                        .into_iter()
                        .filter(|a| a.assignment.role_id == role.id && a.assignment.scope == scope)
                        .collect();
                    match found.as_slice() {
                        [one] => one.assignment.id,
                        [] => {
                            return Err(CliError::new(format!(
                                "{} does not hold {} ({}) at {}: see `portico role assignments {}`",
                                target.username,
                                role.name,
                                role.key,
                                app.scope_label(bo, scope).await,
                                target.username
                            )));
                        }
                        many => {
                            let ids: Vec<String> =
                                many.iter().map(|a| a.assignment.id.to_string()).collect();
                            return Err(CliError::new(format!(
                                "{} holds {} there several times; name one by id: {}",
                                target.username,
                                role.key,
                                ids.join(", ")
                            )));
                        }
                    }
                }
                (None, None) => unreachable!("clap requires an id or --role"),
            };
            let a = services.unassign_role(bo, target.id, id).await?;
            let role_name = bo
                .access()
                .role(a.role_id)
                .map_or_else(|| a.role_id.to_string(), |r| r.name.clone());
            println!(
                "{} no longer holds {} at {} ({})",
                target.username,
                role_name,
                app.scope_label(bo, a.scope).await,
                a.id
            );
        }
        RoleCommand::Assignments { user, json } => {
            let target = app.find_user(&user).await?;
            let list = services.list_assignments(bo, target.id).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&list)?);
            } else if list.is_empty() {
                eprintln!("{} holds no roles", target.username);
            } else {
                let access = bo.access();
                let mut rows = Vec::with_capacity(list.len());
                for a in &list {
                    let key = access
                        .role(a.assignment.role_id)
                        .map_or("", |r| r.key.as_str());
                    rows.push(vec![
                        a.role_name.clone(),
                        key.to_string(),
                        app.scope_label(bo, a.assignment.scope).await,
                        match a.assignment.expires_at {
                            Some(e) if a.expired => format!("{} (expired)", e.to_display()),
                            Some(e) => e.to_display(),
                            None => "-".into(),
                        },
                        a.assignment.id.to_string(),
                    ]);
                }
                print!(
                    "{}",
                    output::table(&["ROLE", "KEY", "SCOPE", "EXPIRES", "ID"], &rows)
                );
            }
        }
        _ => unreachable!("handled in role.rs"),
    }
    Ok(ExitCode::SUCCESS)
}
