//! `portico role list|import|assign` and `portico authz explain`.

use crate::app::{App, CliError, CliResult};
use crate::args::{AuthzCommand, RoleCommand};
use portico_domain::access::Level;
use portico_domain::ids::RoleId;
use portico_services::access::grants::AssignInput;
use portico_services::records::ScopeRef;
use std::process::ExitCode;

pub async fn run(app: &App, cmd: RoleCommand) -> CliResult {
    let bo = app.back_office().await?;
    let services = &app.services;
    match cmd {
        RoleCommand::List { level, json } => {
            let level = level
                .as_deref()
                .map(|l| {
                    Level::parse(l).ok_or_else(|| {
                        CliError::new("--level is platform, organization or project")
                    })
                })
                .transpose()?;
            let roles = services.list_roles(&bo, level)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&roles)?);
            } else {
                println!("{:<40} {:<13} {:>7}  NAME", "KEY", "LEVEL", "HOLDERS");
                for r in roles {
                    println!(
                        "{:<40} {:<13} {:>7}  {}{}",
                        r.role.key,
                        r.role.level.as_str(),
                        r.holders,
                        r.role.name,
                        if r.role.preset { " (preset)" } else { "" }
                    );
                }
            }
        }
        RoleCommand::Import { preset } => {
            let n = services.import_preset(&bo, preset.as_str()).await?;
            println!("imported {n} roles from the {} preset", preset.as_str());
        }
        RoleCommand::Assign {
            user,
            role,
            org,
            expires_days,
            ip_allowlist,
        } => {
            let target = app.find_user(&user).await?;
            let access = bo.access();
            let role = match RoleId::parse(&role) {
                Ok(id) => access.role(id),
                Err(_) => access.role_by_key(&role),
            }
            .ok_or_else(|| CliError::new(format!("no role {role:?}: see `portico role list`")))?
            .clone();
            let scope = match org {
                Some(o) => ScopeRef::Org(services.resolve_org(&bo, &o).await?.org_id()),
                None => ScopeRef::Platform,
            };
            if let Some(list) = ip_allowlist {
                services
                    .set_ip_allowlist(&bo, target.id, Some(&list))
                    .await?;
            }
            let expires_at = expires_days.map(|d| services.now().plus_secs(i64::from(d) * 86_400));
            let a = services
                .assign_role(
                    &bo,
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
                target.username, role.name, a.scope, a.id
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn authz(app: &App, cmd: AuthzCommand) -> CliResult {
    let bo = app.back_office().await?;
    let services = &app.services;
    match cmd {
        AuthzCommand::Explain {
            user,
            permission,
            org,
        } => {
            let target = app.find_user(&user).await?;
            let scope = match org {
                Some(o) => ScopeRef::Org(services.resolve_org(&bo, &o).await?.org_id()),
                None => ScopeRef::Platform,
            };
            let e = services.explain(&bo, target.id, &permission, scope).await?;
            println!(
                "{}: {} {} at {}",
                e.decision.to_uppercase(),
                target.username,
                e.permission,
                e.scope
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
    }
}
