//! Configuration: figment layering of `config.toml` and `JOBMIRROR_*` environment
//! variables, `<secret>_file` indirection, validation with errors that name the
//! offending key, and redaction of every secret.

mod env;
mod raw;
mod secret;
mod source;
mod webhook;

use std::collections::BTreeMap;
use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use figment::providers::{Format, Toml};
use figment::Figment;
use serde::Serialize;

pub use secret::Secret;
pub use source::{parse_cron, Auth, SourceConfig};
pub use webhook::{EventType, WebhookConfig};

use raw::RawConfig;

/// The environment variable that names the config file (not itself a config key).
pub const CONFIG_ENV: &str = "JOBMIRROR_CONFIG";
/// Prefix of environment variables that override config keys.
pub const ENV_PREFIX: &str = "JOBMIRROR_";

/// One validation problem, naming the key (`sources.NAME.KEY`) and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigProblem {
    pub key: String,
    pub problem: String,
}

impl fmt::Display for ConfigProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.key, self.problem)
    }
}

/// Why a configuration could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {reason}")]
    Read { path: String, reason: String },
    #[error("{}", .0.iter().map(|p| p.to_string()).collect::<Vec<_>>().join("\n"))]
    Invalid(Vec<ConfigProblem>),
}

impl ConfigError {
    /// The problems, one per offending key.
    pub fn problems(&self) -> Vec<String> {
        match self {
            ConfigError::Invalid(p) => p.iter().map(|p| p.to_string()).collect(),
            other => vec![other.to_string()],
        }
    }
}

/// The resolved, validated configuration.
#[derive(Debug, Clone, Serialize)]
pub struct Config {
    /// The file it was read from (None if it did not exist and only env was used).
    #[serde(skip)]
    pub path: Option<PathBuf>,
    pub database: DatabaseConfig,
    pub http: HttpConfig,
    pub delivery: DeliveryConfig,
    pub log: LogConfig,
    pub sources: BTreeMap<String, SourceConfig>,
    pub webhooks: BTreeMap<String, WebhookConfig>,
    /// Non-fatal remarks found while validating (e.g. a clamped page size).
    #[serde(skip)]
    pub warnings: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DatabaseConfig {
    /// `sqlite://PATH` or `postgres://USER@HOST[:PORT]/DB` (never with a password).
    pub url: String,
    /// The PostgreSQL password (`database.password` or `database.password_file`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password: Option<Secret>,
    /// How long a replica's lease on a source lasts unless renewed (renewed
    /// every third of it); `database.lease_period`, default 30 s.
    #[serde(serialize_with = "ser_duration")]
    pub lease_period: Duration,
}

#[derive(Debug, Clone, Serialize)]
pub struct HttpConfig {
    pub listen: SocketAddr,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token: Option<Secret>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DeliveryConfig {
    #[serde(serialize_with = "ser_durations")]
    pub retry_schedule: Vec<Duration>,
    #[serde(serialize_with = "ser_duration")]
    pub timeout: Duration,
}

#[derive(Debug, Clone, Serialize)]
pub struct LogConfig {
    pub level: String,
    pub format: LogFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}

fn ser_duration<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&humantime::format_duration(*d).to_string())
}

fn ser_durations<S: serde::Serializer>(d: &[Duration], s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(d.iter().map(|d| humantime::format_duration(*d).to_string()))
}

/// Parses a duration such as `6h`, `90s`, `1m 30s` for the key named in errors.
pub(crate) fn parse_duration(key: &str, value: &str) -> Result<Duration, ConfigProblem> {
    humantime::parse_duration(value.trim()).map_err(|e| ConfigProblem {
        key: key.to_string(),
        problem: format!("{value:?} is not a duration like \"90s\", \"5m\" or \"6h\" ({e})"),
    })
}

/// Where the config file is: `--config`, else `$JOBMIRROR_CONFIG`, else `./config.toml`.
pub fn resolve_path(cli: Option<&Path>) -> PathBuf {
    if let Some(p) = cli {
        return p.to_path_buf();
    }
    match std::env::var_os(CONFIG_ENV) {
        Some(p) if !p.is_empty() => PathBuf::from(p),
        _ => PathBuf::from("config.toml"),
    }
}

impl Config {
    /// Loads `path` (which must exist if it was named explicitly) layered under the
    /// process environment, then validates everything.
    pub fn load(path: &Path, explicit: bool) -> Result<Config, ConfigError> {
        let vars: Vec<(String, String)> = std::env::vars().collect();
        Self::load_with_env(path, explicit, &vars)
    }

    /// As [`Config::load`], with the environment given (tests).
    pub fn load_with_env(
        path: &Path,
        explicit: bool,
        vars: &[(String, String)],
    ) -> Result<Config, ConfigError> {
        let exists = path.exists();
        if explicit && !exists {
            return Err(ConfigError::Read {
                path: path.display().to_string(),
                reason: "no such file".into(),
            });
        }
        let mut figment = Figment::new();
        if exists {
            let text = std::fs::read_to_string(path).map_err(|e| ConfigError::Read {
                path: path.display().to_string(),
                reason: e.to_string(),
            })?;
            figment = figment.merge(Toml::string(&text));
        }
        figment = figment.merge(env::EnvProvider::new(vars));
        let mut config = Self::from_figment(figment)?;
        config.path = exists.then(|| path.to_path_buf());
        Ok(config)
    }

    /// Parses a TOML string with no environment (tests, demo).
    pub fn from_toml(text: &str) -> Result<Config, ConfigError> {
        Self::from_figment(Figment::new().merge(Toml::string(text)))
    }

    fn from_figment(figment: Figment) -> Result<Config, ConfigError> {
        let raw: RawConfig = figment.extract().map_err(figment_problems)?;
        raw.validate()
    }

    /// The configuration as TOML with every secret redacted (`check-config`).
    pub fn redacted_toml(&self) -> String {
        toml::to_string_pretty(self).unwrap_or_else(|e| format!("# cannot render: {e}\n"))
    }

    /// The sources named (all when `names` is empty), or an error naming the unknown one.
    pub fn select_sources(&self, names: &[String]) -> Result<Vec<&SourceConfig>, String> {
        if names.is_empty() {
            return Ok(self.sources.values().collect());
        }
        names
            .iter()
            .map(|n| {
                self.sources.get(n).ok_or_else(|| {
                    let known: Vec<&str> = self.sources.keys().map(|s| s.as_str()).collect();
                    format!("unknown source {n:?}; configured: {}", known.join(", "))
                })
            })
            .collect()
    }
}

fn figment_problems(err: figment::Error) -> ConfigError {
    let problems = err
        .into_iter()
        .map(|e| {
            let key = if e.path.is_empty() {
                "config".to_string()
            } else {
                e.path.join(".")
            };
            ConfigProblem {
                key,
                problem: e.kind.to_string(),
            }
        })
        .collect();
    ConfigError::Invalid(problems)
}

#[cfg(test)]
mod tests;
