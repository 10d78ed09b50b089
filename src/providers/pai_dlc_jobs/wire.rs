//! The PAI-DLC `ListJobs` wire format: the native table, request building with the
//! provider's parameter names and `x-acs-*` action headers, and parsing of list and
//! error answers (JSON `{RequestId, Code, Message}`, lower-camel, or XML `<Error>`).

use chrono::{DateTime, Utc};
use reqwest::header::HeaderMap;
use serde_json::value::RawValue;
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::time::Duration;

use super::status;
use crate::providers::huawei_error::body_excerpt;
use crate::providers::Kind;
use crate::providers::{
    retry_after_header, ApiRequest, ListPage, ProviderError, RawResponse, ResponseError,
};
use crate::store::record_raw::RawObject;
use crate::store::{ColType, Column, Record, SqlValue, TableSpec};

/// `GET /api/v1/jobs`.
pub const PATH: &str = "/api/v1/jobs";
/// The ACS3 action and API version headers of `ListJobs`.
pub const ACTION: &str = "ListJobs";
pub const VERSION: &str = "2020-12-03";
/// The form of `StartTime`/`EndTime` and of every `Gmt*Time` field.
pub const TIME_FORMAT: &str = "%Y-%m-%dT%H:%M:%SZ";

macro_rules! col {
    ($name:literal, $key:literal, $ty:ident) => {
        Column::new($name, &[$key], ColType::$ty)
    };
}

/// `pai_dlc_jobs`: one column per documented JobItem field.
pub static TABLE: TableSpec = TableSpec {
    kind: Kind::PaiDlcJobs,
    table: "pai_dlc_jobs",
    id_column: "job_id",
    status_column: "status",
    name_column: Some("display_name"),
    columns: &[
        col!("job_id", "JobId", Text),
        col!("display_name", "DisplayName", Text),
        col!("job_type", "JobType", Text),
        col!("status", "Status", Text),
        col!("sub_status", "SubStatus", Text),
        col!("reason_code", "ReasonCode", Text),
        col!("reason_message", "ReasonMessage", Text),
        col!("is_deleted", "IsDeleted", Bool),
        col!("status_history", "StatusHistory", Json),
        col!("job_replica_statuses", "JobReplicaStatuses", Json),
        col!("restart_times", "RestartTimes", Text),
        col!("retry_count", "RetryCount", Integer),
        col!("gmt_create_time", "GmtCreateTime", Text),
        col!("gmt_submitted_time", "GmtSubmittedTime", Text),
        col!("gmt_running_time", "GmtRunningTime", Text),
        col!("gmt_finish_time", "GmtFinishTime", Text),
        col!("gmt_successed_time", "GmtSuccessedTime", Text),
        col!("gmt_failed_time", "GmtFailedTime", Text),
        col!("gmt_stopped_time", "GmtStoppedTime", Text),
        col!("gmt_modified_time", "GmtModifiedTime", Text),
        col!("duration", "Duration", Integer),
        col!(
            "job_max_running_time_minutes",
            "JobMaxRunningTimeMinutes",
            Integer
        ),
        col!("priority", "Priority", Integer),
        col!("request_cpu", "RequestCPU", Integer),
        col!("request_gpu", "RequestGPU", Text),
        col!("request_memory", "RequestMemory", Text),
        col!("node_count", "NodeCount", Text),
        col!("workspace_id", "WorkspaceId", Text),
        col!("workspace_name", "WorkspaceName", Text),
        col!("tenant_id", "TenantId", Text),
        col!("user_id", "UserId", Text),
        col!("username", "Username", Text),
        col!("cluster_id", "ClusterId", Text),
        col!("accessibility", "Accessibility", Text),
        col!("template_id", "TemplateId", Text),
        col!("template_name", "TemplateName", Text),
        col!("resource_id", "ResourceId", Text),
        col!("resource_name", "ResourceName", Text),
        col!("resource_quota_name", "ResourceQuotaName", Text),
        col!("resource_type", "ResourceType", Text),
        col!("resource_level", "ResourceLevel", Text),
        col!("use_oversold_resource", "UseOversoldResource", Bool),
        col!("enable_preemptible_job", "EnablePreemptibleJob", Bool),
        col!("scheduling_strategy", "SchedulingStrategy", Text),
        col!("node_names", "NodeNames", Json),
        col!("job_specs", "JobSpecs", Json),
        col!("pods", "Pods", Json),
        col!("settings", "Settings", Json),
        col!("elastic_spec", "ElasticSpec", Json),
        col!("code_source", "CodeSource", Json),
        col!("data_sources", "DataSources", Json),
        col!("credential_config", "CredentialConfig", Json),
        col!("user_vpc", "UserVpc", Json),
        col!("envs", "Envs", Json),
        col!("system_envs", "SystemEnvs", Json),
        col!("user_command", "UserCommand", Text),
        col!("user_script", "UserScript", Text),
        col!("working_dir", "WorkingDir", Text),
        col!("thirdparty_libs", "ThirdpartyLibs", Json),
        col!("thirdparty_lib_dir", "ThirdpartyLibDir", Text),
        col!("enabled_debugger", "EnabledDebugger", Bool),
        col!("supported_profiling_types", "supportedProfilingTypes", Text),
    ],
};

fn column_index(name: &str) -> usize {
    TABLE
        .columns
        .iter()
        .position(|c| c.name == name)
        .unwrap_or_else(|| panic!("{name} is a column of pai_dlc_jobs"))
}

/// `2021-01-12T14:35:01Z` for epoch seconds.
pub fn format_time(secs: i64) -> String {
    DateTime::<Utc>::from_timestamp(secs, 0)
        .unwrap_or_default()
        .format(TIME_FORMAT)
        .to_string()
}

/// Epoch seconds of an ISO-8601 / RFC 3339 time (fractions dropped).
pub fn parse_time(text: &str) -> Option<i64> {
    DateTime::parse_from_rfc3339(text.trim())
        .ok()
        .map(|t| t.timestamp())
}

/// One `ListJobs` query as the collector sends it: always sorted by creation time,
/// oldest first, with an explicit `StartTime` (never the API's silent 7-day window).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListParams {
    /// `WorkspaceId` pinned by the source's `workspace_id`.
    pub workspace_id: Option<String>,
    /// `StartTime`, epoch seconds (inclusive lower bound on `GmtCreateTime`).
    pub start: i64,
    /// `EndTime`, epoch seconds (inclusive upper bound), for one-second windows.
    pub end: Option<i64>,
    /// `JobIds`, joined with commas (never together with `JobId`).
    pub job_ids: Vec<String>,
    pub page_number: u32,
    pub page_size: u32,
}

/// `GET /api/v1/jobs?...` with the `x-acs-action`/`x-acs-version` headers the ACS3
/// signer reads.
pub fn list_request(p: &ListParams) -> ApiRequest {
    let mut req = ApiRequest::get(PATH)
        .param_opt("WorkspaceId", p.workspace_id.as_deref())
        .param("StartTime", format_time(p.start))
        .param_opt("EndTime", p.end.map(format_time))
        .param("SortBy", "GmtCreateTime")
        .param("Order", "asc")
        .param("PageNumber", p.page_number)
        .param("PageSize", p.page_size);
    if !p.job_ids.is_empty() {
        req = req.param("JobIds", p.job_ids.join(","));
    }
    req.headers = vec![
        ("x-acs-action".into(), ACTION.into()),
        ("x-acs-version".into(), VERSION.into()),
    ];
    req
}

/// The throttling delay of an answer: `x-acs-retry-after` (milliseconds, a positive
/// integer, as the official SDK reads it), else a standard `Retry-After`.
pub fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let acs = headers
        .get("x-acs-retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .filter(|ms| *ms > 0)
        .map(Duration::from_millis);
    acs.or_else(|| retry_after_header(headers))
}

/// The text of the first `<tag>...</tag>` in an XML body.
fn xml_tag(xml: &str, tag: &str) -> Option<String> {
    let open = format!("<{tag}>");
    let close = format!("</{tag}>");
    let start = xml.find(&open)? + open.len();
    let len = xml[start..].find(&close)?;
    let text = xml[start..start + len].trim();
    let text = text
        .strip_prefix("<![CDATA[")
        .and_then(|t| t.strip_suffix("]]>"))
        .unwrap_or(text);
    Some(
        text.replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&apos;", "'")
            .replace("&amp;", "&"),
    )
}

fn json_str(obj: &Map<String, Value>, keys: &[&str]) -> Option<String> {
    keys.iter().find_map(|k| match obj.get(*k)? {
        Value::String(s) => Some(s.clone()),
        Value::Null => None,
        other => Some(other.to_string()),
    })
}

/// `(code, message, request id)` of an Alibaba error body, when it has them.
fn error_fields(
    headers: &HeaderMap,
    body: &[u8],
) -> Option<(Option<String>, Option<String>, Option<String>)> {
    let is_xml = headers
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.to_ascii_lowercase().contains("xml"));
    if is_xml {
        let text = String::from_utf8_lossy(body);
        let code = xml_tag(&text, "Code");
        let message = xml_tag(&text, "Message");
        return (code.is_some() || message.is_some())
            .then(|| (code, message, xml_tag(&text, "RequestId")));
    }
    let Ok(Value::Object(obj)) = serde_json::from_slice::<Value>(body) else {
        return None;
    };
    let code = json_str(&obj, &["Code", "code"]);
    let message = json_str(&obj, &["Message", "message"]);
    (code.is_some() || message.is_some())
        .then(|| (code, message, json_str(&obj, &["RequestId", "requestId"])))
}

/// Parses an error answer: the code and message (with the request id, for support)
/// when the body has them, else the raw body; throttling delay from the headers.
pub fn parse_error(http_status: u16, headers: &HeaderMap, body: &[u8]) -> ProviderError {
    let (code, message) = match error_fields(headers, body) {
        Some((code, message, request_id)) => {
            let mut message = message.unwrap_or_else(|| "(no message)".to_string());
            if let Some(id) = request_id {
                message.push_str(&format!(" (RequestId {id})"));
            }
            (code, message)
        }
        None => (None, body_excerpt(body)),
    };
    ProviderError {
        http_status,
        code,
        message,
        retry_after: retry_after(headers),
    }
}

/// Builds the mirror record of one JobItem read as raw text (see [`RawObject`]):
/// no JSON tree is built, nested fields are copied as text.
pub fn record_raw(obj: &RawObject<'_>) -> Result<Record, ResponseError> {
    let field = |key: &str| obj.get(key).map(|r| r.get().to_string());
    let id = match obj.str("JobId") {
        Some(s) if !s.is_empty() => s.into_owned(),
        _ => {
            return Err(ResponseError::Malformed(format!(
                "job without a JobId: JobId = {}",
                field("JobId").unwrap_or_else(|| "missing".into())
            )))
        }
    };
    let status = match obj.str("Status") {
        Some(s) => s.into_owned(),
        None => {
            return Err(ResponseError::Malformed(format!(
                "job {id} has no Status: Status = {}",
                field("Status").unwrap_or_else(|| "missing".into())
            )))
        }
    };
    let name = obj.str("DisplayName").map(Cow::into_owned);
    Ok(Record {
        id,
        state: status::state_of(&status),
        status,
        name,
        values: obj.extract_values(&TABLE),
        raw: obj.compact_text(),
    })
}

/// The top level of a `ListJobs` answer, its fields left as raw text.
#[derive(serde::Deserialize)]
struct ListBody<'a> {
    #[serde(rename = "Jobs", borrow, default)]
    jobs: Option<&'a RawValue>,
    #[serde(rename = "TotalCount", default)]
    total: Option<Value>,
    #[serde(rename = "Code", borrow, default)]
    code: Option<&'a RawValue>,
    #[serde(rename = "code", borrow, default)]
    code_lower: Option<&'a RawValue>,
}

/// Parses a `ListJobs` answer `{Jobs, TotalCount, RequestId}`.
pub fn parse_list(resp: &RawResponse) -> Result<ListPage, ResponseError> {
    if resp.status >= 400 {
        return Err(ResponseError::Provider(parse_error(
            resp.status,
            &resp.headers,
            &resp.body,
        )));
    }
    let is_object = resp.body.trim_ascii_start().starts_with(b"{");
    let parsed = serde_json::from_slice::<ListBody>(&resp.body).map_err(|e| e.to_string());
    let body = match parsed.and_then(|b| if is_object { Ok(b) } else { Err(String::new()) }) {
        Ok(b) => b,
        Err(e) => {
            let not_object = serde_json::from_slice::<Value>(&resp.body).is_ok();
            return Err(ResponseError::Malformed(if not_object {
                format!("expected a JSON object, got {}", body_excerpt(&resp.body))
            } else {
                format!("not JSON ({e}): {}", body_excerpt(&resp.body))
            }));
        }
    };
    let jobs: Vec<&RawValue> = match body.jobs.map(RawValue::get) {
        Some(text) if text.starts_with('[') => serde_json::from_str(text)
            .map_err(|e| ResponseError::Malformed(format!("Jobs: {e}")))?,
        // An error body sent with 200 (no Jobs, but a Code).
        None if body.code.is_some() || body.code_lower.is_some() => {
            return Err(ResponseError::Provider(parse_error(
                resp.status,
                &resp.headers,
                &resp.body,
            )))
        }
        // Alibaba answers may leave an empty list out.
        None | Some("null") => Vec::new(),
        Some(other) => {
            return Err(ResponseError::Malformed(format!(
                "Jobs is not an array: {}",
                body_excerpt(other.as_bytes())
            )))
        }
    };
    let total = match body.total {
        Some(Value::Number(n)) => n.as_u64(),
        Some(Value::String(s)) if s.parse::<u64>().is_ok() => s.parse().ok(),
        None | Some(Value::Null) => None,
        Some(other) => {
            return Err(ResponseError::Malformed(format!(
                "TotalCount is not a number: {other}"
            )))
        }
    };
    let records = jobs
        .into_iter()
        .map(|j| match RawObject::parse(j) {
            Some(o) => record_raw(&o),
            None => Err(ResponseError::Malformed(format!(
                "a Jobs element is not an object: {}",
                body_excerpt(j.get().as_bytes())
            ))),
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(ListPage { records, total })
}

/// `GmtCreateTime` of a record, epoch seconds.
pub fn create_secs(r: &Record) -> Option<i64> {
    match r.values.get(column_index("gmt_create_time"))? {
        SqlValue::Text(t) => parse_time(t),
        _ => None,
    }
}

/// Whether the provider flags the job as deleted (`IsDeleted: true`).
pub fn is_deleted(r: &Record) -> bool {
    matches!(
        r.values.get(column_index("is_deleted")),
        Some(SqlValue::Int(1))
    )
}

#[cfg(test)]
mod tests;
