//! `portico export users|organizations`: whole tables as CSV (cells neutralised against
//! spreadsheet formulas) or JSON, to a file or standard output; audited.

use crate::app::{App, CliError, CliResult};
use crate::output;
use clap::{Args, ValueEnum};
use portico_domain::spreadsheet::neutralise;
use portico_services::import::export::ExportTable;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExportWhat {
    /// Users (an organization's members with --organization), in the import's columns:
    /// email, username, first_name, last_name, language, role, applications.
    Users,
    /// Organizations: id, name, slug, parent_id, status, tags, created_at.
    Organizations,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExportFormat {
    Csv,
    Json,
}

#[derive(Args, Debug)]
pub struct ExportArgs {
    pub what: ExportWhat,
    /// Only this organization's members (slug or id); users only.
    #[arg(long)]
    pub organization: Option<String>,
    #[arg(long, value_enum, default_value = "csv")]
    pub format: ExportFormat,
    /// Write here instead of standard output.
    #[arg(long)]
    pub output: Option<PathBuf>,
}

pub async fn run(app: &App, args: ExportArgs) -> CliResult {
    let bo = app.back_office().await?;
    let format = match args.format {
        ExportFormat::Csv => "csv",
        ExportFormat::Json => "json",
    };
    let bar = output::progress_bar(0, "rows");
    bar.set_message("exporting");
    let progress = |n: u64| {
        bar.set_length(n);
        bar.set_position(n);
    };
    let table = match args.what {
        ExportWhat::Users => {
            let scope = match &args.organization {
                Some(o) => Some(app.services.resolve_org(&bo, o).await?),
                None => None,
            };
            app.services
                .export_users(&bo, scope.as_ref(), format, &progress)
                .await?
        }
        ExportWhat::Organizations => {
            if args.organization.is_some() {
                return Err(CliError::new("--organization applies to users only"));
            }
            app.services
                .export_organizations(&bo, format, &progress)
                .await?
        }
    };
    bar.finish_and_clear();
    let bytes = match args.format {
        ExportFormat::Csv => csv_bytes(&table)?,
        ExportFormat::Json => json_bytes(&table)?,
    };
    match &args.output {
        Some(path) => {
            std::fs::write(path, &bytes)
                .map_err(|e| CliError::new(format!("{}: {e}", path.display())))?;
            eprintln!("wrote {} rows to {}", table.rows.len(), path.display());
        }
        None => std::io::stdout().write_all(&bytes)?,
    }
    Ok(ExitCode::SUCCESS)
}

fn csv_bytes(t: &ExportTable) -> CliResult<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let err = |e: csv::Error| CliError::new(format!("csv: {e}"));
    w.write_record(&t.header).map_err(err)?;
    for row in &t.rows {
        w.write_record(row.iter().map(|c| neutralise(c).into_owned()))
            .map_err(err)?;
    }
    w.into_inner()
        .map_err(|e| CliError::new(format!("csv: {e}")))
}

fn json_bytes(t: &ExportTable) -> CliResult<Vec<u8>> {
    let list: Vec<serde_json::Map<String, serde_json::Value>> = t
        .rows
        .iter()
        .map(|r| {
            t.header
                .iter()
                .zip(r)
                .map(|(h, c)| (h.to_string(), serde_json::Value::String(c.clone())))
                .collect()
        })
        .collect();
    let mut out = serde_json::to_vec_pretty(&list)?;
    out.push(b'\n');
    Ok(out)
}
