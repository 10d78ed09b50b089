//! The `JOBMIRROR_*` environment as a figment provider: `__` separates levels,
//! keys are lower-cased, and values of string-typed keys are kept verbatim
//! (a project id `0123` must not become the number 123).

use figment::value::{Dict, Map, Value};
use figment::{Error, Metadata, Profile, Provider};

use super::{CONFIG_ENV, ENV_PREFIX};

/// Leaf keys whose values are always strings, whatever they look like.
const STRING_KEYS: &[&str] = &[
    "url",
    "listen",
    "token",
    "token_file",
    "kind",
    "endpoint",
    "region",
    "project_id",
    "workspace_id",
    "access_key",
    "secret_key",
    "secret_key_file",
    "security_token",
    "security_token_file",
    "api_key",
    "api_key_file",
    "schedule",
    "full_every",
    "timeout",
    "retry_base",
    "secret",
    "secret_file",
    "level",
    "format",
    "password",
    "password_file",
    "lease_period",
];

pub(super) struct EnvProvider {
    vars: Vec<(String, String)>,
}

impl EnvProvider {
    pub(super) fn new(vars: &[(String, String)]) -> Self {
        let config_var = CONFIG_ENV.to_string();
        let vars = vars
            .iter()
            .filter(|(k, _)| k.starts_with(ENV_PREFIX) && *k != config_var)
            .map(|(k, v)| (k[ENV_PREFIX.len()..].to_ascii_lowercase(), v.clone()))
            .filter(|(k, _)| !k.is_empty())
            .collect();
        EnvProvider { vars }
    }
}

impl Provider for EnvProvider {
    fn metadata(&self) -> Metadata {
        Metadata::named("JOBMIRROR_* environment variables")
    }

    fn data(&self) -> Result<Map<Profile, Dict>, Error> {
        let mut root = Dict::new();
        for (key, value) in &self.vars {
            let parts: Vec<&str> = key.split("__").collect();
            let leaf = parts.last().copied().unwrap_or_default();
            let value = if STRING_KEYS.contains(&leaf) {
                Value::from(value.clone())
            } else {
                value.parse::<Value>().unwrap_or_else(|e| match e {})
            };
            insert(&mut root, &parts, value);
        }
        Ok(Profile::Default.collect(root))
    }
}

fn insert(dict: &mut Dict, path: &[&str], value: Value) {
    match path {
        [] => {}
        [leaf] => {
            dict.insert((*leaf).to_string(), value);
        }
        [head, rest @ ..] => {
            let entry = dict
                .entry((*head).to_string())
                .or_insert_with(|| Value::from(Dict::new()));
            if entry.as_dict().is_none() {
                *entry = Value::from(Dict::new());
            }
            if let Value::Dict(_, inner) = entry {
                insert(inner, rest, value);
            }
        }
    }
}
