//! `[webhooks.NAME]`: a receiver of signed job events, its secrets and filters.

use std::collections::BTreeMap;

use base64::Engine;
use serde::{Deserialize, Serialize};

use super::raw::{resolve_secret, Problems};
use super::{Secret, SourceConfig};
use crate::state::State;

/// The event types a webhook can subscribe to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum EventType {
    #[serde(rename = "job.status_changed")]
    StatusChanged,
    #[serde(rename = "job.created")]
    Created,
    #[serde(rename = "job.deleted")]
    Deleted,
}

impl EventType {
    pub const ALL: [EventType; 3] = [
        EventType::StatusChanged,
        EventType::Created,
        EventType::Deleted,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EventType::StatusChanged => "job.status_changed",
            EventType::Created => "job.created",
            EventType::Deleted => "job.deleted",
        }
    }

    pub fn parse(s: &str) -> Option<EventType> {
        Self::ALL.into_iter().find(|e| e.as_str() == s)
    }
}

/// `secret` may be one string or, while rotating, a list of them.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(super) struct RawWebhook {
    url: Option<String>,
    secret: Option<OneOrMany>,
    secret_file: Option<String>,
    events: Option<Vec<String>>,
    sources: Option<Vec<String>>,
    states: Option<Vec<String>>,
}

/// A validated webhook endpoint.
#[derive(Debug, Clone, Serialize)]
pub struct WebhookConfig {
    #[serde(skip)]
    pub name: String,
    pub url: String,
    /// Signing keys (the base64-decoded part of each `whsec_` secret), newest first.
    #[serde(rename = "secret")]
    pub secrets: Vec<Secret>,
    pub events: Vec<EventType>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sources: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub states: Option<Vec<State>>,
}

impl WebhookConfig {
    /// Whether this endpoint wants an event of `event` for `source` with new state `state`.
    pub fn wants(&self, event: EventType, source: &str, state: Option<State>) -> bool {
        self.events.contains(&event)
            && self
                .sources
                .as_ref()
                .is_none_or(|s| s.iter().any(|x| x == source))
            && match (&self.states, state) {
                (None, _) => true,
                (Some(states), Some(st)) => states.contains(&st),
                (Some(_), None) => false,
            }
    }
}

/// Checks a Standard Webhooks secret (`whsec_` + base64) and returns the key bytes' secret.
fn check_secret(key: &str, s: &str) -> Result<Secret, String> {
    let body = s.strip_prefix("whsec_").unwrap_or(s);
    match base64::engine::general_purpose::STANDARD.decode(body) {
        Ok(bytes) if !bytes.is_empty() => Ok(Secret::new(s.to_string())),
        _ => Err(format!(
            "{key}: is not a Standard Webhooks secret (\"whsec_\" followed by base64)"
        )),
    }
}

impl RawWebhook {
    pub(super) fn validate(
        self,
        name: &str,
        sources: &BTreeMap<String, SourceConfig>,
        p: &mut Problems,
    ) -> Option<WebhookConfig> {
        let key = |k: &str| format!("webhooks.{name}.{k}");
        let before = p.list.len();

        let url = self.url.clone().unwrap_or_default();
        if url.is_empty() {
            p.add(key("url"), "is missing");
        } else {
            match url::Url::parse(&url) {
                Ok(u) if u.scheme() == "http" || u.scheme() == "https" => {
                    let loopback = match u.host() {
                        Some(url::Host::Domain(d)) => d == "localhost",
                        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
                        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
                        None => false,
                    };
                    if u.scheme() == "http" && !loopback {
                        p.warnings.push(format!(
                            "{}: plain http to a non-loopback host; events travel unencrypted",
                            key("url")
                        ));
                    }
                }
                Ok(u) => p.add(
                    key("url"),
                    format!("{url:?}: scheme {:?} is not http or https", u.scheme()),
                ),
                Err(e) => p.add(key("url"), format!("{url:?} is not a URL ({e})")),
            }
        }

        let mut texts: Vec<String> = match self.secret {
            Some(OneOrMany::One(s)) => vec![s],
            Some(OneOrMany::Many(v)) => v,
            None => vec![],
        };
        if let Some(file) = &self.secret_file {
            if !texts.is_empty() {
                p.add(key("secret"), "give either secret or secret_file, not both");
            } else if let Some(Some(s)) = p.take(resolve_secret(&key("secret"), None, Some(file))) {
                texts = s.expose().split_whitespace().map(str::to_string).collect();
            }
        }
        if texts.is_empty() {
            p.add(key("secret"), "is missing; every webhook is signed");
        }
        let secrets: Vec<Secret> = texts
            .iter()
            .filter_map(|s| match check_secret(&key("secret"), s) {
                Ok(s) => Some(s),
                Err(e) => {
                    p.add(
                        key("secret"),
                        e.split_once(": ").map(|x| x.1).unwrap_or(&e).to_string(),
                    );
                    None
                }
            })
            .collect();

        let events = match self.events {
            None => vec![EventType::StatusChanged],
            Some(list) => list
                .iter()
                .filter_map(|e| {
                    let parsed = EventType::parse(e);
                    if parsed.is_none() {
                        p.add(
                            key("events"),
                            format!(
                                "{e:?} is not an event; valid: job.status_changed, job.created, job.deleted"
                            ),
                        );
                    }
                    parsed
                })
                .collect(),
        };
        if let Some(list) = &self.sources {
            for s in list {
                if !sources.contains_key(s) {
                    let known: Vec<&str> = sources.keys().map(|k| k.as_str()).collect();
                    p.add(
                        key("sources"),
                        format!(
                            "{s:?} is not a configured source; configured: {}",
                            known.join(", ")
                        ),
                    );
                }
            }
        }
        let states = self.states.map(|list| {
            list.iter()
                .filter_map(|s| {
                    let parsed = s.parse::<State>();
                    if let Err(e) = &parsed {
                        p.add(key("states"), e.clone());
                    }
                    parsed.ok()
                })
                .collect()
        });

        if p.list.len() != before {
            return None;
        }
        Some(WebhookConfig {
            name: name.to_string(),
            url,
            secrets,
            events,
            sources: self.sources,
            states,
        })
    }
}
