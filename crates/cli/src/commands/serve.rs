//! `portico serve` (and a bare `portico`): migrate, then serve until Ctrl-C or SIGTERM.

use crate::app::{App, CliError, CliResult};
use crate::config::Config;
use portico_services::Services;
use portico_services::email::DeliveryOptions;
use std::future::Future;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

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
    let (stop_worker, worker) = start_email_worker(config, &app.services)?;
    portico_web::serve(
        listener,
        app.services.clone(),
        config.web_config(),
        shutdown_signal(),
    )
    .await?;
    if let Some(worker) = worker {
        let _ = stop_worker.send(());
        // An attempt in progress is given a moment to finish; a message cut off here is sent
        // again by the next worker once its lease runs out.
        if tokio::time::timeout(WORKER_GRACE, worker).await.is_err() {
            tracing::warn!("the email worker did not stop in time; its message will be retried");
        }
    }
    tracing::info!("stopped");
    app.close().await;
    Ok(ExitCode::SUCCESS)
}

const WORKER_GRACE: Duration = Duration::from_secs(10);

/// Starts the email delivery worker when an SMTP server is configured; without one, messages
/// stay `held` in the outbox. Returns the worker's stop signal and task.
fn start_email_worker(
    config: &Config,
    services: &Services,
) -> CliResult<(
    tokio::sync::oneshot::Sender<()>,
    Option<tokio::task::JoinHandle<()>>,
)> {
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let Some(url) = &config.smtp_url else {
        tracing::info!(
            "no SMTP server configured (PORTICO_SMTP_URL): emails are kept in Settings → Sent emails"
        );
        return Ok((stop, None));
    };
    let mailer = portico_mail::SmtpMailer::new(url.expose(), &config.email_from, SMTP_TIMEOUT)
        .map_err(CliError::new)?;
    tracing::info!("sending email through {url}");
    let services = services.clone();
    let task = tokio::spawn(async move {
        services
            .run_email_worker(Arc::new(mailer), DeliveryOptions::default(), async {
                let _ = stopped.await;
            })
            .await;
    });
    Ok((stop, Some(task)))
}

/// The longest one SMTP exchange may take; shorter than the worker's lease.
const SMTP_TIMEOUT: Duration = Duration::from_secs(60);

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
