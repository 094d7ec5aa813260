//! The command line, as clap types. Each subcommand's behaviour lives in `commands/`.

use crate::config::ConfigArgs;
use clap::{Args, Parser, Subcommand, ValueEnum};

pub use crate::args_access::*;

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
        /// The new person's language, for every email to them (en, de, …).
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
