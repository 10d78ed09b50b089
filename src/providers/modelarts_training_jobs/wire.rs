//! The ModelArts v1 wire format: list/detail request building with the
//! provider's parameter names, and parsing of list, detail and error bodies.

use serde_json::{Map, Value};

use super::status;
use crate::providers::huawei_error::{body_excerpt, parse_error};
use crate::providers::Kind;
use crate::providers::{retry_after_header, ApiRequest, ListPage, RawResponse, ResponseError};
use crate::store::record::extract_values;
use crate::store::{ColType, Column, Record, TableSpec};

/// `modelarts_training_jobs`: one column per documented job field.
pub static TABLE: TableSpec = TableSpec {
    kind: Kind::ModelartsTrainingJobs,
    table: "modelarts_training_jobs",
    id_column: "job_id",
    status_column: "status",
    name_column: Some("job_name"),
    columns: &[
        Column::new("job_id", &["job_id"], ColType::Integer),
        Column::new("job_name", &["job_name"], ColType::Text),
        Column::new("version_id", &["version_id"], ColType::Integer),
        Column::new("status", &["status"], ColType::Integer),
        Column::new("create_time", &["create_time"], ColType::Integer),
        Column::new("duration", &["duration"], ColType::Integer),
        Column::new("job_desc", &["job_desc"], ColType::Text),
        Column::new("version_count", &["version_count"], ColType::Integer),
    ],
};

/// The documented list fields, in the provider's order.
pub const LIST_FIELDS: &[&str] = &[
    "job_id",
    "job_name",
    "version_id",
    "status",
    "create_time",
    "duration",
    "job_desc",
    "version_count",
];

/// Sort orders the collector uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    Asc,
    Desc,
}

/// One list query, in the provider's terms.
#[derive(Debug, Clone)]
pub struct ListParams {
    pub status: Option<i64>,
    pub page: u32,
    pub per_page: u32,
    pub order: Order,
}

/// `GET /v1/{project_id}/training-jobs`, sorted by `create_time`.
pub fn list_request(project_id: &str, workspace_id: Option<&str>, p: &ListParams) -> ApiRequest {
    ApiRequest::get(format!("/v1/{project_id}/training-jobs"))
        .param_opt("status", p.status)
        .param("per_page", p.per_page)
        .param("page", p.page)
        .param("sortBy", "create_time")
        .param(
            "order",
            match p.order {
                Order::Asc => "asc",
                Order::Desc => "desc",
            },
        )
        .param_opt("workspace_id", workspace_id)
}

/// `GET /v1/{project_id}/training-jobs/{job_id}/versions/{version_id}`.
pub fn detail_request(project_id: &str, job_id: &str, version_id: i64) -> ApiRequest {
    ApiRequest::get(format!(
        "/v1/{project_id}/training-jobs/{job_id}/versions/{version_id}"
    ))
}

/// Reads a body as a JSON object, turning error statuses and `is_success: false`
/// (which ModelArts also sends with HTTP 200) into provider errors.
fn success_object(resp: &RawResponse) -> Result<Map<String, Value>, ResponseError> {
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
    let Value::Object(obj) = value else {
        return Err(ResponseError::Malformed(format!(
            "expected a JSON object, got {}",
            body_excerpt(&resp.body)
        )));
    };
    if obj.get("is_success") == Some(&Value::Bool(false)) {
        return Err(ResponseError::Provider(parse_error(
            resp.status,
            &resp.body,
            None,
        )));
    }
    Ok(obj)
}

/// Builds the mirror record of one job object (list-shaped).
pub fn record(obj: Map<String, Value>) -> Result<Record, ResponseError> {
    let id = match obj.get("job_id") {
        Some(Value::Number(n)) if n.is_i64() => n.to_string(),
        Some(Value::String(s)) if s.parse::<i64>().is_ok() => s.clone(),
        other => {
            return Err(ResponseError::Malformed(format!(
                "job without a numeric job_id: job_id = {}",
                other
                    .map(|v| v.to_string())
                    .unwrap_or_else(|| "missing".into())
            )))
        }
    };
    let code = match obj.get("status") {
        Some(Value::Number(n)) if n.is_i64() => n.as_i64().unwrap_or_default(),
        Some(Value::String(s)) if s.parse::<i64>().is_ok() => s.parse().unwrap_or_default(),
        other => {
            return Err(ResponseError::Malformed(format!(
                "job {id} has no integer status: status = {}",
                other
                    .map(|v| v.to_string())
                    .unwrap_or_else(|| "missing".into())
            )))
        }
    };
    let name = obj
        .get("job_name")
        .and_then(Value::as_str)
        .map(str::to_string);
    let values = extract_values(&TABLE, &obj);
    Ok(Record {
        id,
        status: code.to_string(),
        state: status::state_of(code),
        name,
        values,
        raw: Value::Object(obj).to_string(),
    })
}

/// The list-level fields of a list answer that are not rows: the account's
/// `quotas` and `job_count_limit`, which the query module answers as last reported.
pub const LIST_META_FIELDS: &[&str] = &["job_count_limit", "quotas"];

/// Parses a list answer.
pub fn parse_list(resp: &RawResponse) -> Result<ListPage, ResponseError> {
    parse_list_with_meta(resp).map(|(page, _)| page)
}

/// Parses a list answer and also returns its [`LIST_META_FIELDS`] (as a JSON object).
pub fn parse_list_with_meta(resp: &RawResponse) -> Result<(ListPage, Value), ResponseError> {
    let mut obj = success_object(resp)?;
    let meta: Map<String, Value> = LIST_META_FIELDS
        .iter()
        .filter_map(|k| obj.get(*k).map(|v| ((*k).to_string(), v.clone())))
        .collect();
    let total = match obj.get("job_total_count") {
        Some(Value::Number(n)) => n.as_u64(),
        None | Some(Value::Null) => None,
        Some(other) => {
            return Err(ResponseError::Malformed(format!(
                "job_total_count is not a number: {other}"
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
    Ok((ListPage { records, total }, Value::Object(meta)))
}

/// Parses a version-detail answer into a list-shaped job: the documented list
/// fields taken from the detail, over the job's previous mirrored object (the
/// detail has no `version_count`).
pub fn parse_detail(resp: &RawResponse, previous: &str) -> Result<Record, ResponseError> {
    let detail = success_object(resp)?;
    let mut obj: Map<String, Value> = serde_json::from_str(previous).unwrap_or_default();
    for field in LIST_FIELDS {
        if let Some(v) = detail.get(*field) {
            obj.insert((*field).to_string(), v.clone());
        }
    }
    record(obj)
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderMap;

    fn resp(status: u16, body: &str) -> RawResponse {
        RawResponse {
            status,
            headers: HeaderMap::new(),
            body: bytes::Bytes::from(body.to_string()),
        }
    }

    #[test]
    fn parses_the_documented_sample() {
        let page = parse_list(&resp(
            200,
            r#"{"is_success": true, "quotas": 5, "job_total_count": 1, "job_count_limit": 3,
                "jobs": [{"job_id": 10, "job_name": "testModelArtsJob", "version_id": 10, "status": 10,
                          "create_time": 1524189990635, "duration": 532003,
                          "job_desc": "This is ModelArts job", "version_count": 5, "extra": {"x": 1}}]}"#,
        ))
        .unwrap();
        assert_eq!(page.total, Some(1));
        let r = &page.records[0];
        assert_eq!((r.id.as_str(), r.status.as_str()), ("10", "10"));
        assert_eq!(r.state, crate::state::State::Succeeded);
        assert!(
            r.raw.contains("\"extra\":{\"x\":1}"),
            "unknown fields kept in raw"
        );
        assert_eq!(r.values[4], crate::store::SqlValue::Int(1524189990635));
    }

    #[test]
    fn error_shapes_become_provider_errors() {
        let e = parse_list(&resp(
            200,
            r#"{"is_success": false, "error_message": "Error string", "error_code": "ModelArts.0105"}"#,
        ))
        .unwrap_err();
        match e {
            ResponseError::Provider(p) => {
                assert_eq!(p.code.as_deref(), Some("ModelArts.0105"));
                assert_eq!(p.message, "Error string");
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            parse_list(&resp(200, "{\"is_success\": true, \"jobs\": [")),
            Err(ResponseError::Malformed(_))
        ));
        assert!(matches!(
            parse_list(&resp(200, r#"{"is_success": true, "jobs": "x"}"#)),
            Err(ResponseError::Malformed(_))
        ));
        assert!(matches!(
            parse_list(&resp(200, r#"{"jobs": [{"job_name": "no id"}]}"#)),
            Err(ResponseError::Malformed(m)) if m.contains("job_id")
        ));
    }

    #[test]
    fn builds_requests_with_provider_names() {
        let r = list_request(
            "pid",
            Some("0"),
            &ListParams {
                status: Some(8),
                page: 2,
                per_page: 1000,
                order: Order::Asc,
            },
        );
        assert_eq!(r.path, "/v1/pid/training-jobs");
        let q: Vec<(&str, &str)> = r
            .query
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        assert_eq!(
            q,
            vec![
                ("status", "8"),
                ("per_page", "1000"),
                ("page", "2"),
                ("sortBy", "create_time"),
                ("order", "asc"),
                ("workspace_id", "0")
            ]
        );
    }

    #[test]
    fn detail_merges_over_the_previous_object() {
        let r = parse_detail(
            &resp(200, r#"{"is_success": true, "job_id": 7, "status": 10, "duration": 99, "version_name": "V002"}"#),
            r#"{"job_id": 7, "job_name": "a", "status": 8, "version_count": 2}"#,
        )
        .unwrap();
        assert_eq!(r.status, "10");
        assert!(r.raw.contains("\"version_count\":2") && !r.raw.contains("version_name"));
    }
}
