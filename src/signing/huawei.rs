//! Huawei Cloud `SDK-HMAC-SHA256` request signing (as `huaweicloudsdkcore` 3.1 signs)
//! and the matching server-side verification used by the simulator.

use axum::http::HeaderMap;
use chrono::{DateTime, Utc};
use percent_encoding::percent_decode_str;

use super::{
    check_skew, collect_signed_headers, decode_query, group_headers, hmac_sha256_hex,
    parse_signed_headers, parse_utc, require_signed, required_header, rfc3986_encode, sha256_hex,
    verify_hmac_sha256_hex, AuthError, AuthParams,
};

/// Algorithm name, first line of the string to sign and Authorization scheme.
pub const ALGORITHM: &str = "SDK-HMAC-SHA256";
/// Header carrying the signing time.
pub const DATE_HEADER: &str = "X-Sdk-Date";
/// Optional header overriding the body hash (the SDK sets `UNSIGNED-PAYLOAD` for non-JSON bodies).
pub const CONTENT_SHA256_HEADER: &str = "X-Sdk-Content-Sha256";
/// `chrono` format of [`DATE_HEADER`].
const DATE_FORMAT: &str = "%Y%m%dT%H%M%SZ";
const UNSIGNED_PAYLOAD: &str = "UNSIGNED-PAYLOAD";

/// Every intermediate of one signature, for logging-free debugging and tests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HuaweiSignature {
    pub canonical_request: String,
    pub string_to_sign: String,
    pub signed_headers: String,
    pub signature: String,
    /// Value of the `Authorization` header.
    pub authorization: String,
}

/// The caller a request was verified for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedHuawei {
    pub access_key: String,
}

/// `X-Sdk-Date` value for `now`: `YYYYMMDDTHHMMSSZ`.
pub fn sdk_date(now: DateTime<Utc>) -> String {
    now.format(DATE_FORMAT).to_string()
}

/// Canonical query string, which is also the exact query string to send: pairs sorted
/// by raw key then raw value, both RFC 3986-encoded, joined as `k=v&...`.
pub fn canonical_query(params: &[(String, String)]) -> String {
    let mut sorted: Vec<&(String, String)> = params.iter().collect();
    sorted.sort();
    sorted
        .iter()
        .map(|(k, v)| format!("{}={}", rfc3986_encode(k), rfc3986_encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// Path plus `?` plus [`canonical_query`] (no `?` when there are no parameters): the
/// request URI to put on the wire.
pub fn request_uri(path: &str, params: &[(String, String)]) -> String {
    if params.is_empty() {
        path.to_string()
    } else {
        format!("{path}?{}", canonical_query(params))
    }
}

/// Canonical URI: the percent-decoded path split on `/`, each segment RFC 3986-encoded,
/// with a trailing `/` appended when missing.
pub fn canonical_uri(path: &str) -> String {
    let decoded = percent_decode_str(path).decode_utf8_lossy();
    let mut uri = decoded
        .split('/')
        .map(rfc3986_encode)
        .collect::<Vec<_>>()
        .join("/");
    if !uri.ends_with('/') {
        uri.push('/');
    }
    uri
}

/// Signs a request whose `headers` are exactly the headers that will be sent.
///
/// Every header whose name contains no `_` is signed (names lower-cased and sorted,
/// values trimmed; a repeated name gives one line per value, values sorted). The date
/// is the `X-Sdk-Date` header value and the body hash is `X-Sdk-Content-Sha256` when
/// present, else the SHA-256 of `body`. `headers` must contain `Host` and `X-Sdk-Date`
/// (see [`sdk_date`]); without `X-Sdk-Date` the date line is empty and no server will
/// accept the signature.
pub fn sign(
    access_key: &str,
    secret_key: &str,
    method: &str,
    path: &str,
    query: &[(String, String)],
    headers: &[(String, String)],
    body: &[u8],
) -> HuaweiSignature {
    let signable: Vec<(String, String)> = headers
        .iter()
        .filter(|(name, _)| !name.contains('_'))
        .cloned()
        .collect();
    let date = find_header(headers, DATE_HEADER).unwrap_or_default();
    let payload_hash =
        find_header(headers, CONTENT_SHA256_HEADER).unwrap_or_else(|| sha256_hex(body));
    compute(
        access_key,
        secret_key,
        method,
        path,
        query,
        &signable,
        &date,
        &payload_hash,
    )
}

/// Verifies a received request signed with `SDK-HMAC-SHA256`.
///
/// `path` is the request path as received, `raw_query` the still-encoded query string
/// without `?` (`+` is decoded as a space, as some clients form-encode). Only the
/// headers listed in `SignedHeaders` are used; they must include `host` and
/// `x-sdk-date`. The Host header must be in `headers` (HTTP/1.1).
#[allow(clippy::too_many_arguments)] // mirrors the request parts one to one
pub fn verify(
    method: &str,
    path: &str,
    raw_query: Option<&str>,
    headers: &HeaderMap,
    body: &[u8],
    lookup_secret: impl Fn(&str) -> Option<String>,
    now: DateTime<Utc>,
    max_skew: chrono::Duration,
) -> Result<VerifiedHuawei, AuthError> {
    let authorization = required_header(headers, "authorization")?;
    let params = AuthParams::parse(&authorization, ALGORITHM)?;
    let access_key = params.get("Access")?;
    let signed = parse_signed_headers(params.get("SignedHeaders")?)?;
    let signature = params.get("Signature")?;
    require_signed(&signed, "host")?;
    require_signed(&signed, "x-sdk-date")?;

    let date = required_header(headers, "x-sdk-date")?;
    check_skew(parse_utc(&date, DATE_FORMAT, DATE_HEADER)?, now, max_skew)?;
    let payload_hash = received_payload_hash(headers, body)?;
    let secret = lookup_secret(access_key)
        .ok_or_else(|| AuthError::UnknownAccessKey(access_key.to_string()))?;

    let signed_pairs = collect_signed_headers(headers, &signed)?;
    let query = decode_query(raw_query);
    let string_to_sign = string_to_sign(
        &date,
        &canonical_request(method, path, &query, &signed_pairs, &payload_hash).0,
    );
    verify_hmac_sha256_hex(secret.as_bytes(), string_to_sign.as_bytes(), signature)?;
    Ok(VerifiedHuawei {
        access_key: access_key.to_string(),
    })
}

/// The body hash the client signed: `X-Sdk-Content-Sha256` if sent (which must match
/// the body unless it is `UNSIGNED-PAYLOAD`), else the body's SHA-256.
fn received_payload_hash(headers: &HeaderMap, body: &[u8]) -> Result<String, AuthError> {
    let body_hash = sha256_hex(body);
    if !headers.contains_key("x-sdk-content-sha256") {
        return Ok(body_hash);
    }
    let claimed = required_header(headers, "x-sdk-content-sha256")?;
    let claimed_trimmed = claimed.trim();
    if claimed_trimmed == UNSIGNED_PAYLOAD || claimed_trimmed.eq_ignore_ascii_case(&body_hash) {
        Ok(claimed_trimmed.to_string())
    } else {
        Err(AuthError::ContentHashMismatch)
    }
}

/// First value of header `name` (case-insensitive), trimmed.
fn find_header(headers: &[(String, String)], name: &str) -> Option<String> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.trim().to_string())
}

/// Signs over exactly `signed_headers` (all of them).
#[allow(clippy::too_many_arguments)] // internal; the parts of a request
fn compute(
    access_key: &str,
    secret_key: &str,
    method: &str,
    path: &str,
    query: &[(String, String)],
    signed_headers: &[(String, String)],
    date: &str,
    payload_hash: &str,
) -> HuaweiSignature {
    let (canonical_request, signed_headers) =
        canonical_request(method, path, query, signed_headers, payload_hash);
    let string_to_sign = string_to_sign(date, &canonical_request);
    let signature = hmac_sha256_hex(secret_key.as_bytes(), string_to_sign.as_bytes());
    let authorization = format!(
        "{ALGORITHM} Access={access_key}, SignedHeaders={signed_headers}, Signature={signature}"
    );
    HuaweiSignature {
        canonical_request,
        string_to_sign,
        signed_headers,
        signature,
        authorization,
    }
}

/// Builds the canonical request and the `SignedHeaders` list it covers.
fn canonical_request(
    method: &str,
    path: &str,
    query: &[(String, String)],
    headers: &[(String, String)],
    payload_hash: &str,
) -> (String, String) {
    let groups = group_headers(headers);
    let canonical_headers: String = groups
        .iter()
        .flat_map(|(name, values)| values.iter().map(move |v| format!("{name}:{v}\n")))
        .collect();
    let signed_headers = groups
        .iter()
        .map(|(name, _)| name.as_str())
        .collect::<Vec<_>>()
        .join(";");
    let request = format!(
        "{method}\n{}\n{}\n{canonical_headers}\n{signed_headers}\n{payload_hash}",
        canonical_uri(path),
        canonical_query(query),
    );
    (request, signed_headers)
}

fn string_to_sign(date: &str, canonical_request: &str) -> String {
    format!(
        "{ALGORITHM}\n{date}\n{}",
        sha256_hex(canonical_request.as_bytes())
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::{HeaderName, HeaderValue};
    use chrono::TimeZone;

    const AK: &str = "AKTEST";
    const SK: &str = "sk-secret";
    const PATH: &str = "/v1/pid/training-jobs";

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2024, 3, 15, 8, 30, 0)
            .single()
            .expect("valid date")
    }

    fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
        items
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn query() -> Vec<(String, String)> {
        pairs(&[
            ("search_content", "a b+c/é*"),
            ("page", "2"),
            ("tag", "x"),
            ("tag", "a"),
        ])
    }

    fn client_headers() -> Vec<(String, String)> {
        pairs(&[
            ("Host", "modelarts.example.com"),
            ("X-Sdk-Date", &sdk_date(now())),
            ("X-Project-Id", "pid"),
            ("Content-Type", "application/json"),
            ("X_Ignored", "not signed"),
        ])
    }

    /// The header map a server would receive for `headers` plus the Authorization.
    fn received(headers: &[(String, String)], authorization: &str) -> HeaderMap {
        let mut map = HeaderMap::new();
        let all = headers
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .chain([("Authorization", authorization)]);
        for (k, v) in all {
            let name = HeaderName::from_bytes(k.to_ascii_lowercase().as_bytes()).expect("name");
            map.append(name, HeaderValue::from_str(v).expect("value"));
        }
        map
    }

    fn lookup(ak: &str) -> Option<String> {
        (ak == AK).then(|| SK.to_string())
    }

    fn check(
        raw_query: &str,
        headers: &HeaderMap,
        at: DateTime<Utc>,
    ) -> Result<VerifiedHuawei, AuthError> {
        verify(
            "GET",
            PATH,
            Some(raw_query),
            headers,
            b"",
            lookup,
            at,
            chrono::Duration::minutes(15),
        )
    }

    fn signed_request() -> (String, HeaderMap) {
        let sig = sign(AK, SK, "GET", PATH, &query(), &client_headers(), b"");
        (
            canonical_query(&query()),
            received(&client_headers(), &sig.authorization),
        )
    }

    #[test]
    fn sdk_date_format() {
        assert_eq!(sdk_date(now()), "20240315T083000Z");
    }

    #[test]
    fn canonical_uri_adds_trailing_slash_and_encodes_segments() {
        assert_eq!(canonical_uri("/v1/a b/c"), "/v1/a%20b/c/");
        assert_eq!(canonical_uri("/v1/a%20b/"), "/v1/a%20b/");
        assert_eq!(canonical_uri(""), "/");
        assert_eq!(canonical_uri("/%zz"), "/%25zz/");
    }

    #[test]
    fn underscore_headers_are_not_signed_and_repeats_are_sorted_lines() {
        let mut headers = client_headers();
        headers.push(("X-Multi".into(), "b".into()));
        headers.push(("x-multi".into(), " a ".into()));
        let sig = sign(AK, SK, "GET", PATH, &[], &headers, b"");
        assert_eq!(
            sig.signed_headers,
            "content-type;host;x-multi;x-project-id;x-sdk-date"
        );
        assert!(sig.canonical_request.contains("x-multi:a\nx-multi:b\n"));
        let map = received(&headers, &sig.authorization);
        assert_eq!(
            check("", &map, now()).map(|v| v.access_key),
            Ok(AK.to_string())
        );
    }

    #[test]
    fn content_sha256_header_is_honoured() {
        let mut headers = client_headers();
        headers.push(("X-Sdk-Content-Sha256".into(), UNSIGNED_PAYLOAD.into()));
        let sig = sign(AK, SK, "POST", PATH, &[], &headers, b"{}");
        assert!(sig.canonical_request.ends_with("\nUNSIGNED-PAYLOAD"));
    }

    #[test]
    fn round_trip_verifies() {
        let (raw, map) = signed_request();
        assert_eq!(
            check(&raw, &map, now()),
            Ok(VerifiedHuawei {
                access_key: AK.into()
            })
        );
    }

    #[test]
    fn form_encoded_query_verifies() {
        let (raw, map) = signed_request();
        assert_eq!(
            check(&raw.replace("%20", "+"), &map, now()).map(|_| ()),
            Ok(())
        );
    }

    #[test]
    fn tampered_query_fails() {
        let (raw, map) = signed_request();
        let tampered = raw.replace("page=2", "page=3");
        assert_eq!(
            check(&tampered, &map, now()),
            Err(AuthError::SignatureMismatch)
        );
    }

    #[test]
    fn tampered_header_fails() {
        let (raw, mut map) = signed_request();
        map.insert("x-project-id", HeaderValue::from_static("other"));
        assert_eq!(check(&raw, &map, now()), Err(AuthError::SignatureMismatch));
    }

    #[test]
    fn wrong_secret_fails() {
        let sig = sign(AK, "wrong", "GET", PATH, &query(), &client_headers(), b"");
        let map = received(&client_headers(), &sig.authorization);
        let raw = canonical_query(&query());
        assert_eq!(check(&raw, &map, now()), Err(AuthError::SignatureMismatch));
    }

    #[test]
    fn unknown_key_and_skew_are_reported() {
        let sig = sign("OTHER", SK, "GET", PATH, &[], &client_headers(), b"");
        let map = received(&client_headers(), &sig.authorization);
        assert_eq!(
            check("", &map, now()),
            Err(AuthError::UnknownAccessKey("OTHER".into()))
        );
        let (raw, map) = signed_request();
        let late = now() + chrono::Duration::minutes(16);
        assert!(matches!(
            check(&raw, &map, late),
            Err(AuthError::ClockSkew { .. })
        ));
    }

    #[test]
    fn host_and_date_must_be_signed() {
        let headers: Vec<_> = client_headers()
            .into_iter()
            .filter(|(k, _)| k != "Host")
            .collect();
        let sig = sign(AK, SK, "GET", PATH, &[], &headers, b"");
        let map = received(&client_headers(), &sig.authorization);
        assert_eq!(
            check("", &map, now()),
            Err(AuthError::HeaderNotSigned("host".into()))
        );
    }

    #[test]
    fn malformed_requests_are_errors_not_panics() {
        let (raw, map) = signed_request();
        let mut no_auth = map.clone();
        no_auth.remove("authorization");
        assert_eq!(
            check(&raw, &no_auth, now()),
            Err(AuthError::MissingHeader("authorization".into()))
        );
        for bad in [
            "",
            "SDK-HMAC-SHA256",
            "SDK-HMAC-SHA256 Access=AKTEST",
            "SDK-HMAC-SHA256 Access=AKTEST, SignedHeaders=host;x-sdk-date, Signature=zz",
            "SDK-HMAC-SHA256 Access=AKTEST, SignedHeaders=x-sdk-date;host, Signature=00",
            "Bearer token",
        ] {
            let mut m = map.clone();
            m.insert("authorization", HeaderValue::from_str(bad).expect("value"));
            assert!(check(&raw, &m, now()).is_err(), "{bad}");
        }
        let mut twice = map.clone();
        twice.append("x-sdk-date", HeaderValue::from_static("20240315T083000Z"));
        assert_eq!(
            check(&raw, &twice, now()),
            Err(AuthError::DuplicateHeader("x-sdk-date".into()))
        );
        let mut bad_date = map.clone();
        bad_date.insert("x-sdk-date", HeaderValue::from_static("yesterday"));
        assert_eq!(
            check(&raw, &bad_date, now()),
            Err(AuthError::InvalidDate(DATE_HEADER.into()))
        );
        assert!(check("%zz=%ff&&=", &map, now()).is_err());
    }

    #[test]
    fn content_hash_must_match_body() {
        let mut headers = client_headers();
        headers.push(("X-Sdk-Content-Sha256".into(), sha256_hex(b"other")));
        let sig = sign(AK, SK, "GET", PATH, &[], &headers, b"");
        let map = received(&headers, &sig.authorization);
        assert_eq!(check("", &map, now()), Err(AuthError::ContentHashMismatch));
    }

    proptest::proptest! {
        #[test]
        fn verify_never_panics(auth in "\\PC*", query in "\\PC*", date in "\\PC*") {
            let (_, mut map) = signed_request();
            if let Ok(v) = HeaderValue::from_str(&auth) {
                map.insert("authorization", v);
            }
            if let Ok(v) = HeaderValue::from_str(&date) {
                map.insert("x-sdk-date", v);
            }
            let _ = check(&query, &map, now());
        }
    }
}
