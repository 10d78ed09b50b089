//! Alibaba Cloud request signing: `ACS3-HMAC-SHA256` (default of the current Python SDK)
//! and legacy ROA v2 `HMAC-SHA1`, each with server-side verification for the simulator.

use axum::http::HeaderMap;
use base64::Engine as _;
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use sha1::Sha1;

use super::{
    check_skew, collect_signed_headers, decode_query, group_headers, header_values,
    hmac_sha256_hex, parse_signed_headers, parse_utc, require_signed, required_header,
    rfc3986_encode, sha256_hex, verify_hmac_sha256_hex, AuthError, AuthParams,
};

/// ACS3 algorithm name, Authorization scheme and first line of the string to sign.
pub const ACS3_ALGORITHM: &str = "ACS3-HMAC-SHA256";
/// `chrono` format of `x-acs-date`: `YYYY-MM-DDTHH:MM:SSZ`.
const ACS_DATE_FORMAT: &str = "%Y-%m-%dT%H:%M:%SZ";
/// Prefix of the Alibaba-specific headers, all of which must be signed.
const ACS_HEADER_PREFIX: &str = "x-acs-";
/// Authorization scheme of legacy ROA v2 (`acs AK:signature`).
const ROA_SCHEME: &str = "acs";

/// Every intermediate of one ACS3 signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AcsSignature {
    pub canonical_request: String,
    pub string_to_sign: String,
    pub signed_headers: String,
    pub signature: String,
    /// Value of the `Authorization` header.
    pub authorization: String,
}

/// Every intermediate of one legacy ROA v2 signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoaSignature {
    pub string_to_sign: String,
    /// Base64 HMAC-SHA1.
    pub signature: String,
    /// Value of the `Authorization` header.
    pub authorization: String,
}

/// The caller a request was verified for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedAlibaba {
    pub access_key_id: String,
    /// `x-acs-signature-nonce`, for replay detection by the caller.
    pub signature_nonce: Option<String>,
    /// `x-acs-security-token` (STS credentials), to be checked by the caller.
    pub security_token: Option<String>,
}

/// `x-acs-date` value for `now`: `YYYY-MM-DDTHH:MM:SSZ`.
pub fn acs_date(now: DateTime<Utc>) -> String {
    now.format(ACS_DATE_FORMAT).to_string()
}

/// ACS3 canonical query: pairs sorted by raw key then raw value, values RFC 3986-encoded
/// (space as `%20`). The Python SDK puts keys in unencoded; we encode them with the same
/// rule, which is the identity for every real API key (ASCII letters/digits) and what
/// Alibaba's v3 spec asks for otherwise.
pub fn canonical_query(params: &[(String, String)]) -> String {
    encode_sorted_query(params)
}

/// The query string our client sends: sorted, keys and values RFC 3986-encoded (servers
/// decode both). It equals [`canonical_query`]. The Python SDK instead form-encodes its
/// wire URL (`urlencode`, space as `+`); servers accept both.
pub fn wire_query(params: &[(String, String)]) -> String {
    encode_sorted_query(params)
}

fn encode_sorted_query(params: &[(String, String)]) -> String {
    let mut sorted: Vec<&(String, String)> = params.iter().collect();
    sorted.sort();
    sorted
        .iter()
        .map(|(k, v)| format!("{}={}", rfc3986_encode(k), rfc3986_encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// The headers our client sends (and signs) for a bodiless GET, names lower-case and
/// sorted. With STS credentials pass `security_token`; the access key id is then also
/// sent as `x-acs-accesskey-id`.
pub fn client_headers(
    host: &str,
    action: &str,
    version: &str,
    date: DateTime<Utc>,
    nonce: &str,
    security_token: Option<&str>,
    access_key_id: &str,
) -> Vec<(String, String)> {
    let mut headers = vec![
        ("accept", "application/json".to_string()),
        ("host", host.to_string()),
        ("x-acs-action", action.to_string()),
        ("x-acs-content-sha256", sha256_hex(b"")),
        ("x-acs-date", acs_date(date)),
        ("x-acs-signature-nonce", nonce.to_string()),
        ("x-acs-version", version.to_string()),
    ];
    if let Some(token) = security_token {
        headers.push(("x-acs-accesskey-id", access_key_id.to_string()));
        headers.push(("x-acs-security-token", token.to_string()));
    }
    headers.sort();
    headers
        .into_iter()
        .map(|(name, value)| (name.to_string(), value))
        .collect()
}

/// Signs with ACS3-HMAC-SHA256 over EVERY header in `headers` (names lower-cased and
/// sorted, values trimmed; a repeated name's values are sorted and joined with `,`).
/// `path` goes into the canonical request as given (`/` when empty); the hashed payload
/// is the SHA-256 of `body`, which must also be sent as `x-acs-content-sha256`.
pub fn sign_acs3(
    access_key_id: &str,
    secret: &str,
    method: &str,
    path: &str,
    query: &[(String, String)],
    headers: &[(String, String)],
    body: &[u8],
) -> AcsSignature {
    let (canonical_request, signed_headers) =
        acs3_canonical_request(method, path, query, headers, &sha256_hex(body));
    let string_to_sign = acs3_string_to_sign(&canonical_request);
    let signature = hmac_sha256_hex(secret.as_bytes(), string_to_sign.as_bytes());
    let authorization = format!(
        "{ACS3_ALGORITHM} Credential={access_key_id},SignedHeaders={signed_headers},Signature={signature}"
    );
    AcsSignature {
        canonical_request,
        string_to_sign,
        signed_headers,
        signature,
        authorization,
    }
}

/// Verifies a received ACS3-HMAC-SHA256 request.
///
/// `path` is the request path as received and `raw_query` the still-encoded query
/// string without `?` (`+` is decoded as a space, as the Python SDK form-encodes).
/// Requires `x-acs-date`, `x-acs-content-sha256` (equal to the body's SHA-256) and
/// `x-acs-signature-nonce`; `SignedHeaders` must list `host` and every `x-acs-*` header
/// present. Nonce reuse is left to the caller (see [`VerifiedAlibaba`]).
#[allow(clippy::too_many_arguments)] // mirrors the request parts one to one
pub fn verify_acs3(
    method: &str,
    path: &str,
    raw_query: Option<&str>,
    headers: &HeaderMap,
    body: &[u8],
    lookup_secret: impl Fn(&str) -> Option<String>,
    now: DateTime<Utc>,
    max_skew: chrono::Duration,
) -> Result<VerifiedAlibaba, AuthError> {
    let authorization = required_header(headers, "authorization")?;
    let params = AuthParams::parse(&authorization, ACS3_ALGORITHM)?;
    let access_key_id = params.get("Credential")?;
    let signed = parse_signed_headers(params.get("SignedHeaders")?)?;
    let signature = params.get("Signature")?;
    require_acs3_signed_set(headers, &signed)?;

    let date = required_header(headers, "x-acs-date")?;
    check_skew(
        parse_utc(&date, ACS_DATE_FORMAT, "x-acs-date")?,
        now,
        max_skew,
    )?;
    let nonce = required_header(headers, "x-acs-signature-nonce")?;
    let payload_hash = sha256_hex(body);
    let claimed_hash = required_header(headers, "x-acs-content-sha256")?;
    if !claimed_hash.trim().eq_ignore_ascii_case(&payload_hash) {
        return Err(AuthError::ContentHashMismatch);
    }
    check_sts_access_key(headers, access_key_id)?;
    let secret = lookup_secret(access_key_id)
        .ok_or_else(|| AuthError::UnknownAccessKey(access_key_id.to_string()))?;

    let signed_pairs = collect_signed_headers(headers, &signed)?;
    let query = decode_query(raw_query);
    let (canonical_request, _) =
        acs3_canonical_request(method, path, &query, &signed_pairs, &payload_hash);
    let string_to_sign = acs3_string_to_sign(&canonical_request);
    verify_hmac_sha256_hex(secret.as_bytes(), string_to_sign.as_bytes(), signature)?;
    Ok(VerifiedAlibaba {
        access_key_id: access_key_id.to_string(),
        signature_nonce: Some(nonce),
        security_token: optional_header(headers, "x-acs-security-token")?,
    })
}

/// `host` and every `x-acs-*` header present must be signed.
fn require_acs3_signed_set(headers: &HeaderMap, signed: &[&str]) -> Result<(), AuthError> {
    require_signed(signed, "host")?;
    headers
        .keys()
        .map(|name| name.as_str())
        .filter(|name| name.starts_with(ACS_HEADER_PREFIX))
        .try_for_each(|name| require_signed(signed, name))
}

/// With STS, `x-acs-accesskey-id` must name the same key as the Credential.
fn check_sts_access_key(headers: &HeaderMap, access_key_id: &str) -> Result<(), AuthError> {
    match optional_header(headers, "x-acs-accesskey-id")? {
        Some(id) if id.trim() != access_key_id => Err(AuthError::MalformedAuthorization(
            "Credential does not match x-acs-accesskey-id".to_string(),
        )),
        _ => Ok(()),
    }
}

fn optional_header(headers: &HeaderMap, name: &str) -> Result<Option<String>, AuthError> {
    if headers.contains_key(name) {
        required_header(headers, name).map(Some)
    } else {
        Ok(None)
    }
}

/// Builds the ACS3 canonical request and the `SignedHeaders` list it covers.
fn acs3_canonical_request(
    method: &str,
    path: &str,
    query: &[(String, String)],
    headers: &[(String, String)],
    payload_hash: &str,
) -> (String, String) {
    let groups = group_headers(headers);
    let canonical_headers: String = groups
        .iter()
        .map(|(name, values)| format!("{name}:{}\n", values.join(",")))
        .collect();
    let signed_headers = groups
        .iter()
        .map(|(name, _)| name.as_str())
        .collect::<Vec<_>>()
        .join(";");
    let uri = if path.is_empty() { "/" } else { path };
    let request = format!(
        "{method}\n{uri}\n{}\n{canonical_headers}\n{signed_headers}\n{payload_hash}",
        canonical_query(query),
    );
    (request, signed_headers)
}

fn acs3_string_to_sign(canonical_request: &str) -> String {
    format!(
        "{ACS3_ALGORITHM}\n{}",
        sha256_hex(canonical_request.as_bytes())
    )
}

/// Signs with legacy ROA v2 (HMAC-SHA1), as `Config.signature_algorithm='v2'` does.
///
/// `headers` are the headers sent; the string to sign is
/// `METHOD\naccept\ncontent-md5\ncontent-type\ndate\n`, then one `name:value\n` line per
/// `x-acs-*` header (sorted), then `path?k=v&...` with keys sorted and values NOT encoded
/// (an empty value gives just `k`). The request must also send `date`,
/// `x-acs-signature-method: HMAC-SHA1` and `x-acs-signature-version: 1.0`.
pub fn sign_roa_v2(
    access_key_id: &str,
    secret: &str,
    method: &str,
    path: &str,
    query: &[(String, String)],
    headers: &[(String, String)],
) -> RoaSignature {
    let string_to_sign = roa_string_to_sign(method, path, query, headers);
    let signature = base64::engine::general_purpose::STANDARD.encode(
        hmac_sha1(secret.as_bytes(), string_to_sign.as_bytes())
            .finalize()
            .into_bytes(),
    );
    let authorization = format!("{ROA_SCHEME} {access_key_id}:{signature}");
    RoaSignature {
        string_to_sign,
        signature,
        authorization,
    }
}

/// Verifies a received legacy ROA v2 request (`authorization: acs AK:base64sig`).
///
/// The `date` header (RFC 1123) is required and skew-checked. `content-md5` is signed
/// as sent but not checked against a body (the simulator only serves GETs).
pub fn verify_roa_v2(
    method: &str,
    path: &str,
    raw_query: Option<&str>,
    headers: &HeaderMap,
    lookup_secret: impl Fn(&str) -> Option<String>,
    now: DateTime<Utc>,
    max_skew: chrono::Duration,
) -> Result<VerifiedAlibaba, AuthError> {
    let authorization = required_header(headers, "authorization")?;
    let (access_key_id, signature_b64) = parse_roa_authorization(&authorization)?;
    let signature = base64::engine::general_purpose::STANDARD
        .decode(signature_b64)
        .map_err(|_| AuthError::MalformedAuthorization("signature is not base64".to_string()))?;

    let date = required_header(headers, "date")?;
    let request_time = DateTime::parse_from_rfc2822(date.trim())
        .map_err(|_| AuthError::InvalidDate("date".to_string()))?;
    check_skew(request_time.with_timezone(&Utc), now, max_skew)?;
    check_sts_access_key(headers, access_key_id)?;
    let secret = lookup_secret(access_key_id)
        .ok_or_else(|| AuthError::UnknownAccessKey(access_key_id.to_string()))?;

    let string_to_sign = roa_string_to_sign(
        method,
        path,
        &decode_query(raw_query),
        &roa_signed_header_pairs(headers)?,
    );
    hmac_sha1(secret.as_bytes(), string_to_sign.as_bytes())
        .verify_slice(&signature)
        .map_err(|_| AuthError::SignatureMismatch)?;
    Ok(VerifiedAlibaba {
        access_key_id: access_key_id.to_string(),
        signature_nonce: optional_header(headers, "x-acs-signature-nonce")?,
        security_token: optional_header(headers, "x-acs-security-token")?,
    })
}

fn parse_roa_authorization(value: &str) -> Result<(&str, &str), AuthError> {
    value
        .strip_prefix(ROA_SCHEME)
        .and_then(|rest| rest.strip_prefix(' '))
        .and_then(|rest| rest.split_once(':'))
        .filter(|(ak, sig)| !ak.is_empty() && !sig.is_empty())
        .ok_or_else(|| AuthError::MalformedAuthorization("expected `acs AK:signature`".into()))
}

/// The received headers that ROA v2 signs: the four fixed ones and every `x-acs-*`.
fn roa_signed_header_pairs(headers: &HeaderMap) -> Result<Vec<(String, String)>, AuthError> {
    let mut pairs = Vec::new();
    for name in headers.keys().map(|n| n.as_str()) {
        let fixed = ["accept", "content-md5", "content-type", "date"].contains(&name);
        if fixed || name.starts_with(ACS_HEADER_PREFIX) {
            for value in header_values(headers, name)? {
                pairs.push((name.to_string(), value));
            }
        }
    }
    Ok(pairs)
}

fn roa_string_to_sign(
    method: &str,
    path: &str,
    query: &[(String, String)],
    headers: &[(String, String)],
) -> String {
    let groups = group_headers(headers);
    let fixed = |name: &str| {
        groups
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, values)| values.join(","))
            .unwrap_or_default()
    };
    let acs_headers: String = groups
        .iter()
        .filter(|(name, _)| name.starts_with(ACS_HEADER_PREFIX))
        .map(|(name, values)| format!("{name}:{}\n", values.join(",")))
        .collect();
    format!(
        "{method}\n{}\n{}\n{}\n{}\n{acs_headers}{}",
        fixed("accept"),
        fixed("content-md5"),
        fixed("content-type"),
        fixed("date"),
        roa_canonical_resource(path, query),
    )
}

/// `path?k=v&...` with keys sorted and values unencoded; `k` alone for an empty value.
fn roa_canonical_resource(path: &str, query: &[(String, String)]) -> String {
    if query.is_empty() {
        return path.to_string();
    }
    let mut sorted: Vec<&(String, String)> = query.iter().collect();
    sorted.sort();
    let items: Vec<String> = sorted
        .iter()
        .map(|(k, v)| {
            if v.is_empty() {
                k.clone()
            } else {
                format!("{k}={v}")
            }
        })
        .collect();
    format!("{path}?{}", items.join("&"))
}

fn hmac_sha1(key: &[u8], msg: &[u8]) -> Hmac<Sha1> {
    let mut mac =
        <Hmac<Sha1> as Mac>::new_from_slice(key).expect("HMAC accepts keys of any length");
    mac.update(msg);
    mac
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::{HeaderName, HeaderValue};
    use chrono::TimeZone;

    const AK: &str = "LTAItest";
    const SECRET: &str = "alibaba-secret";
    const PATH: &str = "/api/v1/jobs";
    const HOST: &str = "pai-dlc.cn-hangzhou.aliyuncs.com";

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
            ("DisplayName", "训练 job #1 a*b/c+d~e"),
            ("PageSize", "50"),
            ("StartTime", "2024-01-01T00:00:00Z"),
        ])
    }

    fn headers(token: Option<&str>) -> Vec<(String, String)> {
        client_headers(HOST, "ListJobs", "2020-12-03", now(), "nonce-1", token, AK)
    }

    fn received(headers: &[(String, String)], authorization: &str) -> HeaderMap {
        let mut map = HeaderMap::new();
        let all = headers
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .chain([("authorization", authorization)]);
        for (k, v) in all {
            let name = HeaderName::from_bytes(k.to_ascii_lowercase().as_bytes()).expect("name");
            map.append(name, HeaderValue::from_str(v).expect("value"));
        }
        map
    }

    fn lookup(ak: &str) -> Option<String> {
        (ak == AK).then(|| SECRET.to_string())
    }

    fn check(raw: &str, map: &HeaderMap, at: DateTime<Utc>) -> Result<VerifiedAlibaba, AuthError> {
        verify_acs3(
            "GET",
            PATH,
            Some(raw),
            map,
            b"",
            lookup,
            at,
            chrono::Duration::minutes(15),
        )
    }

    fn signed_request(token: Option<&str>) -> (String, HeaderMap) {
        let h = headers(token);
        let sig = sign_acs3(AK, SECRET, "GET", PATH, &query(), &h, b"");
        (wire_query(&query()), received(&h, &sig.authorization))
    }

    #[test]
    fn client_headers_are_sorted_and_complete() {
        let names: Vec<String> = headers(Some("tok")).into_iter().map(|(k, _)| k).collect();
        assert_eq!(
            names,
            [
                "accept",
                "host",
                "x-acs-accesskey-id",
                "x-acs-action",
                "x-acs-content-sha256",
                "x-acs-date",
                "x-acs-security-token",
                "x-acs-signature-nonce",
                "x-acs-version"
            ]
        );
        assert!(headers(None).contains(&("x-acs-date".into(), "2024-03-15T08:30:00Z".into())));
    }

    #[test]
    fn repeated_headers_are_sorted_and_joined() {
        let mut h = headers(None);
        h.push(("X-Acs-Extra".into(), "b".into()));
        h.push(("x-acs-extra".into(), " a".into()));
        let sig = sign_acs3(AK, SECRET, "GET", PATH, &[], &h, b"");
        assert!(sig.canonical_request.contains("\nx-acs-extra:a,b\n"));
        let map = received(&h, &sig.authorization);
        assert_eq!(check("", &map, now()).map(|_| ()), Ok(()));
    }

    #[test]
    fn round_trip_verifies_with_sts() {
        let (raw, map) = signed_request(Some("sts-token"));
        let verified = check(&raw, &map, now()).expect("verifies");
        assert_eq!(verified.access_key_id, AK);
        assert_eq!(verified.signature_nonce.as_deref(), Some("nonce-1"));
        assert_eq!(verified.security_token.as_deref(), Some("sts-token"));
    }

    #[test]
    fn plus_encoded_query_verifies() {
        let (raw, map) = signed_request(None);
        assert!(raw.contains("%20"));
        assert_eq!(
            check(&raw.replace("%20", "+"), &map, now()).map(|_| ()),
            Ok(())
        );
    }

    #[test]
    fn tampering_is_detected() {
        let (raw, map) = signed_request(None);
        let tampered = raw.replace("PageSize=50", "PageSize=51");
        assert_eq!(
            check(&tampered, &map, now()),
            Err(AuthError::SignatureMismatch)
        );
        let mut m = map.clone();
        m.insert("x-acs-action", HeaderValue::from_static("DeleteJob"));
        assert_eq!(check(&raw, &m, now()), Err(AuthError::SignatureMismatch));
        let h = headers(None);
        let sig = sign_acs3(AK, "wrong", "GET", PATH, &query(), &h, b"");
        let m = received(&h, &sig.authorization);
        assert_eq!(check(&raw, &m, now()), Err(AuthError::SignatureMismatch));
    }

    #[test]
    fn unsigned_acs_header_is_rejected() {
        let (raw, mut map) = signed_request(None);
        map.insert("x-acs-extra", HeaderValue::from_static("sneaky"));
        assert_eq!(
            check(&raw, &map, now()),
            Err(AuthError::HeaderNotSigned("x-acs-extra".into()))
        );
    }

    #[test]
    fn body_hash_skew_and_key_checks() {
        let (raw, map) = signed_request(None);
        let with_body = verify_acs3(
            "GET",
            PATH,
            Some(&raw),
            &map,
            b"x",
            lookup,
            now(),
            chrono::Duration::minutes(15),
        );
        assert_eq!(with_body, Err(AuthError::ContentHashMismatch));
        let early = now() - chrono::Duration::hours(1);
        assert!(matches!(
            check(&raw, &map, early),
            Err(AuthError::ClockSkew { .. })
        ));
        let h = headers(None);
        let sig = sign_acs3("OTHER", SECRET, "GET", PATH, &[], &h, b"");
        let m = received(&h, &sig.authorization);
        assert_eq!(
            check("", &m, now()),
            Err(AuthError::UnknownAccessKey("OTHER".into()))
        );
    }

    #[test]
    fn sts_key_mismatch_is_rejected() {
        let h = client_headers(
            HOST,
            "ListJobs",
            "2020-12-03",
            now(),
            "n",
            Some("t"),
            "OTHER",
        );
        let sig = sign_acs3(AK, SECRET, "GET", PATH, &[], &h, b"");
        let m = received(&h, &sig.authorization);
        assert!(matches!(
            check("", &m, now()),
            Err(AuthError::MalformedAuthorization(_))
        ));
    }

    #[test]
    fn malformed_authorizations_are_errors() {
        let (raw, map) = signed_request(None);
        for bad in [
            "",
            "ACS3-HMAC-SHA256",
            "ACS3-HMAC-SHA256 Credential=LTAItest",
            "ACS3-HMAC-SHA256 Credential=LTAItest,SignedHeaders=host,Signature=00",
            "acs LTAItest:abc",
        ] {
            let mut m = map.clone();
            m.insert("authorization", HeaderValue::from_str(bad).expect("value"));
            assert!(check(&raw, &m, now()).is_err(), "{bad}");
        }
    }

    fn roa_headers() -> Vec<(String, String)> {
        pairs(&[
            ("accept", "application/json"),
            ("date", "Fri, 15 Mar 2024 08:30:00 GMT"),
            ("host", HOST),
            ("x-acs-signature-method", "HMAC-SHA1"),
            ("x-acs-signature-version", "1.0"),
            ("x-acs-signature-nonce", "n"),
        ])
    }

    fn check_roa(raw: &str, map: &HeaderMap) -> Result<VerifiedAlibaba, AuthError> {
        verify_roa_v2(
            "GET",
            PATH,
            Some(raw),
            map,
            lookup,
            now(),
            chrono::Duration::minutes(15),
        )
    }

    #[test]
    fn roa_round_trip_and_tampering() {
        let q = pairs(&[("DisplayName", "a b"), ("Empty", "")]);
        let sig = sign_roa_v2(AK, SECRET, "GET", PATH, &q, &roa_headers());
        assert!(sig
            .string_to_sign
            .ends_with("/api/v1/jobs?DisplayName=a b&Empty"));
        let map = received(&roa_headers(), &sig.authorization);
        let raw = "DisplayName=a+b&Empty=";
        assert_eq!(
            check_roa(raw, &map).map(|v| v.access_key_id),
            Ok(AK.to_string())
        );
        assert_eq!(
            check_roa("DisplayName=a+c&Empty=", &map),
            Err(AuthError::SignatureMismatch)
        );
        let mut m = map.clone();
        m.insert("authorization", HeaderValue::from_static("acs LTAItest:!!"));
        assert!(matches!(
            check_roa(raw, &m),
            Err(AuthError::MalformedAuthorization(_))
        ));
        let mut m = map.clone();
        m.insert(
            "date",
            HeaderValue::from_static("Fri, 15 Mar 2024 10:30:00 GMT"),
        );
        assert!(matches!(
            check_roa(raw, &m),
            Err(AuthError::ClockSkew { .. })
        ));
    }

    proptest::proptest! {
        #[test]
        fn verifiers_never_panic(auth in "\\PC*", query in "\\PC*", date in "\\PC*") {
            let (_, mut map) = signed_request(None);
            if let Ok(v) = HeaderValue::from_str(&auth) {
                map.insert("authorization", v.clone());
            }
            if let Ok(v) = HeaderValue::from_str(&date) {
                map.insert("x-acs-date", v.clone());
                map.insert("date", v);
            }
            let _ = check(&query, &map, now());
            let _ = check_roa(&query, &map);
        }
    }
}
