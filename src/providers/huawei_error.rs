//! The error bodies of Huawei Cloud APIs, shared by the three Huawei kinds: the
//! pairs `error_code`+`error_msg`, `error_code`+`error_message` (ModelArts v1),
//! `errorCode`+`errorMsg`, `code`+`message`, searched as the official SDK does.

use std::time::Duration;

use serde_json::Value;

use super::ProviderError;

const PAIRS: &[(&str, &str)] = &[
    ("error_code", "error_msg"),
    ("error_code", "error_message"),
    ("errorCode", "errorMsg"),
    ("code", "message"),
];

fn find_pair(v: &Value) -> Option<(String, String)> {
    let obj = v.as_object()?;
    for (c, m) in PAIRS {
        if let (Some(code), Some(msg)) = (obj.get(*c), obj.get(*m)) {
            let code = match code {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            let msg = match msg {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            return Some((code, msg));
        }
    }
    obj.values().find_map(find_pair)
}

/// Parses an error answer: the code and message when the body has them, else the
/// HTTP status and (a prefix of) the raw body.
pub fn parse_error(http_status: u16, body: &[u8], retry_after: Option<Duration>) -> ProviderError {
    let parsed = serde_json::from_slice::<Value>(body)
        .ok()
        .and_then(|v| find_pair(&v));
    let (code, message) = match parsed {
        Some((c, m)) => (Some(c), m),
        None => (None, body_excerpt(body)),
    };
    ProviderError {
        http_status,
        code,
        message,
        retry_after,
    }
}

/// The first 200 characters of a body, for error messages.
pub fn body_excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let mut s: String = text.chars().take(200).collect();
    if text.chars().count() > 200 {
        s.push('…');
    }
    if s.trim().is_empty() {
        s = "(empty body)".into();
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_each_documented_pair() {
        let e = parse_error(
            400,
            br#"{"is_success": false, "error_code": "ModelArts.0105", "error_message": "bad per_page"}"#,
            None,
        );
        assert_eq!(e.code.as_deref(), Some("ModelArts.0105"));
        assert_eq!(e.message, "bad per_page");
        let e = parse_error(
            401,
            br#"{"error_code":"APIGW.0301","error_msg":"auth"}"#,
            None,
        );
        assert_eq!(e.code.as_deref(), Some("APIGW.0301"));
        let e = parse_error(500, br#"{"error":{"code":"X","message":"deep"}}"#, None);
        assert_eq!((e.code.as_deref(), e.message.as_str()), (Some("X"), "deep"));
        let e = parse_error(502, b"<html>bad gateway</html>", None);
        assert_eq!(e.code, None);
        assert!(e.message.contains("bad gateway"));
    }
}
