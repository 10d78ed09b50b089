//! Process metrics (Prometheus/OpenMetrics text via `prometheus-client`): one
//! registry per process, fed by the collector (per source: requests, errors,
//! rows, cycle durations) and the webhook dispatcher (deliveries, failures),
//! plus series read from the database at scrape time (last success per source,
//! mirrored rows, webhook queue depth), which `serve` shows too.

use std::sync::atomic::AtomicU64;
use std::sync::OnceLock;
use std::time::Duration;

use prometheus_client::encoding::text::{encode_eof, encode_registry};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

use crate::store::RunStats;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct SourceLabel {
    pub source: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct CycleLabels {
    pub source: String,
    pub mode: String,
    pub outcome: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct EndpointLabel {
    pub endpoint: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct HttpLabels {
    pub route: String,
    pub status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RowsLabels {
    pub source: String,
    pub kind: String,
    pub rows: String,
}

type HistogramFamily<L> = Family<L, Histogram, fn() -> Histogram>;

/// The process's counters and histograms.
pub struct Metrics {
    registry: Registry,
    requests: Family<SourceLabel, Counter>,
    errors: Family<SourceLabel, Counter>,
    cycles: Family<CycleLabels, Counter>,
    rows_seen: Family<SourceLabel, Counter>,
    rows_changed: Family<SourceLabel, Counter>,
    cycle_seconds: HistogramFamily<SourceLabel>,
    deliveries: Family<EndpointLabel, Counter>,
    failures: Family<EndpointLabel, Counter>,
    http_requests: Family<HttpLabels, Counter>,
    http_seconds: HistogramFamily<HttpLabels>,
}

fn cycle_histogram() -> Histogram {
    Histogram::new(exponential_buckets(0.05, 2.0, 14))
}

fn http_histogram() -> Histogram {
    Histogram::new(exponential_buckets(0.0005, 2.0, 14))
}

impl Metrics {
    fn new() -> Metrics {
        let mut registry = Registry::with_prefix("jobmirror");
        let m = Metrics {
            requests: Family::default(),
            errors: Family::default(),
            cycles: Family::default(),
            rows_seen: Family::default(),
            rows_changed: Family::default(),
            cycle_seconds: Family::new_with_constructor(cycle_histogram),
            deliveries: Family::default(),
            failures: Family::default(),
            http_requests: Family::default(),
            http_seconds: Family::new_with_constructor(http_histogram),
            registry: Registry::default(),
        };
        registry.register(
            "source_requests",
            "Provider requests sent (retries included), per source",
            m.requests.clone(),
        );
        registry.register(
            "source_errors",
            "Cycles that ended in an error, per source",
            m.errors.clone(),
        );
        registry.register(
            "source_cycles",
            "Cycles run, per source, mode and outcome (ok, error, cancelled)",
            m.cycles.clone(),
        );
        registry.register(
            "source_rows_seen",
            "Provider objects read, per source",
            m.rows_seen.clone(),
        );
        registry.register(
            "source_rows_changed",
            "Mirrored rows created or changed, per source",
            m.rows_changed.clone(),
        );
        registry.register(
            "source_cycle_duration_seconds",
            "Duration of a cycle, per source",
            m.cycle_seconds.clone(),
        );
        registry.register(
            "webhook_deliveries",
            "Webhook events delivered (2xx), per endpoint",
            m.deliveries.clone(),
        );
        registry.register(
            "webhook_failures",
            "Failed webhook delivery tries, per endpoint",
            m.failures.clone(),
        );
        registry.register(
            "http_requests",
            "HTTP requests answered, per route and status",
            m.http_requests.clone(),
        );
        registry.register(
            "http_request_duration_seconds",
            "Time to answer an HTTP request, per route and status",
            m.http_seconds.clone(),
        );
        Metrics { registry, ..m }
    }

    /// Starts the series of a configured source at zero, so they exist before
    /// its first cycle ends.
    pub fn declare_source(&self, source: &str) {
        let s = SourceLabel {
            source: source.to_string(),
        };
        let _ = self.requests.get_or_create(&s);
        let _ = self.errors.get_or_create(&s);
        let _ = self.rows_seen.get_or_create(&s);
        let _ = self.rows_changed.get_or_create(&s);
    }

    /// Starts the series of a configured webhook endpoint at zero.
    pub fn declare_endpoint(&self, endpoint: &str) {
        let l = EndpointLabel {
            endpoint: endpoint.to_string(),
        };
        let _ = self.deliveries.get_or_create(&l);
        let _ = self.failures.get_or_create(&l);
    }

    /// Records one finished cycle of `source`.
    pub fn cycle(&self, source: &str, mode: &str, outcome: &str, stats: RunStats, took: Duration) {
        let s = SourceLabel {
            source: source.to_string(),
        };
        self.requests.get_or_create(&s).inc_by(stats.requests);
        self.rows_seen.get_or_create(&s).inc_by(stats.rows_seen);
        self.rows_changed
            .get_or_create(&s)
            .inc_by(stats.rows_changed);
        if outcome == "error" {
            self.errors.get_or_create(&s).inc();
        } else {
            // Present (at 0) from the first cycle on.
            let _ = self.errors.get_or_create(&s);
        }
        self.cycles
            .get_or_create(&CycleLabels {
                source: source.to_string(),
                mode: mode.to_string(),
                outcome: outcome.to_string(),
            })
            .inc();
        self.cycle_seconds
            .get_or_create(&s)
            .observe(took.as_secs_f64());
    }

    /// Records one webhook delivery try.
    pub fn delivery(&self, endpoint: &str, delivered: bool) {
        let l = EndpointLabel {
            endpoint: endpoint.to_string(),
        };
        if delivered {
            self.deliveries.get_or_create(&l).inc();
            let _ = self.failures.get_or_create(&l);
        } else {
            self.failures.get_or_create(&l).inc();
            let _ = self.deliveries.get_or_create(&l);
        }
    }

    /// Records one HTTP request.
    pub fn http(&self, route: &str, status: u16, took: Duration) {
        let l = HttpLabels {
            route: route.to_string(),
            status,
        };
        self.http_requests.get_or_create(&l).inc();
        self.http_seconds
            .get_or_create(&l)
            .observe(took.as_secs_f64());
    }

    /// The whole text: this process's metrics, then `scrape` (series read at
    /// scrape time), then `# EOF`.
    pub fn encode(&self, scrape: &ScrapeMetrics) -> String {
        let mut out = String::new();
        // Writing to a String cannot fail.
        let _ = encode_registry(&mut out, &self.registry);
        let _ = encode_registry(&mut out, &scrape.registry);
        let _ = encode_eof(&mut out);
        out
    }
}

/// The process-wide metrics.
pub fn global() -> &'static Metrics {
    static METRICS: OnceLock<Metrics> = OnceLock::new();
    METRICS.get_or_init(Metrics::new)
}

/// Series read from the database for one scrape.
pub struct ScrapeMetrics {
    registry: Registry,
    last_success: Family<SourceLabel, Gauge<f64, AtomicU64>>,
    rows: Family<RowsLabels, Gauge>,
    queue: Family<EndpointLabel, Gauge>,
    dead: Family<EndpointLabel, Gauge>,
}

impl Default for ScrapeMetrics {
    fn default() -> Self {
        ScrapeMetrics::new()
    }
}

impl ScrapeMetrics {
    pub fn new() -> ScrapeMetrics {
        let mut registry = Registry::with_prefix("jobmirror");
        let s = ScrapeMetrics {
            registry: Registry::default(),
            last_success: Family::default(),
            rows: Family::default(),
            queue: Family::default(),
            dead: Family::default(),
        };
        registry.register(
            "source_last_success_timestamp_seconds",
            "When the source's last successful cycle finished (unix seconds)",
            s.last_success.clone(),
        );
        registry.register(
            "source_rows",
            "Mirrored rows per source: present or deleted",
            s.rows.clone(),
        );
        registry.register(
            "webhook_queue_depth",
            "Webhook events waiting for delivery, per endpoint",
            s.queue.clone(),
        );
        registry.register(
            "webhook_dead_events",
            "Webhook events whose retries ran out, per endpoint",
            s.dead.clone(),
        );
        ScrapeMetrics { registry, ..s }
    }

    pub fn last_success(&self, source: &str, unix_seconds: f64) {
        self.last_success
            .get_or_create(&SourceLabel {
                source: source.to_string(),
            })
            .set(unix_seconds);
    }

    pub fn rows(&self, source: &str, kind: &str, present: u64, deleted: u64) {
        for (rows, n) in [("present", present), ("deleted", deleted)] {
            self.rows
                .get_or_create(&RowsLabels {
                    source: source.to_string(),
                    kind: kind.to_string(),
                    rows: rows.to_string(),
                })
                .set(i64::try_from(n).unwrap_or(i64::MAX));
        }
    }

    pub fn webhook_queue(&self, endpoint: &str, pending: i64, dead: i64) {
        let l = EndpointLabel {
            endpoint: endpoint.to_string(),
        };
        self.queue.get_or_create(&l).set(pending);
        self.dead.get_or_create(&l).set(dead);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_process_and_scrape_series() {
        let m = Metrics::new();
        m.cycle(
            "ma",
            "full",
            "ok",
            RunStats {
                requests: 3,
                rows_seen: 10,
                rows_changed: 4,
            },
            Duration::from_millis(120),
        );
        m.delivery("ops", false);
        let s = ScrapeMetrics::new();
        s.last_success("ma", 1_700_000_000.5);
        s.rows("ma", "modelarts-training-jobs", 7, 1);
        s.webhook_queue("ops", 2, 0);
        let text = m.encode(&s);
        for line in [
            "jobmirror_source_requests_total{source=\"ma\"} 3",
            "jobmirror_source_errors_total{source=\"ma\"} 0",
            "jobmirror_source_rows_seen_total{source=\"ma\"} 10",
            "jobmirror_source_cycle_duration_seconds_count{source=\"ma\"} 1",
            "jobmirror_webhook_failures_total{endpoint=\"ops\"} 1",
            "jobmirror_webhook_deliveries_total{endpoint=\"ops\"} 0",
            "jobmirror_source_last_success_timestamp_seconds{source=\"ma\"} 1700000000.5",
            "jobmirror_source_rows{source=\"ma\",kind=\"modelarts-training-jobs\",rows=\"present\"} 7",
            "jobmirror_webhook_queue_depth{endpoint=\"ops\"} 2",
        ] {
            assert!(text.contains(line), "{line}\n{text}");
        }
        assert!(text.ends_with("# EOF\n"));
    }
}
