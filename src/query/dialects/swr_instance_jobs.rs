//! Huawei SWR `ListInstanceJobs` (seed 004), `GET /v2/{project_id}/jobs`,
//! answered from `swr_instance_jobs`.
//!
//! The rules, written down once (the simulator, `sim::swr::list`, implements
//! the same ones in memory; a property test compares the two):
//! - **Parameters**: the first occurrence of a name counts; unknown names are
//!   ignored. `status` one of `Creating, Initializing, Running, Failed,
//!   Success` (case-sensitive); `offset` an integer in [0, 2147483647] and
//!   `limit` in [1, 100], given together (as the vendor documents) or not at
//!   all (defaults 0 and 100). Checked in that order; a bad value gets HTTP 400
//!   `{"error_code": "SVCSTG.SWR.4000014", "error_msg": "Invalid parameter: ..."}`.
//! - **Order** *(chosen: the API has no sort parameter)*: `created_at` newest
//!   first (the provider's own text, which sorts as time), ties by `id`
//!   ascending.
//! - **Counts**: `total` = jobs matching the filter.

use serde_json::{json, Value};

use crate::config::SourceConfig;
use crate::providers::Kind;
use crate::query::dialect::{
    CellFormat, Counts, Dialect, Facts, NativeError, Params, Request, TableColumn,
};
use crate::query::ir::{Col, CountsTable, Filter, Index, NullKey, Query, SortKey, Table};
use crate::store::SqlValue;

/// The SWR instance-job list dialect.
pub struct SwrInstanceJobs;

/// `swr_instance_jobs` with its query helpers (migration 0010).
pub static TABLE: Table = Table {
    name: "swr_instance_jobs",
    columns: &[
        "source",
        "id",
        "instance_id",
        "resource_id",
        "resource_name",
        "type",
        "status",
        "reason",
        "created_at",
        "updated_at",
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
        table: "swr_instance_jobs_counts",
        by: "status",
        null_key: NullKey::Text(""),
        buckets: None,
    }),
    trigram: None,
    indexes: &[
        Index {
            name: "swr_instance_jobs_q_created",
            columns: &["created_at", "id"],
        },
        Index {
            name: "swr_instance_jobs_q_status_created",
            columns: &["status", "created_at", "id"],
        },
    ],
};

/// Error code of a rejected parameter.
pub const BAD_PARAMETER: &str = "SVCSTG.SWR.4000014";
const STATUSES: [&str; 5] = ["Creating", "Initializing", "Running", "Failed", "Success"];
const MAX_LIMIT: u64 = 100;
const MAX_OFFSET: u64 = i32::MAX as u64;

const COLUMNS: &[TableColumn] = &[
    TableColumn {
        header: "id",
        path: &["id"],
        format: CellFormat::Plain,
    },
    TableColumn {
        header: "type",
        path: &["type"],
        format: CellFormat::Plain,
    },
    TableColumn {
        header: "status",
        path: &["status"],
        format: CellFormat::Plain,
    },
    TableColumn {
        header: "resource_name",
        path: &["resource_name"],
        format: CellFormat::Plain,
    },
    TableColumn {
        header: "created_at",
        path: &["created_at"],
        format: CellFormat::Plain,
    },
    TableColumn {
        header: "updated_at",
        path: &["updated_at"],
        format: CellFormat::Plain,
    },
    TableColumn {
        header: "reason",
        path: &["reason"],
        format: CellFormat::Plain,
    },
];

impl SwrInstanceJobs {
    fn invalid(&self, message: String) -> NativeError {
        self.jobmirror_error(400, BAD_PARAMETER, &format!("Invalid parameter: {message}"))
    }
}

impl Dialect for SwrInstanceJobs {
    fn kind(&self) -> Kind {
        Kind::SwrInstanceJobs
    }

    fn table(&self) -> &'static Table {
        &TABLE
    }

    fn route(&self) -> &'static str {
        "/v2/{project_id}/jobs"
    }

    fn parse(&self, params: Params<'_>, _source: &SourceConfig) -> Result<Request, NativeError> {
        let status = match params.first("status") {
            None => None,
            Some(v) if STATUSES.contains(&v) => Some(v),
            Some(v) => {
                return Err(self.bad_parameter(
                    "status",
                    v,
                    &format!("must be one of {}", STATUSES.join(", ")),
                ))
            }
        };
        let (offset, limit) = match (params.first("offset"), params.first("limit")) {
            (None, None) => (0, MAX_LIMIT),
            (Some(o), Some(l)) => {
                let offset = o
                    .parse::<u64>()
                    .ok()
                    .filter(|v| *v <= MAX_OFFSET)
                    .ok_or_else(|| {
                        self.bad_parameter(
                            "offset",
                            o,
                            &format!("must be an integer in [0, {MAX_OFFSET}]"),
                        )
                    })?;
                let limit = l
                    .parse::<u64>()
                    .ok()
                    .filter(|v| (1..=MAX_LIMIT).contains(v))
                    .ok_or_else(|| {
                        self.bad_parameter(
                            "limit",
                            l,
                            &format!("must be an integer in [1, {MAX_LIMIT}]"),
                        )
                    })?;
                (offset, limit)
            }
            _ => {
                return Err(self.invalid("offset and limit must be used together".into()));
            }
        };
        let mut query = Query::new(&TABLE, &[Col("raw")], vec![SortKey::asc(Col("id"))]);
        if let Some(s) = status {
            query
                .filters
                .push(Filter::Eq(Col("status"), SqlValue::Text(s.to_string())));
        }
        query.order = vec![SortKey::desc(Col("created_at"))];
        query.offset = offset;
        query.limit = Some(limit);
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
        self.invalid(format!("{name} '{value}' {rule}"))
    }

    fn jobmirror_error(&self, status: u16, code: &str, message: &str) -> NativeError {
        NativeError {
            status,
            body: json!({ "error_code": code, "error_msg": message }),
        }
    }

    fn render(&self, _req: &Request, facts: &Facts, items: Vec<Value>) -> Value {
        json!({ "total": facts.matching.unwrap_or(0), "jobs": items })
    }

    fn columns(&self) -> &'static [TableColumn] {
        COLUMNS
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::swr_instance_jobs::TABLE as SPEC;

    #[test]
    fn the_query_table_knows_every_native_column() {
        assert_eq!(TABLE.name, SPEC.table);
        for c in SPEC.columns {
            assert!(TABLE.has_column(c.name), "{}", c.name);
        }
    }
}
