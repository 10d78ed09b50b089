//! `[sources.NAME]`: one account/project of one kind, its credentials, schedule
//! and paging, validated per kind.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::raw::{resolve_secret, Problems};
use super::{parse_duration, Secret};
use crate::providers::{AuthFamily, Kind};

/// Default cycle schedule: every minute, at second 0.
pub const DEFAULT_SCHEDULE: &str = "0 * * * * *";
/// Default interval between full reconciles.
pub const DEFAULT_FULL_EVERY: &str = "6h";

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(super) struct RawSource {
    kind: Option<String>,
    endpoint: Option<String>,
    region: Option<String>,
    project_id: Option<String>,
    workspace_id: Option<String>,
    history_start: Option<String>,
    access_key: Option<String>,
    secret_key: Option<String>,
    secret_key_file: Option<String>,
    security_token: Option<String>,
    security_token_file: Option<String>,
    token: Option<String>,
    token_file: Option<String>,
    api_key: Option<String>,
    api_key_file: Option<String>,
    schedule: Option<String>,
    full_every: Option<String>,
    page_size: Option<i64>,
    timeout: Option<String>,
    max_retries: Option<i64>,
    retry_base: Option<String>,
    initial_events: Option<bool>,
}

/// How a source authenticates to its provider.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "method", rename_all = "snake_case")]
pub enum Auth {
    /// Huawei AK/SK request signing (`SDK-HMAC-SHA256`), optionally with an STS token.
    HuaweiAkSk {
        access_key: String,
        secret_key: Secret,
        #[serde(skip_serializing_if = "Option::is_none")]
        security_token: Option<Secret>,
    },
    /// Huawei IAM token sent as `X-Auth-Token`.
    HuaweiToken { token: Secret },
    /// Alibaba AccessKey signing (`ACS3-HMAC-SHA256`), optionally with an STS token.
    AlibabaAk {
        access_key: String,
        secret_key: Secret,
        #[serde(skip_serializing_if = "Option::is_none")]
        security_token: Option<Secret>,
    },
    /// Modzy `Authorization: ApiKey <key>`.
    ModzyApiKey { api_key: Secret },
}

/// A validated source.
#[derive(Debug, Clone, Serialize)]
pub struct SourceConfig {
    #[serde(skip)]
    pub name: String,
    #[serde(serialize_with = "ser_kind")]
    pub kind: Kind,
    pub endpoint: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub project_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub workspace_id: Option<String>,
    /// pai-dlc-jobs: `StartTime` of full sweeps (`YYYY-MM-DDTHH:MM:SSZ`); jobs
    /// created before it are not mirrored. `None`: 2015-01-01T00:00:00Z.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub history_start: Option<String>,
    pub auth: Auth,
    pub schedule: String,
    #[serde(serialize_with = "super::ser_duration")]
    pub full_every: Duration,
    pub page_size: u32,
    #[serde(serialize_with = "super::ser_duration")]
    pub timeout: Duration,
    pub max_retries: u32,
    /// First retry delay; doubles per retry up to 30 s (Retry-After wins).
    #[serde(serialize_with = "super::ser_duration")]
    pub retry_base: Duration,
    pub initial_events: bool,
}

fn ser_kind<S: serde::Serializer>(k: &Kind, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(k.as_str())
}

/// Validates a cron expression (seconds field required) exactly as the scheduler parses it.
pub fn parse_cron(expr: &str) -> Result<croner::Cron, String> {
    croner::parser::CronParser::builder()
        .seconds(croner::parser::Seconds::Required)
        .dom_and_dow(true)
        .build()
        .parse(expr)
        .map_err(|e| e.to_string())
}

fn default_endpoint(kind: Kind, region: &str) -> String {
    match kind {
        Kind::ModelartsTrainingJobs | Kind::ModelartsAlgorithms => {
            if region == "ap-southeast-1" {
                format!("https://modelarts.{region}.myhuaweicloud.cn")
            } else {
                format!("https://modelarts.{region}.myhuaweicloud.com")
            }
        }
        Kind::SwrInstanceJobs => {
            if region == "eu-west-101" {
                format!("https://swr-api.{region}.myhuaweicloud.eu")
            } else {
                format!("https://swr-api.{region}.myhuaweicloud.com")
            }
        }
        Kind::PaiDlcJobs => format!("https://pai-dlc.{region}.aliyuncs.com"),
        Kind::ModzyJobs => "https://app.modzy.com".to_string(),
    }
}

impl RawSource {
    pub(super) fn validate(self, name: &str, p: &mut Problems) -> Option<SourceConfig> {
        let key = |k: &str| format!("sources.{name}.{k}");
        let before = p.list.len();

        let kind = match self.kind.as_deref() {
            None => {
                p.add(key("kind"), "is missing; every source needs a kind");
                return None;
            }
            Some(k) => match k.parse::<Kind>() {
                Ok(kind) => kind,
                Err(e) => {
                    p.add(key("kind"), e);
                    return None;
                }
            },
        };

        let endpoint = match (&self.endpoint, &self.region) {
            (Some(e), _) => e.trim_end_matches('/').to_string(),
            (None, Some(r)) => default_endpoint(kind, r),
            (None, None) if kind == Kind::ModzyJobs => default_endpoint(kind, ""),
            (None, None) => {
                p.add(key("endpoint"), "is missing (give endpoint or region)");
                String::new()
            }
        };
        if !endpoint.is_empty() {
            match url::Url::parse(&endpoint) {
                Ok(u) if u.scheme() == "http" || u.scheme() == "https" => {
                    if u.query().is_some() {
                        p.add(
                            key("endpoint"),
                            format!("{endpoint:?} must not carry a query string"),
                        );
                    }
                }
                Ok(u) => p.add(
                    key("endpoint"),
                    format!("{endpoint:?}: scheme {:?} is not http or https", u.scheme()),
                ),
                Err(e) => p.add(key("endpoint"), format!("{endpoint:?} is not a URL ({e})")),
            }
        }

        if kind.needs_project_id() {
            match &self.project_id {
                Some(pid) if !pid.is_empty() => {}
                _ => p.add(
                    key("project_id"),
                    format!("is missing; kind {kind} needs it"),
                ),
            }
        } else if self.project_id.is_some() {
            p.add(key("project_id"), format!("is not used by kind {kind}"));
        }
        if kind == Kind::ModzyJobs && self.workspace_id.is_some() {
            p.add(key("workspace_id"), format!("is not used by kind {kind}"));
        }

        if kind == Kind::SwrInstanceJobs && self.workspace_id.is_some() {
            p.add(key("workspace_id"), format!("is not used by kind {kind}"));
        }

        let auth = self.validate_auth(kind, &key, p);

        let history_start = match (&self.history_start, kind) {
            (None, _) => None,
            (Some(h), Kind::PaiDlcJobs) => match chrono::DateTime::parse_from_rfc3339(h.trim()) {
                Ok(t) => Some(
                    t.with_timezone(&chrono::Utc)
                        .format("%Y-%m-%dT%H:%M:%SZ")
                        .to_string(),
                ),
                Err(e) => {
                    p.add(
                        key("history_start"),
                        format!(
                            "{h:?} is not an ISO-8601 time like \"2015-01-01T00:00:00Z\" ({e})"
                        ),
                    );
                    None
                }
            },
            (Some(_), _) => {
                p.add(key("history_start"), format!("is not used by kind {kind}"));
                None
            }
        };

        let schedule = self
            .schedule
            .clone()
            .unwrap_or_else(|| DEFAULT_SCHEDULE.to_string());
        if let Err(e) = parse_cron(&schedule) {
            p.add(
                key("schedule"),
                format!(
                    "{schedule:?} is not a cron expression with seconds, e.g. \"0 */2 * * * *\" ({e})"
                ),
            );
        }
        let full_every = p
            .take(parse_duration(
                &key("full_every"),
                self.full_every.as_deref().unwrap_or(DEFAULT_FULL_EVERY),
            ))
            .unwrap_or_default();
        let timeout = p
            .take(parse_duration(
                &key("timeout"),
                self.timeout.as_deref().unwrap_or("30s"),
            ))
            .unwrap_or_default();
        if timeout.is_zero() {
            p.add(key("timeout"), "must be more than zero");
        }

        let max = kind.max_page_size();
        let page_size = match self.page_size {
            None => max,
            Some(n) if n < 1 => {
                p.add(
                    key("page_size"),
                    format!("{n} is not a page size (at least 1)"),
                );
                max
            }
            Some(n) if n > max as i64 => {
                p.warnings.push(format!(
                    "{}: {n} is above the {kind} maximum of {max}; using {max}",
                    key("page_size")
                ));
                max
            }
            Some(n) => n as u32,
        };
        let max_retries = match self.max_retries {
            None => 5,
            Some(n) if (0..=20).contains(&n) => n as u32,
            Some(n) => {
                p.add(key("max_retries"), format!("{n} is not between 0 and 20"));
                5
            }
        };

        let retry_base = p
            .take(parse_duration(
                &key("retry_base"),
                self.retry_base.as_deref().unwrap_or("500ms"),
            ))
            .unwrap_or_default();

        if p.list.len() != before {
            return None;
        }
        Some(SourceConfig {
            name: name.to_string(),
            kind,
            endpoint,
            project_id: self.project_id,
            workspace_id: self.workspace_id,
            history_start,
            auth: auth?,
            schedule,
            full_every,
            page_size,
            timeout,
            max_retries,
            retry_base,
            initial_events: self.initial_events.unwrap_or(false),
        })
    }

    fn validate_auth(
        &self,
        kind: Kind,
        key: &dyn Fn(&str) -> String,
        p: &mut Problems,
    ) -> Option<Auth> {
        let secret = |p: &mut Problems, k: &str, v: &Option<String>, f: &Option<String>| {
            p.take(resolve_secret(&key(k), v.as_ref(), f.as_ref()))
                .flatten()
        };
        let sk = secret(p, "secret_key", &self.secret_key, &self.secret_key_file);
        let sts = secret(
            p,
            "security_token",
            &self.security_token,
            &self.security_token_file,
        );
        let token = secret(p, "token", &self.token, &self.token_file);
        let api_key = secret(p, "api_key", &self.api_key, &self.api_key_file);
        let ak = self.access_key.clone().filter(|a| !a.is_empty());
        let unused = |p: &mut Problems, k: &str, present: bool| {
            if present {
                p.add(key(k), format!("is not used by kind {kind}"));
            }
        };

        match kind.auth_family() {
            AuthFamily::Huawei => {
                unused(p, "api_key", api_key.is_some());
                match (ak, sk, token) {
                    (Some(_), _, Some(_)) | (_, Some(_), Some(_)) => {
                        p.add(
                            key("token"),
                            "give either access_key + secret_key (AK/SK signing) or token, not both",
                        );
                        None
                    }
                    (Some(access_key), Some(secret_key), None) => Some(Auth::HuaweiAkSk {
                        access_key,
                        secret_key,
                        security_token: sts,
                    }),
                    (None, None, Some(token)) => {
                        unused(p, "security_token", sts.is_some());
                        Some(Auth::HuaweiToken { token })
                    }
                    (Some(_), None, None) => {
                        p.add(
                            key("secret_key"),
                            "is missing; access_key needs its secret_key",
                        );
                        None
                    }
                    (None, Some(_), None) => {
                        p.add(
                            key("access_key"),
                            "is missing; secret_key needs its access_key",
                        );
                        None
                    }
                    (None, None, None) => {
                        p.add(
                            key("access_key"),
                            format!("no credentials: kind {kind} needs access_key + secret_key, or token"),
                        );
                        None
                    }
                }
            }
            AuthFamily::Alibaba => {
                unused(p, "api_key", api_key.is_some());
                unused(p, "token", token.is_some());
                match (ak, sk) {
                    (Some(access_key), Some(secret_key)) => Some(Auth::AlibabaAk {
                        access_key,
                        secret_key,
                        security_token: sts,
                    }),
                    (None, _) => {
                        p.add(
                            key("access_key"),
                            format!("is missing; kind {kind} needs access_key + secret_key"),
                        );
                        None
                    }
                    (Some(_), None) => {
                        p.add(
                            key("secret_key"),
                            "is missing; access_key needs its secret_key",
                        );
                        None
                    }
                }
            }
            AuthFamily::Modzy => {
                unused(p, "access_key", ak.is_some());
                unused(p, "secret_key", sk.is_some());
                unused(p, "security_token", sts.is_some());
                unused(p, "token", token.is_some());
                match api_key {
                    Some(api_key) => Some(Auth::ModzyApiKey { api_key }),
                    None => {
                        p.add(
                            key("api_key"),
                            format!("is missing; kind {kind} needs api_key"),
                        );
                        None
                    }
                }
            }
        }
    }
}
