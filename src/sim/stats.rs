//! Request statistics: every request the simulator receives, by route (kind + list or
//! detail) and by response status, so tests can assert what a sync cycle cost.

use axum::extract::{Request, State};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::MethodRouter;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

/// What a route does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RouteOp {
    /// A list (collection) request.
    List,
    /// A single-object (detail) request.
    Detail,
}

/// A simulated route: its kind (the config `kind` name, e.g. `modelarts-training-jobs`)
/// and what it does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RouteLabel {
    /// The kind, as in the configuration (`modelarts-training-jobs`, ...).
    pub kind: &'static str,
    /// List or detail.
    pub op: RouteOp,
}

/// A snapshot of the request counters.
///
/// A request is counted in `total` and (if it matched a kind's route) in `by_route` when
/// it arrives, and in the `*status` maps when its response is produced; a request the
/// client abandoned mid-way (e.g. during [`Fault::Slow`](super::Fault::Slow)) therefore
/// appears in `total`/`by_route` but in no status count.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Every request received, on any path (including 404s and auth failures).
    pub total: u64,
    /// Responses by HTTP status code.
    pub by_status: BTreeMap<u16, u64>,
    /// Requests that matched a kind's route (whatever their outcome).
    pub by_route: BTreeMap<RouteLabel, u64>,
    /// Responses by route and HTTP status code.
    pub by_route_status: BTreeMap<(RouteLabel, u16), u64>,
}

impl Stats {
    /// List requests received for `kind`.
    pub fn list_requests(&self, kind: &str) -> u64 {
        self.route_requests(kind, Some(RouteOp::List))
    }

    /// Detail requests received for `kind`.
    pub fn detail_requests(&self, kind: &str) -> u64 {
        self.route_requests(kind, Some(RouteOp::Detail))
    }

    /// All requests received on `kind`'s routes.
    pub fn kind_requests(&self, kind: &str) -> u64 {
        self.route_requests(kind, None)
    }

    /// Responses sent with HTTP status `status`.
    pub fn with_status(&self, status: u16) -> u64 {
        self.by_status.get(&status).copied().unwrap_or(0)
    }

    /// Responses on `kind`'s routes with HTTP status `status`.
    pub fn kind_with_status(&self, kind: &str, status: u16) -> u64 {
        self.by_route_status
            .iter()
            .filter(|((l, s), _)| l.kind == kind && *s == status)
            .map(|(_, n)| n)
            .sum()
    }

    /// The requests counted after `earlier` was taken (`self - earlier`), e.g. the cost
    /// of one sync cycle.
    pub fn since(&self, earlier: &Stats) -> Stats {
        fn diff<K: Ord + Clone>(
            now: &BTreeMap<K, u64>,
            then: &BTreeMap<K, u64>,
        ) -> BTreeMap<K, u64> {
            now.iter()
                .filter_map(|(k, n)| {
                    let d = n.saturating_sub(then.get(k).copied().unwrap_or(0));
                    (d > 0).then(|| (k.clone(), d))
                })
                .collect()
        }
        Stats {
            total: self.total.saturating_sub(earlier.total),
            by_status: diff(&self.by_status, &earlier.by_status),
            by_route: diff(&self.by_route, &earlier.by_route),
            by_route_status: diff(&self.by_route_status, &earlier.by_route_status),
        }
    }

    fn route_requests(&self, kind: &str, op: Option<RouteOp>) -> u64 {
        self.by_route
            .iter()
            .filter(|(l, _)| l.kind == kind && op.is_none_or(|op| l.op == op))
            .map(|(_, n)| n)
            .sum()
    }
}

/// The live counters, shared by the server's middleware and the handle.
#[derive(Clone, Debug, Default)]
pub struct StatsRecorder(Arc<Mutex<Stats>>);

impl StatsRecorder {
    /// A copy of the current counters.
    pub fn snapshot(&self) -> Stats {
        super::lock(&self.0).clone()
    }

    /// Sets every counter back to zero.
    pub fn reset(&self) {
        *super::lock(&self.0) = Stats::default();
    }

    fn update(&self, f: impl FnOnce(&mut Stats)) {
        f(&mut super::lock(&self.0));
    }
}

/// Middleware for the whole app: counts every request and every response status.
pub(crate) async fn count_all(
    State(rec): State<StatsRecorder>,
    req: Request,
    next: Next,
) -> Response {
    rec.update(|s| s.total += 1);
    let resp = next.run(req).await;
    let status = resp.status().as_u16();
    rec.update(|s| *s.by_status.entry(status).or_default() += 1);
    resp
}

async fn count_route(
    State((rec, label)): State<(StatsRecorder, RouteLabel)>,
    req: Request,
    next: Next,
) -> Response {
    rec.update(|s| *s.by_route.entry(label).or_default() += 1);
    let resp = next.run(req).await;
    let status = resp.status().as_u16();
    rec.update(|s| *s.by_route_status.entry((label, status)).or_default() += 1);
    resp
}

/// Labels a kind's route for the statistics. Apply it outermost on the method router
/// (after the kind's auth layer) so rejected requests are counted on the route too.
pub fn label<S>(route: MethodRouter<S>, rec: &StatsRecorder, label: RouteLabel) -> MethodRouter<S>
where
    S: Clone + Send + Sync + 'static,
{
    route.route_layer(middleware::from_fn_with_state(
        (rec.clone(), label),
        count_route,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    const L: RouteLabel = RouteLabel {
        kind: "k",
        op: RouteOp::List,
    };
    const D: RouteLabel = RouteLabel {
        kind: "k",
        op: RouteOp::Detail,
    };

    #[test]
    fn since_subtracts_and_drops_zeroes() {
        let rec = StatsRecorder::default();
        rec.update(|s| {
            s.total = 3;
            s.by_route.insert(L, 2);
            s.by_route.insert(D, 1);
            s.by_status.insert(200, 3);
        });
        let before = rec.snapshot();
        rec.update(|s| {
            s.total += 2;
            *s.by_route.entry(L).or_default() += 2;
            *s.by_status.entry(429).or_default() += 1;
            *s.by_status.entry(200).or_default() += 1;
            *s.by_route_status.entry((L, 429)).or_default() += 1;
        });
        let d = rec.snapshot().since(&before);
        assert_eq!(d.total, 2);
        assert_eq!(d.list_requests("k"), 2);
        assert_eq!(d.detail_requests("k"), 0);
        assert_eq!(d.kind_requests("k"), 2);
        assert_eq!(d.with_status(429), 1);
        assert_eq!(d.with_status(200), 1);
        assert_eq!(d.kind_with_status("k", 429), 1);
        assert!(!d.by_route.contains_key(&D));
        rec.reset();
        assert_eq!(rec.snapshot(), Stats::default());
    }
}
