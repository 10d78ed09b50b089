//! Store behaviour on a real SQLite file: page upserts, change detection,
//! idempotence, deletions and the `jobs` view.

use super::testdb::TestDb;
use super::*;
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

fn records(jobs: &[(i64, i64)]) -> Vec<Record> {
    records_desc(jobs, "d")
}

/// [`records`] with `job_desc` set to `desc` (a change of `raw` only).
fn records_desc(jobs: &[(i64, i64)], desc: &str) -> Vec<Record> {
    let items: Vec<String> = jobs
        .iter()
        .map(|(id, status)| {
            format!(
                r#"{{"job_id": {id}, "job_name": "job-{id}", "version_id": 1, "status": {status},
                    "create_time": {ct}, "duration": 1500, "job_desc": "{desc}", "version_count": 1}}"#,
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

fn ctx(run_id: i64) -> PageContext<'static> {
    PageContext {
        source: "ma",
        spec: &TABLE,
        run_id,
        announce_new: true,
    }
}

#[tokio::test]
async fn detects_status_changes_once_and_is_idempotent() {
    for (_d, s) in stores().await {
        let first = s
            .apply_page(&ctx(1), records(&[(1, 8), (2, 7)]), None)
            .await
            .unwrap();
        assert_eq!((first.new, first.changed, first.status_changes), (2, 0, 0));
        let again = s
            .apply_page(&ctx(2), records(&[(1, 8), (2, 7)]), None)
            .await
            .unwrap();
        assert_eq!((again.new, again.changed, again.status_changes), (0, 0, 0));
        let change = s
            .apply_page(&ctx(3), records(&[(1, 10), (2, 7), (2, 8)]), None)
            .await
            .unwrap();
        assert_eq!(change.seen, 2, "a repeated id counts once (last wins)");
        assert_eq!(change.status_changes, 2);
        let replay = s
            .apply_page(&ctx(4), records(&[(1, 10), (2, 8)]), None)
            .await
            .unwrap();
        assert_eq!(replay.status_changes, 0);

        let rows: Vec<(String, String, String, String, String)> = s.test_rows("SELECT job_id, old_status, new_status, old_state, new_state FROM status_changes ORDER BY id").await;
        assert_eq!(
            rows,
            vec![
                (
                    "1".into(),
                    "8".into(),
                    "10".into(),
                    "running".into(),
                    "succeeded".into()
                ),
                (
                    "2".into(),
                    "7".into(),
                    "8".into(),
                    "pending".into(),
                    "running".into()
                ),
            ]
        );
    }
}

/// `raw` and `raw_hash` of row `id`, and how many status changes were logged.
async fn raw_row(s: &Store, id: i64) -> (String, Option<i64>, i64) {
    let (raw, hash): (String, Option<i64>) = s
        .test_rows(&format!(
            "SELECT raw, raw_hash FROM modelarts_training_jobs WHERE job_id = {id}"
        ))
        .await
        .remove(0);
    let changes: i64 = s.test_one("SELECT COUNT(*) FROM status_changes").await;
    (raw, hash, changes)
}

#[tokio::test]
async fn raw_changes_are_found_by_raw_hash_without_status_events() {
    use super::raw_hash::raw_hash;
    for (_d, s) in stores().await {
        let c = crate::config::Config::from_toml(
            r#"
[sources.ma]
kind = "modelarts-training-jobs"
endpoint = "https://modelarts.example.com"
project_id = "p"
token = "t"

[webhooks.all]
url = "http://127.0.0.1:1/a"
secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
events = ["job.status_changed", "job.created", "job.deleted"]
"#,
        )
        .unwrap();
        s.set_webhooks(c.webhooks.into_values().collect());
        let first = s
            .apply_page(&ctx(1), records(&[(1, 8), (2, 8)]), None)
            .await
            .unwrap();
        assert_eq!((first.new, first.events), (2, 2));
        let (raw1, hash, _) = raw_row(&s, 1).await;
        assert_eq!(hash, Some(raw_hash(&raw1)), "written with its hash");

        // The raw changes, the status does not: the row is rewritten, no
        // status change and no event.
        let out = s
            .apply_page(&ctx(2), records_desc(&[(1, 8), (2, 8)], "new"), None)
            .await
            .unwrap();
        assert_eq!(
            (out.new, out.changed, out.status_changes, out.events),
            (0, 2, 0, 0)
        );
        let (raw2, hash, changes) = raw_row(&s, 1).await;
        assert!(raw2.contains("\"new\"") && raw2 != raw1);
        assert_eq!((hash, changes), (Some(raw_hash(&raw2)), 0));
        let same = s
            .apply_page(&ctx(3), records_desc(&[(1, 8), (2, 8)], "new"), None)
            .await
            .unwrap();
        assert_eq!((same.changed, same.events), (0, 0));

        // Detection goes by the stored hash: a stale hash counts as a change
        // even though the stored raw is the same.
        s.test_exec("UPDATE modelarts_training_jobs SET raw_hash = 42 WHERE job_id = 2")
            .await;
        let stale = s
            .apply_page(&ctx(4), records_desc(&[(1, 8), (2, 8)], "new"), None)
            .await
            .unwrap();
        assert_eq!(
            (stale.changed, stale.status_changes, stale.events),
            (1, 0, 0)
        );
        let (raw, hash, _) = raw_row(&s, 2).await;
        assert_eq!(hash, Some(raw_hash(&raw)), "rewritten with the right hash");

        // Rows from before migration 0024 (no hash) are compared by raw: the
        // same raw is unchanged (changed_at kept) and gets its hash...
        s.test_exec("UPDATE modelarts_training_jobs SET raw_hash = NULL, changed_at = 'before'")
            .await;
        let legacy = s
            .apply_page(&ctx(5), records_desc(&[(1, 8), (2, 8)], "new"), None)
            .await
            .unwrap();
        assert_eq!(
            (legacy.changed, legacy.status_changes, legacy.events),
            (0, 0, 0)
        );
        let (raw, hash, _) = raw_row(&s, 1).await;
        assert_eq!(hash, Some(raw_hash(&raw)), "hash filled in");
        let kept: i64 = s
            .test_one("SELECT COUNT(*) FROM modelarts_training_jobs WHERE changed_at = 'before' AND last_seen_run = 5")
            .await;
        assert_eq!(kept, 2);
        // ... and another raw is a change (still no status event), with a
        // status change on another row logged as usual.
        s.test_exec("UPDATE modelarts_training_jobs SET raw_hash = NULL")
            .await;
        let out = s
            .apply_page(&ctx(6), records_desc(&[(1, 8), (2, 10)], "newer"), None)
            .await
            .unwrap();
        assert_eq!((out.changed, out.status_changes, out.events), (2, 1, 1));
        let (raw, hash, changes) = raw_row(&s, 1).await;
        assert!(raw.contains("newer"));
        assert_eq!((hash, changes), (Some(raw_hash(&raw)), 1));
    }
}

#[tokio::test]
async fn marks_unseen_rows_deleted_and_revives_them() {
    for (_d, s) in stores().await {
        s.apply_page(&ctx(1), records(&[(1, 8), (2, 10), (3, 10)]), None)
            .await
            .unwrap();
        s.apply_page(&ctx(5), records(&[(1, 8)]), None)
            .await
            .unwrap();
        assert_eq!(s.unseen_since("ma", &TABLE, 5).await.unwrap().len(), 2);
        assert_eq!(s.mark_unseen_deleted("ma", &TABLE, 5).await.unwrap(), 2);
        assert_eq!(s.count_present("ma", &TABLE).await.unwrap(), 1);
        let total: i64 = s
            .test_one("SELECT COUNT(*) FROM modelarts_training_jobs")
            .await;
        assert_eq!(total, 3, "rows are never erased");
        let back = s
            .apply_page(&ctx(6), records(&[(2, 10)]), None)
            .await
            .unwrap();
        assert_eq!(back.changed, 1);
        assert_eq!(s.count_present("ma", &TABLE).await.unwrap(), 2);
    }
}

#[tokio::test]
async fn jobs_view_uses_contract_time_format() {
    for (_d, s) in stores().await {
        s.apply_page(&ctx(1), records(&[(635, 10)]), None)
            .await
            .unwrap();
        let (created, finished, first_seen, duration): (String, String, String, i64) = s.test_rows("SELECT created_at, finished_at, first_seen_at, duration_ms FROM jobs WHERE job_id = '635'").await.remove(0);
        assert_eq!(created, "2026-01-02T03:04:05.635Z");
        assert_eq!(finished, "2026-01-02T03:04:07.135Z");
        assert_eq!(duration, 1500);
        assert!(crate::clock::parse(&first_seen).is_some() && first_seen.ends_with('Z'));
        assert_eq!(first_seen.len(), 24);
    }
}

#[tokio::test]
async fn cursor_is_written_with_the_page() {
    for (_d, s) in stores().await {
        s.apply_page(
            &ctx(1),
            records(&[(1, 8)]),
            Some(r#"{"full":{"next_index":3}}"#),
        )
        .await
        .unwrap();
        let st = s.sync_state("ma").await.unwrap();
        assert_eq!(st.cursor["full"]["next_index"], 3);
        assert!(st.initial_done_at.is_none());
        s.record_success("ma", crate::providers::Kind::ModelartsTrainingJobs, true)
            .await
            .unwrap();
        let st = s.sync_state("ma").await.unwrap();
        assert!(st.initial_done_at.is_some() && st.last_full_at.is_some());
        assert_eq!(
            st.cursor["full"]["next_index"], 3,
            "success keeps the cursor"
        );
    }
}

#[tokio::test]
async fn wal_mode_is_on() {
    let db = TestDb::sqlite();
    let s = Store::open(&db.url).await.unwrap();
    let mode: String = s.test_one("PRAGMA journal_mode").await;
    assert_eq!(mode, "wal");
}

#[tokio::test]
async fn tables_match_their_specs() {
    use crate::providers;
    let specs: [&TableSpec; 5] = [
        &TABLE,
        &providers::pai_dlc_jobs::TABLE,
        &providers::modzy_jobs::TABLE,
        &providers::modelarts_algorithms::TABLE,
        &providers::swr_instance_jobs::TABLE,
    ];
    for (_d, s) in stores().await {
        for spec in specs {
            // (column, declared type) of the table, lower-cased.
            let sql = match s.backend() {
                Backend::Sqlite => format!(
                    "SELECT name, lower(type) FROM pragma_table_info('{}')",
                    spec.table
                ),
                Backend::Postgres => format!(
                    "SELECT CAST(column_name AS TEXT), CAST(data_type AS TEXT) \
                     FROM information_schema.columns WHERE table_name = '{}'",
                    spec.table
                ),
            };
            let cols: Vec<(String, String)> = s.test_rows(&sql).await;
            let type_of = |name: &str| cols.iter().find(|c| c.0 == name).map(|c| c.1.as_str());
            for c in spec.columns {
                let want = match (s.backend(), c.ty) {
                    (Backend::Sqlite, ColType::Integer | ColType::Bool) => "integer",
                    (Backend::Sqlite, ColType::Real) => "real",
                    (Backend::Sqlite, ColType::Text | ColType::Json) => "text",
                    (Backend::Postgres, ColType::Integer | ColType::Bool) => "bigint",
                    (Backend::Postgres, ColType::Real) => "double precision",
                    (Backend::Postgres, ColType::Text | ColType::Json) => "text",
                };
                assert_eq!(type_of(c.name), Some(want), "{}.{}", spec.table, c.name);
            }
            for b in [
                "source",
                "state",
                "raw",
                "raw_hash",
                "first_seen_at",
                "last_seen_at",
                "deleted_at",
            ] {
                assert!(type_of(b).is_some(), "{}.{b} missing", spec.table);
            }
        }
    }
}

/// PostgreSQL: a table that took 1,000 new rows has planner statistics
/// (`reltuples` is -1 until the first ANALYZE), so page look-ups by id stop
/// being planned as scans of the whole source.
#[tokio::test]
async fn postgres_tables_are_analyzed_as_they_grow() {
    for (_d, s) in stores().await {
        if s.backend() != Backend::Postgres {
            continue;
        }
        let reltuples = |s: Store| async move {
            s.test_one::<f64>(
                "SELECT reltuples::float8 FROM pg_class WHERE relname = 'modelarts_training_jobs'",
            )
            .await
        };
        let page = |from: i64| (from..from + 500).map(|id| (id, 8)).collect::<Vec<_>>();
        s.apply_page(&ctx(1), records(&page(1)), None)
            .await
            .unwrap();
        assert!(reltuples(s.clone()).await < 0.0, "not analyzed at 500 rows");
        s.apply_page(&ctx(1), records(&page(501)), None)
            .await
            .unwrap();
        assert_eq!(reltuples(s.clone()).await, 1000.0, "analyzed at 1,000 rows");
    }
}
