//! Delivery: the [`Mailer`] trait (the binary wires an SMTP implementation; services know no
//! sockets) and the worker loop that takes due messages from the outbox and records what
//! became of them.
//!
//! All state is in the database, so the worker survives restarts and several `portico serve`
//! processes share one outbox: a message is claimed with a lease inside a write transaction
//! (`Store::claim_email`), and an outcome is recorded only while that lease is still the
//! message's. A process that dies mid-delivery leaves its message `sending` until the lease
//! runs out; then any worker sends it again, with the same `Message-ID`.

use crate::Services;
use crate::records::{AuditCtx, DeliveryOutcome, OutboxMessage};
use async_trait::async_trait;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

/// Why a delivery attempt failed. Messages never carry credentials.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// Worth trying again later (a 4xx reply, a connection refused or cut, a timeout).
    #[error("{0}")]
    Transient(String),
    /// Trying again will not help (a 5xx reply, an address that cannot be parsed).
    #[error("{0}")]
    Permanent(String),
}

/// Hands one message to a mail server. `Ok` means the server accepted it.
#[async_trait]
pub trait Mailer: Send + Sync {
    async fn send(&self, msg: &OutboxMessage) -> Result<(), SendError>;
}

/// How the worker paces itself.
#[derive(Debug, Clone)]
pub struct DeliveryOptions {
    /// Looks for due messages this often even when nobody wakes it (retries become due, or
    /// another process queued something).
    pub poll_interval: Duration,
    /// How long a claimed message belongs to its worker; longer than any one attempt.
    pub lease_secs: i64,
    /// After this many attempts a transient failure is final.
    pub max_attempts: i64,
    /// Wait before the second attempt; doubles each time up to `max_retry_secs`.
    pub first_retry_secs: i64,
    pub max_retry_secs: i64,
}

impl Default for DeliveryOptions {
    fn default() -> Self {
        Self {
            poll_interval: Duration::from_secs(15),
            lease_secs: 300,
            max_attempts: 8,
            first_retry_secs: 60,
            max_retry_secs: 3600,
        }
    }
}

impl DeliveryOptions {
    /// The wait after the `attempts`-th failed attempt: 1 min, 2, 4, … capped.
    pub fn backoff_secs(&self, attempts: i64) -> i64 {
        let doublings = (attempts - 1).clamp(0, 30) as u32;
        self.first_retry_secs
            .saturating_mul(1i64 << doublings)
            .min(self.max_retry_secs)
    }
}

/// What the worker did in one step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivered {
    /// Nothing was due.
    Idle,
    Sent,
    Retry,
    Failed,
    /// The lease ran out during the attempt and another worker took the message.
    LeaseLost,
}

impl Services {
    fn worker_ctx(&self) -> AuditCtx {
        AuditCtx {
            at: self.now(),
            actor: None,
            impersonator: None,
            ip: None,
            user_agent: Some("portico-mailer".into()),
        }
    }

    /// Claims the oldest due message, sends it and records the outcome.
    pub async fn deliver_next(
        &self,
        mailer: &dyn Mailer,
        opts: &DeliveryOptions,
    ) -> Result<Delivered, crate::ServiceError> {
        let now = self.now();
        let lease = now.plus_secs(opts.lease_secs);
        let Some(mut msg) = self.store.claim_email(now, lease).await? else {
            return Ok(Delivered::Idle);
        };
        // A deferred message is rendered now, once: its bodies are stored before it is sent,
        // so that what the outbox shows afterwards is what went out. One that cannot be
        // rendered is refused for good, like a message the server refuses.
        let mut unrenderable = None;
        if msg.deferred.is_some() {
            match self.render_deferred(&mut msg).await {
                Ok(()) => {
                    if !self.store.store_email_bodies(&msg, lease).await? {
                        return Ok(Delivered::LeaseLost);
                    }
                }
                Err(e) => unrenderable = Some(format!("the message could not be rendered: {e}")),
            }
        }
        // An attempt must end well inside its lease, or another worker could take the
        // message while this one is still talking to the server.
        let limit = Duration::from_secs((opts.lease_secs / 2).max(1) as u64);
        let sent = match unrenderable {
            Some(error) => Err(SendError::Permanent(error)),
            None => tokio::time::timeout(limit, mailer.send(&msg))
                .await
                .unwrap_or_else(|_| {
                    Err(SendError::Transient(format!(
                        "the mail server did not answer within {} s",
                        limit.as_secs()
                    )))
                }),
        };
        let (outcome, step) = match sent {
            Ok(()) => (DeliveryOutcome::Sent, Delivered::Sent),
            Err(SendError::Transient(error)) if msg.attempts < opts.max_attempts => {
                let next_attempt_at = self.now().plus_secs(opts.backoff_secs(msg.attempts));
                tracing::warn!(email = %msg.id, attempts = msg.attempts, %error, "email delivery failed; will retry");
                (
                    DeliveryOutcome::Retry {
                        error,
                        next_attempt_at,
                    },
                    Delivered::Retry,
                )
            }
            Err(SendError::Transient(error)) => {
                tracing::warn!(email = %msg.id, attempts = msg.attempts, %error, "email delivery failed; out of attempts");
                (
                    DeliveryOutcome::Failed {
                        error: format!("{error} (gave up after {} attempts)", msg.attempts),
                    },
                    Delivered::Failed,
                )
            }
            Err(SendError::Permanent(error)) => {
                tracing::warn!(email = %msg.id, %error, "email refused");
                (DeliveryOutcome::Failed { error }, Delivered::Failed)
            }
        };
        let recorded = self
            .store
            .finish_email(&self.worker_ctx(), msg.id, lease, outcome)
            .await?;
        Ok(if recorded { step } else { Delivered::LeaseLost })
    }

    /// The delivery worker: sends due messages one after another, then waits for a wake-up
    /// ([`Services::email_queued`]) or the poll interval. Stops when `shutdown` completes,
    /// between messages: an attempt in progress is finished first (the caller may bound the
    /// wait and drop the worker; its message is then sent again after its lease).
    pub async fn run_email_worker(
        &self,
        mailer: Arc<dyn Mailer>,
        opts: DeliveryOptions,
        shutdown: impl Future<Output = ()>,
    ) {
        tokio::pin!(shutdown);
        loop {
            loop {
                let step = self.deliver_next(&*mailer, &opts).await;
                let stopping = std::future::poll_fn(|cx| {
                    std::task::Poll::Ready(shutdown.as_mut().poll(cx).is_ready())
                })
                .await;
                if stopping {
                    return;
                }
                match step {
                    Ok(Delivered::Idle) => break,
                    Ok(_) => {}
                    Err(e) => {
                        tracing::error!(error = %e, "email worker: storage error");
                        break;
                    }
                }
            }
            tokio::select! {
                _ = &mut shutdown => return,
                _ = self.mail_wake.notified() => {}
                _ = tokio::time::sleep(opts.poll_interval) => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_is_capped() {
        let o = DeliveryOptions::default();
        let waits: Vec<i64> = (1..=8).map(|n| o.backoff_secs(n)).collect();
        assert_eq!(waits, [60, 120, 240, 480, 960, 1920, 3600, 3600]);
    }
}
