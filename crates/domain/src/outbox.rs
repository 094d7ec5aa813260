//! The email outbox: which message a template makes, and where a message is on its way out.

use serde::{Deserialize, Serialize};

/// Where a message in the outbox stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EmailStatus {
    /// Waiting for its next attempt (`next_attempt_at`).
    Queued,
    /// Claimed by a delivery worker until its lease runs out.
    Sending,
    /// Accepted by the SMTP server.
    Sent,
    /// Refused for good, or out of attempts.
    Failed,
    /// Kept in the outbox because no SMTP server is configured; "Resend" queues it again.
    Held,
}

impl EmailStatus {
    pub const ALL: [Self; 5] = [
        Self::Queued,
        Self::Sending,
        Self::Sent,
        Self::Failed,
        Self::Held,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Sending => "sending",
            Self::Sent => "sent",
            Self::Failed => "failed",
            Self::Held => "held",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

/// The platform's built-in email templates (C5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EmailTemplateKey {
    /// U8: the welcome email with a single-use set-password link.
    Welcome,
    PasswordReset,
    /// A second factor was switched on for the account.
    MfaEnabled,
    MfaDisabled,
    /// C5: an organization's seats of an application are running out.
    LicenseWarning,
    /// C5: an invitation to a dated session.
    CalendarInvitation,
}

impl EmailTemplateKey {
    pub const ALL: [Self; 6] = [
        Self::Welcome,
        Self::PasswordReset,
        Self::MfaEnabled,
        Self::MfaDisabled,
        Self::LicenseWarning,
        Self::CalendarInvitation,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Welcome => "welcome",
            Self::PasswordReset => "password_reset",
            Self::MfaEnabled => "mfa_enabled",
            Self::MfaDisabled => "mfa_disabled",
            Self::LicenseWarning => "license_warning",
            Self::CalendarInvitation => "calendar_invitation",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for s in EmailStatus::ALL {
            assert_eq!(EmailStatus::parse(s.as_str()), Some(s));
        }
        for k in EmailTemplateKey::ALL {
            assert_eq!(EmailTemplateKey::parse(k.as_str()), Some(k));
            assert_eq!(serde_json::to_value(k).unwrap(), k.as_str());
        }
        assert_eq!(EmailStatus::parse("bounced"), None);
    }
}
