//! The SWR `ListInstanceJobs` wire format: request building with the provider's
//! parameter names, and parsing of list and error bodies.

use serde_json::{Map, Value};

use super::status;
use crate::providers::huawei_error::{body_excerpt, parse_error};
use crate::providers::Kind;
use crate::providers::{retry_after_header, ApiRequest, ListPage, RawResponse, ResponseError};
use crate::store::record::extract_values;
use crate::store::{ColType, Column, Record, TableSpec};

/// `swr_instance_jobs`: one column per documented `JobDetail` field (all strings;
/// `created_at`/`updated_at` keep the provider's text).
pub static TABLE: TableSpec = TableSpec {
    kind: Kind::SwrInstanceJobs,
    table: "swr_instance_jobs",
    id_column: "id",
    status_column: "status",
    name_column: Some("resource_name"),
    columns: &[
        Column::new("id", &["id"], ColType::Text),
        Column::new("instance_id", &["instance_id"], ColType::Text),
        Column::new("resource_id", &["resource_id"], ColType::Text),
        Column::new("resource_name", &["resource_name"], ColType::Text),
        Column::new("type", &["type"], ColType::Text),
        Column::new("status", &["status"], ColType::Text),
        Column::new("reason", &["reason"], ColType::Text),
        Column::new("created_at", &["created_at"], ColType::Text),
        Column::new("updated_at", &["updated_at"], ColType::Text),
    ],
};

/// The largest `limit` the API accepts.
pub const MAX_LIMIT: u32 = 100;

/// `GET /v2/{project_id}/jobs`: `status` when filtering, and always `offset` with
/// `limit` (the API wants them together).
pub fn list_request(project_id: &str, status: Option<&str>, offset: u64, limit: u32) -> ApiRequest {
    ApiRequest::get(format!("/v2/{project_id}/jobs"))
        .param_opt("status", status)
        .param("offset", offset)
        .param("limit", limit.clamp(1, MAX_LIMIT))
}

/// Builds the mirror record of one `JobDetail` object.
pub fn record(obj: Map<String, Value>) -> Result<Record, ResponseError> {
    let id = match obj.get("id") {
        Some(Value::String(s)) if !s.is_empty() => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        other => {
            return Err(ResponseError::Malformed(format!(
                "job without an id: id = {}",
                other
                    .map(|v| v.to_string())
                    .unwrap_or_else(|| "missing".into())
            )))
        }
    };
    // A missing status is kept as "" (state unknown), never an error.
    let status = match obj.get("status") {
        Some(Value::String(s)) => s.clone(),
        None | Some(Value::Null) => String::new(),
        Some(other) => other.to_string(),
    };
    let name = obj
        .get("resource_name")
        .and_then(Value::as_str)
        .map(str::to_string);
    let values = extract_values(&TABLE, &obj);
    Ok(Record {
        id,
        state: status::state_of(&status),
        status,
        name,
        values,
        raw: Value::Object(obj).to_string(),
    })
}

/// Parses a list answer: `{"total": n, "jobs": [JobDetail...]}`. Error statuses
/// (and an error body on HTTP 200) become provider errors.
pub fn parse_list(resp: &RawResponse) -> Result<ListPage, ResponseError> {
    if resp.status >= 400 {
        return Err(ResponseError::Provider(parse_error(
            resp.status,
            &resp.body,
            retry_after_header(&resp.headers),
        )));
    }
    let value: Value = serde_json::from_slice(&resp.body).map_err(|e| {
        ResponseError::Malformed(format!("not JSON ({e}): {}", body_excerpt(&resp.body)))
    })?;
    let Value::Object(mut obj) = value else {
        return Err(ResponseError::Malformed(format!(
            "expected a JSON object, got {}",
            body_excerpt(&resp.body)
        )));
    };
    if !obj.contains_key("jobs") && obj.contains_key("error_code") {
        return Err(ResponseError::Provider(parse_error(
            resp.status,
            &resp.body,
            None,
        )));
    }
    let total = match obj.get("total") {
        Some(Value::Number(n)) => n.as_u64(),
        None | Some(Value::Null) => None,
        Some(other) => {
            return Err(ResponseError::Malformed(format!(
                "total is not a number: {other}"
            )))
        }
    };
    let jobs = match obj.remove("jobs") {
        Some(Value::Array(a)) => a,
        None | Some(Value::Null) => Vec::new(),
        Some(other) => {
            return Err(ResponseError::Malformed(format!(
                "jobs is not an array: {}",
                body_excerpt(other.to_string().as_bytes())
            )))
        }
    };
    let records = jobs
        .into_iter()
        .map(|j| match j {
            Value::Object(o) => record(o),
            other => Err(ResponseError::Malformed(format!(
                "a jobs element is not an object: {}",
                body_excerpt(other.to_string().as_bytes())
            ))),
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(ListPage { records, total })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::State;
    use crate::store::SqlValue;
    use reqwest::header::HeaderMap;

    fn resp(status: u16, body: &str) -> RawResponse {
        RawResponse {
            status,
            headers: HeaderMap::new(),
            body: bytes::Bytes::from(body.to_string()),
        }
    }

    #[test]
    fn parses_the_documented_sample_with_every_field() {
        let page = parse_list(&resp(
            200,
            r#"{"total" : 1, "jobs" : [ {
                "id" : "36db69c5-b2d5-11eb-b044-0255ac101219",
                "instance_id" : "36ce7f50-b2d5-11eb-b044-0255ac101219",
                "resource_id" : "36ce7f50-b2d5-11eb-b044-0255ac101219",
                "resource_name" : "test-public",
                "type" : "CreateInstance",
                "status" : "Failed",
                "reason" : "failed to select cce cluster",
                "created_at" : "2021-05-12T03:50:38.305978Z",
                "updated_at" : "2021-05-12T03:50:43.315473Z",
                "progress" : {"step": 3, "of": 5}
            } ]}"#,
        ))
        .unwrap();
        assert_eq!(page.total, Some(1));
        let r = &page.records[0];
        assert_eq!(r.id, "36db69c5-b2d5-11eb-b044-0255ac101219");
        assert_eq!((r.status.as_str(), r.state), ("Failed", State::Failed));
        assert_eq!(r.name.as_deref(), Some("test-public"));
        let text = |i: usize| match &r.values[i] {
            SqlValue::Text(s) => s.clone(),
            other => panic!("{other:?}"),
        };
        assert_eq!(text(4), "CreateInstance");
        assert_eq!(text(6), "failed to select cce cluster");
        assert_eq!(text(7), "2021-05-12T03:50:38.305978Z");
        assert_eq!(text(8), "2021-05-12T03:50:43.315473Z");
        assert!(
            r.raw.contains(r#""progress":{"step":3,"of":5}"#),
            "unknown fields are kept in raw"
        );
    }

    #[test]
    fn nulls_and_missing_fields_are_kept_not_errors() {
        let page = parse_list(&resp(
            200,
            r#"{"total": 2, "jobs": [
                {"id": "a", "status": "Running", "reason": null, "updated_at": null},
                {"id": "b"}]}"#,
        ))
        .unwrap();
        assert_eq!(page.records[0].values[6], SqlValue::Null);
        assert_eq!(page.records[0].state, State::Running);
        assert_eq!(page.records[1].status, "");
        assert_eq!(page.records[1].state, State::Unknown);
        let empty = parse_list(&resp(200, r#"{"total": 0, "jobs": []}"#)).unwrap();
        assert!(empty.records.is_empty());
    }

    #[test]
    fn error_shapes_become_provider_errors() {
        let e = parse_list(&resp(
            400,
            r#"{"error_code": "SVCSTG.SWR.4000014", "error_msg": "Invalid parameter: limit"}"#,
        ))
        .unwrap_err();
        match e {
            ResponseError::Provider(p) => {
                assert_eq!(p.http_status, 400);
                assert_eq!(p.code.as_deref(), Some("SVCSTG.SWR.4000014"));
                assert_eq!(p.message, "Invalid parameter: limit");
                assert!(!p.is_retryable());
            }
            other => panic!("{other:?}"),
        }
        let mut headers = HeaderMap::new();
        headers.insert("retry-after", "7".parse().unwrap());
        let throttled = parse_list(&RawResponse {
            status: 429,
            headers,
            body: bytes::Bytes::from_static(
                br#"{"error_code": "APIGW.0308", "error_msg": "The request is throttled"}"#,
            ),
        })
        .unwrap_err();
        match throttled {
            ResponseError::Provider(p) => {
                assert_eq!(p.retry_after, Some(std::time::Duration::from_secs(7)));
                assert!(p.is_retryable());
            }
            other => panic!("{other:?}"),
        }
        let on_200 = parse_list(&resp(
            200,
            r#"{"error_code": "SVCSTG.SWR.5000008", "error_msg": "Failed to obtain the list."}"#,
        ))
        .unwrap_err();
        assert!(matches!(on_200, ResponseError::Provider(ref p) if p.is_retryable()));
        assert!(matches!(
            parse_list(&resp(200, r#"{"total": 3, "jobs": [{"id": "#)),
            Err(ResponseError::Malformed(_))
        ));
        assert!(matches!(
            parse_list(&resp(200, r#"{"total": "3", "jobs": []}"#)),
            Err(ResponseError::Malformed(_))
        ));
        assert!(matches!(
            parse_list(&resp(200, r#"{"total": 3, "jobs": "a,b"}"#)),
            Err(ResponseError::Malformed(_))
        ));
        assert!(matches!(
            parse_list(&resp(200, r#"{"total": 1, "jobs": [{"status": "Running"}]}"#)),
            Err(ResponseError::Malformed(m)) if m.contains("id")
        ));
    }

    #[test]
    fn builds_requests_with_provider_names() {
        let r = list_request("pid", Some("Running"), 200, 500);
        assert_eq!(r.path, "/v2/pid/jobs");
        let q: Vec<(&str, &str)> = r
            .query
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        assert_eq!(
            q,
            vec![("status", "Running"), ("offset", "200"), ("limit", "100")]
        );
        assert_eq!(list_request("pid", None, 0, 1).query.len(), 2);
    }

    #[tokio::test]
    async fn table_matches_its_spec() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("m.db").display());
        let store = crate::store::Store::open(&url).await.unwrap();
        let cols: Vec<String> =
            sqlx::query_scalar("SELECT name FROM pragma_table_info('swr_instance_jobs')")
                .fetch_all(store.sqlite_reader().unwrap())
                .await
                .unwrap();
        let mut want: Vec<&str> = TABLE.columns.iter().map(|c| c.name).collect();
        want.insert(0, "source");
        want.extend([
            "state",
            "raw",
            "first_seen_at",
            "last_seen_at",
            "changed_at",
            "deleted_at",
            "last_seen_run",
            "raw_hash",
        ]);
        assert_eq!(cols, want);
    }
}
