//! `portico api-key create`: prints the key alone on standard output, once.

use crate::app::{App, CliResult};
use crate::args::ApiKeyCommand;
use std::process::ExitCode;

pub async fn run(app: &App, cmd: ApiKeyCommand) -> CliResult {
    match cmd {
        ApiKeyCommand::Create {
            username,
            name,
            expires_days,
        } => {
            let bo = app.back_office().await?;
            let owner = app.find_user(&username).await?;
            let services = &app.services;
            let expires = expires_days.map(|d| services.now().plus_secs(i64::from(d) * 86_400));
            let key = services
                .create_api_key(
                    &bo,
                    portico_services::api_keys::KeyInput {
                        name,
                        expires_at: expires,
                        owner: Some(owner.id),
                        ..Default::default()
                    },
                )
                .await?;
            println!("{}", key.token);
            eprintln!(
                "API key {:?} ({}) for {}: shown once, stored hashed. Use it as `Authorization: Bearer KEY`.",
                key.record.name, key.record.id, owner.username
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}
