//! `portico serve` (and a bare `portico`): migrate, then serve until Ctrl-C or SIGTERM.

use crate::app::{App, CliError, CliResult};
use crate::config::Config;
use std::future::Future;
use std::process::ExitCode;

pub async fn serve(config: &Config) -> CliResult {
    let app = App::open(config).await?;
    let listener = tokio::net::TcpListener::bind(&config.listen)
        .await
        .map_err(|e| CliError::new(format!("cannot listen on {}: {e}", config.listen)))?;
    let addr = listener.local_addr()?;
    let store = app.services.store();
    tracing::info!(
        "Portico is listening on http://{addr} ({} database)",
        store.backend()
    );
    if store.super_admin().await?.is_none() {
        eprintln!(
            "\nThis installation has no super admin yet. Create one (in another terminal, with the same\n\
             configuration) with:\n\n    \
             portico init --username admin --email you@example.com --password-stdin\n\n\
             which reads the password from standard input, or leave out --password-stdin to have a\n\
             strong password generated and shown once. Then log in at http://{addr}/\n"
        );
    }
    portico_web::serve(
        listener,
        app.services.clone(),
        config.web_config(),
        shutdown_signal(),
    )
    .await?;
    tracing::info!("stopped");
    app.close().await;
    Ok(ExitCode::SUCCESS)
}

/// Resolves on Ctrl-C or SIGTERM. The SIGTERM handler is installed at once, not on first poll.
fn shutdown_signal() -> impl Future<Output = ()> + Send + 'static {
    #[cfg(unix)]
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
    async move {
        let ctrl_c = async {
            if tokio::signal::ctrl_c().await.is_err() {
                std::future::pending::<()>().await;
            }
        };
        #[cfg(unix)]
        let terminate = async {
            match term.as_mut() {
                Some(s) => {
                    s.recv().await;
                }
                None => std::future::pending::<()>().await,
            }
        };
        #[cfg(not(unix))]
        let terminate = std::future::pending::<()>();
        tokio::select! {
            _ = ctrl_c => {}
            _ = terminate => {}
        }
        tracing::info!("shutting down: finishing requests in flight");
    }
}
