//! U8: how a new member gets their first credential, and the single-use tokens behind
//! set-password and reset links (and the short-lived second-factor challenge of a login).

use crate::ValidationError;
use serde::{Deserialize, Serialize};

/// Chosen when a member is created (U8).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CredentialChoice {
    /// A welcome email with a single-use, expiring set-password link.
    #[default]
    WelcomeEmail,
    /// A strong generated password, shown once to the creator and never again.
    GeneratedPassword,
    /// Nothing yet: an administrator sends a link or a password later.
    None,
}

impl CredentialChoice {
    pub fn parse(s: &str) -> Result<Self, ValidationError> {
        match s.trim() {
            "" | "welcome_email" => Ok(Self::WelcomeEmail),
            "generated_password" => Ok(Self::GeneratedPassword),
            "none" => Ok(Self::None),
            _ => Err(ValidationError::new(
                "credentials",
                "choose welcome_email, generated_password or none",
            )),
        }
    }
}

/// What a single-use token is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenPurpose {
    /// The welcome link: sets the first password and activates an invited user.
    Welcome,
    /// A password reset link.
    Reset,
    /// A login that passed the password and waits for the second factor.
    MfaChallenge,
}

impl TokenPurpose {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Welcome => "welcome",
            Self::Reset => "reset",
            Self::MfaChallenge => "mfa_challenge",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "welcome" => Self::Welcome,
            "reset" => Self::Reset,
            "mfa_challenge" => Self::MfaChallenge,
            _ => return None,
        })
    }
}

/// Why a token cannot be used. Each gets its own message: the holder of a link is told
/// whether to ask for a new one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenRefusal {
    Unknown,
    Expired,
    Used,
}

impl TokenRefusal {
    pub fn message(self) -> &'static str {
        match self {
            Self::Unknown => "this link is not valid",
            Self::Expired => "this link has expired: ask for a new one",
            Self::Used => "this link was already used: ask for a new one",
        }
    }
}
