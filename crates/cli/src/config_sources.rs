//! Where a setting comes from: the flags ([`ConfigArgs`]), the environment and the optional
//! TOML file, picked in that order by [`Resolver`] (each value remembers its [`Source`]).

use crate::config::ConfigError;
use crate::config_table::*;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

/// The settings as flags. Global: they may follow any subcommand.
#[derive(clap::Args, Debug, Default, Clone)]
#[command(
    next_help_heading = "Configuration (also from PORTICO_* variables or --config; see `portico config --markdown`)"
)]
pub struct ConfigArgs {
    #[arg(long, global = true, value_name = "FILE", help = CONFIG_FILE.meaning)]
    pub config: Option<PathBuf>,
    #[arg(long, global = true, value_name = "ADDR", help = LISTEN.meaning)]
    pub listen: Option<String>,
    #[arg(long, global = true, value_name = "DIR", help = DATA_DIR.meaning)]
    pub data_dir: Option<PathBuf>,
    #[arg(long, global = true, value_name = "URL", help = DATABASE_URL.meaning)]
    pub database_url: Option<String>,
    #[arg(long, global = true, value_name = "N", help = DATABASE_MAX_CONNECTIONS.meaning)]
    pub database_max_connections: Option<u32>,
    #[arg(long, global = true, value_name = "CIDRS", help = TRUSTED_PROXIES.meaning)]
    pub trusted_proxies: Option<String>,
    #[arg(long, global = true, value_name = "BOOL", num_args = 0..=1, default_missing_value = "true", help = SECURE_COOKIES.meaning)]
    pub secure_cookies: Option<bool>,
    #[arg(long, global = true, value_name = "N", help = SESSION_IDLE_MINUTES.meaning)]
    pub session_idle_minutes: Option<i64>,
    #[arg(long, global = true, value_name = "N", help = SESSION_LIFETIME_MINUTES.meaning)]
    pub session_lifetime_minutes: Option<i64>,
    #[arg(long, global = true, value_name = "N", help = IMPERSONATION_MAX_MINUTES.meaning)]
    pub impersonation_max_minutes: Option<i64>,
    #[arg(long, global = true, value_name = "N", help = WELCOME_LINK_HOURS.meaning)]
    pub welcome_link_hours: Option<i64>,
    #[arg(long, global = true, value_name = "N", help = RESET_LINK_HOURS.meaning)]
    pub reset_link_hours: Option<i64>,
    #[arg(long, global = true, value_name = "N", help = CATALOG_MAX_UPLOAD_BYTES.meaning)]
    pub catalog_max_upload_bytes: Option<u64>,
    #[arg(long, global = true, value_name = "BOOL", num_args = 0..=1, default_missing_value = "true", help = MFA_REQUIRED.meaning)]
    pub mfa_required: Option<bool>,
    #[arg(long, global = true, value_name = "URL", help = PUBLIC_URL.meaning)]
    pub public_url: Option<String>,
    #[arg(long, global = true, value_name = "NAME", help = PLATFORM_NAME.meaning)]
    pub platform_name: Option<String>,
    #[arg(long, global = true, value_name = "LANG", help = DEFAULT_LANGUAGE.meaning)]
    pub default_language: Option<String>,
    #[arg(long, global = true, value_name = "ADDRESS", help = EMAIL_FROM.meaning)]
    pub email_from: Option<String>,
    #[arg(long, global = true, value_name = "URL", help = SMTP_URL.meaning)]
    pub smtp_url: Option<String>,
    #[arg(long, global = true, value_name = "FILTER", help = LOG.meaning)]
    pub log: Option<String>,
}

/// The optional file. Unknown keys are refused, so a typo is not silently ignored.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct FileConfig {
    pub(crate) listen: Option<String>,
    pub(crate) data_dir: Option<PathBuf>,
    pub(crate) database_url: Option<String>,
    pub(crate) database_max_connections: Option<u32>,
    pub(crate) trusted_proxies: Option<ProxyList>,
    pub(crate) secure_cookies: Option<bool>,
    pub(crate) session_idle_minutes: Option<i64>,
    pub(crate) session_lifetime_minutes: Option<i64>,
    pub(crate) impersonation_max_minutes: Option<i64>,
    pub(crate) welcome_link_hours: Option<i64>,
    pub(crate) reset_link_hours: Option<i64>,
    pub(crate) mfa_required: Option<bool>,
    pub(crate) public_url: Option<String>,
    pub(crate) platform_name: Option<String>,
    pub(crate) default_language: Option<String>,
    pub(crate) email_from: Option<String>,
    pub(crate) smtp_url: Option<String>,
    pub(crate) log: Option<String>,
    pub(crate) catalog_max_upload_bytes: Option<u64>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub(crate) enum ProxyList {
    List(Vec<String>),
    Text(String),
}

impl ProxyList {
    pub(crate) fn joined(&self) -> String {
        match self {
            Self::List(v) => v.join(","),
            Self::Text(s) => s.clone(),
        }
    }
}

/// Where a resolved value came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Flag,
    Env,
    File,
    Default,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Flag => "flag",
            Self::Env => "environment",
            Self::File => "file",
            Self::Default => "default",
        })
    }
}

/// Reads a setting: flag, else environment (empty counts as unset), else file.
pub(crate) struct Resolver<'a> {
    pub(crate) env: &'a dyn Fn(&str) -> Option<String>,
    pub(crate) sources: BTreeMap<&'static str, Source>,
}

impl Resolver<'_> {
    pub(crate) fn pick<T>(
        &mut self,
        s: &Setting,
        flag: Option<T>,
        file: Option<T>,
        parse: impl Fn(&str) -> Result<T, String>,
    ) -> Result<Option<T>, ConfigError> {
        if let Some(v) = flag {
            self.sources.insert(s.key, Source::Flag);
            return Ok(Some(v));
        }
        if let Some(raw) = (self.env)(s.env).filter(|v| !v.trim().is_empty()) {
            let v = parse(raw.trim()).map_err(|e| ConfigError(format!("{}: {e}", s.env)))?;
            self.sources.insert(s.key, Source::Env);
            return Ok(Some(v));
        }
        if let Some(v) = file {
            self.sources.insert(s.key, Source::File);
            return Ok(Some(v));
        }
        self.sources.insert(s.key, Source::Default);
        Ok(None)
    }
}

pub(crate) fn parse_bool(s: &str) -> Result<bool, String> {
    match s.to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" => Ok(false),
        _ => Err(format!("{s:?} is not true or false")),
    }
}

pub(crate) fn parse_num<T: std::str::FromStr>(s: &str) -> Result<T, String> {
    s.parse().map_err(|_| format!("{s:?} is not a number"))
}

pub(crate) fn read_file(path: &Path) -> Result<FileConfig, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        ConfigError(format!(
            "cannot read the configuration file {}: {e}",
            path.display()
        ))
    })?;
    toml::from_str(&text)
        .map_err(|e| ConfigError(format!("configuration file {}: {e}", path.display())))
}
