//! The Modzy wire format: `GET /api/jobs/history` and `GET /api/jobs/{id}` request
//! building with the provider's (hyphenated) parameter names, and parsing of the
//! bare-array list, the job details and the error body
//! `{statusCode, status, message, reportErrorUrl}`.

use serde_json::{Map, Value};

use super::{status, time};
use crate::providers::huawei_error::body_excerpt;
use crate::providers::{
    retry_after_header, ApiRequest, Kind, ListPage, ProviderError, RawResponse, ResponseError,
};
use crate::store::record::extract_values;
use crate::store::{ColType, Column, Record, SqlValue, TableSpec};

/// `modzy_jobs`: one column per documented job field (nested objects as JSON
/// text, timestamps as the provider's text), plus the three timestamps as
/// instants in jobmirror's form (`*_utc`, computed, NULL when the provider's
/// value is null or unreadable).
pub static TABLE: TableSpec = TableSpec {
    kind: Kind::ModzyJobs,
    table: "modzy_jobs",
    id_column: "job_identifier",
    status_column: "status",
    name_column: Some("json_extract(model, '$.name')"),
    columns: &[
        Column::new("job_identifier", &["jobIdentifier"], ColType::Text),
        Column::new("submitted_by", &["submittedBy"], ColType::Text),
        Column::new("account_identifier", &["accountIdentifier"], ColType::Text),
        Column::new("model", &["model"], ColType::Json),
        Column::new("status", &["status"], ColType::Text),
        Column::new("created_at", &["createdAt"], ColType::Text),
        Column::new("updated_at", &["updatedAt"], ColType::Text),
        Column::new("submitted_at", &["submittedAt"], ColType::Text),
        Column::new("total", &["total"], ColType::Integer),
        Column::new("pending", &["pending"], ColType::Integer),
        Column::new("completed", &["completed"], ColType::Integer),
        Column::new("failed", &["failed"], ColType::Integer),
        Column::new("elapsed_time", &["elapsedTime"], ColType::Integer),
        Column::new("queue_time", &["queueTime"], ColType::Integer),
        Column::new("user", &["user"], ColType::Json),
        Column::new("job_inputs", &["jobInputs"], ColType::Json),
        Column::new("explain", &["explain"], ColType::Bool),
        Column::new("team", &["team"], ColType::Json),
        Column::new(
            "hours_delete_input",
            &["hoursDeleteInput"],
            ColType::Integer,
        ),
        Column::new(
            "image_classification_model",
            &["imageClassificationModel"],
            ColType::Bool,
        ),
        // Computed (no provider path): filled by `record`.
        Column::new("created_at_utc", &[], ColType::Text),
        Column::new("updated_at_utc", &[], ColType::Text),
        Column::new("submitted_at_utc", &[], ColType::Text),
    ],
};

/// The documented fields of a job-history item, in the provider's order.
pub const LIST_FIELDS: &[&str] = &[
    "jobIdentifier",
    "submittedBy",
    "accountIdentifier",
    "model",
    "status",
    "createdAt",
    "updatedAt",
    "submittedAt",
    "total",
    "pending",
    "completed",
    "failed",
    "elapsedTime",
    "queueTime",
    "user",
    "jobInputs",
    "explain",
];

/// Fields only the job details carry (dropped when a detail refreshes a row, so
/// the row stays list-shaped and the next list read is not a change).
pub const DETAIL_ONLY_FIELDS: &[&str] = &["team", "hoursDeleteInput", "imageClassificationModel"];

/// `direction`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Asc,
    Desc,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Asc => "ASC",
            Direction::Desc => "DESC",
        }
    }
}

/// One job-history query, in the provider's terms (only what the collector uses).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryParams {
    /// `startDate`: jobs created at or after this instant (jobmirror's form).
    pub start_date: Option<String>,
    /// `sort-by`: fields joined by `,`.
    pub sort_by: &'static str,
    pub direction: Direction,
    pub page: u32,
    pub per_page: u32,
}

impl HistoryParams {
    /// Most recently updated first (ties by job identifier).
    pub fn updated_desc(page: u32, per_page: u32) -> Self {
        HistoryParams {
            start_date: None,
            sort_by: "updatedAt,identifier",
            direction: Direction::Desc,
            page,
            per_page,
        }
    }

    /// Oldest created first (ties by job identifier), from `start_date` on.
    pub fn created_asc(start_date: Option<String>, page: u32, per_page: u32) -> Self {
        HistoryParams {
            start_date,
            sort_by: "createdAt,identifier",
            direction: Direction::Asc,
            page,
            per_page,
        }
    }
}

/// The path prefix to put before `/jobs/...`: `/api`, unless the configured
/// endpoint already ends in `/api` (the Python SDK's form of the base URL).
pub fn api_prefix(endpoint: &str) -> &'static str {
    let path = url::Url::parse(endpoint)
        .map(|u| u.path().trim_end_matches('/').to_string())
        .unwrap_or_default();
    if path.ends_with("/api") {
        ""
    } else {
        "/api"
    }
}

/// `GET {prefix}/jobs/history`, parameters in the Python SDK's order. `status=all`
/// is sent as the SDK does (it is also the server's default).
pub fn list_request(prefix: &str, p: &HistoryParams) -> ApiRequest {
    ApiRequest::get(format!("{prefix}/jobs/history"))
        .param_opt("startDate", p.start_date.as_deref())
        .param("status", "all")
        .param("sort-by", p.sort_by)
        .param("direction", p.direction.as_str())
        .param("page", p.page)
        .param("per-page", p.per_page)
}

/// Characters escaped in a path segment (everything but RFC 3986 unreserved).
const PATH_SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// `GET {prefix}/jobs/{jobIdentifier}`.
pub fn detail_request(prefix: &str, job_identifier: &str) -> ApiRequest {
    let id: String = percent_encoding::utf8_percent_encode(job_identifier, PATH_SEGMENT).collect();
    ApiRequest::get(format!("{prefix}/jobs/{id}"))
}

/// Parses a Modzy error answer: `status` (e.g. `UNAUTHORIZED`, else `statusCode`)
/// as the code and `message`, or the HTTP status and a body excerpt when the body
/// is not Modzy's. `Retry-After` is honoured when present.
pub fn parse_error(
    http_status: u16,
    body: &[u8],
    headers: &reqwest::header::HeaderMap,
) -> ProviderError {
    let obj = serde_json::from_slice::<Value>(body)
        .ok()
        .and_then(|v| v.as_object().cloned());
    let message = obj
        .as_ref()
        .and_then(|o| o.get("message"))
        .and_then(Value::as_str)
        .map(str::to_string);
    let code = obj
        .as_ref()
        .and_then(|o| match (o.get("status"), o.get("statusCode")) {
            (Some(Value::String(s)), _) if !s.is_empty() => Some(s.clone()),
            (_, Some(Value::Number(n))) => Some(n.to_string()),
            _ => None,
        });
    ProviderError {
        http_status,
        code: message.as_ref().and(code),
        message: message.unwrap_or_else(|| body_excerpt(body)),
        retry_after: retry_after_header(headers),
    }
}

/// The error a JSON object answered with HTTP 200 reports, if it is Modzy's
/// error shape (`statusCode` ≥ 400 and `message`).
fn error_on_200(obj: &Map<String, Value>, resp: &RawResponse) -> Option<ProviderError> {
    let code = obj.get("statusCode")?.as_u64()?;
    if !(400..=599).contains(&code) || !obj.contains_key("message") {
        return None;
    }
    Some(parse_error(code as u16, &resp.body, &resp.headers))
}

fn json_body(resp: &RawResponse) -> Result<Value, ResponseError> {
    if resp.status >= 400 {
        return Err(ResponseError::Provider(parse_error(
            resp.status,
            &resp.body,
            &resp.headers,
        )));
    }
    serde_json::from_slice(&resp.body).map_err(|e| {
        ResponseError::Malformed(format!("not JSON ({e}): {}", body_excerpt(&resp.body)))
    })
}

fn set(values: &mut [SqlValue], column: &str, v: SqlValue) {
    if let Some(i) = TABLE.columns.iter().position(|c| c.name == column) {
        values[i] = v;
    }
}

fn instant(obj: &Map<String, Value>, key: &str) -> SqlValue {
    match obj
        .get(key)
        .and_then(Value::as_str)
        .and_then(time::normalize)
    {
        Some(t) => SqlValue::Text(t),
        None => SqlValue::Null,
    }
}

/// Builds the mirror record of one job object. A missing or null `status` is
/// `SUBMITTED` (as the Python SDK takes it); `raw` keeps the object as sent.
pub fn record(obj: Map<String, Value>) -> Result<Record, ResponseError> {
    let id = match obj.get("jobIdentifier") {
        Some(Value::String(s)) if !s.is_empty() => s.clone(),
        other => {
            return Err(ResponseError::Malformed(format!(
                "job without a jobIdentifier: jobIdentifier = {}",
                other
                    .map(|v| v.to_string())
                    .unwrap_or_else(|| "missing".into())
            )))
        }
    };
    let native = match obj.get("status") {
        None | Some(Value::Null) => status::MISSING_STATUS.to_string(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => {
            return Err(ResponseError::Malformed(format!(
                "job {id} has a status that is not text: {other}"
            )))
        }
    };
    let name = obj
        .get("model")
        .and_then(|m| m.get("name"))
        .and_then(Value::as_str)
        .map(str::to_string);
    let mut values = extract_values(&TABLE, &obj);
    set(&mut values, "status", SqlValue::Text(native.clone()));
    set(&mut values, "created_at_utc", instant(&obj, "createdAt"));
    set(&mut values, "updated_at_utc", instant(&obj, "updatedAt"));
    set(
        &mut values,
        "submitted_at_utc",
        instant(&obj, "submittedAt"),
    );
    Ok(Record {
        id,
        state: status::state_of(&native),
        status: native,
        name,
        values,
        raw: Value::Object(obj).to_string(),
    })
}

/// Parses a job-history answer: a bare JSON array of jobs (no envelope, no total).
pub fn parse_list(resp: &RawResponse) -> Result<ListPage, ResponseError> {
    let items = match json_body(resp)? {
        Value::Array(a) => a,
        Value::Object(o) => {
            if let Some(e) = error_on_200(&o, resp) {
                return Err(ResponseError::Provider(e));
            }
            return Err(ResponseError::Malformed(format!(
                "expected a JSON array of jobs, got an object: {}",
                body_excerpt(&resp.body)
            )));
        }
        other => {
            return Err(ResponseError::Malformed(format!(
                "expected a JSON array of jobs, got {}",
                body_excerpt(other.to_string().as_bytes())
            )))
        }
    };
    let records = items
        .into_iter()
        .map(|j| match j {
            Value::Object(o) => record(o),
            other => Err(ResponseError::Malformed(format!(
                "a job-history element is not an object: {}",
                body_excerpt(other.to_string().as_bytes())
            ))),
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(ListPage {
        records,
        total: None,
    })
}

/// Parses a job-details answer into a list-shaped job: the details without
/// [`DETAIL_ONLY_FIELDS`].
pub fn parse_detail(resp: &RawResponse) -> Result<Record, ResponseError> {
    match json_body(resp)? {
        Value::Object(mut o) => {
            if let Some(e) = error_on_200(&o, resp) {
                return Err(ResponseError::Provider(e));
            }
            for f in DETAIL_ONLY_FIELDS {
                o.shift_remove(*f);
            }
            record(o)
        }
        _ => Err(ResponseError::Malformed(format!(
            "expected a job object, got {}",
            body_excerpt(&resp.body)
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::State;
    use reqwest::header::{HeaderMap, HeaderValue};

    fn resp(status: u16, body: &str) -> RawResponse {
        RawResponse {
            status,
            headers: HeaderMap::new(),
            body: bytes::Bytes::from(body.to_string()),
        }
    }

    fn value<'a>(r: &'a Record, column: &str) -> &'a SqlValue {
        let i = TABLE.columns.iter().position(|c| c.name == column).unwrap();
        &r.values[i]
    }

    fn text(s: &str) -> SqlValue {
        SqlValue::Text(s.to_string())
    }

    /// A history item with every documented field, both timestamp styles, a null
    /// `submittedAt`, and fields nobody documents.
    const FULL_ITEM: &str = r#"{
        "jobIdentifier": "14856eb1-0ad8-49e7-9da3-887acb80fea5",
        "submittedBy": "Sarah Connor",
        "accountIdentifier": "acct-0001",
        "model": {"identifier": "ed542963de", "version": "1.0.1", "name": "Sentiment Analysis"},
        "status": "COMPLETED",
        "createdAt": "2021-07-20T01:40:11.187+0000",
        "updatedAt": "2021-07-20T01:40:09.560+00:00",
        "submittedAt": null,
        "total": 3, "pending": 0, "completed": 2, "failed": 1,
        "elapsedTime": 1523, "queueTime": 87,
        "user": {"identifier": "u-1", "externalIdentifier": "ext-1", "firstName": "Sarah",
                 "lastName": "Connor", "email": "sarah@example.com", "status": "ACTIVE",
                 "title": null, "accessKeys": [{"prefix": "jU7q896uSReJcXXDOS6P", "isDefault": true}],
                 "pictureURL": null},
        "jobInputs": [{"identifier": "input-1"}],
        "explain": false,
        "futureField": {"nested": [1, 2]},
        "anotherOne": "kept"
    }"#;

    #[test]
    fn parses_every_documented_field_and_keeps_unknown_ones() {
        let page = parse_list(&resp(200, &format!("[{FULL_ITEM}]"))).unwrap();
        assert_eq!(page.total, None);
        let r = &page.records[0];
        assert_eq!(r.id, "14856eb1-0ad8-49e7-9da3-887acb80fea5");
        assert_eq!(
            (r.status.as_str(), r.state),
            ("COMPLETED", State::Succeeded)
        );
        assert_eq!(r.name.as_deref(), Some("Sentiment Analysis"));
        assert_eq!(value(r, "job_identifier"), &text(&r.id));
        assert_eq!(value(r, "submitted_by"), &text("Sarah Connor"));
        assert_eq!(value(r, "account_identifier"), &text("acct-0001"));
        assert_eq!(
            value(r, "model"),
            &text(r#"{"identifier":"ed542963de","version":"1.0.1","name":"Sentiment Analysis"}"#)
        );
        assert_eq!(
            value(r, "created_at"),
            &text("2021-07-20T01:40:11.187+0000")
        );
        assert_eq!(
            value(r, "updated_at"),
            &text("2021-07-20T01:40:09.560+00:00")
        );
        assert_eq!(value(r, "submitted_at"), &SqlValue::Null);
        assert_eq!(
            value(r, "created_at_utc"),
            &text("2021-07-20T01:40:11.187Z")
        );
        assert_eq!(
            value(r, "updated_at_utc"),
            &text("2021-07-20T01:40:09.560Z")
        );
        assert_eq!(value(r, "submitted_at_utc"), &SqlValue::Null);
        assert_eq!(value(r, "total"), &SqlValue::Int(3));
        assert_eq!(value(r, "pending"), &SqlValue::Int(0));
        assert_eq!(value(r, "completed"), &SqlValue::Int(2));
        assert_eq!(value(r, "failed"), &SqlValue::Int(1));
        assert_eq!(value(r, "elapsed_time"), &SqlValue::Int(1523));
        assert_eq!(value(r, "queue_time"), &SqlValue::Int(87));
        match value(r, "user") {
            SqlValue::Text(u) => {
                assert!(u.contains("\"accessKeys\":[{\"prefix\":\"jU7q896uSReJcXXDOS6P\""))
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            value(r, "job_inputs"),
            &text(r#"[{"identifier":"input-1"}]"#)
        );
        assert_eq!(value(r, "explain"), &SqlValue::Int(0));
        assert_eq!(value(r, "team"), &SqlValue::Null);
        assert!(r.raw.contains(r#""futureField":{"nested":[1,2]}"#));
        assert!(r.raw.contains(r#""anotherOne":"kept""#));
        assert!(r.raw.contains(r#""submittedAt":null"#), "raw is verbatim");
        assert_eq!(r.values.len(), TABLE.columns.len());
    }

    #[test]
    fn nulls_missing_status_and_odd_numbers() {
        let page = parse_list(&resp(
            200,
            r#"[{"jobIdentifier": "a", "createdAt": "2021-07-20T01:40:11.187+0000",
                 "updatedAt": null, "elapsedTime": 12.5, "queueTime": null, "user": null,
                 "model": {"identifier": "m", "version": "1", "name": "M"}, "explain": true},
                {"jobIdentifier": "b", "status": null, "updatedAt": "not a time"},
                {"jobIdentifier": "c", "status": "SOMETHING_NEW"}]"#,
        ))
        .unwrap();
        let [a, b, c] = &page.records[..] else {
            panic!("three records")
        };
        assert_eq!((a.status.as_str(), a.state), ("SUBMITTED", State::Pending));
        assert_eq!(
            value(a, "status"),
            &text("SUBMITTED"),
            "column agrees with the record"
        );
        assert!(!a.raw.contains("\"status\""), "raw is the object as sent");
        assert_eq!(value(a, "updated_at"), &SqlValue::Null);
        assert_eq!(value(a, "updated_at_utc"), &SqlValue::Null);
        assert_eq!(value(a, "elapsed_time"), &SqlValue::Real(12.5));
        assert_eq!(value(a, "queue_time"), &SqlValue::Null);
        assert_eq!(value(a, "user"), &SqlValue::Null);
        assert_eq!(value(a, "explain"), &SqlValue::Int(1));
        assert_eq!(b.status, "SUBMITTED");
        assert_eq!(value(b, "updated_at"), &text("not a time"));
        assert_eq!(value(b, "updated_at_utc"), &SqlValue::Null);
        assert_eq!(b.name, None);
        assert_eq!(
            (c.status.as_str(), c.state),
            ("SOMETHING_NEW", State::Unknown)
        );
        assert!(parse_list(&resp(200, "[]")).unwrap().records.is_empty());
    }

    #[test]
    fn malformed_answers() {
        for body in [
            "[{\"jobIdentifier\": \"a\"",
            r#"{"content": [], "totalElements": 0}"#,
            r#""jobs""#,
            r#"[1, 2]"#,
            r#"[{"status": "COMPLETED"}]"#,
            r#"[{"jobIdentifier": "", "status": "COMPLETED"}]"#,
            r#"[{"jobIdentifier": "a", "status": 3}]"#,
        ] {
            assert!(
                matches!(
                    parse_list(&resp(200, body)),
                    Err(ResponseError::Malformed(_))
                ),
                "{body}"
            );
        }
    }

    #[test]
    fn modzy_error_bodies_become_provider_errors() {
        let mut headers = HeaderMap::new();
        headers.insert("retry-after", HeaderValue::from_static("7"));
        let r = RawResponse {
            status: 429,
            headers,
            body: bytes::Bytes::from_static(
                br#"{"statusCode": 429, "status": "TOO_MANY_REQUESTS", "message": "Too many requests", "reportErrorUrl": "https://example.com/report"}"#,
            ),
        };
        let ResponseError::Provider(e) = parse_list(&r).unwrap_err() else {
            panic!()
        };
        assert_eq!(e.http_status, 429);
        assert_eq!(e.code.as_deref(), Some("TOO_MANY_REQUESTS"));
        assert_eq!(e.message, "Too many requests");
        assert_eq!(e.retry_after, Some(std::time::Duration::from_secs(7)));
        assert!(e.is_retryable());

        let e = parse_error(
            401,
            br#"{"statusCode": 401, "message": "Unauthorized"}"#,
            &HeaderMap::new(),
        );
        assert_eq!(
            (e.code.as_deref(), e.message.as_str()),
            (Some("401"), "Unauthorized")
        );
        assert_eq!(e.retry_after, None);
        assert!(!e.is_retryable());
        let e = parse_error(502, b"<html>bad gateway</html>", &HeaderMap::new());
        assert_eq!(e.code, None);
        assert!(e.message.contains("bad gateway"));

        // The error shape answered with HTTP 200 is an error of its statusCode.
        let e = parse_list(&resp(
            200,
            r#"{"statusCode": 500, "status": "INTERNAL_SERVER_ERROR", "message": "boom", "reportErrorUrl": "x"}"#,
        ))
        .unwrap_err();
        assert!(
            matches!(&e, ResponseError::Provider(p) if p.http_status == 500 && p.message == "boom")
        );
        assert!(e.is_retryable());
    }

    #[test]
    fn requests_use_the_provider_names() {
        let r = list_request("/api", &HistoryParams::updated_desc(2, 999));
        assert_eq!(r.path, "/api/jobs/history");
        let q: Vec<(&str, &str)> = r
            .query
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        assert_eq!(
            q,
            [
                ("status", "all"),
                ("sort-by", "updatedAt,identifier"),
                ("direction", "DESC"),
                ("page", "2"),
                ("per-page", "999")
            ]
        );
        let r = list_request(
            "",
            &HistoryParams::created_asc(Some("2021-07-20T01:40:11.187Z".into()), 1, 1000),
        );
        assert_eq!(r.path, "/jobs/history");
        assert_eq!(
            r.query[0],
            ("startDate".into(), "2021-07-20T01:40:11.187Z".into())
        );
        assert_eq!(
            r.query[2],
            ("sort-by".into(), "createdAt,identifier".into())
        );
        assert_eq!(r.query[3], ("direction".into(), "ASC".into()));
        assert_eq!(detail_request("/api", "a-b/c").path, "/api/jobs/a-b%2Fc");
    }

    #[test]
    fn the_api_prefix_is_not_doubled() {
        assert_eq!(api_prefix("https://app.modzy.com"), "/api");
        assert_eq!(api_prefix("https://app.modzy.com/"), "/api");
        assert_eq!(api_prefix("https://app.modzy.com/api"), "");
        assert_eq!(api_prefix("https://app.modzy.com/api/"), "");
        assert_eq!(api_prefix("http://127.0.0.1:9000/modzy"), "/api");
        assert_eq!(api_prefix("http://127.0.0.1:9000/modzy/api"), "");
    }

    #[test]
    fn details_become_list_shaped_rows() {
        let detail = FULL_ITEM.replacen(
            "\"explain\": false,",
            "\"explain\": false, \"team\": {\"identifier\": \"t-1\"}, \"hoursDeleteInput\": 24, \"imageClassificationModel\": false,",
            1,
        );
        let r = parse_detail(&resp(200, &detail)).unwrap();
        let from_list = parse_list(&resp(200, &format!("[{FULL_ITEM}]"))).unwrap();
        assert_eq!(r.raw, from_list.records[0].raw);
        assert_eq!(r.values, from_list.records[0].values);
        let ResponseError::Provider(e) = parse_detail(&resp(
            404,
            r#"{"statusCode": 404, "status": "NOT_FOUND", "message": "job not found", "reportErrorUrl": "x"}"#,
        ))
        .unwrap_err() else {
            panic!()
        };
        assert_eq!((e.http_status, e.code.as_deref()), (404, Some("NOT_FOUND")));
        assert!(matches!(
            parse_detail(&resp(200, "[]")),
            Err(ResponseError::Malformed(_))
        ));
    }
}
