//! `portico audit verify`: walks the hash chain; exit 1 naming the first broken entry.

use crate::app::{App, CliResult};
use crate::args::AuditCommand;
use crate::output;
use std::process::ExitCode;

pub async fn run(app: &App, cmd: AuditCommand) -> CliResult {
    match cmd {
        AuditCommand::Verify => {
            let bar = output::progress_bar(0, "entries");
            bar.set_message("verifying");
            let progress = {
                let bar = bar.clone();
                move |checked: u64, total: u64| {
                    bar.set_length(total);
                    bar.set_position(checked);
                }
            };
            let outcome = app.services.verify_audit(&progress).await;
            bar.finish_and_clear();
            match outcome? {
                Ok(n) => {
                    println!("audit log intact: {n} entries");
                    Ok(ExitCode::SUCCESS)
                }
                Err(b) => {
                    println!(
                        "audit log BROKEN at entry #{} ({}): {}",
                        b.seq, b.id, b.reason
                    );
                    Ok(ExitCode::FAILURE)
                }
            }
        }
    }
}
