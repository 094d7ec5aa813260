//! `portico role list|import|create|show|edit|delete` (P2); the assignment commands
//! (`assign`, `unassign`, `assignments`) are in `assignments.rs`.

use super::{assignments, confirm};
use crate::app::{App, CliError, CliResult};
use crate::args::{RoleCommand, RoleEditArgs};
use portico_domain::access::Level;
use portico_services::BackOffice;
use portico_services::access::roles::{RoleInput, RoleUpdate, RoleView};
use std::process::ExitCode;

pub async fn run(app: &App, cmd: RoleCommand) -> CliResult {
    let bo = app.back_office().await?;
    let services = &app.services;
    match cmd {
        RoleCommand::List { level, json } => {
            let level = level.as_deref().map(parse_level).transpose()?;
            let mut roles = services.list_roles(&bo, level)?;
            // Live assignments only, as the console and the API count them.
            services.count_visible_holders(&bo, &mut roles).await?;
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
        RoleCommand::Create {
            name,
            level,
            permissions,
            description,
            copy_from,
            json,
        } => {
            let source = copy_from
                .as_deref()
                .map(|k| app.find_role(&bo, k))
                .transpose()?;
            let r = services
                .create_role(
                    &bo,
                    RoleInput {
                        name,
                        level,
                        description,
                        permissions,
                        copy_from: source.as_ref().map(|s| s.role.id),
                    },
                )
                .await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&r)?);
            } else {
                println!(
                    "Created role {} ({}, {}-level, {} permission(s){}) {}",
                    r.name,
                    r.key,
                    r.level,
                    r.permissions.len(),
                    source
                        .map(|s| format!(", copied from {}", s.role.key))
                        .unwrap_or_default(),
                    r.id
                );
            }
        }
        RoleCommand::Show { role, json } => {
            let view = app.find_role(&bo, &role)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&view)?);
            } else {
                show(app, &view);
            }
        }
        RoleCommand::Edit(args) => edit(app, &bo, args).await?,
        RoleCommand::Delete { role, yes } => {
            let view = app.find_role(&bo, &role)?;
            let r = &view.role;
            if !yes {
                confirm::typed(
                    &format!("delete the role {}", r.key),
                    &format!(
                        "Delete the role {} ({}, {} holder(s))? This cannot be undone. \
                         Type the role's key to confirm",
                        r.name, r.key, view.holders
                    ),
                    &r.key,
                    "nothing was deleted",
                )?;
            }
            services.delete_role(&bo, r.id).await?;
            println!("Deleted the role {} ({}, {})", r.name, r.key, r.id);
        }
        other => return assignments::run(app, &bo, other).await,
    }
    Ok(ExitCode::SUCCESS)
}

pub fn parse_level(l: &str) -> CliResult<Level> {
    Level::parse(l.trim())
        .ok_or_else(|| CliError::new("--level is platform, organization or project"))
}

/// The role, then its permissions under the catalogue's sections (the console's layout).
fn show(app: &App, view: &RoleView) {
    let r = &view.role;
    println!(
        "{}{}",
        r.name,
        if r.preset { " (preset, read-only)" } else { "" }
    );
    println!("  key          {}", r.key);
    println!("  id           {}", r.id);
    println!("  level        {}", r.level);
    if r.reach != "scope" {
        println!("  reaches      related users ({})", r.reach);
    }
    if !r.description.is_empty() {
        println!("  description  {}", r.description);
    }
    println!("  holders      {}", view.holders);
    println!("  version      {}", r.version);
    println!("  updated      {}", r.updated_at.to_display());
    println!();
    println!("Permissions ({}):", r.permissions.len());
    let catalog = app.services.permission_catalog();
    let holds = |p: &str| r.permissions.iter().any(|k| k == p);
    let width = r.permissions.iter().map(String::len).max().unwrap_or(0);
    for (section, entries) in catalog.sections() {
        let held: Vec<_> = entries
            .iter()
            .filter(|e| holds(e.permission.as_str()))
            .collect();
        if held.is_empty() {
            continue;
        }
        println!("  {section}");
        for e in held {
            println!("    {:<width$}  {}", e.permission.as_str(), e.description);
        }
    }
}

/// `--permissions` replaces the list; `--add`/`--remove` change the current one. The edit
/// carries the version read, so a concurrent change is refused rather than overwritten.
async fn edit(app: &App, bo: &BackOffice, args: RoleEditArgs) -> CliResult<()> {
    let RoleEditArgs {
        role,
        name,
        description,
        permissions,
        add,
        remove,
    } = args;
    let current = app.find_role(bo, &role)?.role;
    let clean = |v: Vec<String>| -> Vec<String> {
        v.into_iter()
            .map(|p| p.trim().to_string())
            .filter(|p| !p.is_empty())
            .collect()
    };
    let (add, remove) = (clean(add), clean(remove));
    let permissions = if permissions.is_some() {
        permissions
    } else if add.is_empty() && remove.is_empty() {
        None
    } else {
        if let Some(p) = remove.iter().find(|p| !current.permissions.contains(p)) {
            return Err(CliError::new(format!(
                "--remove {p}: the role {} does not have it",
                current.key
            )));
        }
        let mut list: Vec<String> = current
            .permissions
            .iter()
            .filter(|p| !remove.contains(p))
            .cloned()
            .collect();
        for p in add {
            if !list.contains(&p) {
                list.push(p);
            }
        }
        Some(list)
    };
    if name.is_none() && description.is_none() && permissions.is_none() {
        return Err(CliError::new(
            "nothing to change: give --name, --description, --permissions, --add or --remove",
        ));
    }
    let r = app
        .services
        .update_role(
            bo,
            current.id,
            Some(current.version),
            RoleUpdate {
                name,
                description,
                permissions,
            },
        )
        .await?;
    let gained: Vec<&str> = r
        .permissions
        .iter()
        .filter(|p| !current.permissions.contains(p))
        .map(String::as_str)
        .collect();
    let lost: Vec<&str> = current
        .permissions
        .iter()
        .filter(|p| !r.permissions.contains(p))
        .map(String::as_str)
        .collect();
    println!(
        "Updated the role {} ({}): {} permission(s), version {}",
        r.name,
        r.key,
        r.permissions.len(),
        r.version
    );
    if !gained.is_empty() {
        println!("  added    {}", gained.join(", "));
    }
    if !lost.is_empty() {
        println!("  removed  {}", lost.join(", "));
    }
    Ok(())
}
