//! Huawei ModelArts v1 "Querying a Training Job List" (seed 000),
//! `GET /v1/{project_id}/training-jobs`, answered from `modelarts_training_jobs`.
//!
//! The rules, written down once (the simulator, `sim::modelarts_training::list`,
//! implements the same ones in memory; a property test compares the two):
//! - **Parameters**: the first occurrence of a name counts, unknown names are
//!   ignored, names are case-sensitive (`sortBy`). Checked in the order
//!   `status`, `per_page`, `page`, `sortBy`, `order`, `search_content`; the
//!   first bad one is reported: HTTP 400
//!   `{"is_success": false, "error_code": "ModelArts.0105", "error_message":
//!   "Invalid parameter NAME: 'VALUE' (RULE)"}`. Numbers are decimal integers
//!   (a leading `+` or zeros are accepted).
//! - **Defaults and limits**: `per_page` 10 in [1, 1000]; `page` 1 in
//!   [1, 65535] (a page past the end is empty, not an error); `sortBy`
//!   `job_name` (one of `job_name`, `job_desc`, `status`, `duration`,
//!   `version_count`, `create_time`); `order` `asc` (`asc` | `desc`);
//!   `status` a code in [0, 21] (one no job has gives an empty list);
//!   `search_content` at most 64 characters, empty = no filter.
//! - **search_content**: a substring of `job_name`, case-insensitive for ASCII
//!   letters only (other characters compare exactly), no wildcards.
//! - **Order**: the `sortBy` field in `order`, text byte-wise; ties always by
//!   `job_id` ascending (also with `order=desc`).
//! - **Counts**: `job_total_count` = jobs matching the filters;
//!   `quotas` and `job_count_limit` as the provider last reported them to the
//!   collector (they describe the account, not the filter; `null` until a
//!   cycle has recorded them).
//! - **workspace_id** (default `"0"`): a source mirrors one workspace (its
//!   configured `workspace_id`, default `"0"`); asking for another gets 400
//!   `JobMirror.0002`, as the mirror cannot know that workspace's jobs.

use serde_json::{json, Value};

use crate::config::SourceConfig;
use crate::providers::Kind;
use crate::query::dialect::{
    CellFormat, Counts, Dialect, NativeError, Params, Request, TableColumn,
};
use crate::query::ir::{
    Col, CountsTable, Filter, Index, NullKey, Query, SortKey, Table, TrigramIndex,
};
use crate::query::{Direction, Facts};
use crate::store::SqlValue;

/// The ModelArts v1 training-job list dialect.
pub struct ModelartsTrainingJobs;

/// `modelarts_training_jobs` with its query helpers (migration 0008).
pub static TABLE: Table = Table {
    name: "modelarts_training_jobs",
    columns: &[
        "source",
        "job_id",
        "job_name",
        "version_id",
        "status",
        "create_time",
        "duration",
        "job_desc",
        "version_count",
        "state",
        "raw",
        "first_seen_at",
        "last_seen_at",
        "changed_at",
        "deleted_at",
    ],
    computed: &[],
    has_rowid: true,
    counts: Some(CountsTable {
        table: "modelarts_training_jobs_counts",
        by: "status",
        null_key: NullKey::Int(-1),
        buckets: None,
    }),
    trigram: Some(TrigramIndex {
        table: "modelarts_training_jobs_names",
        column: "job_name",
        short: Some("modelarts_training_jobs_name_grams"),
        base: None,
    }),
    indexes: INDEXES,
};

/// The query indexes of migration 0008 (all `(source, ...) WHERE deleted_at IS NULL`).
const INDEXES: &[Index] = &[
    Index {
        name: "modelarts_training_jobs_q_name",
        columns: &["job_name", "job_id"],
    },
    Index {
        name: "modelarts_training_jobs_q_desc",
        columns: &["job_desc", "job_id"],
    },
    Index {
        name: "modelarts_training_jobs_q_status",
        columns: &["status", "job_id"],
    },
    Index {
        name: "modelarts_training_jobs_q_duration",
        columns: &["duration", "job_id"],
    },
    Index {
        name: "modelarts_training_jobs_q_versions",
        columns: &["version_count", "job_id"],
    },
    Index {
        name: "modelarts_training_jobs_q_create",
        columns: &["create_time", "job_id"],
    },
    Index {
        name: "modelarts_training_jobs_q_status_name",
        columns: &["status", "job_name", "job_id"],
    },
    Index {
        name: "modelarts_training_jobs_q_status_create",
        columns: &["status", "create_time", "job_id"],
    },
];

/// Error code of a rejected parameter.
pub const BAD_PARAMETER: &str = "ModelArts.0105";

/// `sortBy` values and their columns.
const SORT_BY: &[(&str, &str)] = &[
    ("job_name", "job_name"),
    ("job_desc", "job_desc"),
    ("status", "status"),
    ("duration", "duration"),
    ("version_count", "version_count"),
    ("create_time", "create_time"),
];

const COLUMNS: &[TableColumn] = &[
    TableColumn {
        header: "job_id",
        path: &["job_id"],
        format: CellFormat::Plain,
    },
    TableColumn {
        header: "job_name",
        path: &["job_name"],
        format: CellFormat::Plain,
    },
    TableColumn {
        header: "status",
        path: &["status"],
        format: CellFormat::Plain,
    },
    TableColumn {
        header: "create_time",
        path: &["create_time"],
        format: CellFormat::EpochMillis,
    },
    TableColumn {
        header: "duration",
        path: &["duration"],
        format: CellFormat::DurationMillis,
    },
    TableColumn {
        header: "versions",
        path: &["version_count"],
        format: CellFormat::Plain,
    },
    TableColumn {
        header: "job_desc",
        path: &["job_desc"],
        format: CellFormat::Plain,
    },
];

/// A decimal integer in `[min, max]`.
fn int_in(v: &str, min: i64, max: i64) -> Option<i64> {
    v.parse::<i64>().ok().filter(|n| (min..=max).contains(n))
}

impl Dialect for ModelartsTrainingJobs {
    fn kind(&self) -> Kind {
        Kind::ModelartsTrainingJobs
    }

    fn table(&self) -> &'static Table {
        &TABLE
    }

    fn route(&self) -> &'static str {
        "/v1/{project_id}/training-jobs"
    }

    fn parse(&self, params: Params<'_>, source: &SourceConfig) -> Result<Request, NativeError> {
        let bad = |name: &str, v: &str, rule: &str| self.bad_parameter(name, v, rule);
        let status = match params.first("status") {
            None => None,
            Some(v) => Some(
                int_in(v, 0, 21)
                    .ok_or_else(|| bad("status", v, "must be a job status code in [0, 21]"))?,
            ),
        };
        let per_page = match params.first("per_page") {
            None => 10,
            Some(v) => int_in(v, 1, 1000)
                .ok_or_else(|| bad("per_page", v, "must be an integer in [1, 1000]"))?,
        };
        let page = match params.first("page") {
            None => 1,
            Some(v) => int_in(v, 1, 65535)
                .ok_or_else(|| bad("page", v, "must be an integer in [1, 65535]"))?,
        };
        let sort_col = match params.first("sortBy") {
            None => "job_name",
            Some(v) => SORT_BY
                .iter()
                .find(|(name, _)| *name == v)
                .map(|(_, col)| *col)
                .ok_or_else(|| {
                    bad(
                        "sortBy",
                        v,
                        "must be one of job_name, job_desc, status, duration, version_count, create_time",
                    )
                })?,
        };
        let dir = match params.first("order") {
            None | Some("asc") => Direction::Asc,
            Some("desc") => Direction::Desc,
            Some(v) => return Err(bad("order", v, "must be asc or desc")),
        };
        let search = params.first("search_content").unwrap_or("");
        if search.chars().count() > 64 {
            return Err(bad(
                "search_content",
                search,
                "must contain 0 to 64 characters",
            ));
        }
        let workspace = params.first("workspace_id").unwrap_or("0");
        let mirrored = source.workspace_id.as_deref().unwrap_or("0");
        if workspace != mirrored {
            return Err(self.jobmirror_error(
                400,
                "JobMirror.0002",
                &format!(
                    "workspace_id '{workspace}' is not mirrored: source {} mirrors workspace_id '{mirrored}'",
                    source.name
                ),
            ));
        }

        let mut query = Query::new(&TABLE, &[Col("raw")], vec![SortKey::asc(Col("job_id"))]);
        if let Some(code) = status {
            query
                .filters
                .push(Filter::Eq(Col("status"), SqlValue::Int(code)));
        }
        if !search.is_empty() {
            query
                .filters
                .push(Filter::ContainsCi(Col("job_name"), search.to_string()));
        }
        query.order = vec![SortKey::new(Col(sort_col), dir)];
        query.offset = ((page - 1) * per_page) as u64;
        query.limit = Some(per_page as u64);
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
            BAD_PARAMETER,
            &format!("Invalid parameter {name}: '{value}' ({rule})"),
        )
    }

    fn jobmirror_error(&self, status: u16, code: &str, message: &str) -> NativeError {
        NativeError {
            status,
            body: json!({ "is_success": false, "error_code": code, "error_message": message }),
        }
    }

    fn render(&self, _req: &Request, facts: &Facts, items: Vec<Value>) -> Value {
        let meta = |key: &str| {
            facts
                .list_meta
                .as_ref()
                .and_then(|m| m.get(key))
                .cloned()
                .unwrap_or(Value::Null)
        };
        json!({
            "is_success": true,
            "job_total_count": facts.matching.unwrap_or(0),
            "job_count_limit": meta("job_count_limit"),
            "quotas": meta("quotas"),
            "jobs": items,
        })
    }

    fn columns(&self) -> &'static [TableColumn] {
        COLUMNS
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::modelarts_training_jobs::TABLE as SPEC;

    #[test]
    fn the_query_table_knows_every_native_column() {
        assert_eq!(TABLE.name, SPEC.table);
        for c in SPEC.columns {
            assert!(TABLE.has_column(c.name), "{}", c.name);
        }
        for (_, col) in SORT_BY {
            assert!(TABLE.has_column(col));
        }
    }
}
