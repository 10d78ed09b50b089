//! Alibaba PAI-DLC `ListJobs` (seed 001), `GET /api/v1/jobs`, answered from
//! `pai_dlc_jobs`.
//!
//! The rules, written down once (the simulator, `sim::pai_dlc::list`,
//! implements the same ones in memory; a property test compares the two):
//! - **Parameters**: names are case-sensitive, the first occurrence counts,
//!   unknown names (and `Description`, which no JobItem field backs) are
//!   ignored, an empty value is the same as none. Invalid values get HTTP 400
//!   `{RequestId, HostId, Code: "InvalidParameter", Message, Recommend}`,
//!   checked in the order `Accessibility, DisplayNameSearchMode,
//!   EnableAssignNode, StartTime, EndTime, FromAllWorkspaces, ShowOwn,
//!   NumericRangeField, NumericRangeMin, NumericRangeMax, Order, OversoldInfo,
//!   PageNumber, PageSize, PaymentType, SortBy, Tags, TimeRangeField`.
//!   Booleans are `true`/`false`/`True`/`False`. `PageNumber` ≥ 1 (default 1),
//!   `PageSize` 1–100 (default 50).
//! - **Time window**: `StartTime`/`EndTime` (RFC 3339) bound the
//!   `TimeRangeField` (default `GmtCreateTime`), inclusive, whole seconds; with
//!   neither, only jobs whose field is within the last **7 days** (now − 7 d ≤
//!   t); a job whose field is null never matches.
//! - **Ids**: `JobId` exact ignoring ASCII case, and `JobIds` (comma list) is
//!   then ignored.
//! - **Text**: `DisplayName` a substring (`DisplayNameSearchMode=wildcard`,
//!   default) or equal (`exact`), ASCII case folded; `Username`,
//!   `ResourceQuotaName` substrings; `ReasonSearch` (reason code + message),
//!   `UserCommandSearch`, `ImageSearch` (`JobSpecs[].Image`): every word a
//!   substring. All fold ASCII letters only.
//! - **Exact**: `Status`, `JobType`, `Accessibility`, `ResourceId`,
//!   `ResourceIds` (comma list), `TemplateId`, `UserIdForFilter`, and
//!   `PipelineId`, `BusinessUserId`, `Caller` (in `Settings`); `Tags` (a JSON
//!   object of strings): every pair equals `Settings.Tags`.
//! - **Others**: `NumericRangeField` with `NumericRangeMin`/`Max` (inclusive;
//!   a value that is not an integer never matches); `EnableAssignNode` (any
//!   JobSpec's `AssignNodeSpec.EnableAssignNode`); `PaymentType` (`Spot`: any
//!   JobSpec `UseSpotInstance`; `PrePaid`: not spot, on a quota (`ResourceId`);
//!   `PostPaid`: not spot, public resources); `OversoldInfo`
//!   (`Settings.OversoldType`, with `UseOversoldResource` for
//!   `AcceptQuotaOverSold-true|false`).
//! - **Order**: `SortBy` `DisplayName|JobType|Status|GmtCreateTime|GmtFinishTime`
//!   (default `GmtCreateTime`; a null time first ascending), `Order`
//!   `asc|desc` (any case, default `desc`); **ties by `JobId` ascending**.
//! - **Counts**: `TotalCount` = jobs matching every filter.
//! - **jobmirror** *(chosen)*: a source mirrors one workspace. With the
//!   source's `workspace_id` set, a different `WorkspaceId` gets 400
//!   `JobMirror.0002`; without it the mirror holds the provider's default
//!   workspace and `WorkspaceId` filters the mirrored rows. `ShowOwn=true`
//!   needs the caller's user id, which the mirror does not know: 400
//!   `JobMirror.0003` (use `UserIdForFilter`). `RequestId` is a fresh id per
//!   answer; `HostId` of errors is `jobmirror`. A job the provider flags
//!   `IsDeleted: true` is a deleted row in the mirror (the collector marks it
//!   so): the provider still lists it, the mirror only with
//!   `include_deleted=true`, as it was last seen before the flag.

use chrono::DateTime;
use serde_json::{json, Map, Value};

use crate::config::SourceConfig;
use crate::providers::Kind;
use crate::query::dialect::{
    CellFormat, Counts, Dialect, Facts, NativeError, Params, Request, TableColumn,
};
use crate::query::ir::{
    Bound, Buckets, Col, CountsTable, Direction, Filter, Index, NullKey, Query, SortKey, Table,
    TrigramIndex,
};
use crate::store::SqlValue;

/// The PAI-DLC `ListJobs` dialect.
pub struct PaiDlcJobs;

/// An integer from a JSON integer, or a text holding a decimal integer
/// (optional sign; anything else: NULL), as the provider reads numeric ranges.
/// On PostgreSQL: `jm_int_of()` (migrations/postgres/0022), see `query::pg`.
macro_rules! int_of {
    ($c:literal) => {
        concat!(
            "CASE WHEN typeof(",
            $c,
            ") = 'integer' THEN ",
            $c,
            " WHEN typeof(",
            $c,
            ") = 'text' AND ltrim(trim(",
            $c,
            "), '+-') <> '' AND ltrim(trim(",
            $c,
            "), '+-') NOT GLOB '*[^0-9]*' AND length(trim(",
            $c,
            ")) - length(ltrim(trim(",
            $c,
            "), '+-')) <= 1 THEN CAST(trim(",
            $c,
            ") AS INTEGER) END"
        )
    };
}
pub(crate) use int_of;

/// `pai_dlc_jobs` with its query helpers (migrations 0011 and 0023).
pub static TABLE: Table = Table {
    name: "pai_dlc_jobs",
    columns: &[
        "source",
        "job_id",
        "display_name",
        "job_type",
        "status",
        "sub_status",
        "reason_code",
        "reason_message",
        "is_deleted",
        "status_history",
        "job_replica_statuses",
        "restart_times",
        "retry_count",
        "gmt_create_time",
        "gmt_submitted_time",
        "gmt_running_time",
        "gmt_finish_time",
        "gmt_successed_time",
        "gmt_failed_time",
        "gmt_stopped_time",
        "gmt_modified_time",
        "duration",
        "job_max_running_time_minutes",
        "priority",
        "request_cpu",
        "request_gpu",
        "request_memory",
        "node_count",
        "workspace_id",
        "workspace_name",
        "tenant_id",
        "user_id",
        "username",
        "cluster_id",
        "accessibility",
        "template_id",
        "template_name",
        "resource_id",
        "resource_name",
        "resource_quota_name",
        "resource_type",
        "resource_level",
        "use_oversold_resource",
        "enable_preemptible_job",
        "scheduling_strategy",
        "node_names",
        "job_specs",
        "pods",
        "settings",
        "elastic_spec",
        "code_source",
        "data_sources",
        "credential_config",
        "user_vpc",
        "envs",
        "system_envs",
        "user_command",
        "user_script",
        "working_dir",
        "thirdparty_libs",
        "thirdparty_lib_dir",
        "enabled_debugger",
        "supported_profiling_types",
        "state",
        "raw",
        "first_seen_at",
        "last_seen_at",
        "changed_at",
        "deleted_at",
    ],
    computed: &[
        (
            "reason_text",
            "COALESCE(reason_code, '') || ' ' || COALESCE(reason_message, '')",
        ),
        ("user_command_text", "COALESCE(user_command, '')"),
        (
            "images",
            "COALESCE((SELECT group_concat(json_extract(value, '$.Image'), ' ') \
             FROM json_each(job_specs) WHERE json_type(value, '$.Image') = 'text'), '')",
        ),
        (
            "pipeline_id",
            "CASE WHEN json_type(settings, '$.PipelineId') = 'text' THEN json_extract(settings, '$.PipelineId') END",
        ),
        (
            "business_user_id",
            "CASE WHEN json_type(settings, '$.BusinessUserId') = 'text' THEN json_extract(settings, '$.BusinessUserId') END",
        ),
        (
            "caller",
            "CASE WHEN json_type(settings, '$.Caller') = 'text' THEN json_extract(settings, '$.Caller') END",
        ),
        ("n_request_gpu", int_of!("request_gpu")),
        ("n_request_cpu", int_of!("request_cpu")),
        ("n_node_count", int_of!("node_count")),
        ("n_priority", int_of!("priority")),
        ("n_duration", "duration"),
        (
            "n_job_max_running_time_minutes",
            int_of!("job_max_running_time_minutes"),
        ),
        ("n_retry_count", int_of!("retry_count")),
    ],
    has_rowid: true,
    // Migration 0027: per day of `gmt_create_time` (its first 10
    // characters), summed over every day for plain counts.
    counts: Some(CountsTable {
        table: "pai_dlc_jobs_day_counts",
        by: "status",
        null_key: NullKey::Text(""),
        buckets: Some(Buckets {
            col: "gmt_create_time",
            column: "day",
            prefix: 10,
        }),
    }),
    trigram: Some(TrigramIndex {
        table: "pai_dlc_jobs_names",
        column: "display_name",
        short: Some("pai_dlc_jobs_name_grams"),
        base: None,
    }),
    indexes: &[
        Index {
            name: "pai_dlc_jobs_q_create",
            columns: &["gmt_create_time", "job_id"],
        },
        Index {
            name: "pai_dlc_jobs_q_status_create",
            columns: &["status", "gmt_create_time", "job_id"],
        },
        // Migration 0023: each `SortBy` field (ascending and descending
        // twins), carrying gmt_create_time for the window.
        Index {
            name: "pai_dlc_jobs_q_name",
            columns: &["display_name", "job_id", "gmt_create_time"],
        },
        Index {
            name: "pai_dlc_jobs_q_type",
            columns: &["job_type", "job_id", "gmt_create_time"],
        },
        Index {
            name: "pai_dlc_jobs_q_status",
            columns: &["status", "job_id", "gmt_create_time"],
        },
        Index {
            name: "pai_dlc_jobs_q_finish",
            columns: &["gmt_finish_time", "job_id", "gmt_create_time"],
        },
        Index {
            name: "pai_dlc_jobs_q_create_name",
            columns: &["gmt_create_time", "job_id", "display_name"],
        },
    ],
};

/// `Gmt*Time` names and their columns.
const TIME_FIELDS: &[(&str, &str)] = &[
    ("GmtCreateTime", "gmt_create_time"),
    ("GmtSubmittedTime", "gmt_submitted_time"),
    ("GmtRunningTime", "gmt_running_time"),
    ("GmtFinishTime", "gmt_finish_time"),
    ("GmtSuccessedTime", "gmt_successed_time"),
    ("GmtFailedTime", "gmt_failed_time"),
    ("GmtStoppedTime", "gmt_stopped_time"),
    ("GmtModifiedTime", "gmt_modified_time"),
];

/// `NumericRangeField` names and their (computed) columns.
const NUMERIC_FIELDS: &[(&str, &str)] = &[
    ("RequestGPU", "n_request_gpu"),
    ("RequestCPU", "n_request_cpu"),
    ("NodeCount", "n_node_count"),
    ("Priority", "n_priority"),
    ("Duration", "n_duration"),
    ("JobMaxRunningTimeMinutes", "n_job_max_running_time_minutes"),
    ("RetryCount", "n_retry_count"),
];

const SORT_BY: &[(&str, &str)] = &[
    ("DisplayName", "display_name"),
    ("JobType", "job_type"),
    ("Status", "status"),
    ("GmtCreateTime", "gmt_create_time"),
    ("GmtFinishTime", "gmt_finish_time"),
];

const OVERSOLD_INFO: &[&str] = &[
    "ForbiddenQuotaOverSold",
    "ForceQuotaOverSold",
    "AcceptQuotaOverSold-true",
    "AcceptQuotaOverSold-false",
];

/// The window listed when neither `StartTime` nor `EndTime` is given.
pub const DEFAULT_WINDOW_SECS: i64 = 7 * 24 * 3600;
const TIME_FORMAT: &str = "%Y-%m-%dT%H:%M:%SZ";

const SPOT: &str = "EXISTS (SELECT 1 FROM json_each(job_specs) \
                    WHERE json_type(value, '$.UseSpotInstance') = 'true')";
const ASSIGN_NODE: &str = "EXISTS (SELECT 1 FROM json_each(job_specs) \
                           WHERE json_type(value, '$.AssignNodeSpec.EnableAssignNode') = 'true')";

const COLUMNS: &[TableColumn] = &[
    TableColumn {
        header: "JobId",
        path: &["JobId"],
        format: CellFormat::Plain,
    },
    TableColumn {
        header: "DisplayName",
        path: &["DisplayName"],
        format: CellFormat::Plain,
    },
    TableColumn {
        header: "JobType",
        path: &["JobType"],
        format: CellFormat::Plain,
    },
    TableColumn {
        header: "Status",
        path: &["Status"],
        format: CellFormat::Plain,
    },
    TableColumn {
        header: "GmtCreateTime",
        path: &["GmtCreateTime"],
        format: CellFormat::Plain,
    },
    TableColumn {
        header: "Duration(s)",
        path: &["Duration"],
        format: CellFormat::Plain,
    },
    TableColumn {
        header: "WorkspaceId",
        path: &["WorkspaceId"],
        format: CellFormat::Plain,
    },
];

fn text(v: &str) -> SqlValue {
    SqlValue::Text(v.to_string())
}

fn list_items(v: &str) -> Vec<String> {
    v.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

fn format_time(secs: i64) -> String {
    DateTime::from_timestamp(secs, 0)
        .unwrap_or_default()
        .format(TIME_FORMAT)
        .to_string()
}

/// Every whitespace-separated word of `query` is a substring of `col`.
fn words(filters: &mut Vec<Filter>, col: &'static str, query: &str) {
    for w in query.split_whitespace() {
        filters.push(Filter::ContainsCi(Col(col), w.to_string()));
    }
}

impl PaiDlcJobs {
    fn parse_bool(&self, name: &str, v: &str) -> Result<bool, NativeError> {
        match v {
            "true" | "True" => Ok(true),
            "false" | "False" => Ok(false),
            _ => Err(self.bad_parameter(name, v, "must be true or false")),
        }
    }

    fn parse_time(&self, name: &str, v: &str) -> Result<i64, NativeError> {
        DateTime::parse_from_rfc3339(v)
            .map(|t| t.timestamp())
            .map_err(|_| {
                self.bad_parameter(name, v, "must be a UTC time like 2025-04-16T07:25:34Z")
            })
    }

    fn one_of<'a>(
        &self,
        name: &str,
        v: &str,
        allowed: &'a [&'a str],
    ) -> Result<&'a str, NativeError> {
        allowed.iter().copied().find(|a| *a == v).ok_or_else(|| {
            self.bad_parameter(name, v, &format!("must be one of {}", allowed.join(", ")))
        })
    }
}

impl Dialect for PaiDlcJobs {
    fn kind(&self) -> Kind {
        Kind::PaiDlcJobs
    }

    fn table(&self) -> &'static Table {
        &TABLE
    }

    fn route(&self) -> &'static str {
        "/api/v1/jobs"
    }

    fn parse(&self, params: Params<'_>, source: &SourceConfig) -> Result<Request, NativeError> {
        let get = |name: &str| params.first(name).filter(|v| !v.is_empty());
        let bad = |name: &str, v: &str, rule: &str| self.bad_parameter(name, v, rule);
        let mut filters: Vec<Filter> = Vec::new();

        // Validation, in the provider's order.
        let accessibility = get("Accessibility")
            .map(|v| self.one_of("Accessibility", v, &["PUBLIC", "PRIVATE"]))
            .transpose()?;
        let exact_name = match get("DisplayNameSearchMode") {
            None | Some("wildcard") => false,
            Some("exact") => true,
            Some(v) => return Err(bad("DisplayNameSearchMode", v, "must be wildcard or exact")),
        };
        let assign_node = match get("EnableAssignNode") {
            None => None,
            Some(v) => Some(match v.to_ascii_lowercase().as_str() {
                "true" => true,
                "false" => false,
                _ => return Err(bad("EnableAssignNode", v, "must be true or false")),
            }),
        };
        let start = get("StartTime")
            .map(|v| self.parse_time("StartTime", v))
            .transpose()?;
        let end = get("EndTime")
            .map(|v| self.parse_time("EndTime", v))
            .transpose()?;
        if let Some(v) = get("FromAllWorkspaces") {
            self.parse_bool("FromAllWorkspaces", v)?;
        }
        let show_own = match get("ShowOwn") {
            Some(v) => self.parse_bool("ShowOwn", v)?,
            None => false,
        };
        let numeric_field = get("NumericRangeField")
            .map(|v| {
                NUMERIC_FIELDS
                    .iter()
                    .find(|(n, _)| *n == v)
                    .map(|(_, c)| *c)
                    .ok_or_else(|| {
                        let names: Vec<&str> = NUMERIC_FIELDS.iter().map(|(n, _)| *n).collect();
                        bad(
                            "NumericRangeField",
                            v,
                            &format!("must be one of {}", names.join(", ")),
                        )
                    })
            })
            .transpose()?;
        let mut numeric = [None, None];
        for (slot, name) in numeric
            .iter_mut()
            .zip(["NumericRangeMin", "NumericRangeMax"])
        {
            if let Some(v) = get(name) {
                *slot = Some(
                    v.parse::<i64>()
                        .map_err(|_| bad(name, v, "must be a 64-bit integer"))?,
                );
            }
        }
        let dir = match get("Order") {
            None => Direction::Desc,
            Some(v) => match v.to_ascii_lowercase().as_str() {
                "asc" => Direction::Asc,
                "desc" => Direction::Desc,
                _ => return Err(bad("Order", v, "must be asc or desc")),
            },
        };
        let oversold = get("OversoldInfo")
            .map(|v| self.one_of("OversoldInfo", v, OVERSOLD_INFO))
            .transpose()?;
        let page_number = match get("PageNumber") {
            None => 1,
            Some(v) => v
                .parse::<u64>()
                .ok()
                .filter(|n| (1..=i32::MAX as u64).contains(n))
                .ok_or_else(|| bad("PageNumber", v, "must be an integer of at least 1"))?,
        };
        let page_size = match get("PageSize") {
            None => 50,
            Some(v) => v
                .parse::<u64>()
                .ok()
                .filter(|n| (1..=100).contains(n))
                .ok_or_else(|| bad("PageSize", v, "must be an integer in [1, 100]"))?,
        };
        let payment = get("PaymentType")
            .map(|v| self.one_of("PaymentType", v, &["PrePaid", "Spot", "PostPaid"]))
            .transpose()?;
        let sort_col = match get("SortBy") {
            None => "gmt_create_time",
            Some(v) => SORT_BY
                .iter()
                .find(|(n, _)| *n == v)
                .map(|(_, c)| *c)
                .ok_or_else(|| {
                    bad(
                        "SortBy",
                        v,
                        "must be one of DisplayName, JobType, Status, GmtCreateTime, GmtFinishTime",
                    )
                })?,
        };
        let tags: Vec<(String, String)> = match get("Tags") {
            None => Vec::new(),
            Some(v) => serde_json::from_str::<Map<String, Value>>(v)
                .ok()
                .and_then(|m| {
                    m.into_iter()
                        .map(|(k, v)| match v {
                            Value::String(s) => Some((k, s)),
                            _ => None,
                        })
                        .collect::<Option<Vec<_>>>()
                })
                .ok_or_else(|| {
                    bad(
                        "Tags",
                        v,
                        "must be a JSON object of strings, e.g. {\"team\":\"ml\"}",
                    )
                })?,
        };
        let time_col = match get("TimeRangeField") {
            None => "gmt_create_time",
            Some(v) => TIME_FIELDS
                .iter()
                .find(|(n, _)| *n == v)
                .map(|(_, c)| *c)
                .ok_or_else(|| {
                    let names: Vec<&str> = TIME_FIELDS.iter().map(|(n, _)| *n).collect();
                    bad(
                        "TimeRangeField",
                        v,
                        &format!("must be one of {}", names.join(", ")),
                    )
                })?,
        };

        // What the mirror cannot answer.
        if show_own {
            return Err(self.jobmirror_error(
                400,
                "JobMirror.0003",
                "ShowOwn=true needs the caller's user id, which the mirror does not know; \
                 filter with UserIdForFilter instead",
            ));
        }
        if let Some(ws) = get("WorkspaceId") {
            match source.workspace_id.as_deref() {
                Some(mirrored) if mirrored != ws => {
                    return Err(self.jobmirror_error(
                        400,
                        "JobMirror.0002",
                        &format!(
                            "WorkspaceId '{ws}' is not mirrored: source {} mirrors WorkspaceId '{mirrored}'",
                            source.name
                        ),
                    ))
                }
                Some(_) => {}
                None => filters.push(Filter::Eq(Col("workspace_id"), text(ws))),
            }
        }

        // Filters.
        let (from, to) = match (start, end) {
            (None, None) => (
                Some(chrono::Utc::now().timestamp() - DEFAULT_WINDOW_SECS),
                None,
            ),
            range => range,
        };
        filters.push(Filter::Range {
            col: Col(time_col),
            lower: from.map(|t| Bound::inclusive(text(&format_time(t)))),
            upper: to.map(|t| Bound::inclusive(text(&format_time(t)))),
        });
        if let Some(id) = get("JobId") {
            filters.push(Filter::EqCi(Col("job_id"), id.to_string()));
        } else if let Some(ids) = get("JobIds").map(list_items).filter(|l| !l.is_empty()) {
            filters.push(Filter::Any(
                ids.into_iter()
                    .map(|id| Filter::EqCi(Col("job_id"), id))
                    .collect(),
            ));
        }
        if let Some(name) = get("DisplayName") {
            filters.push(if exact_name {
                Filter::EqCi(Col("display_name"), name.to_string())
            } else {
                Filter::ContainsCi(Col("display_name"), name.to_string())
            });
        }
        for (param, col) in [
            ("Status", "status"),
            ("JobType", "job_type"),
            ("ResourceId", "resource_id"),
            ("TemplateId", "template_id"),
            ("UserIdForFilter", "user_id"),
            ("PipelineId", "pipeline_id"),
            ("BusinessUserId", "business_user_id"),
            ("Caller", "caller"),
        ] {
            if let Some(v) = get(param) {
                filters.push(Filter::Eq(Col(col), text(v)));
            }
        }
        if let Some(a) = accessibility {
            filters.push(Filter::Eq(Col("accessibility"), text(a)));
        }
        if let Some(ids) = get("ResourceIds").map(list_items).filter(|l| !l.is_empty()) {
            filters.push(Filter::In(
                Col("resource_id"),
                ids.iter().map(|s| text(s)).collect(),
            ));
        }
        if let Some(u) = get("Username") {
            filters.push(Filter::ContainsCi(Col("username"), u.to_string()));
        }
        if let Some(q) = get("ResourceQuotaName") {
            filters.push(Filter::ContainsCi(
                Col("resource_quota_name"),
                q.to_string(),
            ));
        }
        for (k, v) in tags {
            filters.push(Filter::Sql {
                sql: "(json_extract(settings, '$.Tags') ->> ?) IS ?",
                values: vec![SqlValue::Text(k), SqlValue::Text(v)],
            });
        }
        if let Some(s) = get("ReasonSearch") {
            words(&mut filters, "reason_text", s);
        }
        if let Some(s) = get("UserCommandSearch") {
            words(&mut filters, "user_command_text", s);
        }
        if let Some(s) = get("ImageSearch") {
            words(&mut filters, "images", s);
        }
        if let (Some(col), true) = (numeric_field, numeric.iter().any(Option::is_some)) {
            filters.push(Filter::Range {
                col: Col(col),
                lower: numeric[0].map(|n| Bound::inclusive(SqlValue::Int(n))),
                upper: numeric[1].map(|n| Bound::inclusive(SqlValue::Int(n))),
            });
        }
        if let Some(want) = assign_node {
            let has = Filter::Sql {
                sql: ASSIGN_NODE,
                values: Vec::new(),
            };
            filters.push(if want {
                has
            } else {
                Filter::Not(Box::new(has))
            });
        }
        if let Some(p) = payment {
            let spot = || Filter::Sql {
                sql: SPOT,
                values: Vec::new(),
            };
            let quota = || Filter::Sql {
                sql: "(resource_id IS NOT NULL AND resource_id <> '')",
                values: Vec::new(),
            };
            match p {
                "Spot" => filters.push(spot()),
                "PrePaid" => {
                    filters.push(Filter::Not(Box::new(spot())));
                    filters.push(quota());
                }
                _ => {
                    filters.push(Filter::Not(Box::new(spot())));
                    filters.push(Filter::Not(Box::new(quota())));
                }
            }
        }
        if let Some(info) = oversold {
            let kind = |k: &str| Filter::Sql {
                sql: "json_extract(settings, '$.OversoldType') IS ? \
                      AND json_type(settings, '$.OversoldType') = 'text'",
                values: vec![text(k)],
            };
            let used = || Filter::Sql {
                sql: "use_oversold_resource IS 1",
                values: Vec::new(),
            };
            match info {
                "AcceptQuotaOverSold-true" => {
                    filters.push(kind("AcceptQuotaOverSold"));
                    filters.push(used());
                }
                "AcceptQuotaOverSold-false" => {
                    filters.push(kind("AcceptQuotaOverSold"));
                    filters.push(Filter::Not(Box::new(used())));
                }
                other => filters.push(kind(other)),
            }
        }

        let mut query = Query::new(&TABLE, &[Col("raw")], vec![SortKey::asc(Col("job_id"))]);
        query.filters = filters;
        query.order = vec![SortKey::new(Col(sort_col), dir)];
        query.offset = (page_number - 1) * page_size;
        query.limit = Some(page_size);
        Ok(Request {
            query,
            counts: Counts {
                matching: true,
                unfiltered: false,
            },
            echo: Value::Null,
        })
    }

    fn bad_parameter(&self, name: &str, value: &str, rule: &str) -> NativeError {
        self.jobmirror_error(
            400,
            "InvalidParameter",
            &format!("The specified parameter {name} is invalid: '{value}' ({rule})."),
        )
    }

    fn jobmirror_error(&self, status: u16, code: &str, message: &str) -> NativeError {
        let id = request_id();
        NativeError {
            status,
            body: json!({
                "RequestId": id,
                "HostId": "jobmirror",
                "Code": code,
                "Message": message,
                "Recommend": format!("https://api.aliyun.com/troubleshoot?q={code}&product=pai-dlc&requestId={id}"),
            }),
        }
    }

    fn render(&self, _req: &Request, facts: &Facts, items: Vec<Value>) -> Value {
        json!({ "Jobs": items, "TotalCount": facts.matching.unwrap_or(0), "RequestId": request_id() })
    }

    fn columns(&self) -> &'static [TableColumn] {
        COLUMNS
    }
}

/// A fresh `RequestId` (upper-case UUID, as Alibaba's).
pub fn request_id() -> String {
    uuid::Uuid::new_v4().hyphenated().to_string().to_uppercase()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::pai_dlc_jobs::TABLE as SPEC;

    #[test]
    fn the_query_table_knows_every_native_column() {
        assert_eq!(TABLE.name, SPEC.table);
        for c in SPEC.columns {
            assert!(TABLE.has_column(c.name), "{}", c.name);
        }
        for (_, c) in TIME_FIELDS.iter().chain(NUMERIC_FIELDS).chain(SORT_BY) {
            assert!(TABLE.has_column(c), "{c}");
        }
    }
}
