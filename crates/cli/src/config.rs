//! Configuration: one typed [`Config`], resolved once at start from flags, then environment,
//! then an optional TOML file, then defaults — and validated before anything runs.
//!
//! [`TABLE`] describes every setting; `portico config --markdown` prints it for the README,
//! and a test checks that the README's configuration table names every variable.

use crate::secret::{DatabaseUrl, SecretUrl};
use ipnet::IpNet;
use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

pub use crate::config_sources::{ConfigArgs, Source};
use crate::config_sources::{FileConfig, ProxyList, Resolver, parse_bool, parse_num, read_file};
pub use crate::config_table::*;

/// Which database the configuration points at.
#[derive(Debug, Clone)]
pub enum DatabaseTarget {
    /// `DIR/portico.db`.
    SqliteDir(PathBuf),
    /// An explicit `sqlite:` or `postgres://` URL.
    Url(DatabaseUrl),
}

/// The resolved, validated configuration. `Debug` never shows the database password.
#[derive(Debug, Clone)]
pub struct Config {
    pub config_file: Option<PathBuf>,
    pub listen: String,
    pub data_dir: PathBuf,
    pub database_url: Option<DatabaseUrl>,
    pub database_max_connections: u32,
    pub trusted_proxies: Vec<IpNet>,
    pub secure_cookies: bool,
    pub session_idle_minutes: i64,
    pub session_lifetime_minutes: i64,
    pub impersonation_max_minutes: i64,
    pub welcome_link_hours: i64,
    pub reset_link_hours: i64,
    pub mfa_required: bool,
    pub public_url: String,
    pub platform_name: String,
    pub default_language: String,
    pub email_from: String,
    /// A secret: shown redacted.
    pub smtp_url: Option<SecretUrl>,
    pub log: String,
    pub catalog_max_upload_bytes: u64,
    /// Where each setting (by file key) came from.
    pub sources: BTreeMap<&'static str, Source>,
}

#[derive(Debug)]
pub struct ConfigError(pub String);

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ConfigError {}

pub fn parse_proxies(s: &str) -> Result<Vec<IpNet>, String> {
    s.split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| {
            p.parse::<IpNet>()
                .or_else(|_| p.parse::<std::net::IpAddr>().map(IpNet::from))
                .map_err(|_| format!("{p:?} is not an address or CIDR (e.g. 10.0.0.0/8)"))
        })
        .collect()
}

impl Config {
    /// Resolves the configuration from the process's flags and environment.
    pub fn load(args: &ConfigArgs) -> Result<Self, ConfigError> {
        Self::resolve(args, &|k| std::env::var(k).ok())
    }

    /// Resolves with an explicit environment (tests).
    pub fn resolve(
        args: &ConfigArgs,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        let mut r = Resolver {
            env,
            sources: BTreeMap::new(),
        };
        let config_file = r.pick(&CONFIG_FILE, args.config.clone(), None, |s| {
            Ok(PathBuf::from(s))
        })?;
        r.sources.remove(CONFIG_FILE.key);
        let file = match &config_file {
            None => FileConfig::default(),
            Some(path) => read_file(path)?,
        };
        let base = config_file
            .as_deref()
            .and_then(Path::parent)
            .map(Path::to_path_buf)
            .unwrap_or_default();

        let listen = r
            .pick(&LISTEN, args.listen.clone(), file.listen, |s| {
                Ok(s.to_string())
            })?
            .unwrap_or_else(|| LISTEN.default.to_string());
        let data_dir = r
            .pick(
                &DATA_DIR,
                args.data_dir.clone(),
                file.data_dir.map(|d| base.join(d)),
                |s| Ok(PathBuf::from(s)),
            )?
            .unwrap_or_else(|| PathBuf::from(DATA_DIR.default));
        let database_url = r.pick(
            &DATABASE_URL,
            args.database_url.clone(),
            file.database_url,
            |s| Ok(s.to_string()),
        )?;
        let database_max_connections = r
            .pick(
                &DATABASE_MAX_CONNECTIONS,
                args.database_max_connections,
                file.database_max_connections,
                parse_num,
            )?
            .unwrap_or(16);
        let proxies_text = r
            .pick(
                &TRUSTED_PROXIES,
                args.trusted_proxies.clone(),
                file.trusted_proxies.as_ref().map(ProxyList::joined),
                |s| Ok(s.to_string()),
            )?
            .unwrap_or_default();
        let secure_cookies = r
            .pick(
                &SECURE_COOKIES,
                args.secure_cookies,
                file.secure_cookies,
                parse_bool,
            )?
            .unwrap_or(false);
        let session_idle_minutes = r
            .pick(
                &SESSION_IDLE_MINUTES,
                args.session_idle_minutes,
                file.session_idle_minutes,
                parse_num,
            )?
            .unwrap_or(30);
        let session_lifetime_minutes = r
            .pick(
                &SESSION_LIFETIME_MINUTES,
                args.session_lifetime_minutes,
                file.session_lifetime_minutes,
                parse_num,
            )?
            .unwrap_or(720);
        let impersonation_max_minutes = r
            .pick(
                &IMPERSONATION_MAX_MINUTES,
                args.impersonation_max_minutes,
                file.impersonation_max_minutes,
                parse_num,
            )?
            .unwrap_or(30);
        let catalog_max_upload_bytes = r
            .pick(
                &CATALOG_MAX_UPLOAD_BYTES,
                args.catalog_max_upload_bytes,
                file.catalog_max_upload_bytes,
                parse_num,
            )?
            .unwrap_or(10 * 1024 * 1024);
        let welcome_link_hours = r
            .pick(
                &WELCOME_LINK_HOURS,
                args.welcome_link_hours,
                file.welcome_link_hours,
                parse_num,
            )?
            .unwrap_or(72);
        let reset_link_hours = r
            .pick(
                &RESET_LINK_HOURS,
                args.reset_link_hours,
                file.reset_link_hours,
                parse_num,
            )?
            .unwrap_or(2);
        let mfa_required = r
            .pick(
                &MFA_REQUIRED,
                args.mfa_required,
                file.mfa_required,
                parse_bool,
            )?
            .unwrap_or(false);
        let text = |s: &str| Ok(s.to_string());
        let public_url = r
            .pick(&PUBLIC_URL, args.public_url.clone(), file.public_url, text)?
            .unwrap_or_else(|| PUBLIC_URL.default.to_string())
            .trim_end_matches('/')
            .to_string();
        let platform_name = r
            .pick(
                &PLATFORM_NAME,
                args.platform_name.clone(),
                file.platform_name,
                text,
            )?
            .unwrap_or_else(|| PLATFORM_NAME.default.to_string());
        let default_language = r
            .pick(
                &DEFAULT_LANGUAGE,
                args.default_language.clone(),
                file.default_language,
                text,
            )?
            .unwrap_or_else(|| DEFAULT_LANGUAGE.default.to_string())
            .to_ascii_lowercase();
        let email_from = r
            .pick(&EMAIL_FROM, args.email_from.clone(), file.email_from, text)?
            .unwrap_or_else(|| EMAIL_FROM.default.to_string());
        let smtp_url = r
            .pick(&SMTP_URL, args.smtp_url.clone(), file.smtp_url, text)?
            .map(SecretUrl::new);
        let log = r
            .pick(&LOG, args.log.clone(), file.log, |s| Ok(s.to_string()))?
            .unwrap_or_else(|| LOG.default.to_string());

        let config = Config {
            config_file,
            listen,
            data_dir,
            database_url: database_url.map(DatabaseUrl::new),
            database_max_connections,
            trusted_proxies: parse_proxies(&proxies_text)
                .map_err(|e| ConfigError(format!("trusted proxies: {e}")))?,
            secure_cookies,
            session_idle_minutes,
            session_lifetime_minutes,
            impersonation_max_minutes,
            welcome_link_hours,
            reset_link_hours,
            mfa_required,
            public_url,
            platform_name,
            default_language,
            email_from,
            smtp_url,
            log,
            catalog_max_upload_bytes,
            sources: r.sources,
        };
        config.validate()?;
        Ok(config)
    }

    fn validate(&self) -> Result<(), ConfigError> {
        let bad = |m: String| Err(ConfigError(m));
        match self.listen.rsplit_once(':') {
            Some((host, port)) if !host.is_empty() && port.parse::<u16>().is_ok() => {}
            _ => {
                return bad(format!(
                    "listen: {:?} is not HOST:PORT (e.g. 127.0.0.1:8080)",
                    self.listen
                ));
            }
        }
        if let Some(url) = &self.database_url
            && !url.is_postgres()
            && !url.expose().starts_with("sqlite:")
        {
            return bad(format!(
                "database URL {url} must start with postgres:// (PostgreSQL) or sqlite: (SQLite)"
            ));
        }
        if self.database_max_connections == 0 {
            return bad("database max connections must be at least 1".into());
        }
        if self.session_idle_minutes < 1 || self.session_lifetime_minutes < 1 {
            return bad("session idle time and lifetime must be at least 1 minute".into());
        }
        if self.session_idle_minutes > self.session_lifetime_minutes {
            return bad("the session idle time cannot be longer than the session lifetime".into());
        }
        if !(1..=1024 * 1024 * 1024).contains(&self.catalog_max_upload_bytes) {
            return bad("the catalog upload limit must be 1 byte to 1 GiB".into());
        }
        if !(1..=24 * 60).contains(&self.impersonation_max_minutes) {
            return bad("the impersonation maximum must be 1 to 1440 minutes".into());
        }
        if !(1..=24 * 30).contains(&self.welcome_link_hours)
            || !(1..=24 * 7).contains(&self.reset_link_hours)
        {
            return bad("welcome links may last 1 to 720 hours, reset links 1 to 168 hours".into());
        }
        if !(self.public_url.starts_with("http://") || self.public_url.starts_with("https://")) {
            return bad(format!(
                "public URL {:?} must start with http:// or https://",
                self.public_url
            ));
        }
        if self.platform_name.trim().is_empty() {
            return bad("the platform name cannot be empty".into());
        }
        let lang = &self.default_language;
        if lang.is_empty() || lang.len() > 8 || !lang.bytes().all(|b| b.is_ascii_lowercase()) {
            return bad(format!(
                "default language {lang:?} is not a language code such as en or de"
            ));
        }
        if !self.email_from.contains('@') {
            return bad(format!(
                "email from {:?} is not `Name <address>` or an address",
                self.email_from
            ));
        }
        if let Some(url) = &self.smtp_url
            && !(url.expose().starts_with("smtp://") || url.expose().starts_with("smtps://"))
        {
            return bad(format!(
                "SMTP URL {url} must start with smtp:// or smtps://"
            ));
        }
        if let Err(e) = tracing_subscriber::EnvFilter::try_new(&self.log) {
            return bad(format!("log filter {:?}: {e}", self.log));
        }
        Ok(())
    }

    pub fn database(&self) -> DatabaseTarget {
        match &self.database_url {
            Some(url) => DatabaseTarget::Url(url.clone()),
            None => DatabaseTarget::SqliteDir(self.data_dir.clone()),
        }
    }

    pub fn service_config(&self) -> portico_services::ServiceConfig {
        portico_services::ServiceConfig {
            session_idle_secs: self.session_idle_minutes * 60,
            session_lifetime_secs: self.session_lifetime_minutes * 60,
            impersonation_max_minutes: self.impersonation_max_minutes,
            welcome_link_hours: self.welcome_link_hours,
            reset_link_hours: self.reset_link_hours,
            mfa_required_for_back_office: self.mfa_required,
            public_url: self.public_url.clone(),
            default_language: self.default_language.clone(),
            email_from: self.email_from.clone(),
            platform_name: self.platform_name.clone(),
            email_delivery: self.smtp_url.is_some(),
            catalog_max_upload_bytes: self.catalog_max_upload_bytes,
            ..Default::default()
        }
    }

    pub fn web_config(&self) -> portico_web::WebConfig {
        portico_web::WebConfig {
            trusted_proxies: self.trusted_proxies.clone(),
            secure_cookies: self.secure_cookies,
        }
    }

    /// `portico config`: each setting, its value (secrets redacted) and where it came from.
    pub fn describe(&self) -> String {
        let proxies = if self.trusted_proxies.is_empty() {
            "none".to_string()
        } else {
            self.trusted_proxies
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(",")
        };
        let database = match self.database() {
            DatabaseTarget::SqliteDir(d) => format!("SQLite {}", d.join("portico.db").display()),
            DatabaseTarget::Url(u) if u.is_postgres() => format!("PostgreSQL {u}"),
            DatabaseTarget::Url(u) => format!("SQLite {u}"),
        };
        let rows: Vec<(&str, String)> = vec![
            (LISTEN.key, self.listen.clone()),
            (DATA_DIR.key, self.data_dir.display().to_string()),
            (
                DATABASE_URL.key,
                self.database_url
                    .as_ref()
                    .map_or_else(|| "none".to_string(), ToString::to_string),
            ),
            (
                DATABASE_MAX_CONNECTIONS.key,
                self.database_max_connections.to_string(),
            ),
            (TRUSTED_PROXIES.key, proxies),
            (SECURE_COOKIES.key, self.secure_cookies.to_string()),
            (
                SESSION_IDLE_MINUTES.key,
                self.session_idle_minutes.to_string(),
            ),
            (
                SESSION_LIFETIME_MINUTES.key,
                self.session_lifetime_minutes.to_string(),
            ),
            (
                IMPERSONATION_MAX_MINUTES.key,
                self.impersonation_max_minutes.to_string(),
            ),
            (WELCOME_LINK_HOURS.key, self.welcome_link_hours.to_string()),
            (RESET_LINK_HOURS.key, self.reset_link_hours.to_string()),
            (MFA_REQUIRED.key, self.mfa_required.to_string()),
            (PUBLIC_URL.key, self.public_url.clone()),
            (PLATFORM_NAME.key, self.platform_name.clone()),
            (DEFAULT_LANGUAGE.key, self.default_language.clone()),
            (EMAIL_FROM.key, self.email_from.clone()),
            (
                SMTP_URL.key,
                self.smtp_url
                    .as_ref()
                    .map_or_else(|| "none".to_string(), ToString::to_string),
            ),
            (LOG.key, self.log.clone()),
            (
                CATALOG_MAX_UPLOAD_BYTES.key,
                self.catalog_max_upload_bytes.to_string(),
            ),
        ];
        let mut out = String::new();
        if let Some(f) = &self.config_file {
            out.push_str(&format!("# configuration file: {}\n", f.display()));
        }
        for (key, value) in rows {
            let source = self.sources.get(key).copied().unwrap_or(Source::Default);
            out.push_str(&format!("{key:<26} {value:<40} ({source})\n"));
        }
        out.push_str(&format!("{:<26} {database}\n", "# database in use"));
        out
    }
}

#[cfg(test)]
#[path = "config_tests.rs"]
mod tests;
