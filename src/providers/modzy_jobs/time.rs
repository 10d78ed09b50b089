//! Modzy timestamps. The API writes them in two styles, sometimes in one object:
//! `2021-07-20T01:40:11.187+0000` (offset without a colon) and
//! `2021-07-20T01:40:09.560+00:00` (RFC 3339), and a value may be null. The mirror
//! keeps the provider's text verbatim and adds the instant in jobmirror's own form
//! (`2021-07-20T01:40:11.187Z`), which sorts and compares as text.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};

/// Parses a Modzy timestamp: RFC 3339 (`Z` or `±hh:mm`), an offset without a colon
/// (`±hhmm`), a time without any offset (taken as UTC, as the Python SDK sends
/// naive datetimes), or a bare date (midnight UTC). Fractions of any length.
pub fn parse(text: &str) -> Option<DateTime<Utc>> {
    let s = text.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    if let Ok(t) = DateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f%z") {
        return Some(t.with_timezone(&Utc));
    }
    if let Ok(t) = NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f") {
        return Some(t.and_utc());
    }
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return d.and_hms_opt(0, 0, 0).map(|t| t.and_utc());
    }
    None
}

/// The instant of a Modzy timestamp in jobmirror's form (None when unparseable).
pub fn normalize(text: &str) -> Option<String> {
    parse(text).map(crate::clock::format)
}

/// Formats an instant in the style with a colon-less offset (`...187+0000`).
pub fn format_compact(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.3f+0000").to_string()
}

/// Formats an instant in the RFC 3339 style (`...560+00:00`).
pub fn format_colon(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.3f+00:00").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_offset_styles_and_friends() {
        let a = parse("2021-07-20T01:40:11.187+0000").unwrap();
        assert_eq!(crate::clock::format(a), "2021-07-20T01:40:11.187Z");
        let b = parse("2021-07-20T01:40:09.560+00:00").unwrap();
        assert_eq!(crate::clock::format(b), "2021-07-20T01:40:09.560Z");
        assert_eq!(
            normalize("2021-07-20T03:40:09.560+0200").as_deref(),
            Some("2021-07-20T01:40:09.560Z")
        );
        assert_eq!(
            normalize("2021-07-19T20:40:09.560-05:00").as_deref(),
            Some("2021-07-20T01:40:09.560Z")
        );
        assert_eq!(
            normalize("2021-08-13T07:28:03.831").as_deref(),
            Some("2021-08-13T07:28:03.831Z"),
            "naive = UTC"
        );
        assert_eq!(
            normalize("2022-04-15T14:28:01.053Z").as_deref(),
            Some("2022-04-15T14:28:01.053Z")
        );
        assert_eq!(
            normalize("2022-04-15T14:28:01+0000").as_deref(),
            Some("2022-04-15T14:28:01.000Z")
        );
        assert_eq!(
            normalize("2022-04-15").as_deref(),
            Some("2022-04-15T00:00:00.000Z")
        );
        assert_eq!(normalize("yesterday"), None);
        assert_eq!(normalize(""), None);
        assert_eq!(format_compact(a), "2021-07-20T01:40:11.187+0000");
        assert_eq!(format_colon(b), "2021-07-20T01:40:09.560+00:00");
        assert_eq!(parse(&format_compact(a)), Some(a));
        assert_eq!(parse(&format_colon(b)), Some(b));
    }
}
