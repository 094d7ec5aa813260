//! `portico migrate` and `portico init`.

use crate::app::{App, CliError, CliResult};
use crate::args::InitArgs;
use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;

pub fn report_migrations(applied: &[String]) -> ExitCode {
    if applied.is_empty() {
        println!("database schema is up to date");
    } else {
        for m in applied {
            println!("applied {m}");
        }
    }
    ExitCode::SUCCESS
}

pub async fn init(app: &App, args: InitArgs) -> CliResult {
    let services = &app.services;
    // Refuse before asking for a password that would not be used.
    if services.store().super_admin().await?.is_some() {
        return Err(CliError::new(
            "this installation already has its super admin; `portico init` runs once",
        ));
    }
    let password = if args.password_stdin {
        Some(read_password_line()?)
    } else {
        None
    };
    let out = services
        .init_super_admin(
            &args.username,
            &args.email,
            password.as_deref(),
            args.preset.as_str(),
        )
        .await?;
    println!(
        "Created the super admin {} <{}> ({}), preset {}.",
        out.user.username,
        out.user.email,
        out.user.id,
        args.preset.as_str()
    );
    if let Some(pw) = out.generated_password {
        println!(
            "\nGenerated password (shown once; store it now, it cannot be shown again):\n\n    {pw}\n"
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// One line from standard input, without its line ending.
fn read_password_line() -> CliResult<String> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprint!("Password for the super admin (the input is shown): ");
        std::io::stderr().flush()?;
    }
    let mut line = String::new();
    stdin.lock().read_line(&mut line)?;
    let pw = line.strip_suffix('\n').unwrap_or(&line);
    let pw = pw.strip_suffix('\r').unwrap_or(pw);
    if pw.is_empty() {
        return Err(CliError::new(
            "--password-stdin: no password on standard input",
        ));
    }
    Ok(pw.to_string())
}
