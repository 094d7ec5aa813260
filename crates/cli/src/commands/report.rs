//! `portico report NAME --format csv|json [--from --to]`: the reports of the console and the
//! API (R1–R4), as the CLI operator (the super admin), written to standard output. The same
//! files as the API's: CSV cells a spreadsheet would run as formulas are neutralised, and
//! every run is audited as `report.export`.

use crate::app::{App, CliError, CliResult};
use crate::args::{ReportArgs, ReportFormat};
use portico_services::reports::{ReportKind, Use};
use portico_web::api::reports::{LoginsQuery, logins_data};
use portico_web::report_export::*;
use std::io::Write;
use std::process::ExitCode;

pub async fn run(app: &App, args: ReportArgs) -> CliResult {
    let kind = ReportKind::parse(&args.name).ok_or_else(|| {
        CliError::new(format!(
            "unknown report {:?}: choose logins, organization-admins, project-admins or system-activity",
            args.name
        ))
    })?;
    let bo = app.back_office().await?;
    let s = &app.services;
    let json = |v: serde_json::Result<String>| v.map_err(|e| CliError::new(e.to_string()));
    let csv = |v: csv::Result<Vec<u8>>| v.map_err(|e| CliError::new(e.to_string()));
    let out: Vec<u8> = match kind {
        ReportKind::Logins => {
            let q = LoginsQuery {
                from: args.from,
                to: args.to,
                day: args.day,
                organization: args.organization,
                view: args.view,
            };
            let req = q.resolve(s.today())?;
            let (summary, users) = logins_data(s, &bo, &req, Use::Export).await?;
            match args.format {
                ReportFormat::Csv => csv(logins_csv(
                    &summary,
                    users.as_deref().unwrap_or(&[]),
                    req.view,
                ))?,
                ReportFormat::Json => json(serde_json::to_string_pretty(&LoginsReportDto::new(
                    summary, users,
                )))?
                .into_bytes(),
            }
        }
        ReportKind::OrganizationAdmins => {
            let rows = s.org_admins_report(&bo, Use::Export).await?;
            match args.format {
                ReportFormat::Csv => csv(org_admins_csv(&rows))?,
                ReportFormat::Json => json(serde_json::to_string_pretty(&AdminsReportDto {
                    items: rows.into_iter().map(AdminRowDto::from).collect(),
                    next_cursor: None,
                }))?
                .into_bytes(),
            }
        }
        ReportKind::ProjectAdmins => {
            // The whole report: the CLI writes every organization, as an export does.
            let rows = s.project_admins_report(&bo, Use::Export, None).await?.items;
            match args.format {
                ReportFormat::Csv => csv(project_admins_csv(&rows))?,
                ReportFormat::Json => json(serde_json::to_string_pretty(&AdminsReportDto {
                    items: rows.into_iter().map(AdminRowDto::from).collect(),
                    next_cursor: None,
                }))?
                .into_bytes(),
            }
        }
        ReportKind::SystemActivity => {
            let r = s.system_activity(&bo, Use::Export, None).await?;
            match args.format {
                ReportFormat::Csv => csv(activity_csv(&r))?,
                ReportFormat::Json => {
                    json(serde_json::to_string_pretty(&SystemActivityDto::from(r)))?.into_bytes()
                }
            }
        }
    };
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(&out)
        .and_then(|_| {
            if args.format == ReportFormat::Json {
                stdout.write_all(b"\n")
            } else {
                Ok(())
            }
        })
        .map_err(|e| CliError::new(format!("writing the report: {e}")))?;
    Ok(ExitCode::SUCCESS)
}
