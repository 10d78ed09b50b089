//! SWR `ListInstanceJobs` semantics as a pure function over a [`SwrWorld`]:
//! parameter validation, the status filter, the order, paging and the
//! response/error shapes.
//!
//! Rules the query module must reproduce exactly:
//! - **Filter**: `status` equal (case-sensitive) when given.
//! - **Order** (the API has no sort parameter; this is the simulator's choice):
//!   `created_at` descending, newest first. `created_at` is unique.
//! - **Paging**: the jobs at positions `[offset, offset + limit)`; past the end
//!   the page is empty (not an error). Defaults: `offset` 0, `limit` 100.
//! - **`total`**: the number of jobs matching the filter.
//! - **Parameters**: the first occurrence of a name counts; unknown names are
//!   ignored. `status` must be one of `Creating, Initializing, Running, Failed,
//!   Success`; `offset` an integer in `[0, 2147483647]`; `limit` an integer in
//!   `[1, 100]`; `offset` and `limit` must be given together (the documentation
//!   says so). Anything else gets HTTP 400 `SVCSTG.SWR.4000014` ("Invalid
//!   parameter", from SWR's error-code table) in the generic Huawei shape
//!   `{"error_code", "error_msg"}`.

use super::world::{status, SwrJob, SwrWorld};
use crate::sim::error::SimError;
use crate::sim::faults::Shift;
use crate::sim::ShiftEvent;
use axum::http::StatusCode;
use serde_json::{json, Value};

/// Error code of a rejected parameter.
pub const BAD_PARAMETER: &str = "SVCSTG.SWR.4000014";
/// Error code of an internal failure to list.
pub const LIST_FAILED: &str = "SVCSTG.SWR.5000008";
/// The largest `limit`.
pub const MAX_LIMIT: u32 = 100;
/// The largest `offset`.
pub const MAX_OFFSET: u64 = i32::MAX as u64;

/// An SWR error body: `{"error_code", "error_msg"}`.
pub fn swr_error(status: StatusCode, code: &str, msg: impl Into<String>) -> SimError {
    SimError::new(
        status,
        json!({ "error_code": code, "error_msg": msg.into() }),
    )
}

fn bad_param(msg: String) -> SimError {
    swr_error(
        StatusCode::BAD_REQUEST,
        BAD_PARAMETER,
        format!("Invalid parameter: {msg}"),
    )
}

/// A validated list query.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListQuery {
    /// `status` filter (`None` = all).
    pub status: Option<String>,
    /// `offset` (default 0).
    pub offset: u64,
    /// `limit` (default 100).
    pub limit: u32,
}

impl Default for ListQuery {
    fn default() -> Self {
        ListQuery {
            status: None,
            offset: 0,
            limit: MAX_LIMIT,
        }
    }
}

impl ListQuery {
    /// Validates decoded query parameters (see the module doc for the rules).
    pub fn parse(params: &[(String, String)]) -> Result<ListQuery, SimError> {
        let get = |name: &str| {
            params
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
        };
        let mut q = ListQuery::default();
        if let Some(v) = get("status") {
            if !status::ALL.contains(&v) {
                return Err(bad_param(format!(
                    "status '{v}' must be one of {}",
                    status::ALL.join(", ")
                )));
            }
            q.status = Some(v.to_string());
        }
        match (get("offset"), get("limit")) {
            (None, None) => {}
            (Some(o), Some(l)) => {
                q.offset = o
                    .parse::<u64>()
                    .ok()
                    .filter(|v| *v <= MAX_OFFSET)
                    .ok_or_else(|| {
                        bad_param(format!(
                            "offset '{o}' must be an integer in [0, {MAX_OFFSET}]"
                        ))
                    })?;
                q.limit = l
                    .parse::<u32>()
                    .ok()
                    .filter(|v| (1..=MAX_LIMIT).contains(v))
                    .ok_or_else(|| {
                        bad_param(format!(
                            "limit '{l}' must be an integer in [1, {MAX_LIMIT}]"
                        ))
                    })?;
            }
            (Some(_), None) | (None, Some(_)) => {
                return Err(bad_param(
                    "offset and limit must be used together".to_string(),
                ))
            }
        }
        Ok(q)
    }

    /// Whether `job` passes the filter.
    pub fn matches(&self, job: &SwrJob) -> bool {
        self.status.as_deref().is_none_or(|s| job.status == s)
    }

    /// The matching jobs at positions `[start, start + len)` of the list order
    /// (newest first), and the number of matching jobs.
    pub fn window<'w>(
        &self,
        world: &'w SwrWorld,
        start: u64,
        len: usize,
    ) -> (Vec<&'w SwrJob>, usize) {
        let mut total = 0usize;
        let mut page = Vec::with_capacity(len.min(MAX_LIMIT as usize));
        for job in world.jobs().rev().filter(|j| self.matches(j)) {
            if total as u64 >= start && page.len() < len {
                page.push(job);
            }
            total += 1;
        }
        (page, total)
    }
}

/// `GET /v2/{project_id}/jobs` on `world` with decoded query `params`: the
/// response body, or the provider's 400 for a bad parameter.
pub fn list(world: &SwrWorld, params: &[(String, String)]) -> Result<Value, SimError> {
    Ok(list_query(world, &ListQuery::parse(params)?))
}

/// The list response for an already validated query.
pub fn list_query(world: &SwrWorld, q: &ListQuery) -> Value {
    let (jobs, total) = q.window(world, q.offset, q.limit as usize);
    let jobs: Vec<Value> = jobs.iter().map(|j| j.list_json()).collect();
    json!({ "total": total, "jobs": jobs })
}

/// Applies one [`Shift`] before answering `q` (a page after the first): deletes
/// the `delete_before` matching jobs just before the page (in list order), then
/// creates `insert` jobs matching the filter (its status, or `Creating`), which
/// appear at the head of the list.
pub fn apply_shift(world: &mut SwrWorld, q: &ListQuery, shift: Shift) -> ShiftEvent {
    let n = (shift.delete_before as u64).min(q.offset);
    let doomed: Vec<String> = q
        .window(world, q.offset - n, n as usize)
        .0
        .iter()
        .map(|j| j.id.clone())
        .collect();
    world.delete_ids(&doomed);
    let st = q
        .status
        .clone()
        .unwrap_or_else(|| status::CREATING.to_string());
    let created = (0..shift.insert)
        .map(|i| world.create("CreateNamespace", format!("shifted-{i}"), &st))
        .collect();
    ShiftEvent {
        kind: super::KIND,
        deleted: doomed,
        created,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::clock::Clock;

    fn p(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn names(body: &Value) -> Vec<String> {
        body["jobs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|j| j["resource_name"].as_str().unwrap().to_string())
            .collect()
    }

    fn world(n: usize) -> SwrWorld {
        let (clock, _) =
            Clock::manual(chrono::DateTime::from_timestamp_millis(1_620_791_438_305).unwrap());
        let mut w = SwrWorld::new(clock);
        for i in 0..n {
            let st = if i % 3 == 0 {
                status::RUNNING
            } else {
                status::SUCCESS
            };
            w.create("CreateInstance", format!("r{i:03}"), st);
        }
        w
    }

    #[test]
    fn defaults_order_and_shape() {
        let w = world(150);
        let body = list(&w, &[]).unwrap();
        let keys: Vec<&str> = body
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(keys, ["total", "jobs"]);
        assert_eq!(body["total"], 150);
        let got = names(&body);
        assert_eq!(got.len(), 100, "limit defaults to 100");
        assert_eq!(got[0], "r149", "newest first");
        assert_eq!(got[99], "r050");
        let job = &body["jobs"][0];
        let keys: Vec<&str> = job
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(
            keys,
            [
                "id",
                "instance_id",
                "resource_id",
                "resource_name",
                "type",
                "status",
                "reason",
                "created_at",
                "updated_at"
            ]
        );
        assert!(job["created_at"].as_str().unwrap().ends_with('Z'));
        let page = list(&w, &p(&[("offset", "140"), ("limit", "100")])).unwrap();
        assert_eq!(
            names(&page),
            (0..10)
                .rev()
                .map(|i| format!("r{i:03}"))
                .collect::<Vec<_>>()
        );
        assert!(names(&list(&w, &p(&[("offset", "150"), ("limit", "1")])).unwrap()).is_empty());
        let running = list(
            &w,
            &p(&[("status", "Running"), ("offset", "0"), ("limit", "2")]),
        )
        .unwrap();
        assert_eq!(running["total"], 50, "total counts the filtered jobs");
        assert_eq!(names(&running), ["r147", "r144"]);
        let none = list(&w, &p(&[("status", "Creating")])).unwrap();
        assert_eq!(none["total"], 0);
    }

    #[test]
    fn bad_parameters_get_the_swr_400() {
        let w = world(3);
        for (params, needle) in [
            (vec![("limit", "0"), ("offset", "0")], "limit"),
            (vec![("limit", "101"), ("offset", "0")], "limit"),
            (vec![("limit", "x"), ("offset", "0")], "limit"),
            (vec![("limit", "10"), ("offset", "-1")], "offset"),
            (vec![("limit", "10"), ("offset", "2147483648")], "offset"),
            (vec![("limit", "10")], "together"),
            (vec![("offset", "10")], "together"),
            (vec![("status", "running")], "status"),
            (vec![("status", "Deleting")], "status"),
            (vec![("status", "")], "status"),
        ] {
            let err = list(&w, &p(&params)).unwrap_err();
            assert_eq!(err.status, StatusCode::BAD_REQUEST, "{params:?}");
            assert_eq!(err.body["error_code"], BAD_PARAMETER);
            let msg = err.body["error_msg"].as_str().unwrap();
            assert!(msg.contains(needle), "{msg}");
            assert_eq!(err.body.as_object().unwrap().len(), 2);
        }
        assert!(list(&w, &p(&[("sort", "x"), ("limit", "100"), ("offset", "0")])).is_ok());
    }

    #[test]
    fn shift_deletes_before_the_page_and_creates_at_the_head() {
        let mut w = world(20);
        let q = ListQuery::parse(&p(&[("offset", "10"), ("limit", "5")])).unwrap();
        let before = names(&list_query(&w, &ListQuery::default()));
        let ev = apply_shift(
            &mut w,
            &q,
            Shift {
                insert: 2,
                delete_before: 3,
            },
        );
        assert_eq!(ev.deleted.len(), 3);
        assert_eq!(ev.created.len(), 2);
        let after = names(&list_query(&w, &ListQuery::default()));
        assert_eq!(&after[..2], ["shifted-1", "shifted-0"]);
        assert!(!after.contains(&before[9]) && !after.contains(&before[7]));
        assert!(after.contains(&before[6]) && after.contains(&before[10]));
    }
}
