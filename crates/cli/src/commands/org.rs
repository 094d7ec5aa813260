//! `portico org create|list|add-member|relationships|relate|unrelate|licenses`.

use crate::app::{App, CliResult};
use crate::args::{OrgCommand, OrgListArgs, RelationArgs};
use crate::output;
use portico_domain::ids::OrgId;
use portico_domain::page::{MAX_LIMIT, PageRequest};
use portico_services::BackOffice;
use portico_services::members::AddMemberInput;
use portico_services::orgs::OrgInput;
use portico_services::records::{AddOutcome, OrgFilter, OrgRecord};
use serde_json::json;
use std::collections::HashMap;
use std::process::ExitCode;

pub async fn run(app: &App, cmd: OrgCommand) -> CliResult {
    let bo = app.back_office().await?;
    match cmd {
        OrgCommand::Create {
            name,
            slug,
            parent,
            json,
        } => {
            let parent_id = match parent.as_deref() {
                Some(p) => Some(app.services.resolve_org(&bo, p).await?.org_id()),
                None => None,
            };
            let org = app
                .services
                .create_org(
                    &bo,
                    OrgInput {
                        name,
                        slug,
                        parent_id,
                        ..Default::default()
                    },
                )
                .await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&org)?);
            } else {
                println!(
                    "Created organization {} ({}, {})",
                    org.name, org.slug, org.id
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        OrgCommand::List(args) => list(app, &bo, args).await,
        OrgCommand::AddMember {
            org,
            email,
            username,
            first_name,
            last_name,
            credentials,
            language,
            json,
        } => {
            let scope = app.services.resolve_org(&bo, &org).await?;
            let credentials = portico_domain::credential::CredentialChoice::parse(&credentials)?;
            let added = app
                .services
                .add_member(
                    &scope,
                    AddMemberInput {
                        email,
                        username,
                        first_name,
                        last_name,
                        credentials,
                        language,
                        ..Default::default()
                    },
                )
                .await?;
            let user = added.user;
            let outcome = match added.outcome {
                AddOutcome::Created => "created",
                AddOutcome::AddedExternal => "added_external",
            };
            if json {
                let mut v = json!(user);
                v["outcome"] = json!(outcome);
                v["welcome_email"] = json!(added.welcome_email);
                if let Some(pw) = &added.generated_password {
                    v["generated_password"] = json!(pw);
                }
                println!("{}", serde_json::to_string_pretty(&v)?);
            } else if outcome == "created" {
                let how = if let Some(pw) = &added.generated_password {
                    format!("password (shown once, copy it now): {pw}")
                } else if added.welcome_email {
                    "a welcome email with a set-password link is on its way".to_string()
                } else {
                    "invited, no password yet".to_string()
                };
                println!(
                    "Created {} <{}> ({}), internal to {}; {how}",
                    user.username,
                    user.email,
                    user.id,
                    scope.org().slug
                );
            } else {
                println!(
                    "Added {} <{}> ({}) to {} as an external member",
                    user.username,
                    user.email,
                    user.id,
                    scope.org().slug
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        OrgCommand::Relationships { org, json } => {
            let scope = app.services.resolve_org(&bo, &org).await?;
            let list = app.services.visible_relationships(&scope).await?.items;
            if json {
                let records: Vec<_> = list.iter().map(|v| &v.relationship).collect();
                println!("{}", serde_json::to_string_pretty(&records)?);
                return Ok(ExitCode::SUCCESS);
            }
            if list.is_empty() {
                eprintln!("no relationships in {}", scope.org().slug);
                return Ok(ExitCode::SUCCESS);
            }
            let rows: Vec<Vec<String>> = list
                .iter()
                .map(|v| {
                    vec![
                        v.from.username.clone(),
                        v.relationship.relation.clone(),
                        v.to.username.clone(),
                    ]
                })
                .collect();
            print!("{}", output::table(&["FROM", "RELATION", "OF"], &rows));
            Ok(ExitCode::SUCCESS)
        }
        OrgCommand::Licenses {
            org,
            app_seats,
            office_seats,
            json,
        } => super::apps::licenses(app, &bo, &org, app_seats, office_seats, json).await,
        OrgCommand::Relate(args) => relate(app, &bo, args, true).await,
        OrgCommand::Unrelate(args) => relate(app, &bo, args, false).await,
    }
}

async fn relate(app: &App, bo: &BackOffice, args: RelationArgs, add: bool) -> CliResult {
    let scope = app.services.resolve_org(bo, &args.org).await?;
    let from = app.find_user(&args.from).await?;
    let to = app.find_user(&args.to).await?;
    let relation = args.relation.trim();
    if add {
        app.services
            .add_relationship(&scope, relation, from.id, to.id)
            .await?;
        println!(
            "{} is now the {relation} of {} in {}",
            from.username,
            to.username,
            scope.org().slug
        );
    } else {
        app.services
            .remove_relationship(&scope, relation, from.id, to.id)
            .await?;
        println!(
            "{} is no longer the {relation} of {} in {}",
            from.username,
            to.username,
            scope.org().slug
        );
    }
    Ok(ExitCode::SUCCESS)
}

async fn list(app: &App, bo: &BackOffice, args: OrgListArgs) -> CliResult {
    let services = &app.services;
    let parent = match args.parent.as_deref() {
        Some(p) => Some(Some(services.resolve_org(bo, p).await?.org_id())),
        None => None,
    };
    let filter = OrgFilter {
        q: args.q.clone().filter(|q| !q.trim().is_empty()),
        parent,
    };
    let mut orgs: Vec<OrgRecord> = Vec::new();
    let mut after = None;
    while orgs.len() < args.limit {
        let want = (args.limit - orgs.len()).min(MAX_LIMIT as usize) as u32;
        let page = services
            .list_orgs(bo, filter.clone(), PageRequest { limit: want, after })
            .await?;
        orgs.extend(page.items);
        match page.next {
            Some(n) => after = Some(n),
            None => break,
        }
    }
    let mut slugs: HashMap<OrgId, String> = orgs.iter().map(|o| (o.id, o.slug.clone())).collect();
    let mut rows = Vec::with_capacity(orgs.len());
    for o in &orgs {
        let parent_slug = match o.parent_id {
            None => None,
            Some(p) => Some(match slugs.get(&p) {
                Some(s) => s.clone(),
                None => {
                    let s = services.org_scope(bo, p).await?.org().slug.clone();
                    slugs.insert(p, s.clone());
                    s
                }
            }),
        };
        let members = if args.members {
            let scope = services.org_scope(bo, o.id).await?;
            Some(services.org_detail(&scope).await?.overview.members)
        } else {
            None
        };
        rows.push((o, parent_slug, members));
    }
    if args.json {
        let out: Vec<_> = rows
            .iter()
            .map(|(o, parent_slug, members)| {
                let mut v = json!(o);
                v["parent_slug"] = json!(parent_slug);
                if let Some(m) = members {
                    v["members"] = json!(m);
                }
                v
            })
            .collect();
        println!("{}", serde_json::to_string_pretty(&out)?);
        return Ok(ExitCode::SUCCESS);
    }
    if rows.is_empty() {
        eprintln!("no organizations");
        return Ok(ExitCode::SUCCESS);
    }
    let mut headers = vec!["SLUG", "NAME", "PARENT", "STATUS"];
    if args.members {
        headers.push("MEMBERS");
    }
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|(o, parent_slug, members)| {
            let mut r = vec![
                o.slug.clone(),
                o.name.clone(),
                parent_slug.clone().unwrap_or_else(|| "-".into()),
                o.status.as_str().to_string(),
            ];
            if let Some(m) = members {
                r.push(m.to_string());
            }
            r
        })
        .collect();
    print!("{}", output::table(&headers, &cells));
    Ok(ExitCode::SUCCESS)
}
