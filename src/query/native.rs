//! Native list queries on one source's mirror: jobmirror's own parameters are
//! taken out, the kind's dialect parses the rest, the counts and the page are
//! read in one snapshot, and the answer is the provider's own body.

use serde_json::Value;

use super::dialect::{Dialect, Facts, NativeError, Params, Request};
use super::exec;
use super::ir::{Filter, Query, SOURCE};
use super::{dialect, QueryError};
use crate::config::SourceConfig;
use crate::store::db::AsConn;
use crate::store::{SqlValue, Store};

/// jobmirror's extension of every native list: `include_deleted=true` also
/// returns rows marked deleted (default `false`).
pub const INCLUDE_DELETED: &str = "include_deleted";

/// A provider-shaped answer: HTTP status and JSON body.
#[derive(Debug, Clone, PartialEq)]
pub struct NativeAnswer {
    pub status: u16,
    pub body: Value,
}

impl NativeAnswer {
    pub fn is_success(&self) -> bool {
        self.status < 400
    }
}

impl From<NativeError> for NativeAnswer {
    fn from(e: NativeError) -> Self {
        NativeAnswer {
            status: e.status,
            body: e.body,
        }
    }
}

/// The dialect of `source`'s kind.
pub fn dialect_of(source: &SourceConfig) -> Result<&'static dyn Dialect, QueryError> {
    dialect(source.kind).ok_or_else(|| {
        QueryError::Unsupported(format!(
            "the query module has no dialect for {} (source {}) yet",
            source.kind, source.name
        ))
    })
}

/// Parses `params` for a query on `source`: `include_deleted` (first
/// occurrence counts; `true` or `false`), then the provider's parameters; the
/// query is scoped to the source.
pub fn request(
    d: &dyn Dialect,
    source: &SourceConfig,
    params: &[(String, String)],
) -> Result<Request, NativeError> {
    let mut include_deleted = None;
    let mut rest = Vec::with_capacity(params.len());
    for (k, v) in params {
        if k != INCLUDE_DELETED {
            rest.push((k.clone(), v.clone()));
        } else if include_deleted.is_none() {
            include_deleted = Some(match v.as_str() {
                "true" => true,
                "false" => false,
                _ => {
                    return Err(d.bad_parameter(
                        INCLUDE_DELETED,
                        v,
                        "must be true or false (a jobmirror extension)",
                    ))
                }
            });
        }
    }
    let mut req = d.parse(Params(&rest), source)?;
    req.query.include_deleted = include_deleted.unwrap_or(false);
    req.query
        .filters
        .insert(0, Filter::Eq(SOURCE, SqlValue::Text(source.name.clone())));
    Ok(req)
}

fn item(d: &dyn Dialect, row: Vec<SqlValue>) -> Value {
    match row.into_iter().next() {
        Some(SqlValue::Text(raw)) => d.item(&raw),
        _ => Value::Null,
    }
}

/// A provider-shaped answer as the text served: HTTP status and JSON body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NativeText {
    pub status: u16,
    /// Compact JSON, exactly as `serde_json` writes the provider's body.
    pub body: String,
}

impl From<NativeError> for NativeText {
    fn from(e: NativeError) -> Self {
        NativeText {
            status: e.status,
            body: e.body.to_string(),
        }
    }
}

/// Answers a list query on `source`'s mirror exactly as the provider would
/// (its body, or its error for a parameter it would reject).
pub async fn answer(
    store: &Store,
    source: &SourceConfig,
    params: &[(String, String)],
) -> Result<NativeAnswer, QueryError> {
    let text = answer_text(store, source, params).await?;
    let body = serde_json::from_str(&text.body)
        .map_err(|e| QueryError::Unsupported(format!("the answer is not JSON: {e}")))?;
    Ok(NativeAnswer {
        status: text.status,
        body,
    })
}

/// [`answer`] as the served text. The rows' stored `raw` (the provider's
/// object as compact JSON) is spliced into the rendered envelope as is
/// ([`Dialect::write_item`]), so a page costs no JSON parsing or writing per
/// row; the text is the one `serde_json` writes for the body [`answer`] returns.
pub async fn answer_text(
    store: &Store,
    source: &SourceConfig,
    params: &[(String, String)],
) -> Result<NativeText, QueryError> {
    let d = dialect_of(source)?;
    let req = match request(d, source, params) {
        Ok(r) => r,
        Err(e) => return Ok(e.into()),
    };
    let list_meta = store.list_meta(&source.name).await?;
    let mut tx = store.read_snapshot().await?;
    let plan = exec::plan(&mut tx, &req.query, req.counts.matching).await?;
    let unfiltered = if req.counts.unfiltered {
        Some(exec::count_unfiltered(&mut tx, &req.query).await?)
    } else {
        None
    };
    let rows = exec::rows(&mut tx, &req.query, &plan).await?;
    tx.rollback().await?;
    let facts = Facts {
        matching: plan.matching,
        unfiltered,
        list_meta,
    };
    let (head, tail) = envelope(d, &req, &facts)?;
    let raws: Vec<String> = rows.into_iter().filter_map(raw_of).collect();
    let mut body = String::with_capacity(
        head.len() + tail.len() + raws.iter().map(|r| r.len() + 1).sum::<usize>(),
    );
    body.push_str(&head);
    for (i, raw) in raws.iter().enumerate() {
        if i > 0 {
            body.push(',');
        }
        d.write_item(raw, &mut body);
    }
    body.push_str(&tail);
    Ok(NativeText { status: 200, body })
}

/// A row's `raw` (the only column native queries select).
fn raw_of(row: Vec<SqlValue>) -> Option<String> {
    match row.into_iter().next() {
        Some(SqlValue::Text(raw)) => Some(raw),
        _ => None,
    }
}

/// The body's text before and after its list of items.
fn envelope(d: &dyn Dialect, req: &Request, facts: &Facts) -> Result<(String, String), QueryError> {
    let text = d
        .render(req, facts, vec![Value::String(ITEMS_MARK.into())])
        .to_string();
    let mark = Value::String(ITEMS_MARK.into()).to_string();
    let (head, tail) = text
        .split_once(&mark)
        .ok_or_else(|| QueryError::Unsupported("the dialect's body has no list".into()))?;
    Ok((head.to_string(), tail.to_string()))
}

/// What [`answer_all`] hands its consumer, in order: one `Begin`, every row's
/// item, one `End`.
pub enum Streamed<'a> {
    /// The body's text before and after the list, and the dialect (for columns).
    Begin {
        head: &'a str,
        tail: &'a str,
        dialect: &'static dyn Dialect,
    },
    Item(Value),
    End,
}

/// The placeholder the envelope is rendered around.
const ITEMS_MARK: &str = "\u{0}jobmirror-items\u{0}";

/// Like [`answer`], but the list holds every matching row from the requested
/// page's first one to the end, streamed to `emit` one item at a time (flat
/// memory), all from one snapshot. Returns the provider's error answer instead
/// when the parameters are rejected (then `emit` is never called).
pub async fn answer_all(
    store: &Store,
    source: &SourceConfig,
    params: &[(String, String)],
    mut emit: impl FnMut(Streamed<'_>) -> std::io::Result<()>,
) -> Result<Option<NativeAnswer>, QueryError> {
    use futures::StreamExt;

    let d = dialect_of(source)?;
    let mut req = match request(d, source, params) {
        Ok(r) => r,
        Err(e) => return Ok(Some(e.into())),
    };
    req.query.limit = None;
    let list_meta = store.list_meta(&source.name).await?;
    let mut tx = store.read_snapshot().await?;
    let plan = exec::plan(&mut tx, &req.query, req.counts.matching).await?;
    let unfiltered = if req.counts.unfiltered {
        Some(exec::count_unfiltered(&mut tx, &req.query).await?)
    } else {
        None
    };
    let facts = Facts {
        matching: plan.matching,
        unfiltered,
        list_meta,
    };
    let (head, tail) = envelope(d, &req, &facts)?;
    emit(Streamed::Begin {
        head: &head,
        tail: &tail,
        dialect: d,
    })?;
    let mut built = exec::Built::new(super::sql::select(&req.query, plan.access())?);
    {
        let mut rows = exec::stream(tx.conn(), &mut built);
        while let Some(row) = rows.next().await {
            emit(Streamed::Item(item(d, row?)))?;
        }
    }
    tx.rollback().await?;
    emit(Streamed::End)?;
    Ok(None)
}

/// Present and deleted rows of a source (cheap where the table keeps counts).
pub async fn row_counts(store: &Store, source: &SourceConfig) -> Result<(u64, u64), QueryError> {
    let d = dialect_of(source)?;
    let mut q = Query::new(d.table(), &[], Vec::new());
    q.filters
        .push(Filter::Eq(SOURCE, SqlValue::Text(source.name.clone())));
    let mut conn = store.read_snapshot().await?;
    let present = exec::plan(&mut conn, &q, true).await?.matching.unwrap_or(0);
    q.include_deleted = true;
    let all = exec::plan(&mut conn, &q, true).await?.matching.unwrap_or(0);
    conn.rollback().await?;
    Ok((present, all.saturating_sub(present)))
}
