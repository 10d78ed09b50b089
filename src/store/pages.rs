//! One page of provider objects applied in one transaction: upsert the rows,
//! detect status changes against what was mirrored, log them, queue their
//! webhook events (transactional outbox), and (optionally) move the source's
//! cursor, all or nothing.

use std::collections::HashMap;

use super::db::{Arg, Backend, Sql, Tx};
use super::outbox::{insert_events, JobEvent};
use super::raw_hash::raw_hash;
use super::record::{ColType, Column, Record, SqlValue, TableSpec};
use super::{Store, StoreError};
use crate::clock;
use crate::config::EventType;

/// Rows per multi-row INSERT (keeps bound parameters well under SQLite's limit).
const INSERT_CHUNK: usize = 200;

/// Who is writing a page.
pub struct PageContext<'a> {
    pub source: &'a str,
    pub spec: &'static TableSpec,
    /// The `sync_runs` id of the cycle (marks rows as seen by this cycle).
    pub run_id: i64,
    /// Whether objects seen for the first time are news (`job.created` events):
    /// false during a source's initial mirror, unless `initial_events` is set.
    pub announce_new: bool,
}

/// What one page changed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct PageOutcome {
    /// Distinct objects on the page.
    pub seen: usize,
    /// Objects not mirrored before.
    pub new: usize,
    /// Objects whose content changed (including reappearing ones).
    pub changed: usize,
    /// `status_changes` rows written.
    pub status_changes: usize,
    /// `webhook_events` rows queued (one per event and endpoint).
    pub events: usize,
}

struct Existing {
    status: Option<String>,
    state: String,
    /// `raw_hash`; `None` for rows written before it existed (migration 0024).
    raw_hash: Option<i64>,
    /// `raw`, read only for those rows (`None` when `raw_hash` is set).
    raw: Option<String>,
    deleted: bool,
}

impl Existing {
    /// Whether the stored raw is `raw` (whose hash is `hash`): by the stored
    /// hash, or for a row without one by the stored text.
    fn same_raw(&self, raw: &str, hash: i64) -> bool {
        match self.raw_hash {
            Some(h) => h == hash,
            None => self.raw.as_deref() == Some(raw),
        }
    }
}

/// A native value bound for its column. SQLite columns are flexibly typed and
/// keep the value as it is; PostgreSQL's are strict, so there a value of
/// another type is converted when it can be without loss, else stored as NULL
/// (`raw` always keeps the provider's original).
pub(crate) fn value_arg(backend: Backend, col: &Column, v: &SqlValue) -> Arg {
    if backend == Backend::Sqlite {
        return match v {
            SqlValue::Null => Arg::Text(None),
            SqlValue::Int(i) => Arg::from(*i),
            SqlValue::Real(f) => Arg::from(*f),
            SqlValue::Text(s) => Arg::from(s.as_str()),
        };
    }
    match col.ty {
        ColType::Integer | ColType::Bool => Arg::Int(match v {
            SqlValue::Int(i) => Some(*i),
            SqlValue::Real(f) if f.fract() == 0.0 && f.abs() < 9.0e18 => Some(*f as i64),
            SqlValue::Text(s) => s.parse().ok(),
            SqlValue::Real(_) | SqlValue::Null => None,
        }),
        ColType::Real => Arg::Real(match v {
            SqlValue::Int(i) => Some(*i as f64),
            SqlValue::Real(f) => Some(*f),
            SqlValue::Text(s) => s.parse().ok(),
            SqlValue::Null => None,
        }),
        ColType::Text | ColType::Json => Arg::Text(match v {
            SqlValue::Int(i) => Some(i.to_string()),
            SqlValue::Real(f) => Some(f.to_string()),
            SqlValue::Text(s) => Some(s.clone()),
            SqlValue::Null => None,
        }),
    }
}

/// The native id of `r` bound for the id column.
fn id_arg(backend: Backend, spec: &TableSpec, r: &Record) -> Arg {
    let idx = spec
        .columns
        .iter()
        .position(|c| c.name == spec.id_column)
        .unwrap_or(0);
    value_arg(backend, &spec.columns[idx], &r.values[idx])
}

impl Store {
    /// Applies one page in one transaction; `cursor`, when given, is stored as the
    /// source's new collector cursor in the same transaction.
    pub async fn apply_page(
        &self,
        ctx: &PageContext<'_>,
        records: Vec<Record>,
        cursor: Option<&str>,
    ) -> Result<PageOutcome, StoreError> {
        // Last occurrence wins when a page repeats an id.
        let mut unique: Vec<Record> = Vec::with_capacity(records.len());
        let mut index: HashMap<String, usize> = HashMap::with_capacity(records.len());
        for r in records {
            match index.get(&r.id) {
                Some(&i) => unique[i] = r,
                None => {
                    index.insert(r.id.clone(), unique.len());
                    unique.push(r);
                }
            }
        }
        let now = clock::now_text();
        let mut tx = self.writer().begin().await?;
        let existing = load_existing(&mut tx, ctx, &unique).await?;

        let mut outcome = PageOutcome {
            seen: unique.len(),
            ..Default::default()
        };
        // Rows to write, with the hash of their raw (computed once a row).
        let mut to_write: Vec<(&Record, i64)> = Vec::new();
        let mut unchanged: Vec<&Record> = Vec::new();
        let mut changes: Vec<(&Record, &Existing)> = Vec::new();
        let mut created: Vec<&Record> = Vec::new();
        // Unchanged rows without a stored hash yet: it is filled in.
        let mut backfill: Vec<(&Record, i64)> = Vec::new();
        for r in &unique {
            match existing.get(&r.id) {
                None => {
                    outcome.new += 1;
                    to_write.push((r, raw_hash(&r.raw)));
                    if ctx.announce_new {
                        created.push(r);
                    }
                }
                Some(old) => {
                    if old.status.as_deref() != Some(r.status.as_str()) {
                        changes.push((r, old));
                    }
                    // A raw difference alone rewrites the row (no status change,
                    // no event: those follow the status only, above).
                    let hash = raw_hash(&r.raw);
                    if old.same_raw(&r.raw, hash) && !old.deleted && old.state == r.state.as_str() {
                        unchanged.push(r);
                        if old.raw_hash.is_none() {
                            backfill.push((r, hash));
                        }
                    } else {
                        outcome.changed += 1;
                        to_write.push((r, hash));
                    }
                }
            }
        }

        upsert(&mut tx, ctx, &to_write, &now).await?;
        touch(&mut tx, ctx, &unchanged, &now).await?;
        backfill_hashes(&mut tx, ctx, &backfill).await?;
        outcome.status_changes = changes.len();
        insert_changes(&mut tx, ctx, &changes, &now).await?;
        let hooks = self.webhooks();
        if !hooks.is_empty() {
            let events = page_events(ctx, &changes, &created);
            outcome.events = insert_events(&mut tx, &hooks, &events, &now).await?;
        }
        if let Some(c) = cursor {
            super::sync_state::set_cursor_tx(&mut tx, ctx.source, ctx.spec.kind, c).await?;
        }
        tx.commit().await?;
        if outcome.events > 0 {
            self.notify_outbox();
        }
        self.note_new_rows(ctx.spec.table, outcome.new).await;
        Ok(outcome)
    }
}

/// The webhook events of a page, in page order: first sightings (when news),
/// then status changes.
fn page_events<'a>(
    ctx: &'a PageContext<'_>,
    changes: &'a [(&Record, &Existing)],
    created: &'a [&Record],
) -> Vec<JobEvent<'a>> {
    let kind = ctx.spec.kind.as_str();
    let mut events = Vec::with_capacity(changes.len() + created.len());
    for r in created {
        events.push(JobEvent {
            ty: EventType::Created,
            source: ctx.source,
            kind,
            job_id: &r.id,
            name: r.name.as_deref(),
            old_status: None,
            new_status: Some(&r.status),
            old_state: None,
            new_state: Some(r.state.as_str()),
            raw: &r.raw,
        });
    }
    for (r, old) in changes {
        events.push(JobEvent {
            ty: EventType::StatusChanged,
            source: ctx.source,
            kind,
            job_id: &r.id,
            name: r.name.as_deref(),
            old_status: old.status.as_deref(),
            new_status: Some(&r.status),
            old_state: Some(&old.state),
            new_state: Some(r.state.as_str()),
            raw: &r.raw,
        });
    }
    events
}

async fn load_existing(
    tx: &mut Tx,
    ctx: &PageContext<'_>,
    records: &[Record],
) -> Result<HashMap<String, Existing>, StoreError> {
    let spec = ctx.spec;
    let mut map = HashMap::with_capacity(records.len());
    let backend = tx.backend();
    for chunk in records.chunks(500) {
        let mut q = Sql::new(format!(
            "SELECT CAST({id} AS TEXT) AS id, CAST({st} AS TEXT) AS status, state, raw_hash, \
             CASE WHEN raw_hash IS NULL THEN raw END AS raw, deleted_at \
             FROM {t} WHERE source = ",
            id = spec.id_column,
            st = spec.status_column,
            t = spec.table
        ));
        q.bind(ctx.source);
        q.push(format!(" AND {} IN (", spec.id_column));
        q.bind_list(chunk.iter().map(|r| id_arg(backend, spec, r)));
        q.push(")");
        for row in tx.fetch_all(q).await? {
            let id: String = row.get("id")?;
            map.insert(
                id,
                Existing {
                    status: row.get("status")?,
                    state: row.get("state")?,
                    raw_hash: row.get("raw_hash")?,
                    raw: row.get("raw")?,
                    deleted: row.get::<Option<String>, _>("deleted_at")?.is_some(),
                },
            );
        }
    }
    Ok(map)
}

async fn upsert(
    tx: &mut Tx,
    ctx: &PageContext<'_>,
    records: &[(&Record, i64)],
    now: &str,
) -> Result<(), StoreError> {
    let spec = ctx.spec;
    // Quoted: a native name may be a reserved word (`user` on PostgreSQL).
    let cols: Vec<String> = spec
        .columns
        .iter()
        .map(|c| format!("\"{}\"", c.name))
        .collect();
    let head = format!(
        "INSERT INTO {t} (source, {cols}, state, raw, raw_hash, first_seen_at, last_seen_at, changed_at, deleted_at, last_seen_run) ",
        t = spec.table,
        cols = cols.join(", ")
    );
    let updates: Vec<String> = cols
        .iter()
        .filter(|c| c.trim_matches('"') != spec.id_column)
        .map(|c| format!("{c} = excluded.{c}"))
        .collect();
    let tail = format!(
        " ON CONFLICT (source, {id}) DO UPDATE SET {updates}, state = excluded.state, raw = excluded.raw, \
         raw_hash = excluded.raw_hash, last_seen_at = excluded.last_seen_at, changed_at = excluded.changed_at, deleted_at = NULL, \
         last_seen_run = excluded.last_seen_run",
        id = spec.id_column,
        updates = updates.join(", ")
    );
    let backend = tx.backend();
    for chunk in records.chunks(INSERT_CHUNK) {
        let mut q = Sql::new(&head);
        q.push("VALUES ");
        for (i, (r, hash)) in chunk.iter().enumerate() {
            q.push(if i == 0 { "(" } else { ", (" });
            q.bind(ctx.source);
            for (c, v) in spec.columns.iter().zip(&r.values) {
                q.push(", ").bind(value_arg(backend, c, v));
            }
            q.push(", ").bind(r.state.as_str());
            q.push(", ").bind(r.raw.as_str());
            q.push(", ").bind(*hash);
            for v in [now, now, now] {
                q.push(", ").bind(v);
            }
            q.push(", ").bind(Option::<String>::None);
            q.push(", ").bind(ctx.run_id).push(")");
        }
        q.push(&tail);
        tx.execute(q).await?;
    }
    Ok(())
}

/// Marks unchanged rows as seen by this cycle.
async fn touch(
    tx: &mut Tx,
    ctx: &PageContext<'_>,
    records: &[&Record],
    now: &str,
) -> Result<(), StoreError> {
    let spec = ctx.spec;
    let backend = tx.backend();
    for chunk in records.chunks(500) {
        let mut q = Sql::new(format!("UPDATE {t} SET last_seen_at = ", t = spec.table));
        q.bind(now);
        q.push(", last_seen_run = ");
        q.bind(ctx.run_id);
        q.push(" WHERE source = ");
        q.bind(ctx.source);
        q.push(format!(" AND {} IN (", spec.id_column));
        q.bind_list(chunk.iter().map(|r| id_arg(backend, spec, r)));
        q.push(")");
        tx.execute(q).await?;
    }
    Ok(())
}

/// Stores the hash of unchanged rows written before `raw_hash` existed (once
/// per row; their content and `changed_at` stay as they are).
async fn backfill_hashes(
    tx: &mut Tx,
    ctx: &PageContext<'_>,
    rows: &[(&Record, i64)],
) -> Result<(), StoreError> {
    let spec = ctx.spec;
    let backend = tx.backend();
    for chunk in rows.chunks(INSERT_CHUNK) {
        let mut q = Sql::new(format!(
            "UPDATE {t} SET raw_hash = CASE {id}",
            t = spec.table,
            id = spec.id_column
        ));
        for (r, hash) in chunk {
            q.push(" WHEN ").bind(id_arg(backend, spec, r));
            q.push(" THEN ").bind(*hash);
        }
        q.push(" END WHERE source = ");
        q.bind(ctx.source);
        q.push(format!(" AND {} IN (", spec.id_column));
        q.bind_list(chunk.iter().map(|(r, _)| id_arg(backend, spec, r)));
        q.push(")");
        tx.execute(q).await?;
    }
    Ok(())
}

async fn insert_changes(
    tx: &mut Tx,
    ctx: &PageContext<'_>,
    changes: &[(&Record, &Existing)],
    now: &str,
) -> Result<(), StoreError> {
    for chunk in changes.chunks(INSERT_CHUNK) {
        let mut q = Sql::new(
            "INSERT INTO status_changes (source, kind, job_id, old_status, new_status, old_state, new_state, observed_at, run_id) VALUES ",
        );
        for (i, (r, old)) in chunk.iter().enumerate() {
            q.push(if i == 0 { "(" } else { ", (" });
            q.bind(ctx.source).push(", ");
            q.bind(ctx.spec.kind.as_str()).push(", ");
            q.bind(r.id.as_str()).push(", ");
            q.bind(old.status.clone()).push(", ");
            q.bind(r.status.as_str()).push(", ");
            q.bind(old.state.as_str()).push(", ");
            q.bind(r.state.as_str()).push(", ");
            q.bind(now).push(", ");
            q.bind(ctx.run_id).push(")");
        }
        tx.execute(q).await?;
    }
    Ok(())
}
