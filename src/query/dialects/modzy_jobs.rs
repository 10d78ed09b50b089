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

/// `accessKey=`: the source's row has that access-key prefix (migration
/// 0026's side table), probed per row: a page walked in the sort's index
/// stops as soon as it is full. Its other forms: [`ACCESS_KEY_ROWIDS`] (the
/// rows by rowid, when [`ACCESS_KEY_CANDIDATES`] finds few) and the
/// PostgreSQL spelling in `query::pg`.
pub(crate) const ACCESS_KEY_SQL: &str = "EXISTS (SELECT 1 FROM modzy_job_access_keys AS k \
     WHERE k.source = ? AND k.prefix = ? AND k.job_rowid = modzy_jobs.rowid)";

/// [`ACCESS_KEY_SQL`] as rowid look-ups (same placeholders, same answer), for
/// a page read `NOT INDEXED` from few candidates.
pub(crate) const ACCESS_KEY_ROWIDS: &str = "rowid IN (SELECT job_rowid FROM modzy_job_access_keys \
     WHERE source = ? AND prefix = ?)";

/// The candidates of [`ACCESS_KEY_SQL`] (same placeholders); the executor
/// counts them up to one more than `exec::TRIGRAM_MAX_CANDIDATES`.
pub(crate) const ACCESS_KEY_CANDIDATES: &str =
    "SELECT 1 FROM modzy_job_access_keys WHERE source = ? AND prefix = ?";

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

    fn parse(&self, params: Params<'_>, source: &SourceConfig) -> Result<Request, NativeError> {
        let bad = |name: &str, v: &str, rule: &str| self.bad_parameter(name, v, rule);
        let mut filters = Vec::new();
        groups(&mut filters, params.first("user"), |v| {
            Filter::ContainsCi(Col("submitted_by"), v.to_string())
        });
        // The side table of migration 0026 (kept by triggers): the string
        // `prefix`es of the objects in each row's `user.accessKeys` array.
        groups(&mut filters, params.first("accessKey"), |v| Filter::Sql {
            sql: ACCESS_KEY_SQL,
            values: vec![text(&source.name), text(v)],
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

    /// The job identifiers `accessKey=key` finds on source `mz` (all rows with
    /// `include_deleted`), in identifier order.
    async fn by_key(
        store: &crate::store::Store,
        src: &SourceConfig,
        key: &str,
        include_deleted: bool,
    ) -> Vec<String> {
        let mut params = vec![
            ("accessKey".to_string(), key.to_string()),
            ("sort-by".to_string(), "identifier".to_string()),
            ("direction".to_string(), "ASC".to_string()),
        ];
        if include_deleted {
            params.push(("include_deleted".to_string(), "true".to_string()));
        }
        let a = crate::query::native::answer(store, src, &params)
            .await
            .unwrap();
        assert!(a.is_success(), "{key}: {:?}", a.body);
        a.body
            .as_array()
            .unwrap()
            .iter()
            .map(|j| j["jobIdentifier"].as_str().unwrap().to_string())
            .collect()
    }

    /// The reference (the simulator's rule): string `prefix`es of the objects
    /// in `user.accessKeys` when it is an array.
    fn keys_of(user: Option<&str>) -> Vec<String> {
        let v: Value = user
            .and_then(|u| serde_json::from_str(u).ok())
            .unwrap_or(Value::Null);
        v["accessKeys"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|k| k.get("prefix")?.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    }

    fn lit(s: Option<&str>) -> String {
        s.map_or("NULL".into(), |s| format!("'{}'", s.replace('\'', "''")))
    }

    /// (source, id) -> (user, deleted)
    type Rows =
        std::collections::BTreeMap<(&'static str, &'static str), (Option<&'static str>, bool)>;

    /// Every probe key answers as the reference says.
    async fn check(store: &crate::store::Store, src: &SourceConfig, rows: &Rows, step: &str) {
        for key in ["A", "B", "C", "D", "a", "5"] {
            for all in [false, true] {
                let want: Vec<String> = rows
                    .iter()
                    .filter(|((s, _), (u, deleted))| {
                        *s == "mz" && (all || !deleted) && keys_of(*u).iter().any(|k| k == key)
                    })
                    .map(|((_, id), _)| id.to_string())
                    .collect();
                let got = by_key(store, src, key, all).await;
                assert_eq!(got, want, "{:?} {step}: {key} all={all}", store.backend());
                // Both SQLite forms (the page picks one by the candidates).
                if store.backend() == crate::store::Backend::Sqlite {
                    for form in [ACCESS_KEY_SQL, ACCESS_KEY_ROWIDS] {
                        let cond = form
                            .replacen('?', "'mz'", 1)
                            .replacen('?', &lit(Some(key)), 1);
                        let deleted = if all { "" } else { " AND deleted_at IS NULL" };
                        let ids: Vec<(String,)> = store
                            .test_rows(&format!(
                                "SELECT job_identifier FROM modzy_jobs WHERE source = 'mz'{deleted} \
                                 AND {cond} ORDER BY job_identifier"
                            ))
                            .await;
                        let ids: Vec<String> = ids.into_iter().map(|(i,)| i).collect();
                        assert_eq!(ids, want, "{step}: {key} all={all} {form}");
                    }
                }
            }
        }
    }

    /// The side table of migration 0026 follows inserts, `user` changes
    /// (keys changed, removed), soft and hard deletions and re-inserts, on
    /// both backends, and answers as the reference does for every key.
    #[tokio::test]
    async fn access_keys_follow_every_change_of_the_rows() {
        use std::collections::BTreeMap;
        for db in crate::store::testdb::TestDb::all().await {
            let store = crate::store::Store::open(&db.url).await.unwrap();
            let text = format!(
                "[database]\nurl = \"{}\"\n\n[sources.mz]\nkind = \"modzy-jobs\"\n\
                 endpoint = \"http://127.0.0.1:9\"\napi_key = \"KEY.secret\"\n",
                db.url
            );
            let src = crate::config::Config::from_toml(&text).unwrap().sources["mz"].clone();
            let mut rows: Rows = BTreeMap::new();
            let insert = |source: &str, id: &str, user: Option<&str>| {
                format!(
                    "INSERT INTO modzy_jobs (source, job_identifier, \"user\", status, state, raw, \
                     first_seen_at, last_seen_at, changed_at, last_seen_run) VALUES \
                     ('{source}', '{id}', {}, 'OPEN', 'running', '{{\"jobIdentifier\":\"{id}\"}}', \
                     'x', 'x', 'x', 1)",
                    lit(user)
                )
            };
            let start: &[(&str, &str, Option<&str>)] = &[
                (
                    "mz",
                    "j1",
                    Some(r#"{"accessKeys":[{"prefix":"A"},{"prefix":"B","isDefault":false}]}"#),
                ),
                (
                    "mz",
                    "j2",
                    Some(r#"{"accessKeys":[{"prefix":"B"},{"prefix":"B"}]}"#),
                ),
                ("mz", "j3", Some(r#"{"accessKeys":{"k":{"prefix":"A"}}}"#)),
                (
                    "mz",
                    "j4",
                    Some(
                        r#"{"accessKeys":[{"prefix":5},"A",["A"],null,{"prefix":null},{"prefix":"C"}]}"#,
                    ),
                ),
                ("mz", "j5", Some("not json")),
                ("mz", "j6", None),
                ("mz", "j7", Some(r#"{"accessKeys":"A"}"#)),
                ("mz", "j8", Some(r#"[{"prefix":"A"}]"#)),
                (
                    "other",
                    "j1",
                    Some(r#"{"accessKeys":[{"prefix":"A"},{"prefix":"D"}]}"#),
                ),
            ];
            for (s, id, u) in start {
                store.test_exec(&insert(s, id, *u)).await;
                rows.insert((s, id), (*u, false));
            }
            check(&store, &src, &rows, "inserted").await;

            // Keys changed, keys removed, a user that stops being JSON.
            let changes: &[(&str, Option<&str>)] = &[
                ("j1", Some(r#"{"accessKeys":[{"prefix":"C"}]}"#)),
                ("j2", Some(r#"{"accessKeys":[]}"#)),
                ("j3", Some(r#"{"accessKeys":[{"prefix":"A"}]}"#)),
                ("j8", Some("{")),
            ];
            for (id, u) in changes {
                store
                    .test_exec(&format!(
                        "UPDATE modzy_jobs SET \"user\" = {} WHERE source = 'mz' AND job_identifier = '{id}'",
                        lit(*u)
                    ))
                    .await;
                rows.get_mut(&("mz", *id)).unwrap().0 = *u;
            }
            check(&store, &src, &rows, "users changed").await;

            // Other columns change: nothing to do.
            store
                .test_exec("UPDATE modzy_jobs SET status = 'COMPLETED', changed_at = 'y'")
                .await;
            check(&store, &src, &rows, "status changed").await;

            // Soft deletion (kept for include_deleted), hard deletion, re-insert.
            store
                .test_exec("UPDATE modzy_jobs SET deleted_at = 'z' WHERE source = 'mz' AND job_identifier = 'j3'")
                .await;
            rows.get_mut(&("mz", "j3")).unwrap().1 = true;
            store
                .test_exec(
                    "DELETE FROM modzy_jobs WHERE source = 'mz' AND job_identifier IN ('j1', 'j4')",
                )
                .await;
            rows.remove(&("mz", "j1"));
            rows.remove(&("mz", "j4"));
            check(&store, &src, &rows, "deleted").await;
            let back = Some(r#"{"accessKeys":[{"prefix":"D"}]}"#);
            store.test_exec(&insert("mz", "j4", back)).await;
            rows.insert(("mz", "j4"), (back, false));
            store
                .test_exec("UPDATE modzy_jobs SET deleted_at = NULL WHERE source = 'mz' AND job_identifier = 'j3'")
                .await;
            rows.get_mut(&("mz", "j3")).unwrap().1 = false;
            check(&store, &src, &rows, "re-inserted").await;

            // The side table holds exactly the reference's entries.
            let n: i64 = store
                .test_one("SELECT COUNT(*) FROM modzy_job_access_keys")
                .await;
            let want: usize = rows
                .values()
                .map(|(u, _)| {
                    let mut k = keys_of(*u);
                    k.sort();
                    k.dedup();
                    k.len()
                })
                .sum();
            assert_eq!(n as usize, want, "{:?}", store.backend());
            store.close().await;
        }
    }

    #[test]
    fn the_report_url_is_modzys() {
        assert_eq!(REPORT_ERROR_URL, crate::sim::modzy::REPORT_ERROR_URL);
    }
}
