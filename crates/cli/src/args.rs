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
    /// Roles and role assignments (P2, P3).
    #[command(subcommand)]
    Role(RoleCommand),
    /// Access control questions (P10).
    #[command(subcommand)]
    Authz(AuthzCommand),
    /// Fill the database with a realistic demo platform.
    Demo(DemoArgs),
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
        /// The user's IP allowlist, set first when they have none (`*` = no restriction).
        #[arg(long)]
        ip_allowlist: Option<String>,
    },
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
