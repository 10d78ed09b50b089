//! `GET /api/jobs`: the unified `jobs` view with jobmirror's own parameters,
//! newest `created_at` first (ties by `source`, then `job_id`, both ascending,
//! byte-wise), paged by an opaque keyset cursor.
//!
//! Parameters: `source`, `kind`, `state` (each repeatable or comma-separated;
//! any listed value matches), `name` (substring of the name, ASCII letters
//! folded), `created_after` (inclusive), `created_before` (exclusive),
//! `updated_after` (inclusive) as ISO-8601 instants (`2026-01-02T03:04:05Z`,
//! any offset, or a date `2026-01-02` meaning its midnight UTC),
//! `include_deleted` (`true`|`false`), `limit` (1–1000, default 100), `cursor`.
//! Anything else, a repeated single-valued parameter or a bad value gets an
//! error naming the parameter.

use base64::Engine as _;
use serde_json::{json, Map, Value};

use super::exec;
use super::ir::{BaseRows, Bound, Col, Filter, Query, SortKey, Table, TrigramIndex};
use super::QueryError;
use crate::clock;
use crate::providers::Kind;
use crate::state::State;
use crate::store::{SqlValue, Store};

/// The `jobs` view: the UNION ALL of one simple view per job kind.
pub static JOBS: Table = arm("jobs");

const fn arm(name: &'static str) -> Table {
    named_arm(name, None)
}

/// A view whose `name` has its table's name search tables (migration 0023):
/// `name=` then starts from their candidates when they are few.
const fn named_arm(name: &'static str, trigram: Option<TrigramIndex>) -> Table {
    Table {
        name,
        columns: COLUMNS,
        computed: &[],
        has_rowid: false,
        counts: None,
        trigram,
        indexes: &[],
    }
}

/// The name search tables (`names`, `grams`) of `table`, keyed by its
/// rowid, for its view whose `source, job_id` are the table's `table_key`.
const fn names(
    table: &'static str,
    names: &'static str,
    grams: &'static str,
    table_key: &'static str,
) -> Option<TrigramIndex> {
    Some(TrigramIndex {
        table: names,
        column: "name",
        short: Some(grams),
        base: Some(BaseRows {
            table,
            view_key: "source, job_id",
            table_key,
        }),
    })
}

/// The per-kind views the `jobs` view is made of (migration 0011). SQLite
/// reads a compound view only by materializing and sorting it, but each simple
/// view in its index order; so a page is read from each and the pages merged.
pub static ARMS: &[(Kind, Table)] = &[
    (
        Kind::ModelartsTrainingJobs,
        arm("jobs_modelarts_training_jobs"),
    ),
    (
        Kind::PaiDlcJobs,
        named_arm(
            "jobs_pai_dlc_jobs",
            names(
                "pai_dlc_jobs",
                "pai_dlc_jobs_names",
                "pai_dlc_jobs_name_grams",
                "source, job_id",
            ),
        ),
    ),
    (
        Kind::ModzyJobs,
        named_arm(
            "jobs_modzy_jobs",
            names(
                "modzy_jobs",
                "modzy_jobs_names",
                "modzy_jobs_name_grams",
                "source, job_identifier",
            ),
        ),
    ),
    (
        Kind::SwrInstanceJobs,
        named_arm(
            "jobs_swr_instance_jobs",
            names(
                "swr_instance_jobs",
                "swr_instance_jobs_names",
                "swr_instance_jobs_name_grams",
                "source, id",
            ),
        ),
    ),
];

/// The view's columns, in the order of an item.
pub const COLUMNS: &[&str] = &[
    "source",
    "kind",
    "job_id",
    "name",
    "status",
    "state",
    "created_at",
    "updated_at",
    "finished_at",
    "duration_ms",
    "first_seen_at",
    "last_seen_at",
    "deleted_at",
];

/// Default and largest `limit`.
pub const DEFAULT_LIMIT: u64 = 100;
pub const MAX_LIMIT: u64 = 1000;
/// Longest `name` accepted.
pub const MAX_NAME_CHARS: usize = 256;

/// A parameter `/api/jobs` refuses, with the message naming it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct BadParameter(pub String);

/// Why `/api/jobs` failed.
#[derive(Debug, thiserror::Error)]
pub enum JobsError {
    #[error(transparent)]
    BadParameter(#[from] BadParameter),
    #[error(transparent)]
    Query(#[from] QueryError),
}

/// One page of the unified list.
#[derive(Debug, Clone, PartialEq)]
pub struct JobsPage {
    pub items: Vec<Value>,
    pub next_cursor: Option<String>,
}

impl JobsPage {
    /// The body `{"items": [...], "next_cursor": ...}`, moving the items.
    pub fn into_json(self) -> Value {
        let mut m = Map::new();
        m.insert("items".into(), Value::Array(self.items));
        m.insert(
            "next_cursor".into(),
            self.next_cursor.map_or(Value::Null, Value::String),
        );
        Value::Object(m)
    }
}

fn order() -> Vec<SortKey> {
    vec![SortKey::desc(Col("created_at"))]
}

fn tie_break() -> Vec<SortKey> {
    vec![SortKey::asc(Col("source")), SortKey::asc(Col("job_id"))]
}

fn multi(params: &[(String, String)], name: &str) -> Vec<String> {
    params
        .iter()
        .filter(|(k, _)| k == name)
        .flat_map(|(_, v)| v.split(','))
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

fn single<'a>(params: &'a [(String, String)], name: &str) -> Result<Option<&'a str>, BadParameter> {
    let mut values = params.iter().filter(|(k, _)| k == name);
    let first = values.next().map(|(_, v)| v.as_str());
    if values.next().is_some() {
        return Err(BadParameter(format!("{name}: give it at most once")));
    }
    Ok(first)
}

/// An ISO-8601 instant (or a date: its midnight UTC) in the contract's text form.
pub fn parse_instant(name: &str, v: &str) -> Result<String, BadParameter> {
    if let Some(t) = clock::parse(v) {
        return Ok(clock::format(t));
    }
    if let Ok(d) = chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d") {
        if let Some(t) = d.and_hms_opt(0, 0, 0) {
            return Ok(clock::format(t.and_utc()));
        }
    }
    Err(BadParameter(format!(
        "{name}: {v:?} is not an ISO-8601 instant like 2026-01-02T03:04:05Z (or a date 2026-01-02)"
    )))
}

fn encode_cursor(values: &[SqlValue]) -> String {
    let v: Vec<Value> = values.iter().map(sql_to_json).collect();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Value::Array(v).to_string())
}

fn decode_cursor(text: &str) -> Result<Vec<SqlValue>, BadParameter> {
    let bad = || BadParameter("cursor: not a cursor from a previous page's next_cursor".into());
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(text.trim())
        .map_err(|_| bad())?;
    let v: Vec<Value> = serde_json::from_slice(&bytes).map_err(|_| bad())?;
    // created_at (text or null), source (text), job_id (text).
    match v.as_slice() {
        [created, Value::String(source), Value::String(job)]
            if created.is_string() || created.is_null() =>
        {
            Ok(vec![
                created
                    .as_str()
                    .map_or(SqlValue::Null, |s| SqlValue::Text(s.into())),
                SqlValue::Text(source.clone()),
                SqlValue::Text(job.clone()),
            ])
        }
        _ => Err(bad()),
    }
}

/// Parses the parameters into a query on the `jobs` view (fetching one row
/// more than the limit, to know whether there is a next page).
pub fn parse(params: &[(String, String)]) -> Result<(Query, u64), BadParameter> {
    const KNOWN: &[&str] = &[
        "source",
        "kind",
        "state",
        "name",
        "created_after",
        "created_before",
        "updated_after",
        "include_deleted",
        "limit",
        "cursor",
    ];
    if let Some((k, _)) = params.iter().find(|(k, _)| !KNOWN.contains(&k.as_str())) {
        return Err(BadParameter(format!(
            "{k}: unknown parameter; known: {}",
            KNOWN.join(", ")
        )));
    }
    let mut q = Query::new(
        &JOBS,
        &COLUMNS.iter().map(|c| Col(c)).collect::<Vec<_>>(),
        tie_break(),
    );
    q.order = order();
    let text = |v: &str| SqlValue::Text(v.to_string());

    let sources = multi(params, "source");
    if !sources.is_empty() {
        q.filters.push(Filter::In(
            Col("source"),
            sources.iter().map(|s| text(s)).collect(),
        ));
    }
    let kinds = multi(params, "kind");
    if !kinds.is_empty() {
        for k in &kinds {
            k.parse::<Kind>()
                .map_err(|e| BadParameter(format!("kind: {e}")))?;
        }
        q.filters.push(Filter::In(
            Col("kind"),
            kinds.iter().map(|s| text(s)).collect(),
        ));
    }
    let states = multi(params, "state");
    if !states.is_empty() {
        for s in &states {
            s.parse::<State>()
                .map_err(|e| BadParameter(format!("state: {e}")))?;
        }
        q.filters.push(Filter::In(
            Col("state"),
            states.iter().map(|s| text(s)).collect(),
        ));
    }
    if let Some(name) = single(params, "name")? {
        if name.chars().count() > MAX_NAME_CHARS {
            return Err(BadParameter(format!(
                "name: at most {MAX_NAME_CHARS} characters"
            )));
        }
        if !name.is_empty() {
            q.filters
                .push(Filter::ContainsCi(Col("name"), name.to_string()));
        }
    }
    let created_after = single(params, "created_after")?
        .map(|v| parse_instant("created_after", v))
        .transpose()?;
    let created_before = single(params, "created_before")?
        .map(|v| parse_instant("created_before", v))
        .transpose()?;
    if created_after.is_some() || created_before.is_some() {
        q.filters.push(Filter::Range {
            col: Col("created_at"),
            lower: created_after.map(|t| Bound::inclusive(SqlValue::Text(t))),
            upper: created_before.map(|t| Bound::exclusive(SqlValue::Text(t))),
        });
    }
    if let Some(v) = single(params, "updated_after")? {
        let t = parse_instant("updated_after", v)?;
        q.filters.push(Filter::Range {
            col: Col("updated_at"),
            lower: Some(Bound::inclusive(SqlValue::Text(t))),
            upper: None,
        });
    }
    q.include_deleted = match single(params, "include_deleted")? {
        None | Some("false") => false,
        Some("true") => true,
        Some(v) => {
            return Err(BadParameter(format!(
                "include_deleted: {v:?} is not true or false"
            )))
        }
    };
    let limit = match single(params, "limit")? {
        None => DEFAULT_LIMIT,
        Some(v) => v
            .parse::<u64>()
            .ok()
            .filter(|n| (1..=MAX_LIMIT).contains(n))
            .ok_or_else(|| {
                BadParameter(format!(
                    "limit: {v:?} is not an integer in [1, {MAX_LIMIT}]"
                ))
            })?,
    };
    if let Some(c) = single(params, "cursor")? {
        q.after = Some(decode_cursor(c)?);
    }
    q.limit = Some(limit + 1);
    Ok((q, limit))
}

fn sql_to_json(v: &SqlValue) -> Value {
    match v {
        SqlValue::Null => Value::Null,
        SqlValue::Int(i) => json!(i),
        SqlValue::Real(f) => json!(f),
        SqlValue::Text(s) => Value::String(s.clone()),
    }
}

fn into_json(v: SqlValue) -> Value {
    match v {
        SqlValue::Text(s) => Value::String(s),
        v => sql_to_json(&v),
    }
}

/// The order of the list (as SQL orders it): `created_at` descending with
/// NULL last, then `source`, then `job_id`, text byte-wise.
fn list_order(a: &[SqlValue], b: &[SqlValue]) -> std::cmp::Ordering {
    use std::borrow::Cow;
    fn at<'r>(r: &'r [SqlValue], c: &str) -> Option<Cow<'r, str>> {
        match COLUMNS.iter().position(|x| *x == c).and_then(|i| r.get(i)) {
            Some(SqlValue::Text(t)) => Some(Cow::Borrowed(t.as_str())),
            Some(SqlValue::Int(i)) => Some(Cow::Owned(i.to_string())),
            Some(SqlValue::Real(f)) => Some(Cow::Owned(f.to_string())),
            _ => None,
        }
    }
    let created = match (at(a, "created_at"), at(b, "created_at")) {
        (Some(x), Some(y)) => y.cmp(&x),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => std::cmp::Ordering::Equal,
    };
    created
        .then_with(|| at(a, "source").cmp(&at(b, "source")))
        .then_with(|| at(a, "job_id").cmp(&at(b, "job_id")))
}

/// One page of `/api/jobs`: the page of each kind's view (in one snapshot),
/// merged.
pub async fn list(store: &Store, params: &[(String, String)]) -> Result<JobsPage, JobsError> {
    let (q, limit) = parse(params)?;
    let mut tx = store.read_snapshot().await.map_err(QueryError::from)?;
    let mut rows = Vec::new();
    for (_, table) in ARMS {
        let arm = Query { table, ..q.clone() };
        let plan = exec::plan(&mut tx, &arm, false).await?;
        rows.extend(exec::rows(&mut tx, &arm, &plan).await?);
    }
    tx.rollback().await.map_err(QueryError::from)?;
    rows.sort_by(|a, b| list_order(a, b));
    rows.truncate(limit as usize + 1);
    let more = rows.len() as u64 > limit;
    rows.truncate(limit as usize);
    let next_cursor = if more {
        rows.last().map(|last| {
            let pos = |name: &str| {
                COLUMNS
                    .iter()
                    .position(|c| *c == name)
                    .and_then(|i| last.get(i).cloned())
                    .unwrap_or(SqlValue::Null)
            };
            encode_cursor(&[pos("created_at"), pos("source"), pos("job_id")])
        })
    } else {
        None
    };
    let items = rows
        .into_iter()
        .map(|r| {
            let mut m = Map::with_capacity(COLUMNS.len());
            for (c, v) in COLUMNS.iter().zip(r) {
                m.insert((*c).to_string(), into_json(v));
            }
            Value::Object(m)
        })
        .collect();
    Ok(JobsPage { items, next_cursor })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn bad_parameters_are_named() {
        for (k, v) in [
            ("limit", "0"),
            ("limit", "1001"),
            ("limit", "x"),
            ("state", "done"),
            ("kind", "nope"),
            ("created_after", "yesterday"),
            ("include_deleted", "yes"),
            ("cursor", "!!"),
            ("bogus", "1"),
        ] {
            let e = parse(&p(&[(k, v)])).unwrap_err();
            assert!(e.0.starts_with(k), "{k}={v}: {e}");
        }
        let e = parse(&p(&[("name", "a"), ("name", "b")])).unwrap_err();
        assert!(e.0.starts_with("name"));
    }

    #[test]
    fn cursors_round_trip() {
        let pos = vec![
            SqlValue::Text("2026-01-02T03:04:05.678Z".into()),
            SqlValue::Text("ma".into()),
            SqlValue::Text("42".into()),
        ];
        assert_eq!(decode_cursor(&encode_cursor(&pos)).unwrap(), pos);
        let null = vec![
            SqlValue::Null,
            SqlValue::Text("a".into()),
            SqlValue::Text("1".into()),
        ];
        assert_eq!(decode_cursor(&encode_cursor(&null)).unwrap(), null);
    }

    #[test]
    fn instants_are_normalized() {
        assert_eq!(
            parse_instant("x", "2026-01-02T04:04:05+01:00").unwrap(),
            "2026-01-02T03:04:05.000Z"
        );
        assert_eq!(
            parse_instant("x", "2026-01-02").unwrap(),
            "2026-01-02T00:00:00.000Z"
        );
    }
}
