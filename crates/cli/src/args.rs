//! The command line, as clap types. Each subcommand's behaviour lives in `commands/`.

use crate::config::ConfigArgs;
use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Parser, Debug)]
#[command(
    name = "portico",
    version,
    about = "Portico: organizations, users and access for a platform. A bare `portico` serves.",
    after_help = "Every configuration flag can also be set by its PORTICO_* variable or in a --config file.\n\
                  `portico config` shows the resolved configuration; `portico config --markdown` the table."
)]
pub struct Cli {
    #[command(flatten)]
    pub config: ConfigArgs,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the web console and REST API (what a bare `portico` does). Migrates first.
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Create the super admin (once per installation).
    Init(InitArgs),
    /// Show the resolved configuration (secrets redacted).
    Config(ConfigCmdArgs),
    /// API keys.
    #[command(subcommand, name = "api-key")]
    ApiKey(ApiKeyCommand),
    /// Organizations.
    #[command(subcommand)]
    Org(OrgCommand),
    /// Users.
    #[command(subcommand)]
    User(UserCommand),
    /// The audit log.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// The email outbox: what was sent, what is waiting, what failed.
    #[command(subcommand)]
    Outbox(OutboxCommand),
    /// Roles and role assignments (P2, P3).
    #[command(subcommand)]
    Role(RoleCommand),
    /// Access control questions (P1, P10).
    #[command(subcommand)]
    Authz(AuthzCommand),
    /// Platform administrators and the super admin (S1, P7).
    #[command(subcommand)]
    Admin(AdminCommand),
    /// Fill the database with a realistic demo platform.
    Demo(DemoArgs),
    /// Applications (A1–A3).
    #[command(subcommand)]
    App(AppCommand),
    /// Reports (R1–R4) as CSV or JSON on standard output.
    Report(ReportArgs),
    /// Bulk import (members from CSV).
    #[command(subcommand)]
    Import(crate::commands::import::ImportCommand),
    /// Export users or organizations (CSV or JSON).
    Export(crate::commands::export::ExportArgs),
}

#[derive(Subcommand, Debug)]
pub enum AppCommand {
    /// List applications (by name).
    List {
        #[arg(long)]
        json: bool,
    },
    /// Define an application.
    Create {
        #[arg(long)]
        name: String,
        /// Made from the name when absent.
        #[arg(long)]
        slug: Option<String>,
        #[arg(long, default_value = "")]
        description: String,
        /// Create it inactive.
        #[arg(long)]
        inactive: bool,
        /// Assign it to every organization and their members, now and later.
        #[arg(long)]
        auto: bool,
        /// Assign it to every new organization (one application at most).
        #[arg(long)]
        default: bool,
        #[arg(long)]
        json: bool,
    },
    /// Change an application.
    Update {
        /// The application (slug or id).
        app: String,
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        slug: Option<String>,
        #[arg(long)]
        description: Option<String>,
        /// active or inactive.
        #[arg(long)]
        status: Option<String>,
        /// true or false.
        #[arg(long)]
        auto: Option<bool>,
        /// true or false.
        #[arg(long)]
        default: Option<bool>,
        #[arg(long)]
        json: bool,
    },
    /// Assign an application to an organization.
    Assign {
        /// The application (slug or id).
        app: String,
        /// The organization (slug or id).
        org: String,
    },
    /// Unassign an application from an organization, revoking every member's access there.
    Unassign {
        /// The application (slug or id).
        app: String,
        /// The organization (slug or id).
        org: String,
        /// Confirm when members lose access.
        #[arg(long)]
        yes: bool,
    },
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum Preset {
    Basic,
    Lms,
    Crm,
}

impl Preset {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Basic => "basic",
            Self::Lms => "lms",
            Self::Crm => "crm",
        }
    }
}

#[derive(Args, Debug)]
pub struct InitArgs {
    #[arg(long)]
    pub username: String,
    #[arg(long)]
    pub email: String,
    /// Read the password from standard input (one line). Without it, a strong password is
    /// generated and shown once.
    #[arg(long)]
    pub password_stdin: bool,
    #[arg(long, value_enum, default_value_t = Preset::Basic)]
    pub preset: Preset,
}

#[derive(Args, Debug)]
pub struct ConfigCmdArgs {
    /// Print the table of every setting (flag, environment variable, default, meaning) as
    /// Markdown, for the README.
    #[arg(long)]
    pub markdown: bool,
}

#[derive(Subcommand, Debug)]
pub enum ApiKeyCommand {
    /// Create a key for a user and print it (only the key, on standard output; shown once).
    Create {
        /// The owner's username (or email).
        #[arg(long)]
        username: String,
        /// A name to recognise the key by.
        #[arg(long)]
        name: String,
        /// Days until the key expires (no expiry when absent).
        #[arg(long, value_name = "DAYS", value_parser = clap::value_parser!(u32).range(1..=36500))]
        expires_days: Option<u32>,
    },
}

#[derive(Subcommand, Debug)]
pub enum OrgCommand {
    /// Create an organization.
    Create {
        #[arg(long)]
        name: String,
        /// URL handle; made from the name when absent.
        #[arg(long)]
        slug: Option<String>,
        /// The parent organization's slug or id.
        #[arg(long, value_name = "SLUG_OR_ID")]
        parent: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// List organizations (by name).
    List(OrgListArgs),
    /// Add a person to an organization by email: an unknown email creates a user internal to
    /// it; a known one adds an external membership.
    AddMember {
        /// The organization (slug or id).
        org: String,
        #[arg(long)]
        email: String,
        /// For a new user; suggested from the email when absent.
        #[arg(long)]
        username: Option<String>,
        #[arg(long, default_value = "")]
        first_name: String,
        #[arg(long, default_value = "")]
        last_name: String,
        /// A new user's first credential (U8): `welcome_email` (a single-use set-password
        /// link), `generated_password` (printed once, never again) or `none`.
        #[arg(long, default_value = "welcome_email")]
        credentials: String,
        /// The welcome email's language (en, de, …).
        #[arg(long)]
        language: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// List an organization's manager / parent / mentor relationships (P8).
    Relationships {
        /// The organization (slug or id).
        org: String,
        #[arg(long)]
        json: bool,
    },
    /// Relate two members: `portico org relate acme alice manager bob` makes Alice Bob's
    /// manager inside acme (P8).
    Relate(RelationArgs),
    /// Remove a relationship (the same arguments as `relate`).
    Unrelate(RelationArgs),
    /// Seat limits and usage (L1); with --app-seats / --office-seats, change the limits.
    Licenses {
        /// The organization (slug or id).
        org: String,
        /// Application seats: a number, or `none` for unlimited.
        #[arg(long, value_name = "N|none")]
        app_seats: Option<String>,
        /// Back-office seats: a number, or `none` for unlimited.
        #[arg(long, value_name = "N|none")]
        office_seats: Option<String>,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Args, Debug)]
pub struct RelationArgs {
    /// The organization (slug or id).
    pub org: String,
    /// The manager, parent or mentor (username, email or id).
    pub from: String,
    /// manager, parent or mentor.
    pub relation: String,
    /// Their report, child or mentee (username, email or id).
    pub to: String,
}

#[derive(Args, Debug)]
pub struct OrgListArgs {
    /// Names or slugs starting with this.
    #[arg(long)]
    pub q: Option<String>,
    /// Only the sub-organizations of this one (slug or id).
    #[arg(long, value_name = "SLUG_OR_ID")]
    pub parent: Option<String>,
    /// Also count each organization's members.
    #[arg(long)]
    pub members: bool,
    #[arg(long, default_value_t = 100)]
    pub limit: usize,
    #[arg(long)]
    pub json: bool,
}

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
        /// The reset email's language (en, de, …).
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

#[derive(Subcommand, Debug)]
pub enum AdminCommand {
    /// List the platform administrators (people with platform roles), the super admin first.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Hand the super admin status to another active platform administrator; the current
    /// super admin stays an administrator.
    TransferSuperAdmin {
        /// Username, email or id.
        user: String,
        /// Do not ask for confirmation (required when standard input is not a terminal).
        #[arg(long, short = 'y')]
        yes: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum OutboxCommand {
    /// The outbox, newest first.
    List {
        /// Only messages with this status: queued, sending, sent, failed or held.
        #[arg(long)]
        status: Option<String>,
        /// At most this many messages.
        #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u32).range(1..=200))]
        limit: u32,
        #[arg(long)]
        json: bool,
    },
    /// One message with its text body (the HTML body with --json).
    Show {
        /// The message's id (`eml_…`).
        id: String,
        #[arg(long)]
        json: bool,
    },
    /// Queue a held, failed or sent message again (needs an SMTP server configured; a running
    /// `portico serve` sends it).
    Resend {
        /// The message's id (`eml_…`).
        id: String,
    },
}

#[derive(Subcommand, Debug)]
pub enum AuditCommand {
    /// Check the audit log's hash chain; exit 1 naming the first broken entry.
    Verify,
}

#[derive(Args, Debug)]
pub struct DemoArgs {
    /// Organizations in all: top-level companies and their regions, departments and teams.
    #[arg(long, default_value_t = 200, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub organizations: u32,
    /// Users, each internal to one organization (its home); about 1% blocked.
    #[arg(long, default_value_t = 5000, value_parser = clap::value_parser!(u32).range(0..=50_000_000))]
    pub users: u32,
    /// Extra external memberships (people enrolled in organizations other than their home).
    /// Default: a fifth of the users.
    #[arg(long)]
    pub enrollments: Option<u32>,
    /// Projects, spread over the organizations. Default: one for every two organizations.
    #[arg(long)]
    pub projects: Option<u32>,
    /// Project enrollments (PR1) of members, with the preset's learner role (a few
    /// instructors); none when the installation has no project role yet (`portico init`).
    /// Default: half the users.
    #[arg(long)]
    pub project_enrollments: Option<u64>,
    /// Login events over the last 30 days (R1). Default: half the users.
    #[arg(long)]
    pub logins: Option<u64>,
    /// Seed of the generator: the same seed makes the same platform.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Users written per transaction.
    #[arg(long, default_value_t = 20_000, hide = true)]
    pub batch: usize,
    /// Run even though the database already holds data.
    #[arg(long)]
    pub force: bool,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReportFormat {
    Csv,
    Json,
}

#[derive(clap::Args, Debug)]
pub struct ReportArgs {
    /// logins, organization-admins, project-admins or system-activity.
    pub name: String,
    #[arg(long, value_enum, default_value = "csv")]
    pub format: ReportFormat,
    /// logins: first day, YYYY-MM-DD (default: 29 days before --to).
    #[arg(long)]
    pub from: Option<String>,
    /// logins: last day, included (default: today, UTC).
    #[arg(long)]
    pub to: Option<String>,
    /// logins: drill down to one day.
    #[arg(long)]
    pub day: Option<String>,
    /// logins: drill down to one organization's members (its id).
    #[arg(long)]
    pub organization: Option<String>,
    /// logins, CSV: which table — days (default), organizations or users.
    #[arg(long)]
    pub view: Option<String>,
}
