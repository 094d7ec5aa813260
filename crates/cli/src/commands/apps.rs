//! `portico app list|create|update|assign|unassign` (A1–A3) and `portico org licenses` (L1).

use crate::app::{App, CliError, CliResult};
use crate::args::AppCommand;
use crate::output;
use portico_domain::page::{MAX_LIMIT, PageRequest};
use portico_domain::{AppStatus, SeatLimit};
use portico_services::BackOffice;
use portico_services::applications::{AppInput, AppUpdate};
use portico_services::records::{AppRecord, AppSaved, LicensePatch, SeatUsage};
use std::process::ExitCode;

fn status(s: Option<&str>) -> CliResult<Option<AppStatus>> {
    s.map(|s| {
        AppStatus::parse(s.trim()).ok_or_else(|| CliError::new("--status: active or inactive"))
    })
    .transpose()
}

fn report(saved: &AppSaved, verb: &str) {
    println!(
        "{verb} application {} ({}, {}, {})",
        saved.app.name,
        saved.app.slug,
        saved.app.status.as_str(),
        saved.app.id
    );
    if let Some(r) = &saved.auto_assignment {
        println!(
            "auto-assigned to {} organization(s); {} member(s) given access, {} not (no application seat left)",
            r.organizations, r.members_given, r.members_not_given
        );
    }
}

fn flags(a: &AppRecord) -> String {
    let mut f = Vec::new();
    if a.is_default {
        f.push("default");
    }
    if a.auto_assigned {
        f.push("auto");
    }
    f.join(",")
}

pub async fn run(app: &App, cmd: AppCommand) -> CliResult {
    let bo = app.back_office().await?;
    match cmd {
        AppCommand::List { json } => {
            let mut all = Vec::new();
            let mut page = PageRequest::first(MAX_LIMIT);
            loop {
                let p = app.services.list_apps(&bo, page.clone()).await?;
                all.extend(p.items);
                match p.next {
                    Some(n) => page.after = Some(n),
                    None => break,
                }
            }
            if json {
                println!("{}", serde_json::to_string_pretty(&all)?);
                return Ok(ExitCode::SUCCESS);
            }
            if all.is_empty() {
                eprintln!("no applications yet: portico app create --name …");
                return Ok(ExitCode::SUCCESS);
            }
            let rows: Vec<Vec<String>> = all
                .iter()
                .map(|a| {
                    vec![
                        a.slug.clone(),
                        a.name.clone(),
                        a.status.as_str().to_string(),
                        flags(a),
                        a.id.to_string(),
                    ]
                })
                .collect();
            print!(
                "{}",
                output::table(&["SLUG", "NAME", "STATUS", "FLAGS", "ID"], &rows)
            );
            Ok(ExitCode::SUCCESS)
        }
        AppCommand::Create {
            name,
            slug,
            description,
            inactive,
            auto,
            default,
            json,
        } => {
            let saved = app
                .services
                .create_app(
                    &bo,
                    AppInput {
                        name,
                        slug,
                        description,
                        status: Some(if inactive {
                            AppStatus::Inactive
                        } else {
                            AppStatus::Active
                        }),
                        auto_assigned: auto,
                        is_default: default,
                    },
                )
                .await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&saved)?);
            } else {
                report(&saved, "Created");
            }
            Ok(ExitCode::SUCCESS)
        }
        AppCommand::Update {
            app: key,
            name,
            slug,
            description,
            status: st,
            auto,
            default,
            json,
        } => {
            let target = app.services.resolve_app(&bo, &key).await?;
            let saved = app
                .services
                .update_app(
                    &bo,
                    target.id,
                    None,
                    AppUpdate {
                        name,
                        slug,
                        description,
                        status: status(st.as_deref())?,
                        auto_assigned: auto,
                        is_default: default,
                    },
                )
                .await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&saved)?);
            } else {
                report(&saved, "Updated");
            }
            Ok(ExitCode::SUCCESS)
        }
        AppCommand::Assign { app: key, org } => {
            let a = app.services.resolve_app(&bo, &key).await?;
            let scope = app.services.resolve_org(&bo, &org).await?;
            app.services.assign_app(&scope, a.id).await?;
            println!(
                "Assigned {} to {}{}",
                a.slug,
                scope.org().slug,
                if a.status == AppStatus::Inactive {
                    " (inactive)"
                } else {
                    ""
                }
            );
            Ok(ExitCode::SUCCESS)
        }
        AppCommand::Unassign { app: key, org, yes } => {
            let a = app.services.resolve_app(&bo, &key).await?;
            let scope = app.services.resolve_org(&bo, &org).await?;
            let preview = app.services.unassign_preview(&scope, a.id).await?;
            if preview.members_losing_access > 0 && !yes {
                return Err(CliError::new(format!(
                    "{} member(s) of {} lose access to {}: repeat with --yes to unassign",
                    preview.members_losing_access,
                    scope.org().slug,
                    a.slug
                )));
            }
            let done = app.services.unassign_app(&scope, a.id, true).await?;
            println!(
                "Unassigned {} from {}; {} member(s) lost access",
                a.slug,
                scope.org().slug,
                done.members_losing_access
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn seats(s: &SeatUsage) -> String {
    match s.limit {
        Some(l) => format!("{} of {l}", s.used),
        None => format!("{} (unlimited)", s.used),
    }
}

/// `portico org licenses ORG [--app-seats N|none] [--office-seats N|none]`.
pub async fn licenses(
    app: &App,
    bo: &BackOffice,
    org: &str,
    app_seats: Option<String>,
    office_seats: Option<String>,
    json: bool,
) -> CliResult {
    let scope = app.services.resolve_org(bo, org).await?;
    let parse = |field: &'static str, v: Option<String>| -> CliResult<Option<Option<SeatLimit>>> {
        v.map(|raw| {
            SeatLimit::parse_optional(field, &raw)
                .map_err(|e| CliError::new(format!("--{}: {}", field.replace('_', "-"), e.message)))
        })
        .transpose()
    };
    let patch = LicensePatch {
        application: parse("app_seats", app_seats)?,
        back_office: parse("office_seats", office_seats)?,
    };
    let usage = if patch.application.is_some() || patch.back_office.is_some() {
        app.services.set_licenses(&scope, patch).await?
    } else {
        app.services.licenses(&scope).await?
    };
    if json {
        println!("{}", serde_json::to_string_pretty(&usage)?);
    } else {
        println!("{}", scope.org().slug);
        println!("  application seats: {}", seats(&usage.application));
        println!("  back-office seats: {}", seats(&usage.back_office));
    }
    Ok(ExitCode::SUCCESS)
}
