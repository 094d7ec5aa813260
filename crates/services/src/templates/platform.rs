//! C5 / S4: the platform's email and notification templates. Each key declares its
//! variables; the built-in text (embedded in the binary) is the default, and an operator's
//! per-language override stored in the database goes in front of it.

use super::sandbox::Sources;
use portico_domain::EmailTemplateKey;
use portico_domain::template::VariableDecl;
use serde::Serialize;

/// Languages every built-in template is shipped in.
pub const BUILTIN_LANGUAGES: &[&str] = &["en", "de"];

/// Which family of platform template an override belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PlatformKind {
    Email,
    Notification,
}

impl PlatformKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Email => "email",
            Self::Notification => "notification",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Email, Self::Notification]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

/// An operator's version of a platform template in one language. Notifications use
/// `text` only (subject and HTML are empty).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlatformOverride {
    pub kind: PlatformKind,
    pub key: String,
    pub language: String,
    pub subject: String,
    pub html: String,
    pub text: String,
    pub updated_at: portico_domain::Timestamp,
}

/// The edit counter of a platform template in one language: the `ETag` of what an editor
/// read. It moves on every save and reset and is never reused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlatformTemplateVersion {
    pub key: String,
    pub language: String,
    pub version: i64,
}

impl PlatformOverride {
    pub fn sources(&self) -> Sources {
        Sources {
            subject: self.subject.clone(),
            html: self.html.clone(),
            text: self.text.clone(),
        }
    }
}

fn v(name: &str, description: &str, sample: &str) -> VariableDecl {
    VariableDecl {
        name: name.into(),
        description: description.into(),
        sample: sample.into(),
    }
}

/// The variables every platform template gets from the platform itself.
fn common() -> Vec<VariableDecl> {
    vec![
        v("platform", "The platform's name", "Portico"),
        v(
            "public_url",
            "The console's address",
            "https://portico.example",
        ),
        v("language", "The language the message is in", "en"),
    ]
}

/// What an email template may use: its own variables and the common ones.
pub fn email_variables(key: EmailTemplateKey) -> Vec<VariableDecl> {
    use EmailTemplateKey as K;
    let link = "https://portico.example/set-password/SAMPLE-TOKEN";
    let mut own = match key {
        K::Welcome => vec![
            v("name", "The new user's full name", "Anna Berg"),
            v("username", "The username they sign in with", "anna.berg"),
            v("link", "The single-use set-password link", link),
            v("expires_hours", "Hours until the link expires", "72"),
        ],
        K::PasswordReset => vec![
            v("name", "The user's name", "Anna Berg"),
            v("link", "The single-use reset link", link),
            v("expires_hours", "Hours until the link expires", "2"),
        ],
        K::MfaEnabled | K::MfaDisabled => vec![
            v("name", "The user's name", "Anna Berg"),
            v("when", "When the change was made", "2026-12-02T09:30:00Z"),
        ],
        K::LicenseWarning => vec![
            v("name", "The recipient's name", "Anna Berg"),
            v("org", "The organization", "Acme Academy"),
            v(
                "seats",
                "Which seats: application or back_office",
                "application",
            ),
            v("used", "Seats in use", "45"),
            v("limit", "The seat limit", "50"),
            v(
                "link",
                "The organization's Licenses tab",
                "https://portico.example/organizations/acme/licenses",
            ),
        ],
        K::CalendarInvitation => vec![
            v("name", "The invitee's name", "Anna Berg"),
            v("title", "The project's name", "Onboarding workshop"),
            v("starts_at", "When it starts (UTC)", "2026-12-10 09:00 UTC"),
            v(
                "location",
                "Where it takes place (may be empty)",
                "Room 2.14",
            ),
            v("link", "The platform's address", "https://portico.example"),
        ],
    };
    own.extend(common());
    own
}

macro_rules! builtin {
    ($($key:literal),* $(,)?) => {
        &[$(
            ($key,
             include_str!(concat!("../../email_templates/", $key, ".subject")),
             include_str!(concat!("../../email_templates/", $key, ".html")),
             include_str!(concat!("../../email_templates/", $key, ".txt"))),
        )*]
    };
}

const BUILTIN_EMAILS: &[(&str, &str, &str, &str)] = builtin!(
    "welcome.en",
    "welcome.de",
    "password_reset.en",
    "password_reset.de",
    "mfa_enabled.en",
    "mfa_enabled.de",
    "mfa_disabled.en",
    "mfa_disabled.de",
    "license_warning.en",
    "license_warning.de",
    "calendar_invitation.en",
    "calendar_invitation.de",
);

/// The HTML frame every email body is put in (`{{ body }}` is the rendered, escaped body).
pub const EMAIL_LAYOUT: &str = include_str!("../../email_templates/layout.html");

/// The built-in email in `language`, when one is shipped.
pub fn builtin_email(key: EmailTemplateKey, language: &str) -> Option<Sources> {
    let name = format!("{}.{language}", key.as_str());
    BUILTIN_EMAILS
        .iter()
        .find(|(n, ..)| *n == name)
        .map(|(_, subject, html, text)| Sources {
            subject: subject.to_string(),
            html: html.to_string(),
            text: text.to_string(),
        })
}

/// Short texts shown in the console and in notifications (S4). Each is one line of plain
/// text, with declared variables, editable per language like the emails.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum NotificationKey {
    /// Shown to an organization's administrators while its application or back-office
    /// seats are at a warning level (90 % of the limit or more).
    LicenseSeatsLow,
    /// Greets a new user on their first visit of Home.
    UserWelcomeBanner,
    /// Shown after an administrator sent a password-reset link.
    PasswordResetSent,
}

impl NotificationKey {
    pub const ALL: [Self; 3] = [
        Self::LicenseSeatsLow,
        Self::UserWelcomeBanner,
        Self::PasswordResetSent,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Self::LicenseSeatsLow => "license.seats_low",
            Self::UserWelcomeBanner => "user.welcome_banner",
            Self::PasswordResetSent => "user.password_reset_sent",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
    pub fn description(self) -> &'static str {
        match self {
            Self::LicenseSeatsLow => "An organization's seats are nearly used up",
            Self::UserWelcomeBanner => "Greets a new user on Home",
            Self::PasswordResetSent => "Confirms that a reset link was sent",
        }
    }
    pub fn variables(self) -> Vec<VariableDecl> {
        let mut own = match self {
            Self::LicenseSeatsLow => vec![
                v("org", "The organization", "Acme Academy"),
                v(
                    "seats",
                    "Which seats: application or back_office",
                    "application",
                ),
                v("used", "Seats in use", "45"),
                v("limit", "The seat limit", "50"),
            ],
            Self::UserWelcomeBanner => vec![v("name", "The user's first name", "Anna")],
            Self::PasswordResetSent => vec![v("name", "The user's name", "Anna Berg")],
        };
        own.extend(common());
        own
    }
    /// The built-in text in `language`, when one is shipped.
    pub fn builtin(self, language: &str) -> Option<&'static str> {
        Some(match (self, language) {
            (Self::LicenseSeatsLow, "en") => {
                "{{ org }} uses {{ used }} of {{ limit }} {% if seats == \"back_office\" %}back-office{% else %}application{% endif %} seats."
            }
            (Self::LicenseSeatsLow, "de") => {
                "{{ org }} nutzt {{ used }} von {{ limit }} {% if seats == \"back_office\" %}Backoffice-Lizenzen{% else %}Anwendungslizenzen{% endif %}."
            }
            (Self::UserWelcomeBanner, "en") => "Welcome to {{ platform }}, {{ name }}!",
            (Self::UserWelcomeBanner, "de") => "Willkommen bei {{ platform }}, {{ name }}!",
            (Self::PasswordResetSent, "en") => "A password-reset link was sent to {{ name }}.",
            (Self::PasswordResetSent, "de") => {
                "Ein Link zum Zurücksetzen des Passworts wurde an {{ name }} gesendet."
            }
            _ => return None,
        })
    }
    pub fn builtin_sources(self, language: &str) -> Option<Sources> {
        self.builtin(language).map(|t| Sources {
            subject: String::new(),
            html: String::new(),
            text: t.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::templates::sandbox::validate;

    #[test]
    fn every_builtin_passes_the_sandbox_with_its_declarations() {
        for key in EmailTemplateKey::ALL {
            for lang in BUILTIN_LANGUAGES {
                let s = builtin_email(key, lang).unwrap_or_else(|| panic!("{key:?} {lang}"));
                validate(&s, &email_variables(key))
                    .unwrap_or_else(|e| panic!("{key:?} {lang}: {e}"));
            }
        }
        for key in NotificationKey::ALL {
            for lang in BUILTIN_LANGUAGES {
                let s = key.builtin_sources(lang).unwrap();
                validate(&s, &key.variables()).unwrap_or_else(|e| panic!("{key:?} {lang}: {e}"));
            }
        }
    }
}
