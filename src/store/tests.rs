//! Store behaviour on a real SQLite file: page upserts, change detection,
//! idempotence, deletions and the `jobs` view.

use super::*;
use crate::providers::modelarts_training_jobs::{parse_list, TABLE};
use crate::providers::RawResponse;

async fn store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("m.db").display());
    (dir, Store::open(&url).await.unwrap())
}

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
    let (_d, s) = store().await;
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

    let rows: Vec<(String, String, String, String, String)> = sqlx::query_as(
        "SELECT job_id, old_status, new_status, old_state, new_state FROM status_changes ORDER BY id",
    )
    .fetch_all(s.reader())
    .await
    .unwrap();
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

#[tokio::test]
async fn marks_unseen_rows_deleted_and_revives_them() {
    let (_d, s) = store().await;
    s.apply_page(&ctx(1), records(&[(1, 8), (2, 10), (3, 10)]), None)
        .await
        .unwrap();
    s.apply_page(&ctx(5), records(&[(1, 8)]), None)
        .await
        .unwrap();
    assert_eq!(s.unseen_since("ma", &TABLE, 5).await.unwrap().len(), 2);
    assert_eq!(s.mark_unseen_deleted("ma", &TABLE, 5).await.unwrap(), 2);
    assert_eq!(s.count_present("ma", &TABLE).await.unwrap(), 1);
    let total: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM modelarts_training_jobs")
        .fetch_one(s.reader())
        .await
        .unwrap();
    assert_eq!(total, 3, "rows are never erased");
    let back = s
        .apply_page(&ctx(6), records(&[(2, 10)]), None)
        .await
        .unwrap();
    assert_eq!(back.changed, 1);
    assert_eq!(s.count_present("ma", &TABLE).await.unwrap(), 2);
}

#[tokio::test]
async fn jobs_view_uses_contract_time_format() {
    let (_d, s) = store().await;
    s.apply_page(&ctx(1), records(&[(635, 10)]), None)
        .await
        .unwrap();
    let (created, finished, first_seen, duration): (String, String, String, i64) = sqlx::query_as(
        "SELECT created_at, finished_at, first_seen_at, duration_ms FROM jobs WHERE job_id = '635'",
    )
    .fetch_one(s.reader())
    .await
    .unwrap();
    assert_eq!(created, "2026-01-02T03:04:05.635Z");
    assert_eq!(finished, "2026-01-02T03:04:07.135Z");
    assert_eq!(duration, 1500);
    assert!(crate::clock::parse(&first_seen).is_some() && first_seen.ends_with('Z'));
    assert_eq!(first_seen.len(), 24);
}

#[tokio::test]
async fn cursor_is_written_with_the_page() {
    let (_d, s) = store().await;
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

#[tokio::test]
async fn wal_mode_is_on() {
    let (_d, s) = store().await;
    let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
        .fetch_one(s.writer())
        .await
        .unwrap();
    assert_eq!(mode, "wal");
}

#[tokio::test]
async fn table_matches_its_spec() {
    let (_d, s) = store().await;
    let cols: Vec<String> =
        sqlx::query_scalar("SELECT name FROM pragma_table_info('modelarts_training_jobs')")
            .fetch_all(s.reader())
            .await
            .unwrap();
    for c in TABLE.columns {
        assert!(cols.iter().any(|x| x == c.name), "{} missing", c.name);
    }
    for b in [
        "source",
        "state",
        "raw",
        "first_seen_at",
        "last_seen_at",
        "deleted_at",
    ] {
        assert!(cols.iter().any(|x| x == b), "{b} missing");
    }
}
