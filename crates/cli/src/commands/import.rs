//! `portico import users`: a members CSV into one organization, all or nothing.

use crate::app::{App, CliError, CliResult};
use crate::output;
use clap::{Args, Subcommand};
use portico_services::ServiceError;
use portico_services::import::ImportReport;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Subcommand, Debug)]
pub enum ImportCommand {
    /// Import members from a CSV file into an organization, all or nothing.
    ///
    /// Columns (header row required, any order; only email is required): email, first_name,
    /// last_name, username (suggested from the email when empty; a suggested one that is taken gets a
    /// number), language (the new person's, for their emails), role (an organization-level role key or
    /// name, assigned at the organization), applications (application slugs separated by
    /// `;`; empty = the organization's auto-assigned ones), ip_allowlist (a new user's, `;`
    /// separated or `*`; needed with a role). A known email adds the existing
    /// user as an external member; a new one creates a user internal to the organization
    /// and queues a welcome email with a set-password link. Any bad row refuses the whole
    /// file: every problem is printed with its line (the header is line 1).
    Users(ImportUsersArgs),
}

#[derive(Args, Debug)]
pub struct ImportUsersArgs {
    /// The CSV file (`-` for standard input).
    pub file: PathBuf,
    /// The organization (slug or id).
    #[arg(long)]
    pub organization: String,
    /// Check everything and report, change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
}

pub async fn run(app: &App, cmd: ImportCommand) -> CliResult {
    let ImportCommand::Users(args) = cmd;
    let bytes = if args.file.as_os_str() == "-" {
        let mut buf = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin(), &mut buf)?;
        buf
    } else {
        std::fs::read(&args.file)
            .map_err(|e| CliError::new(format!("{}: {e}", args.file.display())))?
    };
    let bo = app.back_office().await?;
    let scope = app.services.resolve_org(&bo, &args.organization).await?;
    let bar = output::progress_bar(0, "rows");
    bar.set_message("importing");
    let progress = |done: u64, total: u64| {
        if done == 0 {
            bar.set_length(total);
            // A plain line too, for logs and scripts (the bar only draws on a terminal).
            eprintln!("writing {total} rows into {}", scope.org().slug);
        }
        bar.set_position(done);
    };
    let result = app
        .services
        .import_members(&scope, &bytes, args.dry_run, &progress)
        .await;
    bar.finish_and_clear();
    let report = match result {
        Ok(r) => r,
        Err(ServiceError::ImportRows(rows)) => {
            for r in &rows {
                eprintln!("line {}, {}: {}", r.line, r.field, r.message);
            }
            return Err(CliError::new(format!(
                "{} rows of {} have errors: nothing was imported",
                rows.len(),
                args.file.display()
            )));
        }
        Err(e) => return Err(e.into()),
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print_report(&report);
    }
    Ok(ExitCode::SUCCESS)
}

fn print_report(r: &ImportReport) {
    let rows: Vec<Vec<String>> = r
        .preview
        .iter()
        .map(|p| {
            vec![
                p.line.to_string(),
                p.email.clone(),
                p.username.clone(),
                p.outcome.to_string(),
                p.role.clone().unwrap_or_default(),
                p.applications.join(";"),
            ]
        })
        .collect();
    if !rows.is_empty() {
        print!(
            "{}",
            output::table(
                &[
                    "LINE",
                    "EMAIL",
                    "USERNAME",
                    "OUTCOME",
                    "ROLE",
                    "APPLICATIONS"
                ],
                &rows
            )
        );
    }
    let verb = if r.dry_run {
        "Would import"
    } else {
        "Imported"
    };
    println!(
        "{verb} {} rows into {}: {} new users ({} welcome emails queued), {} existing users added as external members, {} roles assigned",
        r.rows,
        r.organization,
        r.created,
        if r.dry_run { 0 } else { r.welcome_emails },
        r.added_external,
        r.roles_assigned
    );
    if r.dry_run {
        println!("Dry run: nothing was changed.");
    }
}
