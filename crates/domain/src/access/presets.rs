//! The presets of SPEC §1 (`basic`, `lms`, `crm`) as data. A role's permissions are written as
//! patterns over the catalogue (`*`, `*.view`, `users.*`, exact keys; `!pattern` removes),
//! applied in order and then narrowed to what applies at the role's level.
//!
//! Documented abilities (tested below):
//! - lms Partial administrator (a reseller): everything except impersonation, licenses (plans),
//!   deleting organizations, and seeing or changing full administrators (`administrators.*`).
//! - lms Observer: every `*.view`, nothing that changes anything (no export either).
//! - basic Standard: every section but Users (`users.*`, `members.*`, roles and grants) and
//!   Admin settings (`settings.*`, `api_keys.*`, `administrators.*`, `audit.*`, licenses).
//! - The super admin (P7) is a property of one user, not a role: in `lms` they hold the
//!   "Super admin" role; in `basic` and `crm` the Admin/Administrator role.

use super::AccessError;
use super::catalog::{Catalog, Level};
use super::role::{Reach, Relation, Role};
use super::set::PermissionSet;

struct Def {
    key: &'static str,
    name: &'static str,
    level: Level,
    reach: Reach,
    description: &'static str,
    permissions: &'static [&'static str],
}

const fn def(
    key: &'static str,
    name: &'static str,
    level: Level,
    description: &'static str,
    permissions: &'static [&'static str],
) -> Def {
    Def {
        key,
        name,
        level,
        reach: Reach::Scope,
        description,
        permissions,
    }
}

const fn related(
    key: &'static str,
    name: &'static str,
    relation: Relation,
    description: &'static str,
    permissions: &'static [&'static str],
) -> Def {
    Def {
        key,
        name,
        level: Level::Organization,
        reach: Reach::Related(relation),
        description,
        permissions,
    }
}

use Level::{Organization as O, Platform as P, Project as Pr};

const STANDARD_EXCLUDES: &[&str] = &[
    "*",
    "!users.*",
    "!members.*",
    "!roles.*",
    "!role_assignments.*",
    "!permissions.*",
    "!settings.*",
    "!api_keys.*",
    "!administrators.*",
    "!audit.*",
    "!licenses.manage",
];

const BASIC: &[Def] = &[
    def(
        "basic.no_access",
        "No access",
        P,
        "Signs in, sees nothing of the back office.",
        &[],
    ),
    def(
        "basic.standard",
        "Standard",
        P,
        "Every section but Users and Admin settings.",
        STANDARD_EXCLUDES,
    ),
    def("basic.admin", "Admin", P, "Everything.", &["*"]),
];

const LMS: &[Def] = &[
    def(
        "lms.super_admin",
        "Super admin",
        P,
        "Everything; held by the one super admin (P7).",
        &["*"],
    ),
    def(
        "lms.administrator",
        "Administrator",
        P,
        "Everything on the platform.",
        &["*"],
    ),
    def(
        "lms.partial_administrator",
        "Partial administrator",
        P,
        "A reseller: no impersonation, cannot see or change full administrators, no plans or \
         licenses, cannot delete organizations.",
        &[
            "*",
            "!users.impersonate",
            "!administrators.*",
            "!licenses.*",
            "!organizations.delete",
        ],
    ),
    def(
        "lms.observer",
        "Observer",
        P,
        "Reads everything, changes nothing.",
        &["*.view"],
    ),
    def(
        "lms.organization_administrator",
        "Organization administrator",
        O,
        "Everything inside the organization and its sub-organizations.",
        &["*", "!organizations.delete"],
    ),
    def(
        "lms.content_administrator",
        "Content administrator",
        O,
        "Catalog, projects and enrollments.",
        &[
            "organizations.view",
            "catalog.*",
            "projects.*",
            "enrollments.manage",
            "reports.view",
        ],
    ),
    related(
        "lms.manager",
        "Manager",
        Relation::Manager,
        "Follows and helps their direct reports.",
        &[
            "users.view",
            "users.edit",
            "enrollments.manage",
            "reports.view",
        ],
    ),
    related(
        "lms.mentor",
        "Mentor",
        Relation::Mentor,
        "Follows their mentees' progress.",
        &["users.view", "reports.view"],
    ),
    related(
        "lms.parent",
        "Parent",
        Relation::Parent,
        "Follows their children's progress.",
        &["users.view", "reports.view"],
    ),
    def(
        "lms.affiliate",
        "Affiliate",
        O,
        "Brings people into the organization.",
        &[
            "organizations.view",
            "members.view",
            "members.add",
            "reports.view",
        ],
    ),
    def(
        "lms.instructor",
        "Instructor",
        Pr,
        "Runs the project: enrollments, content, reports.",
        &[
            "projects.*",
            "enrollments.manage",
            "users.view",
            "catalog.view",
            "reports.*",
            "role_assignments.manage",
        ],
    ),
    def(
        "lms.teaching_assistant",
        "Teaching assistant",
        Pr,
        "Helps run the project.",
        &[
            "projects.view",
            "enrollments.manage",
            "users.view",
            "catalog.view",
            "reports.view",
        ],
    ),
    def(
        "lms.learner",
        "Learner",
        Pr,
        "Takes part in the project.",
        &["projects.view", "catalog.view"],
    ),
];

const CRM: &[Def] = &[
    def(
        "crm.administrator",
        "Administrator",
        P,
        "Everything; the super admin's role.",
        &["*"],
    ),
    def(
        "crm.retention_manager",
        "Retention manager",
        O,
        "Leads the retention desk.",
        &[
            "users.view",
            "users.edit",
            "users.block",
            "users.reset_credentials",
            "members.view",
            "members.add",
            "role_assignments.manage",
            "reports.*",
            "audit.view",
            "projects.*",
            "enrollments.manage",
        ],
    ),
    def(
        "crm.conversion_manager",
        "Conversion manager",
        O,
        "Leads the conversion desk.",
        &[
            "users.view",
            "users.edit",
            "users.block",
            "users.reset_credentials",
            "members.view",
            "members.add",
            "role_assignments.manage",
            "reports.*",
            "audit.view",
            "projects.*",
            "enrollments.manage",
        ],
    ),
    def(
        "crm.retention_sales",
        "Retention sales",
        O,
        "Works existing clients.",
        &["users.view", "users.edit", "members.view", "reports.view"],
    ),
    def(
        "crm.conversion_sales",
        "Conversion sales",
        O,
        "Converts new clients.",
        &[
            "users.view",
            "users.edit",
            "members.view",
            "members.add",
            "reports.view",
        ],
    ),
    def(
        "crm.support_manager",
        "Support manager",
        O,
        "Leads support.",
        &[
            "users.view",
            "users.edit",
            "users.block",
            "users.reset_credentials",
            "members.view",
            "audit.view",
            "reports.view",
        ],
    ),
    def(
        "crm.support_basic",
        "Support basic",
        O,
        "Answers clients.",
        &["users.view", "members.view", "users.reset_credentials"],
    ),
    def(
        "crm.partner_full_access",
        "Partner full access",
        O,
        "A partner's view of their own clients.",
        &[
            "organizations.view",
            "members.*",
            "users.view",
            "users.edit",
            "reports.*",
            "applications.view",
            "licenses.view",
        ],
    ),
    def(
        "crm.affiliate_basic",
        "Affiliate basic",
        O,
        "Brings clients in.",
        &[
            "organizations.view",
            "members.view",
            "members.add",
            "reports.view",
        ],
    ),
];

/// Preset names accepted by `portico init --preset`.
pub const PRESETS: [&str; 3] = ["basic", "lms", "crm"];

fn permissions(catalog: &Catalog, d: &Def) -> Result<PermissionSet, AccessError> {
    let mut set = PermissionSet::EMPTY;
    for p in d.permissions {
        match p.strip_prefix('!') {
            Some(neg) => set = set.difference(&catalog.matching(neg)?),
            None => set.union_with(&catalog.matching(p)?),
        }
    }
    Ok(set.intersection(&catalog.valid_at(d.level)))
}

/// The roles of a preset, read-only (`preset: true`), validated against `catalog`.
pub fn preset(name: &str, catalog: &Catalog) -> Result<Vec<Role>, AccessError> {
    let defs = match name {
        "basic" => BASIC,
        "lms" => LMS,
        "crm" => CRM,
        other => return Err(AccessError::UnknownPreset(other.to_string())),
    };
    defs.iter()
        .map(|d| {
            let role = Role {
                key: d.key.to_string(),
                name: d.name.to_string(),
                level: d.level,
                description: d.description.to_string(),
                permissions: permissions(catalog, d)?,
                preset: true,
                reach: d.reach,
            };
            role.validate(catalog)?;
            Ok(role)
        })
        .collect()
}

#[cfg(test)]
#[path = "presets_tests.rs"]
mod tests;
