//! Request signing for the cloud providers we mirror: Huawei SDK-HMAC-SHA256 and
//! Alibaba ACS3-HMAC-SHA256 (plus legacy ROA v2), both client-side signing and the
//! server-side verification used by the simulators. Shared encoding/auth helpers live here.

pub mod alibaba;
pub mod huawei;

#[cfg(test)]
mod vectors_test;

use axum::http::HeaderMap;
use chrono::{DateTime, NaiveDateTime, Utc};
use hmac::{Hmac, Mac};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use sha2::{Digest, Sha256};

/// Everything except the RFC 3986 unreserved set `A-Za-z0-9-_.~`.
const RFC3986_RESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// Percent-encodes `s` as UTF-8, leaving only `A-Za-z0-9-_.~` unencoded
/// (upper-case hex, space as `%20`).
pub fn rfc3986_encode(s: &str) -> String {
    utf8_percent_encode(s, RFC3986_RESERVED).to_string()
}

/// Why a request failed server-side signature verification.
///
/// Messages name headers and access keys but never a secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    #[error("missing required header `{0}`")]
    MissingHeader(String),
    #[error("header `{0}` is not valid UTF-8")]
    InvalidHeaderValue(String),
    #[error("header `{0}` must be sent exactly once")]
    DuplicateHeader(String),
    #[error("malformed Authorization header: {0}")]
    MalformedAuthorization(String),
    #[error("header `{0}` must be included in SignedHeaders")]
    HeaderNotSigned(String),
    #[error("header `{0}` does not hold a valid date")]
    InvalidDate(String),
    #[error("unknown access key `{0}`")]
    UnknownAccessKey(String),
    #[error("request time is {skew_seconds}s away from server time (max {max_seconds}s)")]
    ClockSkew { skew_seconds: i64, max_seconds: i64 },
    #[error("content hash header does not match the request body")]
    ContentHashMismatch,
    #[error("signature mismatch")]
    SignatureMismatch,
}

/// Lower-case hex SHA-256 of `data`.
pub(crate) fn sha256_hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

/// HMAC-SHA256 keyed with `key` over `msg`, ready to finalize or verify.
pub(crate) fn hmac_sha256(key: &[u8], msg: &[u8]) -> Hmac<Sha256> {
    let mut mac =
        <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC accepts keys of any length");
    mac.update(msg);
    mac
}

/// Lower-case hex HMAC-SHA256 of `msg` keyed with `key`.
pub(crate) fn hmac_sha256_hex(key: &[u8], msg: &[u8]) -> String {
    hex::encode(hmac_sha256(key, msg).finalize().into_bytes())
}

/// Constant-time check that `signature_hex` is the HMAC-SHA256 of `msg` under `key`.
pub(crate) fn verify_hmac_sha256_hex(
    key: &[u8],
    msg: &[u8],
    signature_hex: &str,
) -> Result<(), AuthError> {
    let expected = hex::decode(signature_hex)
        .map_err(|_| AuthError::MalformedAuthorization("signature is not hex".to_string()))?;
    hmac_sha256(key, msg)
        .verify_slice(&expected)
        .map_err(|_| AuthError::SignatureMismatch)
}

/// Decodes a raw (still percent-encoded) query string into pairs, treating `+` as
/// a space as form-encoding clients do. Invalid UTF-8 is replaced, never a panic.
pub(crate) fn decode_query(raw_query: Option<&str>) -> Vec<(String, String)> {
    url::form_urlencoded::parse(raw_query.unwrap_or("").as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// Sorts `(name, value)` header pairs into `name -> [values]` groups with lower-cased
/// names (sorted) and trimmed values (sorted within each name).
pub(crate) fn group_headers(headers: &[(String, String)]) -> Vec<(String, Vec<String>)> {
    let mut groups: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for (name, value) in headers {
        groups
            .entry(name.to_ascii_lowercase())
            .or_default()
            .push(value.trim().to_string());
    }
    groups
        .into_iter()
        .map(|(name, mut values)| {
            values.sort();
            (name, values)
        })
        .collect()
}

/// All values of header `name` in `headers`, in received order.
pub(crate) fn header_values(headers: &HeaderMap, name: &str) -> Result<Vec<String>, AuthError> {
    headers
        .get_all(name)
        .iter()
        .map(|v| {
            std::str::from_utf8(v.as_bytes())
                .map(str::to_string)
                .map_err(|_| AuthError::InvalidHeaderValue(name.to_string()))
        })
        .collect()
}

/// The single value of a required header; repeated values are rejected.
pub(crate) fn required_header(headers: &HeaderMap, name: &str) -> Result<String, AuthError> {
    let mut values = header_values(headers, name)?;
    match values.len() {
        0 => Err(AuthError::MissingHeader(name.to_string())),
        1 => Ok(values.remove(0)),
        _ => Err(AuthError::DuplicateHeader(name.to_string())),
    }
}

/// Collects `(name, value)` pairs for the listed header names from `headers`; every
/// listed header must be present.
pub(crate) fn collect_signed_headers(
    headers: &HeaderMap,
    names: &[&str],
) -> Result<Vec<(String, String)>, AuthError> {
    let mut pairs = Vec::new();
    for name in names {
        let values = header_values(headers, name)?;
        if values.is_empty() {
            return Err(AuthError::MissingHeader((*name).to_string()));
        }
        pairs.extend(values.into_iter().map(|v| ((*name).to_string(), v)));
    }
    Ok(pairs)
}

/// Parsed `SCHEME k1=v1, k2=v2, ...` Authorization header.
#[derive(Debug)]
pub(crate) struct AuthParams<'a> {
    pairs: Vec<(&'a str, &'a str)>,
}

impl<'a> AuthParams<'a> {
    /// Parses `value`, which must start with `scheme` and a space; the parameters are
    /// comma-separated `key=value` items (spaces after commas are optional).
    pub(crate) fn parse(value: &'a str, scheme: &str) -> Result<Self, AuthError> {
        let rest = value
            .strip_prefix(scheme)
            .and_then(|r| r.strip_prefix(' '))
            .ok_or_else(|| {
                AuthError::MalformedAuthorization(format!("expected scheme {scheme}"))
            })?;
        let pairs = rest
            .split(',')
            .map(|item| {
                item.trim().split_once('=').ok_or_else(|| {
                    AuthError::MalformedAuthorization("parameter without '='".to_string())
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self { pairs })
    }

    /// The value of parameter `key`, which must occur exactly once and be non-empty.
    pub(crate) fn get(&self, key: &str) -> Result<&'a str, AuthError> {
        let mut found = self.pairs.iter().filter(|(k, _)| *k == key);
        match (found.next(), found.next()) {
            (Some((_, v)), None) if !v.is_empty() => Ok(v),
            (None, _) => Err(AuthError::MalformedAuthorization(format!("missing {key}"))),
            _ => Err(AuthError::MalformedAuthorization(format!("bad {key}"))),
        }
    }
}

/// Splits a `SignedHeaders` list (`a;b;c`), which must be lower-case, strictly sorted
/// and non-empty, as both vendors' SDKs produce it.
pub(crate) fn parse_signed_headers(list: &str) -> Result<Vec<&str>, AuthError> {
    let names: Vec<&str> = list.split(';').collect();
    let well_formed = names
        .iter()
        .all(|n| !n.is_empty() && !n.bytes().any(|b| b.is_ascii_uppercase()))
        && names.windows(2).all(|w| w[0] < w[1]);
    if well_formed {
        Ok(names)
    } else {
        Err(AuthError::MalformedAuthorization(
            "SignedHeaders must be lower-case, sorted and unique".to_string(),
        ))
    }
}

/// Requires `name` to be among the signed header names.
pub(crate) fn require_signed(signed: &[&str], name: &str) -> Result<(), AuthError> {
    if signed.contains(&name) {
        Ok(())
    } else {
        Err(AuthError::HeaderNotSigned(name.to_string()))
    }
}

/// Parses `value` (from header `header`) with the chrono `format`, as UTC.
pub(crate) fn parse_utc(
    value: &str,
    format: &str,
    header: &str,
) -> Result<DateTime<Utc>, AuthError> {
    NaiveDateTime::parse_from_str(value, format)
        .map(|naive| naive.and_utc())
        .map_err(|_| AuthError::InvalidDate(header.to_string()))
}

/// Rejects a request time further than `max_skew` from `now` in either direction.
pub(crate) fn check_skew(
    request_time: DateTime<Utc>,
    now: DateTime<Utc>,
    max_skew: chrono::Duration,
) -> Result<(), AuthError> {
    let skew = request_time.signed_duration_since(now);
    if skew.abs() > max_skew {
        Err(AuthError::ClockSkew {
            skew_seconds: skew.num_seconds(),
            max_seconds: max_skew.num_seconds(),
        })
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3986_keeps_only_unreserved() {
        assert_eq!(rfc3986_encode("aZ09-_.~"), "aZ09-_.~");
        assert_eq!(rfc3986_encode("a b*/+&=:"), "a%20b%2A%2F%2B%26%3D%3A");
        assert_eq!(rfc3986_encode("é训"), "%C3%A9%E8%AE%AD");
    }

    #[test]
    fn auth_params_parse_and_reject() {
        let p = AuthParams::parse("X A=1, B=2,C=3", "X").expect("parses");
        assert_eq!(p.get("B"), Ok("2"));
        assert_eq!(p.get("C"), Ok("3"));
        assert!(p.get("D").is_err());
        assert!(AuthParams::parse("Y A=1", "X").is_err());
        assert!(AuthParams::parse("X A", "X").is_err());
        assert!(AuthParams::parse("X", "X").is_err());
        let dup = AuthParams::parse("X A=1, A=2", "X").expect("parses");
        assert!(dup.get("A").is_err());
    }

    #[test]
    fn signed_headers_must_be_sorted_lowercase_unique() {
        assert_eq!(parse_signed_headers("a;b"), Ok(vec!["a", "b"]));
        assert!(parse_signed_headers("b;a").is_err());
        assert!(parse_signed_headers("a;a").is_err());
        assert!(parse_signed_headers("A;b").is_err());
        assert!(parse_signed_headers("").is_err());
        assert!(parse_signed_headers("a;;b").is_err());
    }

    proptest::proptest! {
        #[test]
        fn rfc3986_round_trips(s in "\\PC*") {
            let encoded = rfc3986_encode(&s);
            proptest::prop_assert!(encoded.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.~%".contains(&b)));
            let decoded = percent_encoding::percent_decode_str(&encoded).decode_utf8();
            proptest::prop_assert_eq!(decoded.as_deref().ok(), Some(s.as_str()));
        }
    }
}
