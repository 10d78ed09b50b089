//! The configuration as written (every key optional, unknown keys rejected),
//! and its validation into [`Config`](super::Config).

use std::collections::BTreeMap;
use std::net::SocketAddr;

use serde::Deserialize;

use super::source::RawSource;
use super::webhook::RawWebhook;
use super::{
    parse_duration, Config, ConfigError, ConfigProblem, DatabaseConfig, DeliveryConfig, HttpConfig,
    LogConfig, LogFormat, Secret,
};

/// Default delays after failed webhook tries: 27 h 36 m in all.
pub const DEFAULT_RETRY_SCHEDULE: &[&str] = &["5s", "1m", "5m", "30m", "2h", "5h", "10h", "10h"];

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(super) struct RawConfig {
    database: RawDatabase,
    http: RawHttp,
    delivery: RawDelivery,
    log: RawLog,
    sources: BTreeMap<String, RawSource>,
    webhooks: BTreeMap<String, RawWebhook>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct RawDatabase {
    url: Option<String>,
    password: Option<String>,
    password_file: Option<String>,
    lease_period: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct RawHttp {
    listen: Option<String>,
    token: Option<String>,
    token_file: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct RawDelivery {
    retry_schedule: Option<Vec<String>>,
    timeout: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct RawLog {
    level: Option<String>,
    format: Option<String>,
}

/// Collects problems while validating, so one run reports all of them.
#[derive(Default)]
pub(super) struct Problems {
    pub list: Vec<ConfigProblem>,
    pub warnings: Vec<String>,
}

impl Problems {
    pub fn add(&mut self, key: impl Into<String>, problem: impl Into<String>) {
        self.list.push(ConfigProblem {
            key: key.into(),
            problem: problem.into(),
        });
    }

    pub fn take<T>(&mut self, r: Result<T, ConfigProblem>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(p) => {
                self.list.push(p);
                None
            }
        }
    }
}

/// Resolves a secret given inline or as `<key>_file` (one trailing newline trimmed).
pub(super) fn resolve_secret(
    key: &str,
    inline: Option<&String>,
    file: Option<&String>,
) -> Result<Option<Secret>, ConfigProblem> {
    let problem = |p: String| ConfigProblem {
        key: key.to_string(),
        problem: p,
    };
    let value = match (inline, file) {
        (Some(_), Some(_)) => {
            return Err(problem(format!(
                "give either the secret or {}_file, not both",
                key.rsplit('.').next().unwrap_or(key)
            )))
        }
        (Some(v), None) => v.clone(),
        (None, Some(path)) => {
            let mut text = std::fs::read_to_string(path).map_err(|e| ConfigProblem {
                key: format!("{key}_file"),
                problem: format!("cannot read {path:?}: {e}"),
            })?;
            if text.ends_with('\n') {
                text.pop();
                if text.ends_with('\r') {
                    text.pop();
                }
            }
            text
        }
        (None, None) => return Ok(None),
    };
    if value.is_empty() {
        return Err(problem("is empty".into()));
    }
    Ok(Some(Secret::new(value)))
}

impl RawConfig {
    pub(super) fn validate(self) -> Result<Config, ConfigError> {
        let mut p = Problems::default();

        let url = self
            .database
            .url
            .unwrap_or_else(|| "sqlite://jobmirror.db".to_string());
        let password = p
            .take(resolve_secret(
                "database.password",
                self.database.password.as_ref(),
                self.database.password_file.as_ref(),
            ))
            .flatten();
        match crate::store::Backend::of_url(&url) {
            Some(crate::store::Backend::Sqlite) => {
                if password.is_some() {
                    p.add("database.password", "SQLite databases take no password");
                }
            }
            Some(crate::store::Backend::Postgres) => match url::Url::parse(&url) {
                Ok(u) if u.password().is_some() => p.add(
                    "database.url",
                    "holds a password; give it as database.password or database.password_file \
                     (or JOBMIRROR_DATABASE__PASSWORD) so it is never shown",
                ),
                Ok(u) if u.host_str().is_none_or(str::is_empty) => p.add(
                    "database.url",
                    format!("{url:?} names no host (e.g. \"postgres://jobmirror@db.example/jobmirror\")"),
                ),
                Ok(_) => {}
                Err(e) => p.add("database.url", format!("{url:?} is not a URL: {e}")),
            },
            None => p.add(
                "database.url",
                format!(
                    "{:?}: only sqlite:// and postgres:// URLs are supported \
                     (e.g. \"sqlite://jobmirror.db\" or \"postgres://jobmirror@db.example/jobmirror\")",
                    crate::store::db::redact_url(&url)
                ),
            ),
        }

        let lease_text = self.database.lease_period.as_deref().unwrap_or("30s");
        let lease_period = p
            .take(parse_duration("database.lease_period", lease_text))
            .and_then(|d| match crate::store::leases::check_lease_period(d) {
                Ok(()) => Some(d),
                Err(problem) => {
                    p.add(
                        "database.lease_period",
                        format!("{lease_text:?}: {problem}"),
                    );
                    None
                }
            })
            .unwrap_or(crate::store::LEASE_PERIOD);

        let listen_text = self
            .http
            .listen
            .unwrap_or_else(|| "127.0.0.1:9187".to_string());
        let listen = match listen_text.parse::<SocketAddr>() {
            Ok(a) => {
                if !a.ip().is_loopback() {
                    p.warnings.push(format!(
                        "http.listen: {a} is not a loopback address; the query API is reachable from the network"
                    ));
                }
                Some(a)
            }
            Err(_) => {
                p.add(
                    "http.listen",
                    format!("{listen_text:?} is not an address like \"127.0.0.1:9187\""),
                );
                None
            }
        };
        let token = p
            .take(resolve_secret(
                "http.token",
                self.http.token.as_ref(),
                self.http.token_file.as_ref(),
            ))
            .flatten();

        let schedule_text: Vec<String> = self.delivery.retry_schedule.unwrap_or_else(|| {
            DEFAULT_RETRY_SCHEDULE
                .iter()
                .map(|s| s.to_string())
                .collect()
        });
        if schedule_text.is_empty() {
            p.add("delivery.retry_schedule", "must list at least one delay");
        }
        let retry_schedule: Vec<_> = schedule_text
            .iter()
            .enumerate()
            .filter_map(|(i, s)| {
                p.take(parse_duration(&format!("delivery.retry_schedule[{i}]"), s))
            })
            .collect();
        let timeout = p
            .take(parse_duration(
                "delivery.timeout",
                self.delivery.timeout.as_deref().unwrap_or("15s"),
            ))
            .unwrap_or_default();
        if timeout.is_zero() {
            p.add("delivery.timeout", "must be more than zero");
        }

        let level = self.log.level.unwrap_or_else(|| "info".into());
        if tracing_subscriber::EnvFilter::try_new(&level).is_err() {
            p.add(
                "log.level",
                format!(
                    "{level:?} is not a level or filter such as \"info\" or \"jobmirror=debug\""
                ),
            );
        }
        let format = match self.log.format.as_deref().unwrap_or("text") {
            "text" => LogFormat::Text,
            "json" => LogFormat::Json,
            other => {
                p.add("log.format", format!("{other:?} is not one of: text, json"));
                LogFormat::Text
            }
        };

        let mut sources = BTreeMap::new();
        for (name, raw) in self.sources {
            if let Some(s) = raw.validate(&name, &mut p) {
                sources.insert(name, s);
            }
        }
        let mut webhooks = BTreeMap::new();
        for (name, raw) in self.webhooks {
            if let Some(w) = raw.validate(&name, &sources, &mut p) {
                webhooks.insert(name, w);
            }
        }

        if !p.list.is_empty() {
            return Err(ConfigError::Invalid(p.list));
        }
        Ok(Config {
            path: None,
            database: DatabaseConfig {
                url,
                password,
                lease_period,
            },
            http: HttpConfig {
                listen: listen.expect("checked above"),
                token,
            },
            delivery: DeliveryConfig {
                retry_schedule,
                timeout,
            },
            log: LogConfig { level, format },
            sources,
            webhooks,
            warnings: p.warnings,
        })
    }
}
