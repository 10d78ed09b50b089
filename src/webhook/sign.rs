//! Standard Webhooks signatures: `v1,` + base64 HMAC-SHA256 of
//! `{webhook-id}.{webhook-timestamp}.{body}`, keyed with the base64-decoded part
//! of a `whsec_` secret. While rotating, one signature per secret, space-separated.

use std::fmt;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// Why a secret cannot sign (the message never contains the secret).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignError {
    #[error("is not a Standard Webhooks secret (\"whsec_\" followed by base64)")]
    NotBase64,
    #[error("is empty")]
    Empty,
}

/// The key bytes of one `whsec_` secret.
#[derive(Clone)]
pub struct SigningKey(Vec<u8>);

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SigningKey([redacted])")
    }
}

impl SigningKey {
    /// Decodes `whsec_<base64>` (the prefix is optional, as in the reference libraries).
    pub fn from_secret(secret: &str) -> Result<SigningKey, SignError> {
        let b64 = secret.trim();
        let b64 = b64.strip_prefix("whsec_").unwrap_or(b64);
        let bytes = STANDARD.decode(b64).map_err(|_| SignError::NotBase64)?;
        if bytes.is_empty() {
            return Err(SignError::Empty);
        }
        Ok(SigningKey(bytes))
    }

    /// `v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">`.
    pub fn sign(&self, webhook_id: &str, timestamp: i64, body: &[u8]) -> String {
        format!(
            "v1,{}",
            STANDARD.encode(self.mac(webhook_id, timestamp, body))
        )
    }

    fn mac(&self, webhook_id: &str, timestamp: i64, body: &[u8]) -> Vec<u8> {
        // HMAC takes keys of any length.
        let mut mac = match HmacSha256::new_from_slice(&self.0) {
            Ok(m) => m,
            Err(_) => unreachable!("HMAC accepts every key length"),
        };
        mac.update(webhook_id.as_bytes());
        mac.update(b".");
        mac.update(timestamp.to_string().as_bytes());
        mac.update(b".");
        mac.update(body);
        mac.finalize().into_bytes().to_vec()
    }

    /// Whether a `webhook-signature` header holds a valid `v1` signature by this key
    /// (constant-time comparison).
    pub fn verify(&self, header: &str, webhook_id: &str, timestamp: i64, body: &[u8]) -> bool {
        header.split_whitespace().any(|part| {
            let Some(sig) = part.strip_prefix("v1,") else {
                return false;
            };
            let Ok(given) = STANDARD.decode(sig) else {
                return false;
            };
            let mut mac = match HmacSha256::new_from_slice(&self.0) {
                Ok(m) => m,
                Err(_) => return false,
            };
            mac.update(format!("{webhook_id}.{timestamp}.").as_bytes());
            mac.update(body);
            mac.verify_slice(&given).is_ok()
        })
    }
}

/// The `webhook-signature` header: one `v1,` signature per key, space-separated,
/// in the order given (newest secret first).
pub fn signature_header(
    keys: &[SigningKey],
    webhook_id: &str,
    timestamp: i64,
    body: &[u8],
) -> String {
    keys.iter()
        .map(|k| k.sign(webhook_id, timestamp, body))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize)]
    struct Vectors {
        vectors: Vec<Vector>,
    }

    #[derive(serde::Deserialize)]
    struct Vector {
        secret: String,
        webhook_id: String,
        webhook_timestamp: String,
        body: String,
        webhook_signature: String,
    }

    fn vectors() -> Vec<Vector> {
        let text = include_str!("../../tests/vectors/webhooks.json");
        let v: Vectors = serde_json::from_str(text).unwrap();
        assert!(!v.vectors.is_empty());
        v.vectors
    }

    #[test]
    fn reproduces_the_standard_webhooks_vector() {
        for v in vectors() {
            let key = SigningKey::from_secret(&v.secret).unwrap();
            let ts: i64 = v.webhook_timestamp.parse().unwrap();
            assert_eq!(
                signature_header(
                    std::slice::from_ref(&key),
                    &v.webhook_id,
                    ts,
                    v.body.as_bytes()
                ),
                v.webhook_signature
            );
            assert!(key.verify(&v.webhook_signature, &v.webhook_id, ts, v.body.as_bytes()));
            assert!(!key.verify(
                &v.webhook_signature,
                &v.webhook_id,
                ts + 1,
                v.body.as_bytes()
            ));
        }
    }

    #[test]
    fn signs_with_every_secret_while_rotating() {
        let v = &vectors()[0];
        let old = SigningKey::from_secret(&v.secret).unwrap();
        let new = SigningKey::from_secret("whsec_c2Vjb25kLXNlY3JldC1mb3ItdGVzdHM=").unwrap();
        let ts: i64 = v.webhook_timestamp.parse().unwrap();
        let header = signature_header(
            &[new.clone(), old.clone()],
            &v.webhook_id,
            ts,
            v.body.as_bytes(),
        );
        let parts: Vec<&str> = header.split(' ').collect();
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[1], v.webhook_signature);
        assert!(new.verify(&header, &v.webhook_id, ts, v.body.as_bytes()));
        assert!(old.verify(&header, &v.webhook_id, ts, v.body.as_bytes()));
    }

    #[test]
    fn rejects_bad_secrets_and_accepts_a_missing_prefix() {
        assert_eq!(
            SigningKey::from_secret("whsec_!!!").unwrap_err(),
            SignError::NotBase64
        );
        assert_eq!(
            SigningKey::from_secret("whsec_").unwrap_err(),
            SignError::Empty
        );
        let v = &vectors()[0];
        let bare = v.secret.trim_start_matches("whsec_");
        let ts: i64 = v.webhook_timestamp.parse().unwrap();
        assert_eq!(
            SigningKey::from_secret(bare)
                .unwrap()
                .sign(&v.webhook_id, ts, v.body.as_bytes()),
            v.webhook_signature
        );
        assert_eq!(
            format!("{:?}", SigningKey::from_secret(bare).unwrap()),
            "SigningKey([redacted])"
        );
    }
}
