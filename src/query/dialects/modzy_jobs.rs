//! Modzy job history (seed 002), `GET /api/jobs/history`, answered from
//! `modzy_jobs`.
//!
//! The rules, written down once (the simulator, `sim::modzy::list`,
//! implements the same ones in memory; a property test compares the two):
//! - **Response**: a bare JSON array of history items (no envelope, no total).
//!   Items are the provider's objects; the job-detail fields (`team`,
//!   `hoursDeleteInput`, `imageClassificationModel`), present when the
//!   collector refreshed a job from its details, are left out as the history
//!   list has none.
//! - **Filters** (a value lists alternatives joined by `,` (any) in groups
//!   joined by `;` (each must hold); an empty value is no filter): `user` a
//!   substring of `submittedBy`, ASCII letters folded; `accessKey` equal to
//!   the `prefix` of one of the job user's `accessKeys`; `model` equal to
//!   `model.identifier` or to `model.name` ignoring ASCII case; `status`
//!   `all` | `pending` (not final) | `terminated` (final: COMPLETED, CANCELED,
//!   TIMEDOUT), any case; `startDate` / `endDate` bound `createdAt`
//!   (inclusive), ISO-8601 with `Z`, `±hh:mm`, `±hhmm` or no offset (UTC).
//! - **Sort**: `sort-by` one or more of `identifier, submittedBy,
//!   submittedJobs (= total), status, createdAt, updatedAt, submittedAt, total,
//!   completed, fail (= failed), model (= model.name)` joined by `,`;
//!   `direction` `ASC`|`DESC` (any case) for every field; times compare as
//!   instants, a null time first ascending; **ties by `jobIdentifier`
//!   ascending**.
//! - **Defaults** *(chosen: "the latest 100 jobs")*: `sort-by=createdAt`,
//!   `direction=DESC`, `page=1`, `per-page=100`, `status=all`. `page` 0 is the
//!   first page; `per-page` 1–1000.
//! - **Parameters**: first occurrence counts, unknown names ignored; checked in
//!   the order `startDate, endDate, status, sort-by, direction, page,
//!   per-page`; a bad value gets HTTP 400 `{statusCode, status, message,
//!   reportErrorUrl}` with the message `Invalid value 'V' for parameter 'N': RULE`.

use serde_json::{json, Value};

use crate::config::SourceConfig;
use crate::providers::modzy_jobs::time;
use crate::providers::Kind;
use crate::query::dialect::{
    CellFormat, Counts, Dialect, Facts, NativeError, Params, Request, TableColumn,
};
use crate::query::ir::{Bound, Col, Direction, Filter, Index, Query, SortKey, Table};
use crate::store::SqlValue;

/// The Modzy job-history dialect.
pub struct ModzyJobs;

/// `modzy_jobs` with its query helpers (migrations 0010 and 0023).
pub static TABLE: Table = Table {
    name: "modzy_jobs",
    columns: &[
        "source",
        "job_identifier",
        "submitted_by",
        "account_identifier",
        "model",
        "status",
        "created_at",
        "updated_at",
        "submitted_at",
        "total",
        "pending",
        "completed",
        "failed",
        "elapsed_time",
        "queue_time",
        "user",
        "job_inputs",
        "explain",
        "team",
        "hours_delete_input",
        "image_classification_model",
        "created_at_utc",
        "updated_at_utc",
        "submitted_at_utc",
        "state",
        "raw",
        "first_seen_at",
        "last_seen_at",
        "changed_at",
        "deleted_at",
    ],
    computed: &[
        ("model_identifier", "json_extract(model, '$.identifier')"),
        ("model_name", "json_extract(model, '$.name')"),
    ],
    has_rowid: true,
    counts: None,
    trigram: None,
    indexes: &[
        Index {
            name: "modzy_jobs_q_created",
            columns: &["created_at_utc", "job_identifier"],
        },
        Index {
            name: "modzy_jobs_q_updated",
            columns: &["updated_at_utc", "job_identifier"],
        },
        // Migration 0023: the other `sort-by` fields (the descending twins
        // are not listed: the executor never names them).
        Index {
            name: "modzy_jobs_q_submitted",
            columns: &["submitted_at_utc", "job_identifier"],
        },
        Index {
            name: "modzy_jobs_q_by",
            columns: &["submitted_by", "job_identifier"],
        },
        Index {
            name: "modzy_jobs_q_status",
            columns: &["status", "job_identifier"],
        },
        Index {
            name: "modzy_jobs_q_total",
            columns: &["total", "job_identifier"],
        },
        Index {
            name: "modzy_jobs_q_completed",
            columns: &["completed", "job_identifier"],
        },
        Index {
            name: "modzy_jobs_q_failed",
            columns: &["failed", "job_identifier"],
        },
        Index {
            name: "modzy_jobs_q_model",
            columns: &["model_name", "job_identifier"],
        },
    ],
};

/// Where the error bodies send users (as Modzy's).
pub const REPORT_ERROR_URL: &str = "https://support.modzy.com/hc/en-us/requests/new";
const FINAL: &[&str] = &["COMPLETED", "CANCELED", "TIMEDOUT"];
const DETAIL_ONLY: &[&str] = &["team", "hoursDeleteInput", "imageClassificationModel"];
/// [`DETAIL_ONLY`] as they appear in a raw object's text.
const DETAIL_ONLY_KEYS: &[&str] = &[
    "\"team\":",
    "\"hoursDeleteInput\":",
    "\"imageClassificationModel\":",
];

/// `sort-by` names and their columns.
const SORT_FIELDS: &[(&str, &str)] = &[
    ("identifier", "job_identifier"),
    ("submittedBy", "submitted_by"),
    ("submittedJobs", "total"),
    ("status", "status"),
    ("createdAt", "created_at_utc"),
    ("updatedAt", "updated_at_utc"),
    ("submittedAt", "submitted_at_utc"),
    ("total", "total"),
    ("completed", "completed"),
    ("fail", "failed"),
    ("model", "model_name"),
];

const COLUMNS: &[TableColumn] = &[
    TableColumn {
        header: "jobIdentifier",
        path: &["jobIdentifier"],
        format: CellFormat::Plain,
    },
    TableColumn {
        header: "status",
        path: &["status"],
        format: CellFormat::Plain,
    },
    TableColumn {
        header: "model",
        path: &["model", "name"],
        format: CellFormat::Plain,
    },
    TableColumn {
        header: "submittedBy",
        path: &["submittedBy"],
        format: CellFormat::Plain,
    },
    TableColumn {
        header: "createdAt",
        path: &["createdAt"],
        format: CellFormat::Plain,
    },
    TableColumn {
        header: "completed",
        path: &["completed"],
        format: CellFormat::Plain,
    },
    TableColumn {
        header: "total",
        path: &["total"],
        format: CellFormat::Plain,
    },
];

/// Groups (all must hold) of alternatives (any may hold); None when empty.
fn terms(value: &str) -> Option<Vec<Vec<String>>> {
    let groups: Vec<Vec<String>> = value
        .split(';')
        .map(|g| {
            g.split(',')
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .filter(|g| !g.is_empty())
        .collect();
    (!groups.is_empty()).then_some(groups)
}

fn text(v: &str) -> SqlValue {
    SqlValue::Text(v.to_string())
}

/// One filter per group: any of its alternatives.
fn groups(out: &mut Vec<Filter>, value: Option<&str>, one: impl Fn(&str) -> Filter) {
    for g in value.and_then(terms).unwrap_or_default() {
        out.push(Filter::Any(g.iter().map(|v| one(v)).collect()));
    }
}

impl Dialect for ModzyJobs {
    fn kind(&self) -> Kind {
        Kind::ModzyJobs
    }

    fn table(&self) -> &'static Table {
        &TABLE
    }

    fn route(&self) -> &'static str {
        "/api/jobs/history"
    }

    fn parse(&self, params: Params<'_>, _source: &SourceConfig) -> Result<Request, NativeError> {
        let bad = |name: &str, v: &str, rule: &str| self.bad_parameter(name, v, rule);
        let mut filters = Vec::new();
        groups(&mut filters, params.first("user"), |v| {
            Filter::ContainsCi(Col("submitted_by"), v.to_string())
        });
        groups(&mut filters, params.first("accessKey"), |v| Filter::Sql {
            sql: "EXISTS (SELECT 1 FROM json_each(user, '$.accessKeys') \
                  WHERE json_extract(value, '$.prefix') = ?)",
            values: vec![text(v)],
        });
        groups(&mut filters, params.first("model"), |v| {
            Filter::Any(vec![
                Filter::Eq(Col("model_identifier"), text(v)),
                Filter::EqCi(Col("model_name"), v.to_string()),
            ])
        });
        let mut dates = Vec::new();
        for name in ["startDate", "endDate"] {
            if let Some(v) = params.first(name).filter(|v| !v.is_empty()) {
                let t = time::parse(v).ok_or_else(|| {
                    bad(
                        name,
                        v,
                        "must be an ISO-8601 date-time, e.g. 2021-08-13T07:28:03.831Z",
                    )
                })?;
                dates.push((name, SqlValue::Text(crate::clock::format(t))));
            }
        }
        for (name, t) in dates {
            let b = Some(Bound::inclusive(t));
            let (lower, upper) = if name == "startDate" {
                (b, None)
            } else {
                (None, b)
            };
            filters.push(Filter::Range {
                col: Col("created_at_utc"),
                lower,
                upper,
            });
        }
        if let Some(v) = params.first("status") {
            let lower = v.to_ascii_lowercase();
            let parsed = terms(&lower).unwrap_or_default();
            if parsed
                .iter()
                .flatten()
                .any(|s| !matches!(s.as_str(), "all" | "pending" | "terminated"))
            {
                return Err(bad("status", v, "must be one of all, pending, terminated"));
            }
            let finals = || Filter::In(Col("status"), FINAL.iter().map(|s| text(s)).collect());
            for g in parsed.iter().filter(|g| !g.iter().any(|s| s == "all")) {
                filters.push(Filter::Any(
                    g.iter()
                        .map(|s| match s.as_str() {
                            "terminated" => finals(),
                            _ => Filter::Any(vec![
                                Filter::Not(Box::new(finals())),
                                Filter::Eq(Col("status"), SqlValue::Null),
                            ]),
                        })
                        .collect(),
                ));
            }
        }
        let mut sort: Vec<&'static str> = vec!["created_at_utc"];
        if let Some(v) = params.first("sort-by").filter(|v| !v.is_empty()) {
            sort = v
                .split(',')
                .map(|f| {
                    SORT_FIELDS
                        .iter()
                        .find(|(name, _)| *name == f.trim())
                        .map(|(_, col)| *col)
                })
                .collect::<Option<Vec<_>>>()
                .ok_or_else(|| {
                    bad(
                        "sort-by",
                        v,
                        "must list fields among identifier, submittedBy, submittedJobs, status, \
                         createdAt, updatedAt, submittedAt, total, completed, fail, model",
                    )
                })?;
        }
        let dir = match params.first("direction") {
            None => Direction::Desc,
            Some(v) => match v.to_ascii_uppercase().as_str() {
                "ASC" => Direction::Asc,
                "DESC" => Direction::Desc,
                _ => return Err(bad("direction", v, "must be ASC or DESC")),
            },
        };
        let page = match params.first("page") {
            None => 1,
            Some(v) => v
                .parse::<u64>()
                .ok()
                .filter(|p| *p <= i32::MAX as u64)
                .ok_or_else(|| bad("page", v, "must be a non-negative integer"))?
                .max(1),
        };
        let per_page = match params.first("per-page") {
            None => 100,
            Some(v) => v
                .parse::<u64>()
                .ok()
                .filter(|n| (1..=1000).contains(n))
                .ok_or_else(|| bad("per-page", v, "must be an integer between 1 and 1000"))?,
        };
        let mut query = Query::new(
            &TABLE,
            &[Col("raw")],
            vec![SortKey::asc(Col("job_identifier"))],
        );
        query.filters = filters;
        query.order = sort
            .into_iter()
            .map(|c| SortKey::new(Col(c), dir))
            .collect();
        query.offset = (page - 1) * per_page;
        query.limit = Some(per_page);
        Ok(Request {
            query,
            counts: Counts::default(),
            echo: Value::Null,
        })
    }

    fn bad_parameter(&self, name: &str, value: &str, rule: &str) -> NativeError {
        self.jobmirror_error(
            400,
            "",
            &format!("Invalid value '{value}' for parameter '{name}': {rule}"),
        )
    }

    /// Modzy's error shape has no code: `code` is not shown.
    fn jobmirror_error(&self, status: u16, _code: &str, message: &str) -> NativeError {
        let reason = axum::http::StatusCode::from_u16(status)
            .ok()
            .and_then(|s| s.canonical_reason())
            .unwrap_or("ERROR")
            .to_ascii_uppercase()
            .replace([' ', '-'], "_");
        NativeError {
            status,
            body: json!({
                "statusCode": status,
                "status": reason,
                "message": message,
                "reportErrorUrl": REPORT_ERROR_URL,
            }),
        }
    }

    fn render(&self, _req: &Request, _facts: &Facts, items: Vec<Value>) -> Value {
        Value::Array(items)
    }

    fn item(&self, raw: &str) -> Value {
        let mut v: Value = serde_json::from_str(raw).unwrap_or(Value::Null);
        if let Some(o) = v.as_object_mut() {
            for k in DETAIL_ONLY {
                o.shift_remove(*k);
            }
        }
        v
    }

    fn write_item(&self, raw: &str, out: &mut String) {
        // Only a job the collector refreshed from its details has these keys.
        if DETAIL_ONLY_KEYS.iter().any(|k| raw.contains(k)) {
            out.push_str(&self.item(raw).to_string());
        } else {
            out.push_str(raw);
        }
    }

    fn columns(&self) -> &'static [TableColumn] {
        COLUMNS
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::modzy_jobs::TABLE as SPEC;

    #[test]
    fn the_query_table_knows_every_native_column() {
        assert_eq!(TABLE.name, SPEC.table);
        for c in SPEC.columns {
            assert!(TABLE.has_column(c.name), "{}", c.name);
        }
        for (_, col) in SORT_FIELDS {
            assert!(TABLE.has_column(col));
        }
    }

    #[test]
    fn the_report_url_is_modzys() {
        assert_eq!(REPORT_ERROR_URL, crate::sim::modzy::REPORT_ERROR_URL);
    }
}
