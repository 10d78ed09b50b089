//! Reproduces every vendor-SDK vector in `tests/vectors/signing.json` byte for byte and
//! checks that our verifiers accept the SDKs' own wire requests.

use axum::http::{HeaderMap, HeaderName, HeaderValue};
use chrono::{DateTime, NaiveDateTime, Utc};
use serde_json::{Map, Value};

use super::{alibaba, huawei, AuthError};

const VECTORS: &str = include_str!("../../tests/vectors/signing.json");
/// Pseudo-key in Huawei `headers_given`: the SDK sends it as this User-Agent prefix + value.
const HUAWEI_UA_PSEUDO_KEY: &str = "HttpConfig.user_agent";
const HUAWEI_UA_PREFIX: &str = "huaweicloud-usdk-python/3.0; ";

fn vectors(provider: &str) -> Vec<Value> {
    let all: Value = serde_json::from_str(VECTORS).expect("signing.json is valid JSON");
    let list = all[provider].as_array().expect("provider list").clone();
    assert!(!list.is_empty(), "no {provider} vectors");
    list
}

fn text<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key]
        .as_str()
        .unwrap_or_else(|| panic!("`{key}` is not a string in {v}"))
}

fn object<'a>(v: &'a Value, key: &str) -> &'a Map<String, Value> {
    v[key]
        .as_object()
        .unwrap_or_else(|| panic!("`{key}` is not an object"))
}

/// A scalar query value as the SDK stringifies it (bool -> `true`/`false`).
fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        other => panic!("unexpected query value {other}"),
    }
}

/// Huawei `query_params_in_order`: `[key, value]` items; a list value becomes repeated pairs.
fn huawei_query(inputs: &Value) -> Vec<(String, String)> {
    let mut pairs = Vec::new();
    for item in inputs["query_params_in_order"]
        .as_array()
        .expect("query list")
    {
        let key = item[0].as_str().expect("query key").to_string();
        match &item[1] {
            Value::Array(values) => pairs.extend(values.iter().map(|v| (key.clone(), scalar(v)))),
            value => pairs.push((key, scalar(value))),
        }
    }
    pairs
}

/// A JSON object of string values as pairs, in file order.
fn string_pairs(map: &Map<String, Value>) -> Vec<(String, String)> {
    map.iter().map(|(k, v)| (k.clone(), scalar(v))).collect()
}

/// `headers_sent` without the Authorization header: exactly what the SDK signed over.
fn headers_signed_by_sdk(outputs: &Value) -> Vec<(String, String)> {
    string_pairs(object(outputs, "headers_sent"))
        .into_iter()
        .filter(|(k, _)| !k.eq_ignore_ascii_case("authorization"))
        .collect()
}

/// `headers_sent` (including Authorization) as a server would receive them.
fn received_headers(outputs: &Value) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (k, v) in string_pairs(object(outputs, "headers_sent")) {
        let name = HeaderName::from_bytes(k.to_ascii_lowercase().as_bytes()).expect("name");
        map.append(name, HeaderValue::from_str(&v).expect("value"));
    }
    map
}

fn query_of(url: &str) -> Option<&str> {
    url.split_once('?').map(|(_, q)| q)
}

fn utc(value: &str, format: &str) -> DateTime<Utc> {
    NaiveDateTime::parse_from_str(value, format)
        .expect("vector date")
        .and_utc()
}

fn skew() -> chrono::Duration {
    chrono::Duration::minutes(15)
}

#[test]
fn huawei_headers_sent_match_headers_given() {
    for v in vectors("huawei") {
        let sent = object(&v["outputs"], "headers_sent");
        for (key, value) in object(&v["inputs"], "headers_given") {
            let value = scalar(value);
            let (name, expected) = if key == HUAWEI_UA_PSEUDO_KEY {
                ("User-Agent", format!("{HUAWEI_UA_PREFIX}{value}"))
            } else {
                (key.as_str(), value)
            };
            assert_eq!(
                sent[name].as_str(),
                Some(expected.as_str()),
                "{}",
                v["name"]
            );
        }
    }
}

#[test]
fn huawei_vectors_reproduce_byte_for_byte() {
    for v in vectors("huawei") {
        let (name, inputs, outputs) = (text(&v, "name"), &v["inputs"], &v["outputs"]);
        let query = huawei_query(inputs);
        let sig = huawei::sign(
            text(inputs, "access_key_id"),
            text(inputs, "secret_access_key"),
            text(inputs, "method"),
            text(inputs, "path"),
            &query,
            &headers_signed_by_sdk(outputs),
            text(inputs, "body").as_bytes(),
        );
        assert_eq!(
            sig.canonical_request,
            text(outputs, "canonical_request"),
            "{name}"
        );
        assert_eq!(
            sig.string_to_sign,
            text(outputs, "string_to_sign"),
            "{name}"
        );
        assert_eq!(
            sig.signed_headers,
            text(outputs, "signed_headers"),
            "{name}"
        );
        assert_eq!(sig.authorization, text(outputs, "authorization"), "{name}");
        let request_uri = huawei::request_uri(text(inputs, "path"), &query);
        assert_eq!(request_uri, text(outputs, "request_uri"), "{name}");
        assert_eq!(
            format!("https://{}{request_uri}", text(inputs, "host")),
            text(outputs, "url"),
            "{name}"
        );
    }
}

#[test]
fn huawei_sdk_requests_verify() {
    for v in vectors("huawei") {
        let (name, inputs, outputs) = (text(&v, "name"), &v["inputs"], &v["outputs"]);
        let headers = received_headers(outputs);
        let raw_query = query_of(text(outputs, "request_uri"));
        let now = utc(text(inputs, "x_sdk_date"), "%Y%m%dT%H%M%SZ");
        let verify = |raw_query: Option<&str>, secret: &str| {
            huawei::verify(
                text(inputs, "method"),
                text(inputs, "path"),
                raw_query,
                &headers,
                text(inputs, "body").as_bytes(),
                |ak| (ak == text(inputs, "access_key_id")).then(|| secret.to_string()),
                now,
                skew(),
            )
        };
        let secret = text(inputs, "secret_access_key");
        assert_eq!(
            verify(raw_query, secret).map(|ok| ok.access_key),
            Ok(text(inputs, "access_key_id").to_string()),
            "{name}"
        );
        let form_encoded = raw_query.map(|q| q.replace("%20", "+"));
        assert!(
            verify(form_encoded.as_deref(), secret).is_ok(),
            "{name} (+)"
        );
        assert_eq!(
            verify(raw_query, "not-the-secret"),
            Err(AuthError::SignatureMismatch),
            "{name}"
        );
        let tampered = raw_query.map(|q| format!("{q}&extra=1"));
        assert_eq!(
            verify(tampered.as_deref(), secret),
            Err(AuthError::SignatureMismatch),
            "{name}"
        );
    }
}

fn is_acs3(v: &Value) -> bool {
    text(v, "algorithm") == alibaba::ACS3_ALGORITHM
}

#[test]
fn alibaba_acs3_vectors_reproduce_byte_for_byte() {
    let acs3: Vec<Value> = vectors("alibaba").into_iter().filter(is_acs3).collect();
    assert!(
        acs3.len() >= 6,
        "expected every ACS3 vector, got {}",
        acs3.len()
    );
    for v in acs3 {
        let (name, inputs, outputs) = (text(&v, "name"), &v["inputs"], &v["outputs"]);
        let query = string_pairs(object(inputs, "query_params_as_strings"));
        let sig = alibaba::sign_acs3(
            text(inputs, "access_key_id"),
            text(inputs, "access_key_secret"),
            text(inputs, "method"),
            text(inputs, "path"),
            &query,
            &headers_signed_by_sdk(outputs),
            text(inputs, "body").as_bytes(),
        );
        let expected_query = text(outputs, "canonical_query_string");
        assert_eq!(alibaba::canonical_query(&query), expected_query, "{name}");
        assert_eq!(
            sig.canonical_request,
            text(outputs, "canonical_request"),
            "{name}"
        );
        assert!(
            sig.canonical_request
                .contains(&format!("\n{}\n", text(outputs, "canonical_headers"))),
            "{name}"
        );
        assert_eq!(
            sig.string_to_sign,
            text(outputs, "string_to_sign"),
            "{name}"
        );
        assert_eq!(
            sig.signed_headers,
            text(outputs, "signed_headers"),
            "{name}"
        );
        assert_eq!(sig.authorization, text(outputs, "authorization"), "{name}");
        if let Some(url) = outputs["url"].as_str() {
            // The Python SDK form-encodes its wire URL; only the space differs from ours.
            let sdk_wire = query_of(url).unwrap_or("").replace('+', "%20");
            assert_eq!(alibaba::wire_query(&query), sdk_wire, "{name}");
        }
    }
}

#[test]
fn alibaba_acs3_sdk_requests_verify() {
    for v in vectors("alibaba").into_iter().filter(is_acs3) {
        let (name, inputs, outputs) = (text(&v, "name"), &v["inputs"], &v["outputs"]);
        let headers = received_headers(outputs);
        let query = string_pairs(object(inputs, "query_params_as_strings"));
        let ours = alibaba::wire_query(&query);
        let raw_query = outputs["url"]
            .as_str()
            .and_then(query_of)
            .unwrap_or(ours.as_str());
        let date = headers["x-acs-date"].to_str().expect("x-acs-date");
        let now = utc(date, "%Y-%m-%dT%H:%M:%SZ");
        let verify = |raw_query: &str, secret: &str| {
            alibaba::verify_acs3(
                text(inputs, "method"),
                text(inputs, "path"),
                Some(raw_query),
                &headers,
                text(inputs, "body").as_bytes(),
                |ak| (ak == text(inputs, "access_key_id")).then(|| secret.to_string()),
                now,
                skew(),
            )
        };
        let secret = text(inputs, "access_key_secret");
        for wire in [raw_query, ours.as_str()] {
            assert_eq!(
                verify(wire, secret).map(|ok| ok.access_key_id),
                Ok(text(inputs, "access_key_id").to_string()),
                "{name}: {wire}"
            );
        }
        assert_eq!(
            verify(raw_query, "nope"),
            Err(AuthError::SignatureMismatch),
            "{name}"
        );
        let tampered = format!("{raw_query}&Extra=1");
        assert_eq!(
            verify(&tampered, secret),
            Err(AuthError::SignatureMismatch),
            "{name}"
        );
    }
}

#[test]
fn alibaba_roa_v2_vector_reproduces_and_verifies() {
    let roa: Vec<Value> = vectors("alibaba")
        .into_iter()
        .filter(|v| !is_acs3(v))
        .collect();
    assert_eq!(roa.len(), 1, "expected exactly one legacy ROA vector");
    for v in roa {
        let (name, inputs, outputs) = (text(&v, "name"), &v["inputs"], &v["outputs"]);
        let sig = alibaba::sign_roa_v2(
            text(inputs, "access_key_id"),
            text(inputs, "access_key_secret"),
            text(inputs, "method"),
            text(inputs, "path"),
            &string_pairs(object(inputs, "query_params_as_strings")),
            &headers_signed_by_sdk(outputs),
        );
        assert_eq!(
            sig.string_to_sign,
            text(outputs, "string_to_sign"),
            "{name}"
        );
        assert_eq!(sig.authorization, text(outputs, "authorization"), "{name}");

        let headers = received_headers(outputs);
        let date = headers["date"].to_str().expect("date");
        let now = DateTime::parse_from_rfc2822(date)
            .expect("rfc 1123 date")
            .with_timezone(&Utc);
        let verify = |raw_query: Option<&str>, secret: &str| {
            alibaba::verify_roa_v2(
                text(inputs, "method"),
                text(inputs, "path"),
                raw_query,
                &headers,
                |ak| (ak == text(inputs, "access_key_id")).then(|| secret.to_string()),
                now,
                skew(),
            )
        };
        let raw_query = query_of(text(outputs, "url"));
        let secret = text(inputs, "access_key_secret");
        assert!(verify(raw_query, secret).is_ok(), "{name}");
        assert_eq!(
            verify(raw_query, "nope"),
            Err(AuthError::SignatureMismatch),
            "{name}"
        );
        assert_eq!(
            verify(None, secret),
            Err(AuthError::SignatureMismatch),
            "{name}"
        );
    }
}
