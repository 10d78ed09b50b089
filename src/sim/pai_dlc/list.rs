//! PAI-DLC `ListJobs` semantics as a pure function over a [`PaiWorld`]: parameter
//! validation, filters, sort, paging and the response/error shapes.
//!
//! Rules the query module must reproduce exactly (a property test compares the two):
//! - **Parameters**: names are case-sensitive; the first occurrence of a name
//!   counts; unknown names (and `Description`, which no JobItem field backs) are
//!   ignored; an empty value is the same as leaving the parameter out. Invalid values
//!   get HTTP 400 `InvalidParameter` naming the parameter (see [`bad_param`]).
//!   Booleans are `true`/`false`/`True`/`False` (the Python SDK sends `str(bool)`).
//!   `PageNumber` 1..=2147483647 (default 1); `PageSize` 1..=100 (default 50, the
//!   documented example; the maximum is jobmirror's reading of the API).
//! - **Workspace**: `WorkspaceId` (default: the world's default workspace);
//!   `ShowOwn=true` keeps the caller's jobs (`UserId`); `FromAllWorkspaces=true`
//!   together with `ShowOwn=true` drops the workspace filter (alone it does nothing).
//! - **Time range**: `StartTime`/`EndTime` (RFC 3339, e.g. `2025-04-16T07:25:34Z`)
//!   bound the `TimeRangeField` (default `GmtCreateTime`; any `Gmt*Time` field),
//!   both **inclusive**, whole seconds. With neither given, only jobs whose field is
//!   within the last **7 days** (now − 7 d ≤ t, inclusive) are listed — for id
//!   look-ups too. A job whose field is null never matches a time range.
//! - **Ids**: `JobId` matches exactly, ignoring ASCII case, and when given `JobIds`
//!   is ignored; `JobIds` is a comma-separated list (items trimmed, empty items
//!   dropped) matched the same way. Every other filter still applies.
//! - **Text filters**: `DisplayName` with `DisplayNameSearchMode` `wildcard`
//!   (default: a substring, ASCII case folded, no wildcard characters) or `exact`
//!   (equal ignoring ASCII case); `Username`, `ResourceQuotaName`: substring, ASCII
//!   case folded. `ReasonSearch` (in `ReasonCode` + `ReasonMessage`),
//!   `UserCommandSearch` (`UserCommand`), `ImageSearch` (`JobSpecs[].Image`): every
//!   whitespace-separated word is a substring, ASCII case folded.
//! - **Exact filters**: `Status`, `JobType`, `Accessibility` (`PUBLIC`|`PRIVATE`),
//!   `ResourceId`, `ResourceIds` (comma list), `TemplateId`, `UserIdForFilter`
//!   (`UserId`), and `PipelineId`, `BusinessUserId`, `Caller` (in `Settings`);
//!   `Tags` (a JSON object) — every pair equals `Settings.Tags`.
//! - **Others**: `NumericRangeField` (`RequestGPU`, `RequestCPU`, `NodeCount`,
//!   `Priority`, `Duration`, `JobMaxRunningTimeMinutes`, `RetryCount`) with
//!   `NumericRangeMin`/`Max` (inclusive; a non-numeric field value never matches; no
//!   bound = no filter); `EnableAssignNode` (`true`/`false`: whether any JobSpec has
//!   `AssignNodeSpec.EnableAssignNode`); `PaymentType` `Spot` (any JobSpec with
//!   `UseSpotInstance`), `PrePaid` (not spot, on a quota: `ResourceId` set),
//!   `PostPaid` (not spot, public resources); `OversoldInfo` `ForbiddenQuotaOverSold`
//!   / `ForceQuotaOverSold` (`Settings.OversoldType`), `AcceptQuotaOverSold-true|false`
//!   (that type and `UseOversoldResource`).
//! - **Sort**: `SortBy` `DisplayName`|`JobType`|`Status` (byte-wise) or
//!   `GmtCreateTime`|`GmtFinishTime` (time; null first), default `GmtCreateTime`;
//!   `Order` `asc`|`desc` (ASCII case ignored, default `desc`) reverses the field
//!   only: **ties are always broken by `JobId` ascending (byte-wise)**, i.e.
//!   `ORDER BY <field> <ASC|DESC> NULLS <FIRST|LAST>, job_id ASC`.
//! - **Paging**: positions `[(PageNumber-1)*PageSize, PageNumber*PageSize)`; past the
//!   end the page is empty. `TotalCount` counts every matching job.
//! - Soft-deleted jobs (`IsDeleted: true`) are listed like any other.

use super::world::{PaiJob, PaiWorld};
use super::KIND;
use crate::sim::error::SimError;
use crate::sim::faults::Shift;
use crate::sim::util::contains_ignore_ascii_case;
use crate::sim::ShiftEvent;
use axum::http::StatusCode;
use chrono::DateTime;
use serde_json::{json, Map, Value};
use std::cmp::Ordering;

/// `HostId` of the simulated endpoint's error bodies.
pub const HOST_ID: &str = "pai-dlc.cn-hangzhou.aliyuncs.com";
/// Default `PageSize` (the documented example value).
pub const DEFAULT_PAGE_SIZE: u32 = 50;
/// Largest `PageSize`.
pub const MAX_PAGE_SIZE: u32 = 100;
/// The window listed when neither `StartTime` nor `EndTime` is given.
pub const DEFAULT_WINDOW_SECS: i64 = 7 * 24 * 3600;

/// A fresh `RequestId` (upper-case UUID, as Alibaba's).
pub fn request_id() -> String {
    uuid::Uuid::new_v4().hyphenated().to_string().to_uppercase()
}

/// An Alibaba error body: `{RequestId, HostId, Code, Message, Recommend}`.
pub fn alibaba_error(status: StatusCode, code: &str, message: impl Into<String>) -> SimError {
    let id = request_id();
    SimError::new(
        status,
        json!({
            "RequestId": id,
            "HostId": HOST_ID,
            "Code": code,
            "Message": message.into(),
            "Recommend": format!("https://api.aliyun.com/troubleshoot?q={code}&product=pai-dlc&requestId={id}"),
        }),
    )
}

/// HTTP 400 `InvalidParameter` naming the parameter and the rule.
pub fn bad_param(name: &str, value: &str, rule: &str) -> SimError {
    alibaba_error(
        StatusCode::BAD_REQUEST,
        "InvalidParameter",
        format!("The specified parameter {name} is invalid: '{value}' ({rule})."),
    )
}

/// `SortBy` values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SortBy {
    DisplayName,
    JobType,
    Status,
    GmtCreateTime,
    GmtFinishTime,
}

impl SortBy {
    pub const ALL: [SortBy; 5] = [
        SortBy::DisplayName,
        SortBy::JobType,
        SortBy::Status,
        SortBy::GmtCreateTime,
        SortBy::GmtFinishTime,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SortBy::DisplayName => "DisplayName",
            SortBy::JobType => "JobType",
            SortBy::Status => "Status",
            SortBy::GmtCreateTime => "GmtCreateTime",
            SortBy::GmtFinishTime => "GmtFinishTime",
        }
    }

    fn compare(self, a: &PaiJob, b: &PaiJob) -> Ordering {
        match self {
            SortBy::DisplayName => a.display_name.cmp(&b.display_name),
            SortBy::JobType => a.job_type.cmp(&b.job_type),
            SortBy::Status => a.status.cmp(&b.status),
            SortBy::GmtCreateTime => a.created.cmp(&b.created),
            // None < Some: nulls first in ascending order.
            SortBy::GmtFinishTime => a.finished.cmp(&b.finished),
        }
    }
}

/// `TimeRangeField` values.
pub const TIME_FIELDS: &[&str] = &[
    "GmtCreateTime",
    "GmtSubmittedTime",
    "GmtRunningTime",
    "GmtFinishTime",
    "GmtSuccessedTime",
    "GmtFailedTime",
    "GmtStoppedTime",
    "GmtModifiedTime",
];

/// `NumericRangeField` values.
pub const NUMERIC_FIELDS: &[&str] = &[
    "RequestGPU",
    "RequestCPU",
    "NodeCount",
    "Priority",
    "Duration",
    "JobMaxRunningTimeMinutes",
    "RetryCount",
];

/// `OversoldInfo` values.
pub const OVERSOLD_INFO: &[&str] = &[
    "ForbiddenQuotaOverSold",
    "ForceQuotaOverSold",
    "AcceptQuotaOverSold-true",
    "AcceptQuotaOverSold-false",
];

/// A validated `ListJobs` query.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ListQuery {
    pub accessibility: Option<String>,
    pub business_user_id: Option<String>,
    pub caller: Option<String>,
    pub display_name: Option<String>,
    /// `DisplayNameSearchMode=exact`.
    pub display_name_exact: bool,
    pub enable_assign_node: Option<bool>,
    pub start_time: Option<i64>,
    pub end_time: Option<i64>,
    pub from_all_workspaces: bool,
    pub image_search: Option<String>,
    pub job_id: Option<String>,
    pub job_ids: Vec<String>,
    pub job_type: Option<String>,
    pub numeric_range_field: Option<String>,
    pub numeric_range_min: Option<i64>,
    pub numeric_range_max: Option<i64>,
    /// `true` for `desc` (the default).
    pub descending: bool,
    pub oversold_info: Option<String>,
    pub page_number: u32,
    pub page_size: u32,
    pub payment_type: Option<String>,
    pub pipeline_id: Option<String>,
    pub reason_search: Option<String>,
    pub resource_id: Option<String>,
    pub resource_ids: Vec<String>,
    pub resource_quota_name: Option<String>,
    pub show_own: bool,
    pub sort_by: Option<SortBy>,
    pub status: Option<String>,
    pub tags: Vec<(String, String)>,
    pub template_id: Option<String>,
    pub time_range_field: Option<String>,
    pub user_command_search: Option<String>,
    pub user_id_for_filter: Option<String>,
    pub username: Option<String>,
    pub workspace_id: Option<String>,
}

fn parse_bool(name: &str, v: &str) -> Result<bool, SimError> {
    match v {
        "true" | "True" => Ok(true),
        "false" | "False" => Ok(false),
        _ => Err(bad_param(name, v, "must be true or false")),
    }
}

fn parse_time(name: &str, v: &str) -> Result<i64, SimError> {
    DateTime::parse_from_rfc3339(v)
        .map(|t| t.timestamp())
        .map_err(|_| bad_param(name, v, "must be a UTC time like 2025-04-16T07:25:34Z"))
}

fn one_of(name: &str, v: &str, allowed: &[&str]) -> Result<String, SimError> {
    if allowed.contains(&v) {
        Ok(v.to_string())
    } else {
        Err(bad_param(
            name,
            v,
            &format!("must be one of {}", allowed.join(", ")),
        ))
    }
}

fn list_items(v: &str) -> Vec<String> {
    v.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

impl ListQuery {
    /// Validates decoded query parameters (see the module doc for the rules).
    pub fn parse(params: &[(String, String)]) -> Result<ListQuery, SimError> {
        let get = |name: &str| {
            params
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
                .filter(|v| !v.is_empty())
        };
        let text = |name: &str| get(name).map(str::to_string);
        let mut q = ListQuery {
            accessibility: get("Accessibility")
                .map(|v| one_of("Accessibility", v, &["PUBLIC", "PRIVATE"]))
                .transpose()?,
            business_user_id: text("BusinessUserId"),
            caller: text("Caller"),
            display_name: text("DisplayName"),
            image_search: text("ImageSearch"),
            job_id: text("JobId"),
            job_ids: get("JobIds").map(list_items).unwrap_or_default(),
            job_type: text("JobType"),
            pipeline_id: text("PipelineId"),
            reason_search: text("ReasonSearch"),
            resource_id: text("ResourceId"),
            resource_ids: get("ResourceIds").map(list_items).unwrap_or_default(),
            resource_quota_name: text("ResourceQuotaName"),
            status: text("Status"),
            template_id: text("TemplateId"),
            user_command_search: text("UserCommandSearch"),
            user_id_for_filter: text("UserIdForFilter"),
            username: text("Username"),
            workspace_id: text("WorkspaceId"),
            descending: true,
            page_number: 1,
            page_size: DEFAULT_PAGE_SIZE,
            ..ListQuery::default()
        };
        if let Some(v) = get("DisplayNameSearchMode") {
            q.display_name_exact = match v {
                "wildcard" => false,
                "exact" => true,
                _ => {
                    return Err(bad_param(
                        "DisplayNameSearchMode",
                        v,
                        "must be wildcard or exact",
                    ))
                }
            };
        }
        if let Some(v) = get("EnableAssignNode") {
            q.enable_assign_node = Some(match v.to_ascii_lowercase().as_str() {
                "true" => true,
                "false" => false,
                _ => return Err(bad_param("EnableAssignNode", v, "must be true or false")),
            });
        }
        if let Some(v) = get("StartTime") {
            q.start_time = Some(parse_time("StartTime", v)?);
        }
        if let Some(v) = get("EndTime") {
            q.end_time = Some(parse_time("EndTime", v)?);
        }
        if let Some(v) = get("FromAllWorkspaces") {
            q.from_all_workspaces = parse_bool("FromAllWorkspaces", v)?;
        }
        if let Some(v) = get("ShowOwn") {
            q.show_own = parse_bool("ShowOwn", v)?;
        }
        if let Some(v) = get("NumericRangeField") {
            q.numeric_range_field = Some(one_of("NumericRangeField", v, NUMERIC_FIELDS)?);
        }
        for (name, slot) in [
            ("NumericRangeMin", &mut q.numeric_range_min),
            ("NumericRangeMax", &mut q.numeric_range_max),
        ] {
            if let Some(v) = get(name) {
                *slot = Some(
                    v.parse::<i64>()
                        .map_err(|_| bad_param(name, v, "must be a 64-bit integer"))?,
                );
            }
        }
        if let Some(v) = get("Order") {
            q.descending = match v.to_ascii_lowercase().as_str() {
                "asc" => false,
                "desc" => true,
                _ => return Err(bad_param("Order", v, "must be asc or desc")),
            };
        }
        if let Some(v) = get("OversoldInfo") {
            q.oversold_info = Some(one_of("OversoldInfo", v, OVERSOLD_INFO)?);
        }
        if let Some(v) = get("PageNumber") {
            q.page_number = v
                .parse::<u32>()
                .ok()
                .filter(|n| (1..=i32::MAX as u32).contains(n))
                .ok_or_else(|| bad_param("PageNumber", v, "must be an integer of at least 1"))?;
        }
        if let Some(v) = get("PageSize") {
            q.page_size = v
                .parse::<u32>()
                .ok()
                .filter(|n| (1..=MAX_PAGE_SIZE).contains(n))
                .ok_or_else(|| {
                    bad_param(
                        "PageSize",
                        v,
                        &format!("must be an integer in [1, {MAX_PAGE_SIZE}]"),
                    )
                })?;
        }
        if let Some(v) = get("PaymentType") {
            q.payment_type = Some(one_of("PaymentType", v, &["PrePaid", "Spot", "PostPaid"])?);
        }
        if let Some(v) = get("SortBy") {
            q.sort_by = Some(
                SortBy::ALL
                    .into_iter()
                    .find(|s| s.as_str() == v)
                    .ok_or_else(|| {
                        bad_param(
                            "SortBy",
                            v,
                            "must be one of DisplayName, JobType, Status, GmtCreateTime, GmtFinishTime",
                        )
                    })?,
            );
        }
        if let Some(v) = get("Tags") {
            let parsed: Option<Map<String, Value>> = serde_json::from_str(v).ok();
            let pairs = parsed.and_then(|m| {
                m.into_iter()
                    .map(|(k, v)| match v {
                        Value::String(s) => Some((k, s)),
                        _ => None,
                    })
                    .collect::<Option<Vec<_>>>()
            });
            q.tags = pairs.ok_or_else(|| {
                bad_param(
                    "Tags",
                    v,
                    "must be a JSON object of strings, e.g. {\"team\":\"ml\"}",
                )
            })?;
        }
        if let Some(v) = get("TimeRangeField") {
            q.time_range_field = Some(one_of("TimeRangeField", v, TIME_FIELDS)?);
        }
        Ok(q)
    }

    /// Position of the page's first job among the matching jobs.
    pub fn offset(&self) -> usize {
        (self.page_number as usize - 1).saturating_mul(self.page_size as usize)
    }

    /// The inclusive time range on the `TimeRangeField` at `now`.
    pub fn time_range(&self, now: i64) -> (Option<i64>, Option<i64>) {
        match (self.start_time, self.end_time) {
            (None, None) => (Some(now - DEFAULT_WINDOW_SECS), None),
            range => range,
        }
    }

    fn time_field(&self) -> &str {
        self.time_range_field.as_deref().unwrap_or("GmtCreateTime")
    }

    /// Whether `job` passes every filter (for a world whose "now" is `now`).
    pub fn matches(&self, world: &PaiWorld, job: &PaiJob, now: i64) -> bool {
        let all_workspaces = self.show_own && self.from_all_workspaces;
        if !all_workspaces {
            let ws = self
                .workspace_id
                .as_deref()
                .unwrap_or(&world.default_workspace);
            if job.workspace_id != ws {
                return false;
            }
        }
        if self.show_own && job.user_id != world.caller_user_id {
            return false;
        }
        let (from, to) = self.time_range(now);
        match job.time_field(self.time_field()) {
            Some(t) if from.is_none_or(|f| f <= t) && to.is_none_or(|e| t <= e) => {}
            _ => return false,
        }
        if let Some(id) = &self.job_id {
            if !job.job_id.eq_ignore_ascii_case(id) {
                return false;
            }
        } else if !self.job_ids.is_empty()
            && !self
                .job_ids
                .iter()
                .any(|id| job.job_id.eq_ignore_ascii_case(id))
        {
            return false;
        }
        if let Some(name) = &self.display_name {
            let ok = if self.display_name_exact {
                job.display_name.eq_ignore_ascii_case(name)
            } else {
                contains_ignore_ascii_case(&job.display_name, name)
            };
            if !ok {
                return false;
            }
        }
        let spec_str = |k: &str| job.spec_field(k).and_then(Value::as_str);
        let setting_str = |k: &str| job.setting(k).and_then(Value::as_str);
        // Lazy: a field is looked up only when its filter is set.
        fn eq<'j>(want: &Option<String>, got: impl FnOnce() -> Option<&'j str>) -> bool {
            want.as_deref().is_none_or(|w| got() == Some(w))
        }
        if !(eq(&self.status, || Some(&job.status))
            && eq(&self.job_type, || Some(&job.job_type))
            && eq(&self.accessibility, || spec_str("Accessibility"))
            && eq(&self.resource_id, || spec_str("ResourceId"))
            && eq(&self.template_id, || spec_str("TemplateId"))
            && eq(&self.user_id_for_filter, || Some(&job.user_id))
            && eq(&self.pipeline_id, || setting_str("PipelineId"))
            && eq(&self.business_user_id, || setting_str("BusinessUserId"))
            && eq(&self.caller, || setting_str("Caller")))
        {
            return false;
        }
        if !self.resource_ids.is_empty()
            && !spec_str("ResourceId").is_some_and(|r| self.resource_ids.iter().any(|x| x == r))
        {
            return false;
        }
        if let Some(u) = &self.username {
            if !contains_ignore_ascii_case(&world.username(&job.user_id), u) {
                return false;
            }
        }
        if let Some(q) = &self.resource_quota_name {
            if !contains_ignore_ascii_case(spec_str("ResourceQuotaName").unwrap_or(""), q) {
                return false;
            }
        }
        if !self.tags.is_empty() {
            let tags = job.setting("Tags");
            if !self
                .tags
                .iter()
                .all(|(k, v)| tags.and_then(|t| t.get(k)).and_then(Value::as_str) == Some(v))
            {
                return false;
            }
        }
        if let Some(s) = &self.reason_search {
            if !words_in(&format!("{} {}", job.reason_code, job.reason_message), s) {
                return false;
            }
        }
        if let Some(s) = &self.user_command_search {
            if !words_in(spec_str("UserCommand").unwrap_or(""), s) {
                return false;
            }
        }
        if let Some(s) = &self.image_search {
            let images: Vec<&str> = job
                .job_specs()
                .iter()
                .filter_map(|s| s.get("Image").and_then(Value::as_str))
                .collect();
            if !words_in(&images.join(" "), s) {
                return false;
            }
        }
        if let (Some(field), true) = (
            &self.numeric_range_field,
            self.numeric_range_min.is_some() || self.numeric_range_max.is_some(),
        ) {
            let value = match field.as_str() {
                "Duration" => Some(job.duration),
                other => job.spec_field(other).and_then(|v| match v {
                    Value::Number(n) => n.as_i64(),
                    Value::String(s) => s.trim().parse().ok(),
                    _ => None,
                }),
            };
            let inside = value.is_some_and(|v| {
                self.numeric_range_min.is_none_or(|m| m <= v)
                    && self.numeric_range_max.is_none_or(|m| v <= m)
            });
            if !inside {
                return false;
            }
        }
        let any_spec = |f: &dyn Fn(&Value) -> bool| job.job_specs().iter().any(f);
        if let Some(want) = self.enable_assign_node {
            let has = any_spec(&|s| {
                s.get("AssignNodeSpec")
                    .and_then(|a| a.get("EnableAssignNode"))
                    .and_then(Value::as_bool)
                    == Some(true)
            });
            if has != want {
                return false;
            }
        }
        if let Some(p) = &self.payment_type {
            let spot =
                any_spec(&|s| s.get("UseSpotInstance").and_then(Value::as_bool) == Some(true));
            let quota = spec_str("ResourceId").is_some_and(|r| !r.is_empty());
            let ok = match p.as_str() {
                "Spot" => spot,
                "PrePaid" => !spot && quota,
                _ => !spot && !quota,
            };
            if !ok {
                return false;
            }
        }
        if let Some(info) = &self.oversold_info {
            let kind = setting_str("OversoldType");
            let used = job
                .spec_field("UseOversoldResource")
                .and_then(Value::as_bool)
                == Some(true);
            let ok = match info.as_str() {
                "AcceptQuotaOverSold-true" => kind == Some("AcceptQuotaOverSold") && used,
                "AcceptQuotaOverSold-false" => kind == Some("AcceptQuotaOverSold") && !used,
                other => kind == Some(other),
            };
            if !ok {
                return false;
            }
        }
        true
    }

    /// The list order: the `SortBy` field in `Order`, then `JobId` ascending.
    pub fn compare(&self, a: &PaiJob, b: &PaiJob) -> Ordering {
        let field = self.sort_by.unwrap_or(SortBy::GmtCreateTime).compare(a, b);
        let field = if self.descending {
            field.reverse()
        } else {
            field
        };
        field.then_with(|| a.job_id.cmp(&b.job_id))
    }

    /// The jobs `JobId` (or else `JobIds`) names, each once; `None` without ids.
    fn id_candidates<'w>(&self, world: &'w PaiWorld) -> Option<Vec<&'w PaiJob>> {
        let ids: Vec<&String> = match &self.job_id {
            Some(id) => vec![id],
            None if !self.job_ids.is_empty() => self.job_ids.iter().collect(),
            None => return None,
        };
        let mut jobs: Vec<&PaiJob> = ids.into_iter().filter_map(|id| world.get(id)).collect();
        jobs.sort_by(|a, b| a.job_id.cmp(&b.job_id));
        jobs.dedup_by(|a, b| a.job_id == b.job_id);
        Some(jobs)
    }

    /// Whether the only filters are the workspace and a `GmtCreateTime` range
    /// and the order is by `GmtCreateTime` (the collector's keyset requests and
    /// plain listings): then [`Self::plain_window`] answers from the workspace's
    /// creation-ordered index.
    fn is_plain_creation_listing(&self) -> bool {
        let plain = ListQuery {
            workspace_id: self.workspace_id.clone(),
            start_time: self.start_time,
            end_time: self.end_time,
            // Alone (without `ShowOwn`) it does nothing.
            from_all_workspaces: self.from_all_workspaces,
            descending: self.descending,
            page_number: self.page_number,
            page_size: self.page_size,
            time_range_field: self.time_range_field.clone(),
            sort_by: self.sort_by,
            ..ListQuery::default()
        };
        matches!(
            self.time_range_field.as_deref(),
            None | Some("GmtCreateTime")
        ) && matches!(self.sort_by, None | Some(SortBy::GmtCreateTime))
            && *self == plain
    }

    /// [`Self::window`] for a plain listing (see [`Self::is_plain_creation_listing`])
    /// in O(log n + page): the workspace's jobs in the time range are a run of its
    /// index, in creation order; ties (jobs created in the same second) are
    /// ordered by `JobId` by sorting just the seconds the page touches.
    fn plain_window<'w>(
        &self,
        world: &'w PaiWorld,
        now: i64,
        start: usize,
        len: usize,
    ) -> (Vec<&'w PaiJob>, usize) {
        let ws = self
            .workspace_id
            .as_deref()
            .unwrap_or(&world.default_workspace);
        let (from, to) = self.time_range(now);
        let slots =
            world.workspace_created_between(ws, from.unwrap_or(i64::MIN), to.unwrap_or(i64::MAX));
        let total = slots.len();
        let end = start.saturating_add(len).min(total);
        if start >= end {
            return (Vec::new(), total);
        }
        // The run of the (ascending) index that holds list positions [start, end).
        let (a, b) = if self.descending {
            (total - end, total - start)
        } else {
            (start, end)
        };
        // Widened to whole seconds: within a second the order is by JobId.
        let created = |i: usize| world.slot_created(slots[i]);
        let (first_second, last_second) = (created(a), created(b - 1));
        let lo = slots[..a].partition_point(|&s| world.slot_created(s) < first_second);
        let hi = b + slots[b..].partition_point(|&s| world.slot_created(s) <= last_second);
        let mut jobs: Vec<&PaiJob> = slots[lo..hi]
            .iter()
            .filter_map(|&s| world.slot(s))
            .collect();
        jobs.sort_unstable_by(|x, y| self.compare(x, y));
        // Whole seconds occupy the same positions as a set in either order.
        let first = if self.descending { total - hi } else { lo };
        jobs.drain(..start - first);
        jobs.truncate(end - start);
        (jobs, total)
    }

    /// The matching jobs at positions `[start, start + len)` of the list order, and
    /// the number of matching jobs.
    pub fn window<'w>(
        &self,
        world: &'w PaiWorld,
        start: usize,
        len: usize,
    ) -> (Vec<&'w PaiJob>, usize) {
        let now = world.now();
        if self.is_plain_creation_listing() {
            return self.plain_window(world, now, start, len);
        }
        // A creation-time range is a contiguous run of storage: skip the rest.
        let (from, to) = match self.time_field() {
            "GmtCreateTime" => {
                let (f, t) = self.time_range(now);
                (f.unwrap_or(i64::MIN), t.unwrap_or(i64::MAX))
            }
            _ => (i64::MIN, i64::MAX),
        };
        let mut matching: Vec<&PaiJob> = match self.id_candidates(world) {
            // Id look-ups read only the named jobs (the filters still apply).
            Some(jobs) => jobs
                .into_iter()
                .filter(|j| self.matches(world, j, now))
                .collect(),
            None => world
                .created_between(from, to)
                .filter(|j| self.matches(world, j, now))
                .collect(),
        };
        let total = matching.len();
        let end = start.saturating_add(len).min(total);
        if start >= end {
            return (Vec::new(), total);
        }
        // The order is total (JobId breaks ties), so selecting the first `end` and
        // sorting only those gives the same page as a full sort.
        if end < total {
            matching.select_nth_unstable_by(end, |a, b| self.compare(a, b));
            matching.truncate(end);
        }
        matching.sort_unstable_by(|a, b| self.compare(a, b));
        (matching.split_off(start), total)
    }
}

/// Whether every whitespace-separated word of `query` occurs in `text`.
fn words_in(text: &str, query: &str) -> bool {
    query
        .split_whitespace()
        .all(|w| contains_ignore_ascii_case(text, w))
}

/// `GET /api/v1/jobs` on `world` with decoded query `params`: the response body,
/// or the provider's 400 for a bad parameter.
pub fn list(world: &PaiWorld, params: &[(String, String)]) -> Result<Value, SimError> {
    Ok(list_query(world, &ListQuery::parse(params)?))
}

/// The list response `{Jobs, TotalCount, RequestId}` for a validated query.
pub fn list_query(world: &PaiWorld, q: &ListQuery) -> Value {
    list_body(world, q, &request_id())
}

fn list_body(world: &PaiWorld, q: &ListQuery, request_id: &str) -> Value {
    let (jobs, total) = q.window(world, q.offset(), q.page_size as usize);
    let jobs: Vec<Value> = jobs.iter().map(|j| world.job_json(j)).collect();
    json!({ "Jobs": jobs, "TotalCount": total, "RequestId": request_id })
}

/// [`list_query`]'s compact JSON text (what the route serves), written without
/// building a `Value` tree: the same bytes as serialising it.
pub fn list_query_text(world: &PaiWorld, q: &ListQuery) -> Vec<u8> {
    list_body_text(world, q, &request_id())
}

fn list_body_text(world: &PaiWorld, q: &ListQuery, request_id: &str) -> Vec<u8> {
    let (jobs, total) = q.window(world, q.offset(), q.page_size as usize);
    let mut out = Vec::with_capacity(64 + jobs.len() * 6 * 1024);
    out.extend_from_slice(b"{\"Jobs\":[");
    for (i, j) in jobs.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        world.write_job_json(j, &mut out);
    }
    out.extend_from_slice(format!("],\"TotalCount\":{total},\"RequestId\":").as_bytes());
    // Writing to a Vec cannot fail.
    let _ = serde_json::to_writer(&mut out, request_id);
    out.push(b'}');
    out
}

/// Applies one [`Shift`] before answering `q` (a page after the first): deletes
/// the `delete_before` matching jobs just before the page (in `q`'s order), then
/// creates `insert` jobs now in `q`'s workspace (its status, or `Creating`).
pub fn apply_shift(world: &mut PaiWorld, q: &ListQuery, shift: Shift) -> ShiftEvent {
    let start = q.offset();
    let n = (shift.delete_before as usize).min(start);
    let doomed: Vec<String> = q
        .window(world, start - n, n)
        .0
        .iter()
        .map(|j| j.job_id.clone())
        .collect();
    for id in &doomed {
        world.delete(id);
    }
    let ws = q
        .workspace_id
        .clone()
        .unwrap_or_else(|| world.default_workspace.clone());
    let status = q.status.clone().unwrap_or_else(|| "Creating".to_string());
    let created = (0..shift.insert)
        .map(|i| world.create_in(ws.clone(), format!("shifted-{i}"), &status))
        .collect();
    ShiftEvent {
        kind: KIND,
        deleted: doomed,
        created,
    }
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod text_tests {
    use super::*;
    use crate::sim::clock::Clock;
    use chrono::DateTime;
    use rand::rngs::StdRng;
    use rand::SeedableRng;

    #[test]
    fn list_text_is_the_serialised_tree() {
        let (clock, _h) = Clock::manual(DateTime::from_timestamp(1_700_000_000, 0).unwrap());
        let mut w = PaiWorld::new(clock);
        let mut empty_q = ListQuery::parse(&[]).unwrap();
        empty_q.workspace_id = Some("nowhere".into());
        assert_eq!(
            list_body_text(&w, &empty_q, "R\"1"),
            serde_json::to_vec(&list_body(&w, &empty_q, "R\"1")).unwrap()
        );
        w.seed(700, &mut StdRng::seed_from_u64(3));
        for params in [
            vec![],
            vec![("PageSize", "100"), ("PageNumber", "2")],
            vec![
                ("PageSize", "7"),
                ("Order", "asc"),
                ("StartTime", "2000-01-01T00:00:00Z"),
            ],
            vec![
                ("SortBy", "Status"),
                ("FromAllWorkspaces", "true"),
                ("ShowOwn", "true"),
            ],
        ] {
            let params: Vec<(String, String)> = params
                .into_iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            let q = ListQuery::parse(&params).unwrap();
            let id = request_id();
            let text = list_body_text(&w, &q, &id);
            assert_eq!(
                String::from_utf8(text).unwrap(),
                serde_json::to_string(&list_body(&w, &q, &id)).unwrap()
            );
        }
    }
}
