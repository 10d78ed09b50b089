//! The ModelArts `ListAlgorithms` / `ShowAlgorithmByUuid` wire format: request
//! building with the provider's parameter names, and parsing of list, detail and
//! error bodies.

use serde_json::{Map, Value};

use super::status;
use crate::providers::huawei_error::{body_excerpt, parse_error};
use crate::providers::Kind;
use crate::providers::{retry_after_header, ApiRequest, ListPage, RawResponse, ResponseError};
use crate::store::record::extract_values;
use crate::store::{ColType, Column, Record, SqlValue, TableSpec};

/// `modelarts_algorithms`: `metadata.*` flattened into columns (`metadata.source`
/// and `metadata.state` renamed `metadata_source` / `metadata_state`, as `source`
/// and `state` are bookkeeping columns), the nested objects as JSON text, and the
/// derived `status` (`valid` / `invalid`), filled by [`record`].
pub static TABLE: TableSpec = TableSpec {
    kind: Kind::ModelartsAlgorithms,
    table: "modelarts_algorithms",
    id_column: "id",
    status_column: "status",
    name_column: Some("name"),
    columns: &[
        Column::new("id", &["metadata", "id"], ColType::Text),
        Column::new("name", &["metadata", "name"], ColType::Text),
        Column::new("description", &["metadata", "description"], ColType::Text),
        Column::new("workspace_id", &["metadata", "workspace_id"], ColType::Text),
        Column::new("ai_project", &["metadata", "ai_project"], ColType::Text),
        Column::new("user_name", &["metadata", "user_name"], ColType::Text),
        Column::new("domain_id", &["metadata", "domain_id"], ColType::Text),
        Column::new("metadata_source", &["metadata", "source"], ColType::Text),
        Column::new("api_version", &["metadata", "api_version"], ColType::Text),
        Column::new("is_valid", &["metadata", "is_valid"], ColType::Bool),
        Column::new("metadata_state", &["metadata", "state"], ColType::Text),
        Column::new("tags", &["metadata", "tags"], ColType::Json),
        Column::new("attr_list", &["metadata", "attr_list"], ColType::Json),
        Column::new(
            "version_num",
            &["metadata", "version_num"],
            ColType::Integer,
        ),
        Column::new("size", &["metadata", "size"], ColType::Integer),
        Column::new(
            "create_time",
            &["metadata", "create_time"],
            ColType::Integer,
        ),
        Column::new(
            "update_time",
            &["metadata", "update_time"],
            ColType::Integer,
        ),
        Column::new("job_config", &["job_config"], ColType::Json),
        Column::new(
            "resource_requirements",
            &["resource_requirements"],
            ColType::Json,
        ),
        Column::new("advanced_config", &["advanced_config"], ColType::Json),
        // Derived from metadata.is_valid; no path of its own.
        Column::new("status", &[], ColType::Text),
    ],
};

/// The largest `limit` the API accepts.
pub const MAX_LIMIT: u32 = 50;

/// The sort fields the collector uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortBy {
    /// `create_time` (the documented default).
    CreateTime,
    /// `update_time` (undocumented; detected at run time).
    UpdateTime,
}

impl SortBy {
    pub fn as_str(self) -> &'static str {
        match self {
            SortBy::CreateTime => "create_time",
            SortBy::UpdateTime => "update_time",
        }
    }
}

/// Sort orders.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    Asc,
    Desc,
}

/// One list query, in the provider's terms.
#[derive(Debug, Clone, Copy)]
pub struct ListParams {
    pub offset: u64,
    pub limit: u32,
    pub sort_by: SortBy,
    pub order: Order,
}

/// `GET /v2/{project_id}/algorithms`.
pub fn list_request(project_id: &str, workspace_id: Option<&str>, p: &ListParams) -> ApiRequest {
    ApiRequest::get(format!("/v2/{project_id}/algorithms"))
        .param("offset", p.offset)
        .param("limit", p.limit.clamp(1, MAX_LIMIT))
        .param("sort_by", p.sort_by.as_str())
        .param(
            "order",
            match p.order {
                Order::Asc => "asc",
                Order::Desc => "desc",
            },
        )
        .param_opt("workspace_id", workspace_id)
}

/// `GET /v2/{project_id}/algorithms/{algorithm_id}` (`ShowAlgorithmByUuid`).
pub fn detail_request(project_id: &str, algorithm_id: &str) -> ApiRequest {
    ApiRequest::get(format!("/v2/{project_id}/algorithms/{algorithm_id}"))
}

/// Index of a column of [`TABLE`].
pub fn column_index(name: &str) -> usize {
    TABLE
        .columns
        .iter()
        .position(|c| c.name == name)
        .unwrap_or_else(|| panic!("{name} is not a column of modelarts_algorithms"))
}

/// The integer value of column `name` of a record, if it is an integer.
pub fn int_value(r: &Record, name: &str) -> Option<i64> {
    match r.values.get(column_index(name))? {
        SqlValue::Int(v) => Some(*v),
        _ => None,
    }
}

/// Builds the mirror record of one `AlgorithmResponse`.
pub fn record(obj: Map<String, Value>) -> Result<Record, ResponseError> {
    let meta = match obj.get("metadata") {
        Some(Value::Object(m)) => m,
        other => {
            return Err(ResponseError::Malformed(format!(
                "algorithm without a metadata object: metadata = {}",
                other
                    .map(|v| body_excerpt(v.to_string().as_bytes()))
                    .unwrap_or_else(|| "missing".into())
            )))
        }
    };
    let id = match meta.get("id") {
        Some(Value::String(s)) if !s.is_empty() => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        other => {
            return Err(ResponseError::Malformed(format!(
                "algorithm without an id: metadata.id = {}",
                other
                    .map(|v| v.to_string())
                    .unwrap_or_else(|| "missing".into())
            )))
        }
    };
    let is_valid = status::parse_is_valid(meta.get("is_valid"));
    let native_state = meta.get("state").and_then(Value::as_str).unwrap_or("");
    let state = status::state_of(is_valid, native_state);
    let st = status::status_of(is_valid);
    let name = meta.get("name").and_then(Value::as_str).map(str::to_string);
    let mut values = extract_values(&TABLE, &obj);
    values[column_index("status")] = SqlValue::Text(st.to_string());
    Ok(Record {
        id,
        status: st.to_string(),
        state,
        name,
        values,
        raw: Value::Object(obj).to_string(),
    })
}

/// Reads an answer as a JSON object, turning error statuses (and an error body
/// on HTTP 200) into provider errors.
fn success_object(resp: &RawResponse, expected: &str) -> Result<Map<String, Value>, ResponseError> {
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
    if !obj.contains_key(expected) && obj.contains_key("error_code") {
        return Err(ResponseError::Provider(parse_error(
            resp.status,
            &resp.body,
            None,
        )));
    }
    Ok(obj)
}

/// Parses a list answer. `ListPage::total` is `count` (the algorithms matching
/// the query), not `total` (all of the user's algorithms).
pub fn parse_list(resp: &RawResponse) -> Result<ListPage, ResponseError> {
    parse_list_with_meta(resp).map(|(page, _)| page)
}

/// Parses a list answer and also returns its `total` (all of the user's
/// algorithms, which the query module answers as last reported) as `{"total": n}`.
pub fn parse_list_with_meta(resp: &RawResponse) -> Result<(ListPage, Value), ResponseError> {
    let mut obj = success_object(resp, "items")?;
    let meta = match obj.get("total") {
        Some(t) => serde_json::json!({ "total": t }),
        None => serde_json::json!({}),
    };
    let count = match obj.get("count") {
        Some(Value::Number(n)) => n.as_u64(),
        None | Some(Value::Null) => None,
        Some(other) => {
            return Err(ResponseError::Malformed(format!(
                "count is not a number: {other}"
            )))
        }
    };
    let items = match obj.remove("items") {
        Some(Value::Array(a)) => a,
        None | Some(Value::Null) => Vec::new(),
        Some(other) => {
            return Err(ResponseError::Malformed(format!(
                "items is not an array: {}",
                body_excerpt(other.to_string().as_bytes())
            )))
        }
    };
    let records = items
        .into_iter()
        .map(|j| match j {
            Value::Object(o) => record(o),
            other => Err(ResponseError::Malformed(format!(
                "an items element is not an object: {}",
                body_excerpt(other.to_string().as_bytes())
            ))),
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok((
        ListPage {
            records,
            total: count,
        },
        meta,
    ))
}

/// Parses a `ShowAlgorithmByUuid` answer (an `AlgorithmResponse`).
pub fn parse_detail(resp: &RawResponse) -> Result<Record, ResponseError> {
    record(success_object(resp, "metadata")?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::State;
    use reqwest::header::HeaderMap;

    fn resp(status: u16, body: &str) -> RawResponse {
        RawResponse {
            status,
            headers: HeaderMap::new(),
            body: bytes::Bytes::from(body.to_string()),
        }
    }

    /// The documented sample, plus every documented field the sample leaves out
    /// (tags, attr_list, resource_requirements, advanced_config.auto_search,
    /// i18n_description, remote_constraints, engine.image_url) and unknown ones.
    const FULL: &str = r#"{
      "total" : 3, "count" : 1, "limit" : 1, "offset" : 0,
      "sort_by" : "create_time", "order" : "desc", "group_by" : "",
      "items" : [ {
        "metadata" : {
          "id" : "2e5451fe-913f-4492-821a-2981031382f7",
          "name" : "TestModelArtsalgorithm",
          "description" : "This is a ModelArts algorithm",
          "create_time" : 1636600721742,
          "workspace_id" : "0",
          "ai_project" : "default-ai-project",
          "user_name" : "",
          "domain_id" : "xxxxxxxxxxxxxxxxxxxxxxxxxx",
          "source" : "custom",
          "api_version" : "",
          "is_valid" : true,
          "state" : "",
          "size" : 4791,
          "tags" : [ {"key": "team", "value": "cv"} ],
          "attr_list" : [ "distributed" ],
          "version_num" : 2,
          "update_time" : 1636600800000,
          "owner_hint" : "an undocumented field"
        },
        "job_config" : {
          "code_dir" : "/algo-test/pytorch/work1/code/",
          "boot_file" : "/algo-test/pytorch/work1/code/test-pytorch.py",
          "command" : "",
          "parameters" : [ {
            "name" : "test-parameter", "description" : "",
            "i18n_description" : {"language": "en-us", "description": "lr"},
            "value" : "10",
            "constraint" : {"type" : "String", "editable" : true, "required" : false,
                            "sensitive" : false, "valid_type" : "None", "valid_range" : [ ]}
          } ],
          "parameters_customization" : true,
          "inputs" : [ {"name" : "data_url", "description" : "name to translate",
                        "remote_constraints": [{"data_type": "obs", "attributes": [{"data_format": "csv"}]}]} ],
          "outputs" : [ {"name" : "train_url", "description" : "name to translate"} ],
          "engine" : {"engine_id" : "pytorch-cp36-1.3.0", "engine_name" : "PyTorch",
                      "engine_version" : "PyTorch-1.3.0-python3.6", "image_url": ""},
          "code_tree" : {"name" : "code/", "children" : [ {"name" : "test-pytorch.py"} ]}
        },
        "resource_requirements" : [ {"key": "flavor_type", "value": ["CPU", "GPU"], "operator": "in"} ],
        "advanced_config" : {"auto_search": {"skip_search_params": "", "reward_attrs": [{"name": "acc", "mode": "max", "regex": ""}],
                             "search_params": [{"name": "lr", "param_type": "continuous", "lower_bound": "0.001", "upper_bound": "0.1",
                                                "discrete_points_num": "5", "discrete_values": ""}],
                             "algo_configs": [{"name": "bayes", "params": [{"key": "n", "value": "10", "type": "int"}]}]}},
        "extra_top_level" : 1
      } ]
    }"#;

    fn text(r: &Record, col: &str) -> Option<String> {
        match &r.values[column_index(col)] {
            SqlValue::Text(s) => Some(s.clone()),
            SqlValue::Null => None,
            other => panic!("{col}: {other:?}"),
        }
    }

    #[test]
    fn parses_every_documented_field() {
        let page = parse_list(&resp(200, FULL)).unwrap();
        assert_eq!(page.total, Some(1), "count, not total");
        let r = &page.records[0];
        assert_eq!(r.id, "2e5451fe-913f-4492-821a-2981031382f7");
        assert_eq!((r.status.as_str(), r.state), ("valid", State::Succeeded));
        assert_eq!(r.name.as_deref(), Some("TestModelArtsalgorithm"));
        assert_eq!(text(r, "status").as_deref(), Some("valid"));
        assert_eq!(text(r, "metadata_source").as_deref(), Some("custom"));
        assert_eq!(text(r, "metadata_state").as_deref(), Some(""));
        assert_eq!(r.values[column_index("is_valid")], SqlValue::Int(1));
        assert_eq!(int_value(r, "create_time"), Some(1636600721742));
        assert_eq!(int_value(r, "update_time"), Some(1636600800000));
        assert_eq!(int_value(r, "size"), Some(4791));
        assert_eq!(int_value(r, "version_num"), Some(2));
        assert_eq!(
            text(r, "tags").as_deref(),
            Some(r#"[{"key":"team","value":"cv"}]"#)
        );
        assert_eq!(text(r, "attr_list").as_deref(), Some(r#"["distributed"]"#));
        assert!(text(r, "job_config")
            .unwrap()
            .contains(r#""engine_id":"pytorch-cp36-1.3.0""#));
        assert_eq!(
            text(r, "resource_requirements").as_deref(),
            Some(r#"[{"key":"flavor_type","value":["CPU","GPU"],"operator":"in"}]"#)
        );
        assert!(text(r, "advanced_config").unwrap().contains("auto_search"));
        assert!(r.raw.contains(r#""owner_hint":"an undocumented field""#));
        assert!(r.raw.contains(r#""extra_top_level":1"#));
    }

    #[test]
    fn nulls_where_the_provider_allows_them() {
        // The documented sample: tags, attr_list and resource_requirements null,
        // update_time 0 (never updated), advanced_config empty.
        let body = r#"{"total": 1, "count": 1, "limit": 1, "offset": 0, "sort_by": "create_time",
            "order": "desc", "group_by": "", "items": [{
              "metadata": {"id": "a", "name": "n", "is_valid": false, "state": null, "tags": null,
                           "attr_list": null, "create_time": 1636600721742, "update_time": 0},
              "job_config": {"code_dir": "/c/", "boot_file": "/c/b.py"},
              "resource_requirements": null, "advanced_config": {}}]}"#;
        let r = &parse_list(&resp(200, body)).unwrap().records[0];
        assert_eq!((r.status.as_str(), r.state), ("invalid", State::Failed));
        for col in [
            "tags",
            "attr_list",
            "resource_requirements",
            "metadata_state",
            "description",
        ] {
            assert_eq!(text(r, col), None, "{col}");
        }
        assert_eq!(int_value(r, "update_time"), Some(0));
        assert_eq!(text(r, "advanced_config").as_deref(), Some("{}"));
        // is_valid as the documentation's string, and missing.
        let body = r#"{"count": 2, "items": [
            {"metadata": {"id": "s", "is_valid": "true", "state": "Creating"}},
            {"metadata": {"id": "m"}}]}"#;
        let page = parse_list(&resp(200, body)).unwrap();
        assert_eq!(page.records[0].status, "valid");
        assert_eq!(page.records[0].state, State::Pending);
        assert_eq!(
            (page.records[1].status.as_str(), page.records[1].state),
            ("unknown", State::Unknown)
        );
    }

    #[test]
    fn errors_and_bad_shapes() {
        match parse_list(&resp(
            400,
            r#"{"error_code": "ModelArts.0104", "error_msg": "Invalid parameter limit: '51'"}"#,
        )) {
            Err(ResponseError::Provider(p)) => {
                assert_eq!(
                    (p.http_status, p.code.as_deref()),
                    (400, Some("ModelArts.0104"))
                );
                assert!(!p.is_retryable());
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            parse_list(&resp(200, r#"{"error_code": "ModelArts.0001", "error_msg": "busy"}"#)),
            Err(ResponseError::Provider(p)) if p.is_retryable()
        ));
        assert!(matches!(
            parse_list(&resp(200, r#"{"count": 1, "items": [{"metadata""#)),
            Err(ResponseError::Malformed(_))
        ));
        assert!(matches!(
            parse_list(&resp(200, r#"{"count": "1", "items": []}"#)),
            Err(ResponseError::Malformed(_))
        ));
        assert!(matches!(
            parse_list(&resp(200, r#"{"count": 1, "items": "a"}"#)),
            Err(ResponseError::Malformed(_))
        ));
        assert!(matches!(
            parse_list(&resp(200, r#"{"count": 1, "items": [{"job_config": {}}]}"#)),
            Err(ResponseError::Malformed(m)) if m.contains("metadata")
        ));
        assert!(matches!(
            parse_list(&resp(200, r#"{"count": 1, "items": [{"metadata": {"name": "x"}}]}"#)),
            Err(ResponseError::Malformed(m)) if m.contains("id")
        ));
        let detail = parse_detail(&resp(
            200,
            r#"{"metadata": {"id": "d", "is_valid": true}, "job_config": {}}"#,
        ))
        .unwrap();
        assert_eq!(detail.id, "d");
        assert!(matches!(
            parse_detail(&resp(404, r#"{"error_code": "ModelArts.0107", "error_msg": "not found"}"#)),
            Err(ResponseError::Provider(p)) if p.http_status == 404
        ));
    }

    #[test]
    fn builds_requests_with_provider_names() {
        let r = list_request(
            "pid",
            Some("ws"),
            &ListParams {
                offset: 100,
                limit: 500,
                sort_by: SortBy::UpdateTime,
                order: Order::Asc,
            },
        );
        assert_eq!(r.path, "/v2/pid/algorithms");
        let q: Vec<(&str, &str)> = r
            .query
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        assert_eq!(
            q,
            vec![
                ("offset", "100"),
                ("limit", "50"),
                ("sort_by", "update_time"),
                ("order", "asc"),
                ("workspace_id", "ws")
            ]
        );
        assert_eq!(detail_request("pid", "a-b").path, "/v2/pid/algorithms/a-b");
    }

    #[tokio::test]
    async fn table_matches_its_spec() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("m.db").display());
        let store = crate::store::Store::open(&url).await.unwrap();
        let cols: Vec<String> =
            sqlx::query_scalar("SELECT name FROM pragma_table_info('modelarts_algorithms')")
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
