//! Timestamps in the contract's text form: UTC, ISO-8601, milliseconds, `Z`
//! (`2026-01-02T03:04:05.678Z`), used by every jobmirror-owned time column.

use chrono::{DateTime, SecondsFormat, TimeZone, Utc};

/// Formats a UTC instant as `YYYY-MM-DDTHH:MM:SS.mmmZ`.
pub fn format(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// The current time in the contract's text form.
pub fn now_text() -> String {
    format(Utc::now())
}

/// Epoch milliseconds to the contract's text form (None if out of range).
pub fn from_epoch_ms(ms: i64) -> Option<String> {
    Utc.timestamp_millis_opt(ms).single().map(format)
}

/// Parses the contract's text form (or any RFC 3339 instant) back to UTC.
pub fn parse(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_with_millis_and_z() {
        let t = Utc.timestamp_millis_opt(1_767_323_045_678).unwrap();
        assert_eq!(format(t), "2026-01-02T03:04:05.678Z");
        assert_eq!(from_epoch_ms(0).unwrap(), "1970-01-01T00:00:00.000Z");
        assert_eq!(parse("2026-01-02T03:04:05.678Z"), Some(t));
    }
}
