//! The outbox on a real SQLite file: events written with the change (or not at
//! all), fan-out by endpoint filters, per-job order when claiming, requeueing.

use super::testdb::TestDb;
use super::*;
use crate::clock;
use crate::config::{Config, WebhookConfig};
use crate::providers::modelarts_training_jobs::{parse_list, TABLE};
use crate::providers::RawResponse;

/// A fresh store on every test backend (SQLite; PostgreSQL too when
/// `TEST_DATABASE_URL` is set), each with the guard of its database.
async fn stores() -> Vec<(TestDb, Store)> {
    let mut out = Vec::new();
    for db in TestDb::all().await {
        let s = Store::open(&db.url).await.unwrap();
        out.push((db, s));
    }
    out
}

/// ModelArts jobs `(id, status code)`: 7 waiting (pending), 8 running,
/// 10 completed (succeeded), 11 failed.
fn records(jobs: &[(i64, i64)]) -> Vec<Record> {
    let items: Vec<String> = jobs
        .iter()
        .map(|(id, status)| {
            format!(
                r#"{{"job_id": {id}, "job_name": "job-{id}", "version_id": 1, "status": {status},
                    "create_time": {ct}, "duration": 1500, "job_desc": "d", "version_count": 1}}"#,
                ct = 1_767_323_045_000 + id
            )
        })
        .collect();
    let body = format!(
        r#"{{"is_success": true, "job_total_count": {}, "jobs": [{}]}}"#,
        jobs.len(),
        items.join(",")
    );
    parse_list(&RawResponse {
        status: 200,
        headers: Default::default(),
        body: body.into(),
    })
    .unwrap()
    .records
}

fn ctx(run_id: i64, announce_new: bool) -> PageContext<'static> {
    PageContext {
        source: "ma",
        spec: &TABLE,
        run_id,
        announce_new,
    }
}

/// Endpoints: `all` (every event type), `changes` (default: status changes),
/// `failed` (status changes to failed only), `other` (another source only).
fn hooks() -> Vec<WebhookConfig> {
    let c = Config::from_toml(
        r#"
[sources.ma]
kind = "modelarts-training-jobs"
endpoint = "https://modelarts.example.com"
project_id = "p"
token = "t"

[sources.mb]
kind = "modelarts-training-jobs"
endpoint = "https://modelarts.example.com"
project_id = "q"
token = "t"

[webhooks.all]
url = "http://127.0.0.1:1/a"
secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
events = ["job.status_changed", "job.created", "job.deleted"]

[webhooks.changes]
url = "http://127.0.0.1:1/c"
secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

[webhooks.failed]
url = "http://127.0.0.1:1/f"
secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
states = ["failed"]
events = ["job.status_changed", "job.deleted"]

[webhooks.other]
url = "http://127.0.0.1:1/o"
secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
sources = ["mb"]
"#,
    )
    .unwrap();
    c.webhooks.into_values().collect()
}

/// `(endpoint, type, job_id, state)` of every event row, in row order.
async fn events(s: &Store) -> Vec<(String, String, String, Option<String>)> {
    s.test_rows("SELECT endpoint, type, job_id, state FROM webhook_events ORDER BY id")
        .await
}

fn row(e: &str, t: &str, j: &str, st: &str) -> (String, String, String, Option<String>) {
    (e.into(), t.into(), j.into(), Some(st.into()))
}

#[tokio::test]
async fn no_endpoints_no_events() {
    for (_d, s) in stores().await {
        s.apply_page(&ctx(1, true), records(&[(1, 8)]), None)
            .await
            .unwrap();
        let out = s
            .apply_page(&ctx(2, true), records(&[(1, 10)]), None)
            .await
            .unwrap();
        assert_eq!((out.status_changes, out.events), (1, 0));
        assert!(events(&s).await.is_empty());
    }
}

#[tokio::test]
async fn initial_history_is_silent_and_later_changes_fan_out_by_filter() {
    for (_d, s) in stores().await {
        s.set_webhooks(hooks());
        let mut signal = s.outbox_signal();
        signal.borrow_and_update();
        let first = s
            .apply_page(&ctx(1, false), records(&[(1, 8), (2, 8)]), None)
            .await
            .unwrap();
        assert_eq!(first.events, 0, "the initial mirror announces nothing");
        assert!(!signal.has_changed().unwrap());

        let out = s
            .apply_page(&ctx(2, true), records(&[(1, 10), (2, 11), (3, 8)]), None)
            .await
            .unwrap();
        assert!(signal.has_changed().unwrap());
        assert_eq!(out.status_changes, 2);
        assert_eq!(
            events(&s).await,
            vec![
                row("all", "job.created", "3", "running"),
                row("all", "job.status_changed", "1", "succeeded"),
                row("changes", "job.status_changed", "1", "succeeded"),
                row("all", "job.status_changed", "2", "failed"),
                row("changes", "job.status_changed", "2", "failed"),
                row("failed", "job.status_changed", "2", "failed"),
            ]
        );
        assert_eq!(out.events, 6);

        // One webhook-id per event, shared by its endpoints; the exact body stored.
        let ids: Vec<(String, String, String)> = s
            .test_rows("SELECT webhook_id, job_id, body FROM webhook_events ORDER BY id")
            .await;
        assert_eq!(ids[1].0, ids[2].0);
        assert_eq!(ids[3].0, ids[4].0);
        assert_eq!(ids[3].0, ids[5].0);
        assert_ne!(ids[1].0, ids[3].0);
        assert!(ids[0].0.starts_with("msg_"));
        let body: serde_json::Value = serde_json::from_str(&ids[3].2).unwrap();
        assert_eq!(body["type"], "job.status_changed");
        let d = &body["data"];
        assert_eq!(d["source"], "ma");
        assert_eq!(d["kind"], "modelarts-training-jobs");
        assert_eq!(d["job_id"], "2");
        assert_eq!(d["name"], "job-2");
        assert_eq!(
            (d["old_status"].as_str(), d["new_status"].as_str()),
            (Some("8"), Some("11"))
        );
        assert_eq!(
            (d["old_state"].as_str(), d["new_state"].as_str()),
            (Some("running"), Some("failed"))
        );
        assert_eq!(d["job"]["job_id"], 2);
        assert_eq!(d["job"]["status"], 11);
        assert_eq!(body["timestamp"], d["observed_at"]);
        let observed: String = s
            .test_one("SELECT observed_at FROM status_changes WHERE job_id = '2'")
            .await;
        assert_eq!(d["observed_at"], observed.as_str());
        let created: serde_json::Value = serde_json::from_str(&ids[0].2).unwrap();
        assert!(created["data"]["old_status"].is_null() && created["data"]["old_state"].is_null());
        assert_eq!(created["data"]["new_state"], "running");

        // A replayed page changes nothing and queues nothing.
        let again = s
            .apply_page(&ctx(3, true), records(&[(1, 10), (2, 11), (3, 8)]), None)
            .await
            .unwrap();
        assert_eq!(again.events, 0);
    }
}

#[tokio::test]
async fn deletions_carry_the_last_known_state_and_object() {
    for (_d, s) in stores().await {
        s.set_webhooks(hooks());
        s.apply_page(&ctx(1, false), records(&[(1, 11), (2, 10), (3, 8)]), None)
            .await
            .unwrap();
        s.apply_page(&ctx(5, true), records(&[(3, 8)]), None)
            .await
            .unwrap();
        assert_eq!(s.mark_unseen_deleted("ma", &TABLE, 5).await.unwrap(), 2);
        assert_eq!(
            events(&s).await,
            vec![
                row("all", "job.deleted", "1", "failed"),
                row("failed", "job.deleted", "1", "failed"),
                row("all", "job.deleted", "2", "succeeded"),
            ]
        );
        let body: String = s
            .test_one("SELECT body FROM webhook_events WHERE job_id = '1' LIMIT 1")
            .await;
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        let d = &v["data"];
        assert_eq!(v["type"], "job.deleted");
        assert_eq!(d["name"], "job-1");
        assert_eq!(
            (d["old_status"].as_str(), d["old_state"].as_str()),
            (Some("11"), Some("failed"))
        );
        assert!(d["new_status"].is_null() && d["new_state"].is_null());
        assert_eq!(d["job"]["job_name"], "job-1");
    }
}

#[tokio::test]
async fn a_failed_transaction_leaves_neither_change_nor_event() {
    for (_d, s) in stores().await {
        s.set_webhooks(hooks());
        s.apply_page(&ctx(1, false), records(&[(1, 8)]), None)
            .await
            .unwrap();
        match s.backend() {
            Backend::Sqlite => {
                s.test_exec(
                    "CREATE TRIGGER outbox_down BEFORE INSERT ON webhook_events \
                     BEGIN SELECT RAISE(ABORT, 'outbox down'); END",
                )
                .await
            }
            Backend::Postgres => {
                s.test_exec(
                    "CREATE FUNCTION outbox_down() RETURNS trigger LANGUAGE plpgsql AS \
                     $$ BEGIN RAISE EXCEPTION 'outbox down'; END $$",
                )
                .await;
                s.test_exec(
                    "CREATE TRIGGER outbox_down BEFORE INSERT ON webhook_events \
                     FOR EACH ROW EXECUTE FUNCTION outbox_down()",
                )
                .await
            }
        }
        assert!(s
            .apply_page(&ctx(2, true), records(&[(1, 11)]), None)
            .await
            .is_err());
        let changes: i64 = s.test_one("SELECT COUNT(*) FROM status_changes").await;
        let status: i64 = s
            .test_one("SELECT status FROM modelarts_training_jobs WHERE job_id = 1")
            .await;
        assert_eq!(
            (changes, status),
            (0, 8),
            "the change rolled back with its event"
        );
        s.test_exec(match s.backend() {
            Backend::Sqlite => "DROP TRIGGER outbox_down",
            Backend::Postgres => "DROP TRIGGER outbox_down ON webhook_events",
        })
        .await;
        let out = s
            .apply_page(&ctx(3, true), records(&[(1, 11)]), None)
            .await
            .unwrap();
        assert_eq!((out.status_changes, out.events), (1, 3));
    }
}

const NOW: &str = "2999-01-01T00:00:00.000Z";
const LEASE: &str = "2999-01-01T00:01:00.000Z";

fn attempt(error: Option<&str>) -> AttemptRecord {
    AttemptRecord {
        attempted_at: clock::now_text(),
        http_status: Some(if error.is_some() { 500 } else { 204 }),
        duration_ms: 3,
        response_body: Some("ok".into()),
        error: error.map(str::to_string),
    }
}

#[tokio::test]
async fn claims_hold_back_later_events_of_a_job_until_the_earlier_is_settled() {
    for (_d, s) in stores().await {
        s.set_webhooks(
            hooks()
                .into_iter()
                .filter(|h| h.name == "changes")
                .collect(),
        );
        s.apply_page(&ctx(1, false), records(&[(1, 7), (2, 7)]), None)
            .await
            .unwrap();
        s.apply_page(&ctx(2, true), records(&[(1, 8), (2, 8)]), None)
            .await
            .unwrap();
        s.apply_page(&ctx(3, true), records(&[(1, 10), (2, 11)]), None)
            .await
            .unwrap();
        let batch = s.claim_due_events("changes", NOW, LEASE, 10).await.unwrap();
        let jobs: Vec<&str> = batch.iter().map(|e| e.job_id.as_str()).collect();
        assert_eq!(jobs, ["1", "2"], "one event per job: the earliest");
        assert!(
            s.claim_due_events("changes", NOW, LEASE, 10)
                .await
                .unwrap()
                .is_empty(),
            "leased"
        );

        // Job 1: delivered → its next event is eligible. Job 2: retry later → still blocks.
        s.record_attempt(batch[0].id, &attempt(None), &AttemptResolution::Delivered)
            .await
            .unwrap();
        s.record_attempt(
            batch[1].id,
            &attempt(Some("HTTP 500")),
            &AttemptResolution::Retry {
                next_attempt_at: "2999-06-01T00:00:00.000Z".into(),
            },
        )
        .await
        .unwrap();
        let next = s.claim_due_events("changes", NOW, LEASE, 10).await.unwrap();
        assert_eq!(next.len(), 1);
        assert_eq!(next[0].job_id, "1");
        assert!(next[0].body.contains("\"new_status\":\"10\""));
        assert_eq!(
            s.next_due_at("changes").await.unwrap().as_deref(),
            Some(LEASE),
            "the leased event of job 1 is the next due; job 2's later event is held back"
        );

        // A dead event does not hold back the later ones.
        s.record_attempt(
            batch[1].id,
            &attempt(Some("HTTP 500")),
            &AttemptResolution::Dead,
        )
        .await
        .unwrap();
        let after_dead = s.claim_due_events("changes", NOW, LEASE, 10).await.unwrap();
        assert_eq!(after_dead.len(), 1);
        assert_eq!(after_dead[0].job_id, "2");
        assert!(after_dead[0].body.contains("\"new_status\":\"11\""));

        let stats = s
            .webhook_endpoint_stats(&["changes".into(), "idle".into()])
            .await
            .unwrap();
        assert_eq!(stats.len(), 2);
        let c = &stats[0];
        assert_eq!(
            (c.endpoint.as_str(), c.pending, c.dead, c.delivered),
            ("changes", 2, 1, 1)
        );
        assert_eq!(
            c.last_error.as_ref().map(|e| e.1.as_str()),
            Some("HTTP 500")
        );
        assert_eq!((stats[1].pending, stats[1].dead), (0, 0));

        // Dead events go back to the queue with their webhook-id and a fresh count.
        let dead_id = batch[1].webhook_id.clone();
        assert_eq!(s.requeue_dead_webhook_events().await.unwrap(), 1);
        let listed = s
            .list_webhook_events(Some(EventStatus::Pending), 0, 100)
            .await
            .unwrap();
        let back = listed.iter().find(|e| e.webhook_id == dead_id).unwrap();
        assert_eq!(
            (back.attempts, back.last_error.as_deref()),
            (0, Some("HTTP 500"))
        );
        let r = s
            .requeue_webhook_events(&[batch[0].webhook_id.clone(), "msg_nope".into()])
            .await
            .unwrap();
        assert_eq!((r.rows, r.missing), (1, vec!["msg_nope".to_string()]));
        let attempts: i64 = s.test_one("SELECT COUNT(*) FROM webhook_attempts").await;
        assert_eq!(attempts, 3, "every try is kept");
    }
}

/// A claimed batch recorded at once (two statements) leaves every event exactly
/// as one try at a time would: status, count, due time, error, delivery time.
#[tokio::test]
async fn a_batch_of_tries_is_recorded_like_single_tries() {
    for (_d, s) in stores().await {
        s.set_webhooks(
            hooks()
                .into_iter()
                .filter(|h| h.name == "changes")
                .collect(),
        );
        s.apply_page(&ctx(1, false), records(&[(1, 7), (2, 7), (3, 7)]), None)
            .await
            .unwrap();
        s.apply_page(&ctx(2, true), records(&[(1, 8), (2, 8), (3, 8)]), None)
            .await
            .unwrap();
        let batch = s.claim_due_events("changes", NOW, LEASE, 10).await.unwrap();
        assert_eq!(batch.len(), 3);
        let ok = attempt(None);
        let failed = attempt(Some("HTTP 500"));
        let retry_at = "2999-06-01T00:00:00.000Z".to_string();
        s.record_attempts(&[
            (batch[0].id, ok.clone(), AttemptResolution::Delivered),
            (
                batch[1].id,
                failed.clone(),
                AttemptResolution::Retry {
                    next_attempt_at: retry_at.clone(),
                },
            ),
            (batch[2].id, failed.clone(), AttemptResolution::Dead),
        ])
        .await
        .unwrap();
        type Row = (
            String,
            i64,
            String,
            Option<String>,
            Option<String>,
            Option<String>,
        );
        let rows: Vec<Row> = s
            .test_rows(
                "SELECT status, attempts, next_attempt_at, last_attempt_at, last_error, delivered_at \
                 FROM webhook_events ORDER BY id",
            )
            .await;
        assert_eq!(rows.len(), 3);
        let at = Some(ok.attempted_at.clone());
        assert_eq!(
            rows[0],
            ("delivered".into(), 1, LEASE.into(), at.clone(), None, at)
        );
        let failed_at = Some(failed.attempted_at.clone());
        assert_eq!(
            rows[1],
            (
                "pending".into(),
                1,
                retry_at,
                failed_at.clone(),
                Some("HTTP 500".into()),
                None
            )
        );
        assert_eq!(
            rows[2],
            (
                "dead".into(),
                1,
                LEASE.into(),
                failed_at,
                Some("HTTP 500".into()),
                None
            )
        );
        type Try = (i64, Option<i64>, i64, Option<String>, Option<String>);
        let tries: Vec<Try> = s
            .test_rows(
                "SELECT event_id, http_status, duration_ms, response_body, error \
                 FROM webhook_attempts ORDER BY event_id",
            )
            .await;
        assert_eq!(
            tries,
            vec![
                (batch[0].id, Some(204), 3, Some("ok".into()), None),
                (
                    batch[1].id,
                    Some(500),
                    3,
                    Some("ok".into()),
                    Some("HTTP 500".into())
                ),
                (
                    batch[2].id,
                    Some(500),
                    3,
                    Some("ok".into()),
                    Some("HTTP 500".into())
                ),
            ]
        );
        // The same event twice in one call: both tries count.
        s.record_attempts(&[
            (
                batch[1].id,
                failed.clone(),
                AttemptResolution::Retry {
                    next_attempt_at: LEASE.into(),
                },
            ),
            (batch[1].id, ok.clone(), AttemptResolution::Delivered),
        ])
        .await
        .unwrap();
        let twice: Vec<(String, i64)> = s
            .test_rows(&format!(
                "SELECT status, attempts FROM webhook_events WHERE id = {}",
                batch[1].id
            ))
            .await;
        assert_eq!(twice, vec![("delivered".to_string(), 3)]);
    }
}

#[tokio::test]
async fn listing_pages_by_id() {
    for (_d, s) in stores().await {
        s.set_webhooks(hooks());
        s.apply_page(&ctx(1, true), records(&[(1, 8), (2, 8), (3, 8)]), None)
            .await
            .unwrap();
        let first = s.list_webhook_events(None, 0, 2).await.unwrap();
        assert_eq!(first.len(), 2);
        let rest = s.list_webhook_events(None, first[1].id, 2).await.unwrap();
        assert_eq!(rest.len(), 1);
        assert_eq!(rest[0].event_type, "job.created");
        assert!(s
            .list_webhook_events(Some(EventStatus::Dead), 0, 10)
            .await
            .unwrap()
            .is_empty());
    }
}
