//! One module per command group. Each opens what it needs and returns the exit status.

mod admin;
mod administrators;
mod api_key;
mod apps;
mod assignments;
mod audit;
mod authz;
mod confirm;
pub mod export;
pub mod import;
mod org;
mod outbox;
mod report;
mod role;
mod serve;
mod user;
mod user_access;

use crate::app::{App, CliResult};
use crate::args::{Command, ConfigCmdArgs};
use crate::config::{self, Config};
use std::process::ExitCode;

pub async fn run(command: Command, config: Config) -> CliResult {
    if let Command::Config(ConfigCmdArgs { markdown }) = command {
        if markdown {
            print!("{}", config::markdown_table());
        } else {
            print!("{}", config.describe());
        }
        return Ok(ExitCode::SUCCESS);
    }
    if let Command::Serve = command {
        return serve::serve(&config).await;
    }
    let (app, applied) = App::open_with_migrations(&config).await?;
    let result = match command {
        Command::Migrate => Ok(admin::report_migrations(&applied)),
        Command::Init(args) => admin::init(&app, args).await,
        Command::ApiKey(cmd) => api_key::run(&app, cmd).await,
        Command::Org(cmd) => org::run(&app, cmd).await,
        Command::User(cmd) => user::run(&app, cmd).await,
        Command::Audit(cmd) => audit::run(&app, cmd).await,
        Command::Outbox(cmd) => outbox::run(&app, cmd).await,
        Command::Role(cmd) => role::run(&app, cmd).await,
        Command::Authz(cmd) => authz::run(&app, cmd).await,
        Command::Admin(cmd) => administrators::run(&app, cmd).await,
        Command::Demo(args) => crate::demo::run(&app, args).await,
        Command::App(cmd) => apps::run(&app, cmd).await,
        Command::Report(args) => report::run(&app, args).await,
        Command::Import(cmd) => import::run(&app, cmd).await,
        Command::Export(args) => export::run(&app, args).await,
        Command::Serve | Command::Config(_) => unreachable!("handled above"),
    };
    app.close().await;
    result
}
