//! What the layout shows a viewer: the navigation entries they may use, the actions that need a
//! permission somewhere, and — during an impersonation (P9) — the banner. Hiding is a courtesy:
//! the services refuse regardless.

use portico_domain::Timestamp;
use portico_services::BackOffice;
use portico_services::auth::Credential;
use portico_services::records::{Reach, ScopeRef};
use serde::Serialize;

/// Does the viewer hold `perm` in at least one place (the platform or some organization)?
pub fn reaches(admin: &BackOffice, perm: &str) -> bool {
    admin.reach(perm) != Reach::Orgs(Vec::new())
}

/// The layout's navigation and page-level buttons.
#[derive(Debug, Serialize)]
pub struct Nav {
    pub organizations: bool,
    pub users: bool,
    pub audit: bool,
    /// Settings → Administrators (`administrators.view` on the platform).
    pub administrators: bool,
    /// Settings → Roles (`roles.view` somewhere).
    pub roles: bool,
    /// Settings → Sent emails (`settings.view` on the platform).
    pub emails: bool,
    /// Where the Settings entry leads (its first page the viewer may use).
    pub settings: Option<&'static str>,
    /// "New organization" (a top-level one needs `organizations.create` on the platform).
    pub new_org: bool,
    /// Platform-wide counts on Home.
    pub platform_stats: bool,
    /// A short name of what the viewer is, for the sidebar's foot.
    pub role_label: &'static str,
    /// Applications (`applications.view` somewhere).
    pub applications: bool,
    /// Settings → Security (`settings.view` on the platform; S6).
    pub security: bool,
    /// Settings → API keys (S5): `api_keys.manage` somewhere.
    pub api_keys: bool,
    /// Reports (`reports.view` somewhere).
    pub reports: bool,
    /// Catalog → Products, Emails, Courses (`catalog.view` on the platform).
    pub catalog: bool,
    /// Settings → Support text, Email templates, Notification templates (`settings.view` on
    /// the platform).
    pub templates: bool,
}

impl Nav {
    pub fn of(admin: &BackOffice) -> Self {
        let administrators = admin.can("administrators.view", ScopeRef::Platform);
        let roles = reaches(admin, "roles.view");
        let emails = admin.can("settings.view", ScopeRef::Platform);
        let api_keys = reaches(admin, "api_keys.manage");
        let settings = if administrators {
            Some("/settings/administrators")
        } else if roles {
            Some("/settings/roles")
        } else if emails {
            Some("/settings/emails")
        } else if api_keys {
            Some("/settings/api-keys")
        } else {
            None
        };
        let user = admin.user();
        let role_label = if admin.is_super_admin() {
            "Super admin"
        } else if admin
            .access()
            .assignments_of(user.id)
            .iter()
            .any(|a| a.scope == ScopeRef::Platform)
        {
            "Platform administrator"
        } else {
            "Organization administrator"
        };
        Nav {
            organizations: reaches(admin, "organizations.view"),
            users: reaches(admin, "users.view"),
            audit: reaches(admin, "audit.view"),
            administrators,
            roles,
            emails,
            settings,
            new_org: admin.can("organizations.create", ScopeRef::Platform),
            platform_stats: portico_services::orgs::sees_whole_platform(admin),
            role_label,
            applications: reaches(admin, "applications.view"),
            security: emails,
            api_keys,
            reports: reaches(admin, "reports.view"),
            catalog: admin.can("catalog.view", ScopeRef::Platform),
            templates: emails,
        }
    }
}

/// "You are logged in as X (impersonated by Y, until HH:MM)".
#[derive(Debug, Serialize)]
pub struct Banner {
    pub user: String,
    pub user_href: String,
    pub impersonator: String,
    /// `HH:MM` (UTC) when the impersonation ends by itself.
    pub until: String,
    pub until_full: String,
}

pub fn banner(admin: &BackOffice) -> Option<Banner> {
    let by = admin.impersonator()?;
    let p = admin.principal();
    let until = match &p.credential {
        Credential::Session(s) => Some(s.expires_at),
        _ => None,
    };
    Some(Banner {
        user: p.user.display_name(),
        user_href: format!("/users/{}", p.user.id),
        impersonator: by.display_name(),
        until: until.map(hh_mm).unwrap_or_default(),
        until_full: until.map(Timestamp::to_display).unwrap_or_default(),
    })
}

/// `2026-11-22 10:04` → `10:04`.
pub fn hh_mm(t: Timestamp) -> String {
    let s = t.to_display();
    s.get(11..).unwrap_or(&s).to_string()
}
