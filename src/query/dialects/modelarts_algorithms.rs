//! Huawei ModelArts `ListAlgorithms` (seed 003), `GET /v2/{project_id}/algorithms`,
//! answered from `modelarts_algorithms`.
//!
//! The rules, written down once (the simulator,
//! `sim::modelarts_algorithms::list`, implements the same ones in memory; a
//! property test compares the two):
//! - **Parameters**: the first occurrence counts, unknown names are ignored.
//!   Checked in the order `offset` (an integer in [0, 2147483647], default 0),
//!   `limit` ([1, 50], default 10 *(chosen: the API documents none)*),
//!   `sort_by` (`create_time` (default), `name`, or the undocumented
//!   `update_time`), `order` (`desc` (default) or `asc`), `searches`
//!   (`name:<text>`; empty = no filter; another key is rejected). A bad value
//!   gets HTTP 400 `{"error_code": "ModelArts.0104", "error_msg": "Invalid
//!   parameter NAME: 'VALUE' (RULE)"}`. `group_by` is echoed and changes nothing.
//! - **searches=name:TEXT**: TEXT a substring of `name`, ASCII letters folded.
//! - **Order**: the field in `order`, text byte-wise; ties by `id` ascending.
//! - **Counts**: `count` = algorithms matching the filters; `total` = all of the
//!   user's algorithms (every workspace), as the provider last reported it to
//!   the collector (`null` until a cycle has recorded it).
//! - **workspace_id** (default `"0"`): as for training jobs, a source mirrors
//!   one workspace; another gets 400 `JobMirror.0002`.

use serde_json::{json, Value};

use crate::config::SourceConfig;
use crate::providers::Kind;
use crate::query::dialect::{
    CellFormat, Counts, Dialect, Facts, NativeError, Params, Request, TableColumn,
};
use crate::query::ir::{
    Col, CountsTable, Direction, Filter, Index, NullKey, Query, SortKey, Table, TrigramIndex,
};

/// The ModelArts algorithm list dialect.
pub struct ModelartsAlgorithms;

/// `modelarts_algorithms` with its query helpers (migrations 0010, 0013).
pub static TABLE: Table = Table {
    name: "modelarts_algorithms",
    columns: &[
        "source",
        "id",
        "name",
        "description",
        "workspace_id",
        "ai_project",
        "user_name",
        "domain_id",
        "metadata_source",
        "api_version",
        "is_valid",
        "metadata_state",
        "tags",
        "attr_list",
        "version_num",
        "size",
        "create_time",
        "update_time",
        "job_config",
        "resource_requirements",
        "advanced_config",
        "status",
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
        table: "modelarts_algorithms_counts",
        by: "status",
        null_key: NullKey::Text(""),
        buckets: None,
    }),
    trigram: Some(TrigramIndex {
        table: "modelarts_algorithms_names",
        column: "name",
        short: Some("modelarts_algorithms_name_grams"),
        base: None,
    }),
    indexes: &[
        Index {
            name: "modelarts_algorithms_q_create",
            columns: &["create_time", "id"],
        },
        Index {
            name: "modelarts_algorithms_q_update",
            columns: &["update_time", "id"],
        },
        Index {
            name: "modelarts_algorithms_q_name",
            columns: &["name", "id"],
        },
    ],
};

/// Error code of a rejected parameter.
pub const BAD_PARAMETER: &str = "ModelArts.0104";

const COLUMNS: &[TableColumn] = &[
    TableColumn {
        header: "id",
        path: &["metadata", "id"],
        format: CellFormat::Plain,
    },
    TableColumn {
        header: "name",
        path: &["metadata", "name"],
        format: CellFormat::Plain,
    },
    TableColumn {
        header: "is_valid",
        path: &["metadata", "is_valid"],
        format: CellFormat::Plain,
    },
    TableColumn {
        header: "create_time",
        path: &["metadata", "create_time"],
        format: CellFormat::EpochMillis,
    },
    TableColumn {
        header: "version_num",
        path: &["metadata", "version_num"],
        format: CellFormat::Plain,
    },
    TableColumn {
        header: "description",
        path: &["metadata", "description"],
        format: CellFormat::Plain,
    },
];

impl Dialect for ModelartsAlgorithms {
    fn kind(&self) -> Kind {
        Kind::ModelartsAlgorithms
    }

    fn table(&self) -> &'static Table {
        &TABLE
    }

    fn route(&self) -> &'static str {
        "/v2/{project_id}/algorithms"
    }

    fn parse(&self, params: Params<'_>, source: &SourceConfig) -> Result<Request, NativeError> {
        let bad = |name: &str, v: &str, rule: &str| self.bad_parameter(name, v, rule);
        let offset = match params.first("offset") {
            None => 0,
            Some(v) => v
                .parse::<u64>()
                .ok()
                .filter(|o| *o <= i32::MAX as u64)
                .ok_or_else(|| bad("offset", v, "must be an integer of at least 0"))?,
        };
        let limit = match params.first("limit") {
            None => 10,
            Some(v) => v
                .parse::<u64>()
                .ok()
                .filter(|l| (1..=50).contains(l))
                .ok_or_else(|| bad("limit", v, "must be an integer in [1, 50]"))?,
        };
        let sort_by = match params.first("sort_by") {
            None => "create_time",
            Some("create_time") => "create_time",
            Some("name") => "name",
            Some("update_time") => "update_time",
            Some(v) => {
                return Err(bad(
                    "sort_by",
                    v,
                    "must be one of create_time, update_time, name",
                ))
            }
        };
        let dir = match params.first("order") {
            None | Some("desc") => Direction::Desc,
            Some("asc") => Direction::Asc,
            Some(v) => return Err(bad("order", v, "must be asc or desc")),
        };
        let group_by = params.first("group_by").unwrap_or("");
        let mut name = "";
        if let Some(v) = params.first("searches").filter(|v| !v.is_empty()) {
            match v.split_once(':') {
                Some(("name", text)) => name = text,
                _ => return Err(bad("searches", v, "must be name:<text>")),
            }
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
        let mut query = Query::new(&TABLE, &[Col("raw")], vec![SortKey::asc(Col("id"))]);
        if !name.is_empty() {
            query
                .filters
                .push(Filter::ContainsCi(Col("name"), name.to_string()));
        }
        query.order = vec![SortKey::new(Col(sort_by), dir)];
        query.offset = offset;
        query.limit = Some(limit);
        Ok(Request {
            query,
            counts: Counts {
                matching: true,
                unfiltered: false,
            },
            echo: json!({
                "limit": limit,
                "offset": offset,
                "sort_by": sort_by,
                "order": if dir == Direction::Desc { "desc" } else { "asc" },
                "group_by": group_by,
            }),
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
            body: json!({ "error_code": code, "error_msg": message }),
        }
    }

    fn render(&self, req: &Request, facts: &Facts, items: Vec<Value>) -> Value {
        let total = facts
            .list_meta
            .as_ref()
            .and_then(|m| m.get("total"))
            .cloned()
            .unwrap_or(Value::Null);
        json!({
            "total": total,
            "count": facts.matching.unwrap_or(0),
            "limit": req.echo["limit"],
            "offset": req.echo["offset"],
            "sort_by": req.echo["sort_by"],
            "order": req.echo["order"],
            "group_by": req.echo["group_by"],
            "items": items,
        })
    }

    fn columns(&self) -> &'static [TableColumn] {
        COLUMNS
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::modelarts_algorithms::TABLE as SPEC;

    #[test]
    fn the_query_table_knows_every_native_column() {
        assert_eq!(TABLE.name, SPEC.table);
        for c in SPEC.columns {
            assert!(TABLE.has_column(c.name), "{}", c.name);
        }
    }
}
