//! `portico user grant|deny|overrides|remove-override|allowlist|filters`: a person's personal
//! grants and denials (P4), IP allowlist (U9) and data filters (P5).

use crate::app::{App, CliError, CliResult};
use crate::args::{FiltersArgs, OverrideArgs, UserCommand};
use crate::output;
use portico_domain::access::DataFilter;
use portico_domain::ids::OverrideId;
use portico_services::BackOffice;
use portico_services::access::grants::OverrideInput;
use portico_services::records::{OverrideEffect, OverrideRecord};
use std::process::ExitCode;

pub async fn run(app: &App, bo: &BackOffice, cmd: UserCommand) -> CliResult {
    let services = &app.services;
    match cmd {
        UserCommand::Grant(args) => add_override(app, bo, OverrideEffect::Grant, args).await?,
        UserCommand::Deny(args) => add_override(app, bo, OverrideEffect::Deny, args).await?,
        UserCommand::Overrides { user, json } => {
            let target = app.find_user(&user).await?;
            let overrides = services.list_overrides(bo, target.id).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&overrides)?);
            } else if overrides.is_empty() {
                eprintln!("{} has no personal grants or denials", target.username);
            } else {
                let mut rows = Vec::with_capacity(overrides.len());
                for o in &overrides {
                    rows.push(vec![
                        o.effect.as_str().to_string(),
                        o.permission.clone(),
                        app.scope_label(bo, o.scope).await,
                        o.created_at.to_display(),
                        o.id.to_string(),
                    ]);
                }
                print!(
                    "{}",
                    output::table(&["EFFECT", "PERMISSION", "SCOPE", "CREATED", "ID"], &rows)
                );
            }
        }
        UserCommand::RemoveOverride {
            user,
            override_id,
            permission,
            org,
        } => {
            let target = app.find_user(&user).await?;
            let id = match (override_id, permission) {
                (Some(id), _) => OverrideId::parse(id.trim())?,
                (None, Some(permission)) => {
                    let scope = app.scope(bo, org.as_deref()).await?;
                    let found: Vec<OverrideRecord> = services
                        .list_overrides(bo, target.id)
                        .await?
                        .into_iter()
                        .filter(|o| o.permission == permission.trim() && o.scope == scope)
                        .collect();
                    match found.as_slice() {
                        [one] => one.id,
                        [] => {
                            return Err(CliError::new(format!(
                                "{} has no personal grant or denial of {} at {}",
                                target.username,
                                permission.trim(),
                                app.scope_label(bo, scope).await
                            )));
                        }
                        many => {
                            return Err(CliError::new(format!(
                                "{} has several overrides of {} there; name one by id: {}",
                                target.username,
                                permission.trim(),
                                ids(many.iter().map(|o| o.id.to_string()))
                            )));
                        }
                    }
                }
                (None, None) => unreachable!("clap requires an id or --permission"),
            };
            let o = services.remove_override(bo, target.id, id).await?;
            println!(
                "Removed the personal {} of {} for {} at {} ({})",
                o.effect.as_str(),
                o.permission,
                target.username,
                app.scope_label(bo, o.scope).await,
                o.id
            );
        }
        UserCommand::Allowlist { user, list, clear } => {
            let target = app.find_user(&user).await?;
            let list = if clear { None } else { list };
            let u = services
                .set_ip_allowlist(bo, target.id, list.as_deref())
                .await?;
            match u.ip_allowlist {
                Some(l) => println!("{}'s IP allowlist is now: {l}", u.username),
                None => println!("{} has no IP allowlist now", u.username),
            }
        }
        UserCommand::Filters(args) => filters(app, bo, args).await?,
        _ => unreachable!("handled in user.rs"),
    }
    Ok(ExitCode::SUCCESS)
}

fn ids(ids: impl Iterator<Item = String>) -> String {
    ids.collect::<Vec<_>>().join(", ")
}

async fn add_override(
    app: &App,
    bo: &BackOffice,
    effect: OverrideEffect,
    args: OverrideArgs,
) -> CliResult<()> {
    let target = app.find_user(&args.user).await?;
    let scope = app.scope(bo, args.org.as_deref()).await?;
    let o = app
        .services
        .add_override(
            bo,
            target.id,
            OverrideInput {
                effect,
                permission: args.permission,
                scope,
            },
        )
        .await?;
    println!(
        "{} {} {} at {} ({})",
        match effect {
            OverrideEffect::Grant => "Granted",
            OverrideEffect::Deny => "Denied",
        },
        target.username,
        o.permission,
        app.scope_label(bo, o.scope).await,
        o.id
    );
    Ok(())
}

/// Without any filter flag, shows the filters; otherwise replaces them all.
async fn filters(app: &App, bo: &BackOffice, args: FiltersArgs) -> CliResult<()> {
    let services = &app.services;
    let target = app.find_user(&args.user).await?;
    let changing =
        args.clear || !args.tag.is_empty() || !args.attribute.is_empty() || !args.orgs.is_empty();
    let filters = if changing {
        let mut new = Vec::new();
        for t in &args.tag {
            new.push(DataFilter::Tag { tags: split(t) });
        }
        for a in &args.attribute {
            let (name, values) = a.split_once('=').ok_or_else(|| {
                CliError::new(format!(
                    "--attribute {a:?}: write NAME=VALUE[,VALUE…], e.g. country=IT,DK"
                ))
            })?;
            new.push(DataFilter::Attribute {
                name: name.to_string(),
                values: split(values),
            });
        }
        for list in &args.orgs {
            let mut organizations = Vec::new();
            for o in split(list) {
                organizations.push(services.resolve_org(bo, &o).await?.org_id());
            }
            new.push(DataFilter::Organizations { organizations });
        }
        services.set_filters(bo, target.id, new).await?
    } else {
        services.get_filters(bo, target.id).await?
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&filters)?);
        return Ok(());
    }
    if filters.is_empty() {
        println!(
            "{} has no data filters: their permissions are not narrowed",
            target.username
        );
        return Ok(());
    }
    println!(
        "{}'s permissions reach only organizations (or their sub-organizations) matching all of:",
        target.username
    );
    for f in &filters {
        let shown = match f {
            DataFilter::Organizations { organizations } => {
                let mut slugs = Vec::with_capacity(organizations.len());
                for o in organizations {
                    slugs.push(
                        app.scope_label(bo, portico_services::records::ScopeRef::Org(*o))
                            .await,
                    );
                }
                format!("organization in ({})", slugs.join(", "))
            }
            other => other.describe(),
        };
        println!("  - {shown}");
    }
    Ok(())
}

fn split(list: &str) -> Vec<String> {
    list.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}
