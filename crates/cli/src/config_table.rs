//! Every setting of [`crate::config::Config`]: its file key, flag, environment variable,
//! default and meaning, in one table ([`TABLE`]) that `portico config --markdown` prints for
//! the README and that a test holds against the README's configuration table.

/// One row of the configuration table.
#[derive(Debug, Clone, Copy)]
pub struct Setting {
    /// The key in the configuration file.
    pub key: &'static str,
    pub flag: &'static str,
    pub env: &'static str,
    pub default: &'static str,
    pub meaning: &'static str,
}

pub const CONFIG_FILE: Setting = Setting {
    key: "-",
    flag: "--config FILE",
    env: "PORTICO_CONFIG",
    default: "none",
    meaning: "Optional TOML file holding any of the settings below under their key; relative paths in it are relative to the file.",
};
pub const LISTEN: Setting = Setting {
    key: "listen",
    flag: "--listen ADDR",
    env: "PORTICO_LISTEN",
    default: "127.0.0.1:8080",
    meaning: "Address and port the server listens on (`0.0.0.0:8080` for every interface, port 0 for any free port).",
};
pub const DATA_DIR: Setting = Setting {
    key: "data_dir",
    flag: "--data-dir DIR",
    env: "PORTICO_DATA_DIR",
    default: "./portico-data",
    meaning: "Directory of the SQLite database (`portico.db`, WAL mode); created if missing.",
};
pub const DATABASE_URL: Setting = Setting {
    key: "database_url",
    flag: "--database-url URL",
    env: "PORTICO_DATABASE_URL",
    default: "none (SQLite in the data directory)",
    meaning: "`postgres://user:password@host/db` uses PostgreSQL; `sqlite:PATH` another SQLite file. A secret: shown redacted.",
};
pub const DATABASE_MAX_CONNECTIONS: Setting = Setting {
    key: "database_max_connections",
    flag: "--database-max-connections N",
    env: "PORTICO_DATABASE_MAX_CONNECTIONS",
    default: "16",
    meaning: "Size of the PostgreSQL connection pool of this process.",
};
pub const TRUSTED_PROXIES: Setting = Setting {
    key: "trusted_proxies",
    flag: "--trusted-proxies CIDRS",
    env: "PORTICO_TRUSTED_PROXIES",
    default: "none",
    meaning: "Comma-separated CIDRs of reverse proxies whose `X-Forwarded-For` is believed for the client address.",
};
pub const SECURE_COOKIES: Setting = Setting {
    key: "secure_cookies",
    flag: "--secure-cookies[=BOOL]",
    env: "PORTICO_SECURE_COOKIES",
    default: "false",
    meaning: "Mark session cookies `Secure` (set it when users reach Portico over HTTPS).",
};
pub const SESSION_IDLE_MINUTES: Setting = Setting {
    key: "session_idle_minutes",
    flag: "--session-idle-minutes N",
    env: "PORTICO_SESSION_IDLE_MINUTES",
    default: "30",
    meaning: "A console session unused this long ends.",
};
pub const SESSION_LIFETIME_MINUTES: Setting = Setting {
    key: "session_lifetime_minutes",
    flag: "--session-lifetime-minutes N",
    env: "PORTICO_SESSION_LIFETIME_MINUTES",
    default: "720",
    meaning: "A console session ends this long after login, used or not.",
};
pub const IMPERSONATION_MAX_MINUTES: Setting = Setting {
    key: "impersonation_max_minutes",
    flag: "--impersonation-max-minutes N",
    env: "PORTICO_IMPERSONATION_MAX_MINUTES",
    default: "30",
    meaning: "The longest a \"log in as\" (impersonation) may last; each one asks for its own time up to this.",
};
pub const WELCOME_LINK_HOURS: Setting = Setting {
    key: "welcome_link_hours",
    flag: "--welcome-link-hours N",
    env: "PORTICO_WELCOME_LINK_HOURS",
    default: "72",
    meaning: "How long the set-password link of a welcome email works (it works once).",
};
pub const RESET_LINK_HOURS: Setting = Setting {
    key: "reset_link_hours",
    flag: "--reset-link-hours N",
    env: "PORTICO_RESET_LINK_HOURS",
    default: "2",
    meaning: "How long a password-reset link works (it works once).",
};
pub const MFA_REQUIRED: Setting = Setting {
    key: "mfa_required",
    flag: "--mfa-required[=BOOL]",
    env: "PORTICO_MFA_REQUIRED",
    default: "false",
    meaning: "Back-office users must set up a second factor (TOTP) before using the back office; application users are not asked.",
};
pub const PUBLIC_URL: Setting = Setting {
    key: "public_url",
    flag: "--public-url URL",
    env: "PORTICO_PUBLIC_URL",
    default: "http://127.0.0.1:8080",
    meaning: "The address people reach the console at; links in emails (welcome, password reset) start with it.",
};
pub const PLATFORM_NAME: Setting = Setting {
    key: "platform_name",
    flag: "--platform-name NAME",
    env: "PORTICO_PLATFORM_NAME",
    default: "Portico",
    meaning: "The platform's name in emails.",
};
pub const DEFAULT_LANGUAGE: Setting = Setting {
    key: "default_language",
    flag: "--default-language LANG",
    env: "PORTICO_DEFAULT_LANGUAGE",
    default: "en",
    meaning: "Language of an email when the recipient's language has no template (built in: `en`, `de`).",
};
pub const EMAIL_FROM: Setting = Setting {
    key: "email_from",
    flag: "--email-from ADDRESS",
    env: "PORTICO_EMAIL_FROM",
    default: "Portico <portico@localhost>",
    meaning: "The `From` of every email, `Name <address>` or `address`.",
};
pub const SMTP_URL: Setting = Setting {
    key: "smtp_url",
    flag: "--smtp-url URL",
    env: "PORTICO_SMTP_URL",
    default: "none (emails are kept in the outbox)",
    meaning: "SMTP server for email: `smtps://user:password@host:465` (TLS), `smtp://user:password@host:587?tls=required` (STARTTLS), `smtp://host:25` (no TLS: a relay on the same host). Without it emails are kept (`held`) in Settings → Sent emails. A secret: shown redacted.",
};
pub const LOG: Setting = Setting {
    key: "log",
    flag: "--log FILTER",
    env: "PORTICO_LOG",
    default: "info",
    meaning: "Log filter, e.g. `warn` or `info,portico_store=debug` (logs go to standard error).",
};

/// Every setting, in the order the README lists them.
pub const CATALOG_MAX_UPLOAD_BYTES: Setting = Setting {
    key: "catalog_max_upload_bytes",
    flag: "--catalog-max-upload-bytes N",
    env: "PORTICO_CATALOG_MAX_UPLOAD_BYTES",
    default: "10485760",
    meaning: "The largest catalog product file accepted (bytes, 1 to 1 GiB); a larger upload is refused with 413 and nothing is stored.",
};

pub const TABLE: &[Setting] = &[
    CONFIG_FILE,
    LISTEN,
    DATA_DIR,
    DATABASE_URL,
    DATABASE_MAX_CONNECTIONS,
    TRUSTED_PROXIES,
    SECURE_COOKIES,
    SESSION_IDLE_MINUTES,
    SESSION_LIFETIME_MINUTES,
    IMPERSONATION_MAX_MINUTES,
    WELCOME_LINK_HOURS,
    RESET_LINK_HOURS,
    MFA_REQUIRED,
    PUBLIC_URL,
    PLATFORM_NAME,
    DEFAULT_LANGUAGE,
    EMAIL_FROM,
    SMTP_URL,
    LOG,
    CATALOG_MAX_UPLOAD_BYTES,
];

/// The table as Markdown, for the README.
pub fn markdown_table() -> String {
    let mut out = String::from("| Setting (file key) | Flag | Environment | Default | Meaning |\n");
    out.push_str("|---|---|---|---|---|\n");
    for s in TABLE {
        out.push_str(&format!(
            "| `{}` | `{}` | `{}` | {} | {} |\n",
            s.key, s.flag, s.env, s.default, s.meaning
        ));
    }
    out
}
