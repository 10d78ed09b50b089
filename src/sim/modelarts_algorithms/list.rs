//! ModelArts `ListAlgorithms` and `ShowAlgorithmByUuid` semantics as pure
//! functions over an [`AlgorithmsWorld`]: parameter validation, filters, sort,
//! paging and the response/error shapes.
//!
//! Rules the query module must reproduce exactly:
//! - **Filters** (all must hold): `workspace_id` equal (default `"0"`);
//!   `searches=name:<text>`: `<text>` a substring of `name`, case-insensitive for
//!   ASCII letters (empty `searches` or empty text = no filter). Other search
//!   keys are rejected.
//! - **Sort**: `sort_by` = `create_time` (default), `name`, or `update_time`
//!   (undocumented; accepted unless the world turns it off); `order` = `desc`
//!   (default) or `asc`, reversing the field only: ties are broken by `id`
//!   ascending. Strings compare byte-wise.
//! - **Paging**: the algorithms at positions `[offset, offset + limit)`; past the
//!   end the page is empty. Defaults (the simulator's choice; the API documents
//!   none): `offset` 0, `limit` 10.
//! - **Counts**: `count` = algorithms matching the filters; `total` = all of the
//!   user's algorithms (every workspace).
//! - **Echo**: `limit`, `offset`, `sort_by`, `order`, `group_by` (default `""`;
//!   any value is accepted and does not change the answer).
//! - **Parameters**: the first occurrence counts; unknown names are ignored.
//!   `offset` < 0, `limit` outside 1–50, a non-integer, an unknown `sort_by` or
//!   `order`: HTTP 400 `{"error_code": "ModelArts.0104", "error_msg": ...}`
//!   (`ModelArts.0104` is "Parameter error" in ModelArts' error-code table).
//! - **Detail**: `GET .../algorithms/{id}`: the item; an unknown id gets HTTP
//!   404 `ModelArts.0107` (the simulator's choice, as for training jobs).

use super::world::{Algorithm, AlgorithmsWorld};
use crate::sim::error::SimError;
use crate::sim::faults::Shift;
use crate::sim::ShiftEvent;
use axum::http::StatusCode;
use serde_json::{json, Value};
use std::cmp::Ordering;

/// Error code of a rejected parameter.
pub const BAD_PARAMETER: &str = "ModelArts.0104";
/// Error code of an unknown algorithm.
pub const NOT_FOUND: &str = "ModelArts.0107";
/// Error code of an internal failure.
pub const INTERNAL: &str = "ModelArts.0001";
/// The largest `limit`.
pub const MAX_LIMIT: u32 = 50;
/// `limit` when none is given.
pub const DEFAULT_LIMIT: u32 = 10;

/// A ModelArts v2 error body.
pub fn modelarts_error(status: StatusCode, code: &str, msg: impl Into<String>) -> SimError {
    SimError::new(
        status,
        json!({ "error_code": code, "error_msg": msg.into() }),
    )
}

fn bad_param(name: &str, value: &str, rule: &str) -> SimError {
    modelarts_error(
        StatusCode::BAD_REQUEST,
        BAD_PARAMETER,
        format!("Invalid parameter {name}: '{value}' ({rule})"),
    )
}

/// The `sort_by` values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SortBy {
    /// `create_time` (the default)
    CreateTime,
    /// `update_time` (undocumented)
    UpdateTime,
    /// `name`
    Name,
}

impl SortBy {
    /// The wire value.
    pub fn as_str(self) -> &'static str {
        match self {
            SortBy::CreateTime => "create_time",
            SortBy::UpdateTime => "update_time",
            SortBy::Name => "name",
        }
    }

    fn compare(self, a: &Algorithm, b: &Algorithm) -> Ordering {
        match self {
            SortBy::CreateTime => a.create_time.cmp(&b.create_time),
            SortBy::UpdateTime => a.update_time.cmp(&b.update_time),
            SortBy::Name => a.name.cmp(&b.name),
        }
    }
}

/// A validated list query.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListQuery {
    /// `offset` (default 0).
    pub offset: u64,
    /// `limit`, 1–50 (default 10).
    pub limit: u32,
    /// `sort_by` (default `create_time`).
    pub sort_by: SortBy,
    /// `order` is `desc` (the default) when true.
    pub desc: bool,
    /// `group_by`, echoed.
    pub group_by: String,
    /// The `name:` text of `searches` (empty = no filter).
    pub name_search: String,
    /// `workspace_id` (default `"0"`).
    pub workspace_id: String,
}

impl Default for ListQuery {
    fn default() -> Self {
        ListQuery {
            offset: 0,
            limit: DEFAULT_LIMIT,
            sort_by: SortBy::CreateTime,
            desc: true,
            group_by: String::new(),
            name_search: String::new(),
            workspace_id: "0".to_string(),
        }
    }
}

impl ListQuery {
    /// Validates decoded query parameters; `update_time_sort` says whether the
    /// endpoint accepts `sort_by=update_time`.
    pub fn parse(
        params: &[(String, String)],
        update_time_sort: bool,
    ) -> Result<ListQuery, SimError> {
        let get = |name: &str| {
            params
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
        };
        let mut q = ListQuery::default();
        if let Some(v) = get("offset") {
            q.offset = v
                .parse::<u64>()
                .ok()
                .filter(|o| *o <= i32::MAX as u64)
                .ok_or_else(|| bad_param("offset", v, "must be an integer of at least 0"))?;
        }
        if let Some(v) = get("limit") {
            q.limit = v
                .parse::<u32>()
                .ok()
                .filter(|l| (1..=MAX_LIMIT).contains(l))
                .ok_or_else(|| bad_param("limit", v, "must be an integer in [1, 50]"))?;
        }
        if let Some(v) = get("sort_by") {
            q.sort_by = match v {
                "create_time" => SortBy::CreateTime,
                "name" => SortBy::Name,
                "update_time" if update_time_sort => SortBy::UpdateTime,
                _ => {
                    let fields = if update_time_sort {
                        "create_time, update_time, name"
                    } else {
                        "create_time, name"
                    };
                    return Err(bad_param("sort_by", v, &format!("must be one of {fields}")));
                }
            };
        }
        if let Some(v) = get("order") {
            q.desc = match v {
                "desc" => true,
                "asc" => false,
                _ => return Err(bad_param("order", v, "must be asc or desc")),
            };
        }
        if let Some(v) = get("group_by") {
            q.group_by = v.to_string();
        }
        if let Some(v) = get("searches").filter(|v| !v.is_empty()) {
            match v.split_once(':') {
                Some(("name", text)) => q.name_search = text.to_string(),
                _ => return Err(bad_param("searches", v, "must be name:<text>")),
            }
        }
        if let Some(v) = get("workspace_id") {
            q.workspace_id = v.to_string();
        }
        Ok(q)
    }

    /// Whether `a` passes the filters.
    pub fn matches(&self, a: &Algorithm) -> bool {
        a.workspace_id == self.workspace_id
            && contains_ignore_ascii_case(&a.name, &self.name_search)
    }

    /// The list order: the field in `order`, then `id` ascending.
    pub fn compare(&self, a: &Algorithm, b: &Algorithm) -> Ordering {
        let field = self.sort_by.compare(a, b);
        let field = if self.desc { field.reverse() } else { field };
        field.then_with(|| a.id.cmp(&b.id))
    }

    /// Every matching algorithm in list order.
    pub fn ordered<'w>(&self, world: &'w AlgorithmsWorld) -> Vec<&'w Algorithm> {
        let mut all: Vec<&Algorithm> = world.algorithms().filter(|a| self.matches(a)).collect();
        all.sort_by(|a, b| self.compare(a, b));
        all
    }
}

fn contains_ignore_ascii_case(haystack: &str, needle: &str) -> bool {
    let (h, n) = (haystack.as_bytes(), needle.as_bytes());
    n.is_empty() || h.windows(n.len()).any(|w| w.eq_ignore_ascii_case(n))
}

/// `GET /v2/{project_id}/algorithms` on `world` with decoded query `params`.
pub fn list(world: &AlgorithmsWorld, params: &[(String, String)]) -> Result<Value, SimError> {
    Ok(list_query(
        world,
        &ListQuery::parse(params, world.update_time_sort)?,
    ))
}

/// The list response for an already validated query.
pub fn list_query(world: &AlgorithmsWorld, q: &ListQuery) -> Value {
    let all = q.ordered(world);
    let start = (q.offset as usize).min(all.len());
    let end = start.saturating_add(q.limit as usize).min(all.len());
    let items: Vec<Value> = all[start..end].iter().map(|a| a.to_json()).collect();
    json!({
        "total": world.len(),
        "count": all.len(),
        "limit": q.limit,
        "offset": q.offset,
        "sort_by": q.sort_by.as_str(),
        "order": if q.desc { "desc" } else { "asc" },
        "group_by": q.group_by,
        "items": items,
    })
}

/// `GET /v2/{project_id}/algorithms/{algorithm_id}`.
pub fn detail(world: &AlgorithmsWorld, id: &str) -> Result<Value, SimError> {
    world.get(id).map(Algorithm::to_json).ok_or_else(|| {
        modelarts_error(
            StatusCode::NOT_FOUND,
            NOT_FOUND,
            format!("The algorithm (algorithm_id={id}) does not exist"),
        )
    })
}

/// Applies one [`Shift`] before answering `q` (a page after the first): deletes
/// the `delete_before` matching algorithms just before the page (in `q`'s
/// order), then creates `insert` algorithms matching `q`'s filters.
pub fn apply_shift(world: &mut AlgorithmsWorld, q: &ListQuery, shift: Shift) -> ShiftEvent {
    let start = q.offset as usize;
    let n = (shift.delete_before as usize).min(start);
    let doomed: Vec<String> = q
        .ordered(world)
        .get(start - n..start)
        .unwrap_or_default()
        .iter()
        .map(|a| a.id.clone())
        .collect();
    world.delete_ids(&doomed);
    let created = (0..shift.insert)
        .map(|i| {
            world.create_in_workspace(
                &q.workspace_id.clone(),
                format!("{}shifted-{i}", q.name_search),
            )
        })
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
        body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["metadata"]["name"].as_str().unwrap().to_string())
            .collect()
    }

    fn world(n: usize) -> AlgorithmsWorld {
        let (clock, _) =
            Clock::manual(chrono::DateTime::from_timestamp_millis(1_636_600_721_742).unwrap());
        let mut w = AlgorithmsWorld::new(clock);
        for i in 0..n {
            w.create(format!("algo-{i:02}"));
        }
        w
    }

    #[test]
    fn defaults_shape_and_counts() {
        let mut w = world(15);
        w.create_in_workspace("ws1", "elsewhere");
        let body = list(&w, &[]).unwrap();
        let keys: Vec<&str> = body
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(
            keys,
            ["total", "count", "limit", "offset", "sort_by", "order", "group_by", "items"]
        );
        assert_eq!(
            (body["total"].as_u64(), body["count"].as_u64()),
            (Some(16), Some(15))
        );
        assert_eq!(
            (body["limit"].as_u64(), body["offset"].as_u64()),
            (Some(10), Some(0))
        );
        assert_eq!(
            (
                body["sort_by"].as_str(),
                body["order"].as_str(),
                body["group_by"].as_str()
            ),
            (Some("create_time"), Some("desc"), Some(""))
        );
        assert_eq!(names(&body)[0], "algo-14", "newest first");
        assert_eq!(names(&body).len(), 10);
        let item = &body["items"][0];
        let keys: Vec<&str> = item
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(
            keys,
            [
                "metadata",
                "job_config",
                "resource_requirements",
                "advanced_config"
            ]
        );
        let ws = list(&w, &p(&[("workspace_id", "ws1")])).unwrap();
        assert_eq!(names(&ws), ["elsewhere"]);
        let search = list(
            &w,
            &p(&[
                ("searches", "name:ALGO-1"),
                ("limit", "50"),
                ("order", "asc"),
            ]),
        )
        .unwrap();
        assert_eq!(search["count"], 5);
        assert_eq!(
            names(&search),
            ["algo-10", "algo-11", "algo-12", "algo-13", "algo-14"]
        );
        let page = list(
            &w,
            &p(&[("offset", "12"), ("limit", "5"), ("group_by", "x")]),
        )
        .unwrap();
        assert_eq!(names(&page), ["algo-02", "algo-01", "algo-00"]);
        assert_eq!(page["group_by"], "x");
        assert!(names(&list(&w, &p(&[("offset", "100")])).unwrap()).is_empty());
    }

    #[test]
    fn update_time_sort_and_its_switch() {
        let mut w = world(5);
        let ids: Vec<String> = w.algorithms().map(|a| a.id.clone()).collect();
        w.set_valid(&ids[1], false);
        w.edit(&ids[3], "x");
        let body = list(&w, &p(&[("sort_by", "update_time")])).unwrap();
        let got = names(&body);
        assert_eq!(&got[..2], ["algo-03", "algo-01"]);
        w.update_time_sort = false;
        let err = list(&w, &p(&[("sort_by", "update_time")])).unwrap_err();
        assert_eq!(err.status, StatusCode::BAD_REQUEST);
        assert_eq!(err.body["error_code"], BAD_PARAMETER);
    }

    #[test]
    fn bad_parameters_get_400() {
        let w = world(2);
        for (name, value) in [
            ("limit", "0"),
            ("limit", "51"),
            ("limit", "x"),
            ("offset", "-1"),
            ("offset", "1.5"),
            ("sort_by", "id"),
            ("sort_by", "CREATE_TIME"),
            ("order", "DESC"),
            ("searches", "owner:me"),
            ("searches", "name"),
        ] {
            let err = list(&w, &p(&[(name, value)])).unwrap_err();
            assert_eq!(err.status, StatusCode::BAD_REQUEST, "{name}={value}");
            assert_eq!(err.body["error_code"], BAD_PARAMETER);
            let msg = err.body["error_msg"].as_str().unwrap();
            assert!(
                msg.contains(name) && msg.contains(&format!("'{value}'")),
                "{msg}"
            );
            assert_eq!(err.body.as_object().unwrap().len(), 2);
        }
        assert!(list(&w, &p(&[("searches", ""), ("unknown", "x")])).is_ok());
    }

    #[test]
    fn detail_and_shift() {
        let mut w = world(12);
        let id = w.algorithms().next().unwrap().id.clone();
        assert_eq!(detail(&w, &id).unwrap()["metadata"]["id"], id.as_str());
        let err = detail(&w, "nope").unwrap_err();
        assert_eq!(
            (err.status, err.body["error_code"].as_str()),
            (StatusCode::NOT_FOUND, Some(NOT_FOUND))
        );
        let q = ListQuery::parse(&p(&[("offset", "5"), ("limit", "5")]), true).unwrap();
        let ev = apply_shift(
            &mut w,
            &q,
            Shift {
                insert: 1,
                delete_before: 2,
            },
        );
        assert_eq!(ev.deleted.len(), 2);
        assert_eq!(w.len(), 11);
        assert_eq!(names(&list(&w, &[]).unwrap())[0], "shifted-0");
    }
}
