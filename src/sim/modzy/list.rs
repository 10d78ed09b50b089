//! Modzy job-history and job-detail semantics as pure functions over a
//! [`ModzyWorld`]: parameter validation, filters, sort, paging, and the response
//! and error shapes.
//!
//! Rules the query module must reproduce exactly (a property test compares the two):
//! - **Response**: a bare JSON array of history items (no envelope, no total).
//! - **Filters** (all must hold; a value may list alternatives joined by `,` (any
//!   of them) and groups joined by `;` (each group must hold), as the Go SDK
//!   builds them; an empty value is no filter):
//!   - `user`: a substring of `submittedBy` (`firstName lastName`), ASCII
//!     letters compared case-insensitively (like SQLite's `LIKE`);
//!   - `accessKey`: equal to the `prefix` of one of the job user's `accessKeys`;
//!   - `model`: equal to `model.identifier`, or to `model.name` ignoring ASCII case;
//!   - `status`: `all` (no filter), `pending` (not final: `SUBMITTED`, `OPEN`,
//!     `IN_PROGRESS`) or `terminated` (final: `COMPLETED`, `CANCELED`,
//!     `TIMEDOUT`), case-insensitive; any other value is a 400;
//!   - `startDate` / `endDate`: `createdAt` at or after / at or before the given
//!     instant (inclusive), ISO-8601 with `Z`, `±hh:mm`, `±hhmm` or no offset (UTC).
//! - **Sort**: `sort-by` names one or more fields joined by `,` (`identifier` =
//!   `jobIdentifier`, `submittedBy`, `submittedJobs` = `total`, `status`,
//!   `createdAt`, `updatedAt`, `submittedAt`, `total`, `completed`, `fail` =
//!   `failed`, `model` = `model.name`); names are exact (case-sensitive).
//!   `direction` (`ASC`/`DESC`, any case) applies to every listed field; ties are
//!   always broken by `jobIdentifier` ascending. Times compare as instants (not as
//!   text); strings byte-wise; a null time is smaller than any time.
//! - **Defaults**: `sort-by=createdAt`, `direction=DESC`, `page=1`, `per-page=100`
//!   ("the latest 100 jobs" of the JS SDK docs), `status=all`.
//! - **Paging**: `page` counts from 1 (`0` is also the first page: the vendor page
//!   says page defaults to 0 while every SDK starts at 1); the page holds the
//!   matching jobs at positions `[(page-1)*per-page, page*per-page)`, empty past
//!   the end. `per-page` is 1–1000.
//! - **Parameters**: the first occurrence of a name counts; unknown names are
//!   ignored; numbers are decimal integers. A bad value gets HTTP 400 with
//!   `{statusCode, status, message, reportErrorUrl}` naming the parameter.

use super::status::{self, is_terminal};
use super::world::{ModzyJob, ModzyWorld};
use super::{modzy_error, KIND};
use crate::providers::modzy_jobs::time;
use crate::sim::error::SimError;
use crate::sim::faults::Shift;
use crate::sim::ShiftEvent;
use axum::http::StatusCode;
use serde_json::{json, Value};
use std::cmp::Ordering;
use std::sync::Arc;

/// The largest `per-page`.
pub const MAX_PER_PAGE: u32 = 1000;
/// `per-page` when none is given.
pub const DEFAULT_PER_PAGE: u32 = 100;

fn bad_param(name: &str, value: &str, rule: &str) -> SimError {
    modzy_error(
        StatusCode::BAD_REQUEST,
        format!("Invalid value '{value}' for parameter '{name}': {rule}"),
    )
}

/// A `sort-by` field.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SortField {
    /// `identifier` (`jobIdentifier`)
    Identifier,
    /// `submittedBy`
    SubmittedBy,
    /// `submittedJobs` (taken as `total`: the inputs submitted with the job)
    SubmittedJobs,
    /// `status`
    Status,
    /// `createdAt`
    CreatedAt,
    /// `updatedAt`
    UpdatedAt,
    /// `submittedAt`
    SubmittedAt,
    /// `total`
    Total,
    /// `completed`
    Completed,
    /// `fail` (`failed`)
    Fail,
    /// `model` (`model.name`)
    Model,
}

impl SortField {
    /// Every field, in documented order.
    pub const ALL: [SortField; 11] = [
        SortField::Identifier,
        SortField::SubmittedBy,
        SortField::SubmittedJobs,
        SortField::Status,
        SortField::CreatedAt,
        SortField::UpdatedAt,
        SortField::SubmittedAt,
        SortField::Total,
        SortField::Completed,
        SortField::Fail,
        SortField::Model,
    ];

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            SortField::Identifier => "identifier",
            SortField::SubmittedBy => "submittedBy",
            SortField::SubmittedJobs => "submittedJobs",
            SortField::Status => "status",
            SortField::CreatedAt => "createdAt",
            SortField::UpdatedAt => "updatedAt",
            SortField::SubmittedAt => "submittedAt",
            SortField::Total => "total",
            SortField::Completed => "completed",
            SortField::Fail => "fail",
            SortField::Model => "model",
        }
    }

    /// Parses a wire name (exact).
    pub fn parse(s: &str) -> Option<SortField> {
        SortField::ALL.into_iter().find(|f| f.as_str() == s)
    }

    fn compare(self, a: &ModzyJob, b: &ModzyJob) -> Ordering {
        match self {
            SortField::Identifier => a.job_identifier.cmp(&b.job_identifier),
            SortField::SubmittedBy => a.submitted_by.cmp(&b.submitted_by),
            SortField::SubmittedJobs | SortField::Total => a.total.cmp(&b.total),
            SortField::Status => a.status.cmp(&b.status),
            SortField::CreatedAt => a.created_at.cmp(&b.created_at),
            SortField::UpdatedAt => a.updated_at.cmp(&b.updated_at),
            SortField::SubmittedAt => a.submitted_at.cmp(&b.submitted_at),
            SortField::Completed => a.completed.cmp(&b.completed),
            SortField::Fail => a.failed.cmp(&b.failed),
            SortField::Model => a.model.name.cmp(&b.model.name),
        }
    }
}

/// `direction`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Direction {
    /// `ASC`
    Asc,
    /// `DESC` (the default)
    Desc,
}

/// A filter value: groups that must all hold, each a list of alternatives.
pub type Terms = Vec<Vec<String>>;

fn terms(value: &str) -> Option<Terms> {
    let groups: Terms = value
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

fn holds(t: &Option<Terms>, one: impl Fn(&str) -> bool) -> bool {
    t.as_ref()
        .is_none_or(|groups| groups.iter().all(|g| g.iter().any(|v| one(v))))
}

/// A validated job-history query.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct HistoryQuery {
    /// `user`
    pub user: Option<Terms>,
    /// `accessKey`
    pub access_key: Option<Terms>,
    /// `startDate`, epoch ms.
    pub start_date: Option<i64>,
    /// `endDate`, epoch ms.
    pub end_date: Option<i64>,
    /// `model`
    pub model: Option<Terms>,
    /// `status` (values lower-cased: `all`, `pending`, `terminated`).
    pub status: Option<Terms>,
    /// `sort-by` (default `createdAt`).
    pub sort_by: Vec<SortField>,
    /// `direction` (default `DESC`).
    pub direction: Direction,
    /// `page`, from 1.
    pub page: u32,
    /// `per-page`, 1–1000 (default 100).
    pub per_page: u32,
}

impl Default for HistoryQuery {
    fn default() -> Self {
        HistoryQuery {
            user: None,
            access_key: None,
            start_date: None,
            end_date: None,
            model: None,
            status: None,
            sort_by: vec![SortField::CreatedAt],
            direction: Direction::Desc,
            page: 1,
            per_page: DEFAULT_PER_PAGE,
        }
    }
}

fn contains_ignore_ascii_case(haystack: &str, needle: &str) -> bool {
    let (h, n) = (haystack.as_bytes(), needle.as_bytes());
    n.is_empty() || h.windows(n.len()).any(|w| w.eq_ignore_ascii_case(n))
}

impl HistoryQuery {
    /// Validates decoded query parameters (see the module doc for the rules).
    pub fn parse(params: &[(String, String)]) -> Result<HistoryQuery, SimError> {
        let get = |name: &str| {
            params
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
        };
        let mut q = HistoryQuery {
            user: get("user").and_then(terms),
            access_key: get("accessKey").and_then(terms),
            model: get("model").and_then(terms),
            ..HistoryQuery::default()
        };
        for (name, slot) in [
            ("startDate", &mut q.start_date),
            ("endDate", &mut q.end_date),
        ] {
            if let Some(v) = get(name).filter(|v| !v.is_empty()) {
                let t = time::parse(v).ok_or_else(|| {
                    bad_param(
                        name,
                        v,
                        "must be an ISO-8601 date-time, e.g. 2021-08-13T07:28:03.831Z",
                    )
                })?;
                *slot = Some(t.timestamp_millis());
            }
        }
        if let Some(v) = get("status") {
            let status = terms(&v.to_ascii_lowercase());
            for value in status.iter().flatten().flatten() {
                if !matches!(value.as_str(), "all" | "pending" | "terminated") {
                    return Err(bad_param(
                        "status",
                        v,
                        "must be one of all, pending, terminated",
                    ));
                }
            }
            q.status = status;
        }
        if let Some(v) = get("sort-by").filter(|v| !v.is_empty()) {
            q.sort_by = v
                .split(',')
                .map(|f| SortField::parse(f.trim()))
                .collect::<Option<Vec<_>>>()
                .ok_or_else(|| {
                    bad_param(
                        "sort-by",
                        v,
                        "must list fields among identifier, submittedBy, submittedJobs, status, \
                         createdAt, updatedAt, submittedAt, total, completed, fail, model",
                    )
                })?;
        }
        if let Some(v) = get("direction") {
            q.direction = match v.to_ascii_uppercase().as_str() {
                "ASC" => Direction::Asc,
                "DESC" => Direction::Desc,
                _ => return Err(bad_param("direction", v, "must be ASC or DESC")),
            };
        }
        if let Some(v) = get("page") {
            let page = v
                .parse::<u32>()
                .ok()
                .filter(|p| *p <= i32::MAX as u32)
                .ok_or_else(|| bad_param("page", v, "must be a non-negative integer"))?;
            q.page = page.max(1);
        }
        if let Some(v) = get("per-page") {
            q.per_page = v
                .parse::<u32>()
                .ok()
                .filter(|n| (1..=MAX_PER_PAGE).contains(n))
                .ok_or_else(|| {
                    bad_param(
                        "per-page",
                        v,
                        &format!("must be an integer between 1 and {MAX_PER_PAGE}"),
                    )
                })?;
        }
        Ok(q)
    }

    /// Position of the page's first job among the matching jobs.
    pub fn offset(&self) -> usize {
        (self.page as usize - 1).saturating_mul(self.per_page as usize)
    }

    /// Whether `job` passes the filters other than the dates.
    fn matches_undated(&self, job: &ModzyJob) -> bool {
        holds(&self.user, |v| {
            contains_ignore_ascii_case(&job.submitted_by, v)
        }) && holds(&self.access_key, |v| {
            job.user.access_keys.iter().any(|(p, _)| p == v)
        }) && holds(&self.model, |v| {
            job.model.identifier == v || job.model.name.eq_ignore_ascii_case(v)
        }) && holds(&self.status, |v| match v {
            "pending" => !is_terminal(&job.status),
            "terminated" => is_terminal(&job.status),
            _ => true,
        })
    }

    fn matches_dates(&self, job: &ModzyJob) -> bool {
        self.start_date.is_none_or(|s| job.created_at >= s)
            && self.end_date.is_none_or(|e| job.created_at <= e)
    }

    /// Whether `job` passes every filter.
    pub fn matches(&self, job: &ModzyJob) -> bool {
        self.matches_undated(job) && self.matches_dates(job)
    }

    /// The list order: the `sort-by` fields in `direction`, then `jobIdentifier`
    /// ascending.
    pub fn compare(&self, a: &ModzyJob, b: &ModzyJob) -> Ordering {
        let mut o = Ordering::Equal;
        for f in &self.sort_by {
            o = f.compare(a, b);
            if o != Ordering::Equal {
                break;
            }
        }
        if self.direction == Direction::Desc {
            o = o.reverse();
        }
        o.then_with(|| a.job_identifier.cmp(&b.job_identifier))
    }

    /// The matching jobs at positions `[start, start + len)` of the list order.
    pub fn window<'w>(&self, world: &'w ModzyWorld, start: usize, len: usize) -> Vec<&'w ModzyJob> {
        self.order_of(world)
            .iter()
            .filter_map(|&seq| world.by_seq(seq))
            .filter(|j| self.matches_dates(j))
            .skip(start)
            .take(len)
            .collect()
    }

    /// The jobs that pass the filters other than the dates, in list order (cached
    /// until the world's next change, so paging sorts once).
    fn order_of(&self, world: &ModzyWorld) -> Arc<[u64]> {
        let key = format!(
            "{:?}",
            HistoryQuery {
                start_date: None,
                end_date: None,
                page: 1,
                per_page: 1,
                ..self.clone()
            }
        );
        let mut cache = crate::sim::lock(world.order_cache());
        if let Some((k, order)) = &*cache {
            if *k == key {
                return order.clone();
            }
        }
        let mut order: Vec<u64> = world
            .entries()
            .filter(|(_, j)| self.matches_undated(j))
            .map(|(s, _)| s)
            .collect();
        order.sort_unstable_by(|&a, &b| match (world.by_seq(a), world.by_seq(b)) {
            (Some(a), Some(b)) => self.compare(a, b),
            _ => Ordering::Equal,
        });
        let order: Arc<[u64]> = order.into();
        *cache = Some((key, order.clone()));
        order
    }
}

/// `GET /api/jobs/history` on `world` with decoded query `params`: the response
/// body (a bare array), or the provider's 400 for a bad parameter.
pub fn list(world: &ModzyWorld, params: &[(String, String)]) -> Result<Value, SimError> {
    Ok(list_query(world, &HistoryQuery::parse(params)?))
}

/// The history response for an already validated query.
pub fn list_query(world: &ModzyWorld, q: &HistoryQuery) -> Value {
    Value::Array(
        q.window(world, q.offset(), q.per_page as usize)
            .iter()
            .map(|j| j.list_json())
            .collect(),
    )
}

/// `GET /api/jobs/{jobIdentifier}`: the job's details, or 404.
pub fn detail(world: &ModzyWorld, id: &str) -> Result<Value, SimError> {
    world
        .get(id)
        .map(ModzyJob::detail_json)
        .ok_or_else(|| modzy_error(StatusCode::NOT_FOUND, format!("The job {id} was not found")))
}

/// `GET /api/models`: a summary of every model the account's jobs run.
pub fn models(world: &ModzyWorld) -> Value {
    Value::Array(
        world
            .models
            .iter()
            .map(|m| {
                json!({
                    "modelId": m.identifier,
                    "latestVersion": m.version,
                    "versions": [m.version],
                })
            })
            .collect(),
    )
}

/// `GET /api/models/requirements/account`: the account's hardware requirements
/// (modzy-sdk 0.11.6 reads `status` of each when a client is built).
pub fn requirements() -> Value {
    json!([
        {"requirementId": 1, "gpuUnits": 0, "cpuAmount": "1000m", "memoryAmount": "2Gi", "status": "ACTIVE"},
        {"requirementId": 2, "gpuUnits": 1, "cpuAmount": "4000m", "memoryAmount": "16Gi", "status": "ACTIVE"},
    ])
}

/// Applies one [`Shift`] before answering `q` when its window does not start at
/// the beginning of the list (`page` > 1, or a `startDate` that excludes earlier
/// jobs): deletes the `delete_before` jobs just before the window in `q`'s order
/// and filters, the dates left out (so with a `startDate` keyset these are jobs
/// already read), then creates `insert` jobs that match `q`'s status filter
/// (`SUBMITTED`, or `COMPLETED` for `terminated`) and model and user filters when
/// a pooled model or user fits. Returns `None` for a window at the start.
pub fn apply_shift(world: &mut ModzyWorld, q: &HistoryQuery, shift: Shift) -> Option<ShiftEvent> {
    if q.page <= 1 && q.start_date.is_none() {
        return None;
    }
    let undated = HistoryQuery {
        start_date: None,
        end_date: None,
        page: 1,
        per_page: 1,
        ..q.clone()
    };
    let order: Vec<&ModzyJob> = undated.window(world, 0, usize::MAX);
    let first = q
        .window(world, q.offset(), 1)
        .first()
        .map(|j| j.job_identifier.clone());
    let pos = match first {
        Some(id) => order
            .iter()
            .position(|j| j.job_identifier == id)
            .unwrap_or(order.len()),
        None => order
            .iter()
            .position(|j| !q.matches_dates(j) && q.start_date.is_some_and(|s| j.created_at >= s))
            .unwrap_or(order.len()),
    };
    let n = (shift.delete_before as usize).min(pos);
    let doomed: Vec<String> = order[pos - n..pos]
        .iter()
        .map(|j| j.job_identifier.clone())
        .collect();
    for id in &doomed {
        world.delete(id);
    }
    let wants_terminated = q
        .status
        .iter()
        .flatten()
        .all(|g| g.iter().any(|v| v == "terminated"))
        && q.status.is_some();
    let model = world.models.iter().position(|m| {
        holds(&q.model, |v| {
            m.identifier == v || m.name.eq_ignore_ascii_case(v)
        })
    });
    let user = world.users.iter().position(|u| {
        holds(&q.user, |v| contains_ignore_ascii_case(&u.full_name(), v))
            && holds(&q.access_key, |v| u.access_keys.iter().any(|(p, _)| p == v))
    });
    let created = (0..shift.insert)
        .map(|_| {
            world.create_with(super::world::JobSpec {
                status: Some(
                    if wants_terminated {
                        status::COMPLETED
                    } else {
                        status::SUBMITTED
                    }
                    .to_string(),
                ),
                model,
                user,
                inputs: None,
            })
        })
        .collect();
    Some(ShiftEvent {
        kind: KIND,
        deleted: doomed,
        created,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::clock::Clock;
    use chrono::{DateTime, Duration};

    fn p(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn ids(body: &Value) -> Vec<String> {
        body.as_array()
            .unwrap()
            .iter()
            .map(|j| j["jobIdentifier"].as_str().unwrap().to_string())
            .collect()
    }

    /// A world with `n` jobs created one second apart (status cycling through
    /// SUBMITTED, IN_PROGRESS, COMPLETED, CANCELED, TIMEDOUT, OPEN).
    fn world(n: usize) -> (ModzyWorld, Vec<String>, crate::sim::ManualClock) {
        let (clock, handle) =
            Clock::manual(DateTime::from_timestamp_millis(1_626_745_211_187).unwrap());
        let mut w = ModzyWorld::new(clock);
        let cycle = [
            status::SUBMITTED,
            status::IN_PROGRESS,
            status::COMPLETED,
            status::CANCELED,
            status::TIMEDOUT,
            status::OPEN,
        ];
        let ids = (0..n)
            .map(|i| {
                handle.advance(Duration::seconds(1));
                w.create(cycle[i % cycle.len()])
            })
            .collect();
        (w, ids, handle)
    }

    #[test]
    fn defaults_are_the_latest_100_created() {
        let (w, created, _) = world(130);
        let body = list(&w, &[]).unwrap();
        let got = ids(&body);
        assert_eq!(got.len(), 100);
        let want: Vec<String> = created.iter().rev().take(100).cloned().collect();
        assert_eq!(got, want);
        assert!(body[0].is_object() && body[0]["jobIdentifier"].is_string());
    }

    #[test]
    fn paging_per_page_and_page_zero() {
        let (w, created, _) = world(25);
        let asc = |page: &str, per: &str| {
            ids(&list(
                &w,
                &p(&[
                    ("sort-by", "createdAt"),
                    ("direction", "ASC"),
                    ("page", page),
                    ("per-page", per),
                ]),
            )
            .unwrap())
        };
        assert_eq!(asc("3", "10"), created[20..].to_vec());
        assert_eq!(asc("1", "10"), asc("0", "10"), "page 0 is the first page");
        assert!(asc("4", "10").is_empty());
        assert_eq!(asc("1", "1000").len(), 25);
        assert_eq!(asc("+2", "05"), created[5..10].to_vec());
        for (name, value) in [
            ("per-page", "0"),
            ("per-page", "1001"),
            ("per-page", "ten"),
            ("per-page", ""),
            ("page", "-1"),
            ("page", "1.5"),
            ("page", "99999999999"),
            ("direction", "UP"),
            ("sort-by", "created_at"),
            ("sort-by", "createdAt,"),
            ("sort-by", "submitedAt"),
            ("status", "running"),
            ("status", "COMPLETED"),
            ("startDate", "yesterday"),
            ("endDate", "2021-13-01"),
        ] {
            let err = list(&w, &p(&[(name, value)])).unwrap_err();
            assert_eq!(err.status, StatusCode::BAD_REQUEST, "{name}={value}");
            let body = err.body.as_object().unwrap();
            let keys: Vec<&str> = body.keys().map(String::as_str).collect();
            assert_eq!(keys, ["statusCode", "status", "message", "reportErrorUrl"]);
            assert_eq!(err.body["statusCode"], 400);
            assert_eq!(err.body["status"], "BAD_REQUEST");
            let msg = err.body["message"].as_str().unwrap();
            assert!(
                msg.contains(&format!("'{name}'")) && msg.contains(&format!("'{value}'")),
                "{msg}"
            );
        }
        // Per-page 1000 is the maximum; the first occurrence of a name counts.
        assert_eq!(
            ids(&list(&w, &p(&[("per-page", "3"), ("per-page", "5000")])).unwrap()).len(),
            3
        );
    }

    #[test]
    fn sorting_direction_and_ties() {
        let (mut w, created, clock) = world(12);
        // Updated in reverse creation order.
        for id in created.iter().rev() {
            clock.advance(Duration::seconds(1));
            w.set_progress(id, 0, 0);
        }
        let by = |sort: &str, dir: &str| {
            ids(&list(&w, &p(&[("sort-by", sort), ("direction", dir)])).unwrap())
        };
        let rev: Vec<String> = created.iter().rev().cloned().collect();
        assert_eq!(by("updatedAt", "ASC"), rev);
        assert_eq!(by("updatedAt", "desc"), created);
        assert_eq!(by("createdAt", "Asc"), created);
        // Ties by jobIdentifier ascending whatever the direction.
        let mut sorted = created.clone();
        sorted.sort();
        assert_eq!(by("identifier", "ASC"), sorted);
        sorted.reverse();
        assert_eq!(by("identifier", "DESC"), sorted);
        let status_desc = list(
            &w,
            &p(&[("sort-by", "status,identifier"), ("direction", "DESC")]),
        )
        .unwrap();
        let pairs: Vec<(String, String)> = status_desc
            .as_array()
            .unwrap()
            .iter()
            .map(|j| {
                (
                    j["status"].as_str().unwrap().to_string(),
                    j["jobIdentifier"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        let mut want = pairs.clone();
        want.sort_by(|a, b| b.cmp(a));
        assert_eq!(pairs, want, "both fields descending");
        let status_only =
            ids(&list(&w, &p(&[("sort-by", "status"), ("direction", "DESC")])).unwrap());
        let mut want: Vec<(String, String)> = pairs.clone();
        want.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        assert_eq!(
            status_only,
            want.into_iter().map(|p| p.1).collect::<Vec<_>>(),
            "ties ascending"
        );
        // A null submittedAt (OPEN jobs) sorts first ascending.
        let first = &list(&w, &p(&[("sort-by", "submittedAt"), ("direction", "ASC")])).unwrap()[0];
        assert!(first["submittedAt"].is_null());
        for f in SortField::ALL {
            assert!(list(&w, &p(&[("sort-by", f.as_str())])).is_ok());
        }
    }

    #[test]
    fn filters() {
        let (w, created, _) = world(36);
        let count = |pairs: &[(&str, &str)]| {
            let mut all = p(pairs);
            all.push(("per-page".into(), "1000".into()));
            ids(&list(&w, &all).unwrap()).len()
        };
        assert_eq!(count(&[("status", "all")]), 36);
        assert_eq!(
            count(&[("status", "PENDING")]),
            18,
            "SUBMITTED, IN_PROGRESS, OPEN"
        );
        assert_eq!(count(&[("status", "terminated")]), 18);
        assert_eq!(count(&[("status", "pending,terminated")]), 36);
        assert_eq!(count(&[("status", "pending;terminated")]), 0);
        assert_eq!(count(&[("status", "")]), 36);
        let sarah = w.users[0].clone();
        let by_sarah = w.jobs().filter(|j| j.user == sarah).count();
        assert_eq!(count(&[("user", "sarah con")]), by_sarah);
        assert_eq!(count(&[("user", "Sarah Connor,John Doe")]), by_sarah * 2);
        assert_eq!(count(&[("user", "Sarah;Connor")]), by_sarah);
        assert_eq!(count(&[("user", "")]), 36);
        assert_eq!(count(&[("accessKey", &sarah.access_keys[1].0)]), by_sarah);
        assert_eq!(count(&[("accessKey", "SIMKEY")]), 0, "exact prefix");
        let m = w.models[1].clone();
        let with_m = w.jobs().filter(|j| j.model == m).count();
        assert!(with_m > 0);
        assert_eq!(count(&[("model", &m.identifier)]), with_m);
        assert_eq!(count(&[("model", &m.name.to_uppercase())]), with_m);
        // Dates filter createdAt, inclusive, whatever the offset style.
        let j10 = w.get(&created[10]).unwrap().list_json();
        let j20 = w.get(&created[20]).unwrap().list_json();
        let c10 = j10["createdAt"].as_str().unwrap();
        let c20 = j20["createdAt"].as_str().unwrap();
        assert_eq!(count(&[("startDate", c10)]), 26);
        assert_eq!(count(&[("endDate", c10)]), 11);
        assert_eq!(count(&[("startDate", c10), ("endDate", c20)]), 11);
        let z = crate::clock::format(time::parse(c10).unwrap());
        assert_eq!(count(&[("startDate", &z)]), 26);
        let naive = z.trim_end_matches('Z');
        assert_eq!(count(&[("startDate", naive)]), 26, "no offset = UTC");
        let plus2 = time::parse(c10).unwrap() + Duration::hours(2);
        let shifted = format!("{}+0200", plus2.format("%Y-%m-%dT%H:%M:%S%.3f"));
        assert_eq!(count(&[("startDate", &shifted)]), 26);
    }

    #[test]
    fn detail_and_probes() {
        let (w, created, _) = world(3);
        let d = detail(&w, &created[1]).unwrap();
        assert_eq!(d["jobIdentifier"], created[1].as_str());
        assert!(d.get("hoursDeleteInput").is_some());
        let e = detail(&w, "nope").unwrap_err();
        assert_eq!(e.status, StatusCode::NOT_FOUND);
        assert_eq!(e.body["status"], "NOT_FOUND");
        assert!(models(&w).as_array().unwrap().len() > 3);
        assert!(requirements().is_array());
    }

    #[test]
    fn shift_deletes_before_the_window_and_inserts() {
        let (mut w, created, _) = world(30);
        let q = HistoryQuery::parse(&p(&[
            ("sort-by", "createdAt"),
            ("direction", "ASC"),
            ("page", "3"),
            ("per-page", "10"),
        ]))
        .unwrap();
        let ev = apply_shift(
            &mut w,
            &q,
            Shift {
                insert: 2,
                delete_before: 3,
            },
        )
        .unwrap();
        assert_eq!(ev.deleted, created[17..20].to_vec());
        assert_eq!(ev.created.len(), 2);
        assert_eq!(w.len(), 29);
        // A keyset window (page 1 from a startDate): the jobs just before it go.
        let start = w.get(&created[10]).unwrap().list_json()["createdAt"]
            .as_str()
            .unwrap()
            .to_string();
        let q = HistoryQuery::parse(&p(&[
            ("sort-by", "createdAt"),
            ("direction", "ASC"),
            ("startDate", &start),
        ]))
        .unwrap();
        let ev = apply_shift(
            &mut w,
            &q,
            Shift {
                insert: 0,
                delete_before: 2,
            },
        )
        .unwrap();
        assert_eq!(ev.deleted, created[8..10].to_vec());
        // The first page without a startDate is never shifted.
        let q = HistoryQuery::parse(&p(&[("page", "1")])).unwrap();
        assert!(apply_shift(
            &mut w,
            &q,
            Shift {
                insert: 1,
                delete_before: 1
            }
        )
        .is_none());
        // Inserted jobs match the status filter.
        let q = HistoryQuery::parse(&p(&[("status", "terminated"), ("page", "2")])).unwrap();
        let ev = apply_shift(
            &mut w,
            &q,
            Shift {
                insert: 1,
                delete_before: 0,
            },
        )
        .unwrap();
        assert_eq!(w.get(&ev.created[0]).unwrap().status, status::COMPLETED);
    }
}
