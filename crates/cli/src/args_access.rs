//! The command line for people and access, as clap types: `user …` (credentials, access,
//! overrides, filters), `role …` and `authz …`.

use crate::args::Preset;
use clap::{Args, Subcommand};

#[derive(Subcommand, Debug)]
pub enum UserCommand {
    /// Reset a password (U8): email a reset link, or --generate a password printed once.
    /// Refused over someone holding more than you (P6).
    ResetPassword {
        /// Username, email or id.
        user: String,
        /// Set a generated password (printed once) instead of emailing a link; ends the
        /// person's sessions.
        #[arg(long)]
        generate: bool,
        /// The reset email's language (en, de, …) when the person has none of their own.
        #[arg(long)]
        language: Option<String>,
    },
    /// Remove someone's second factor (a lost phone); they log in with the password alone
    /// and may set up a new one.
    ResetMfa {
        /// Username, email or id.
        user: String,
    },
    /// Search users by name, username or email (word prefixes); newest first.
    List {
        #[arg(long)]
        q: Option<String>,
        #[arg(long, default_value_t = 100)]
        limit: usize,
        #[arg(long)]
        json: bool,
    },
    /// Block a user: no login; their sessions and API keys stop working at once.
    Block { user: String },
    /// Unblock a user (their ended sessions and revoked keys stay ended).
    Unblock { user: String },
    /// Delete a user permanently, erasing their personal data.
    Delete {
        /// Username, email or id.
        user: String,
        /// Do not ask for confirmation (required when standard input is not a terminal).
        #[arg(long, short = 'y')]
        yes: bool,
    },
    /// Grant a user a personal permission at the platform or in an organization (P4).
    Grant(OverrideArgs),
    /// Deny a user a permission at the platform or in an organization, whatever their roles
    /// give (P4).
    Deny(OverrideArgs),
    /// List a user's personal grants and denials.
    Overrides {
        /// Username, email or id.
        user: String,
        #[arg(long)]
        json: bool,
    },
    /// Remove a personal grant or denial, by id or by permission and scope.
    RemoveOverride {
        /// Username, email or id.
        user: String,
        /// The override's id (`pov_…`, see `portico user overrides`).
        #[arg(required_unless_present = "permission", conflicts_with = "permission")]
        override_id: Option<String>,
        /// The permission of the grant or denial to remove.
        #[arg(long)]
        permission: Option<String>,
        /// With --permission: the organization (slug or id); the platform when absent.
        #[arg(long, value_name = "SLUG_OR_ID", requires = "permission")]
        org: Option<String>,
    },
    /// Set a back-office user's IP allowlist (U9): addresses and CIDR ranges, comma-separated;
    /// `*` for no restriction.
    Allowlist {
        /// Username, email or id.
        user: String,
        /// For example "10.0.0.0/8, 2001:db8::/32", or "*".
        #[arg(required_unless_present = "clear", conflicts_with = "clear")]
        list: Option<String>,
        /// Remove the allowlist (refused while the user holds a role or grant).
        #[arg(long)]
        clear: bool,
    },
    /// Show a user's data filters (P5), or replace them: each --tag, --attribute and --orgs is
    /// one filter, and an organization must pass every filter.
    Filters(FiltersArgs),
    /// Copy a user (U7): a new person with the source's memberships, roles and personal
    /// grants and denials; data filters only with --copy-filters.
    Copy {
        /// The source user (username, email or id).
        source: String,
        #[arg(long)]
        username: String,
        #[arg(long)]
        email: String,
        #[arg(long, default_value = "")]
        first_name: String,
        #[arg(long, default_value = "")]
        last_name: String,
        /// Also copy the source's data filters.
        #[arg(long)]
        copy_filters: bool,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Args, Debug)]
pub struct OverrideArgs {
    /// Username, email or id.
    pub user: String,
    /// A permission key such as `users.block`.
    pub permission: String,
    /// The organization (slug or id); the platform when absent.
    #[arg(long, value_name = "SLUG_OR_ID")]
    pub org: Option<String>,
}

#[derive(Args, Debug)]
pub struct FiltersArgs {
    /// Username, email or id.
    pub user: String,
    /// A filter on organization tags: any of these (comma-separated). Repeatable.
    #[arg(long, value_name = "TAG,…")]
    pub tag: Vec<String>,
    /// A filter on an organization attribute: `country=IT,DK`. Repeatable.
    #[arg(long, value_name = "NAME=VALUE,…")]
    pub attribute: Vec<String>,
    /// A filter on an explicit list of organizations (slugs or ids, comma-separated).
    /// Repeatable.
    #[arg(long, value_name = "SLUG_OR_ID,…")]
    pub orgs: Vec<String>,
    /// Remove every data filter.
    #[arg(long, conflicts_with_all = ["tag", "attribute", "orgs"])]
    pub clear: bool,
    #[arg(long)]
    pub json: bool,
}

#[derive(Subcommand, Debug)]
pub enum RoleCommand {
    /// List roles (with how many users hold each).
    List {
        /// platform, organization or project.
        #[arg(long)]
        level: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Import a preset's roles (those not present yet).
    Import {
        #[arg(value_enum)]
        preset: Preset,
    },
    /// Assign a role to a user at the platform or in an organization.
    Assign {
        /// Username, email or id.
        user: String,
        /// The role's key (`basic.admin`, `lms.organization_administrator`, …) or id.
        role: String,
        /// The organization (slug or id); the platform when absent.
        #[arg(long, value_name = "SLUG_OR_ID")]
        org: Option<String>,
        /// Days until the assignment expires.
        #[arg(long, value_name = "DAYS", value_parser = clap::value_parser!(u32).range(1..=36500))]
        expires_days: Option<u32>,
    },
    /// Remove a role from a user, by assignment id or by role and scope.
    Unassign {
        /// Username, email or id.
        user: String,
        /// The assignment's id (`ras_…`, see `portico role assignments`).
        #[arg(required_unless_present = "role", conflicts_with = "role")]
        assignment: Option<String>,
        /// The role's key or id.
        #[arg(long, value_name = "KEY_OR_ID")]
        role: Option<String>,
        /// With --role: the organization (slug or id); the platform when absent.
        #[arg(long, value_name = "SLUG_OR_ID", requires = "role")]
        org: Option<String>,
    },
    /// List a user's role assignments.
    Assignments {
        /// Username, email or id.
        user: String,
        #[arg(long)]
        json: bool,
    },
    /// Create a custom role, from scratch or as a copy of any role.
    Create {
        #[arg(long)]
        name: String,
        /// platform, organization or project (a copy has its source's level).
        #[arg(long, conflicts_with = "copy_from")]
        level: Option<String>,
        /// Permission keys, comma-separated; a copy has its source's when absent.
        #[arg(long, value_delimiter = ',', value_name = "KEY,…")]
        permissions: Option<Vec<String>>,
        #[arg(long, default_value = "")]
        description: String,
        /// The role to copy (key or id).
        #[arg(long, value_name = "KEY_OR_ID")]
        copy_from: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Show a role and its permissions, grouped by section.
    Show {
        /// The role's key or id.
        role: String,
        #[arg(long)]
        json: bool,
    },
    /// Edit a custom role (presets are read-only).
    Edit(RoleEditArgs),
    /// Delete a custom role that nobody holds.
    Delete {
        /// The role's key or id.
        role: String,
        /// Do not ask for confirmation (required when standard input is not a terminal).
        #[arg(long, short = 'y')]
        yes: bool,
    },
}

#[derive(Args, Debug)]
pub struct RoleEditArgs {
    /// The role's key or id.
    pub role: String,
    #[arg(long)]
    pub name: Option<String>,
    #[arg(long)]
    pub description: Option<String>,
    /// The role's whole new permission list, comma-separated.
    #[arg(long, value_delimiter = ',', value_name = "KEY,…", conflicts_with_all = ["add", "remove"])]
    pub permissions: Option<Vec<String>>,
    /// Permissions to add (comma-separated, repeatable).
    #[arg(long, value_delimiter = ',', value_name = "KEY,…")]
    pub add: Vec<String>,
    /// Permissions to remove (comma-separated, repeatable).
    #[arg(long, value_delimiter = ',', value_name = "KEY,…")]
    pub remove: Vec<String>,
}

#[derive(Subcommand, Debug)]
pub enum AuthzCommand {
    /// Allowed or denied, and why.
    Explain {
        /// Username, email or id.
        user: String,
        /// A permission key such as `users.block`.
        permission: String,
        /// The organization (slug or id); the platform when absent.
        #[arg(long, value_name = "SLUG_OR_ID")]
        org: Option<String>,
    },
    /// Who holds a permission at the platform or in an organization now.
    Holders {
        /// A permission key such as `users.block`.
        permission: String,
        /// The organization (slug or id); the platform when absent.
        #[arg(long, value_name = "SLUG_OR_ID")]
        org: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// The permission catalogue (P1): each permission's section, levels and meaning.
    Permissions {
        /// Only those valid at this level (platform, organization or project).
        #[arg(long)]
        level: Option<String>,
        #[arg(long)]
        json: bool,
    },
}
