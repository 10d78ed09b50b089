//! Counts over time windows from PAI-DLC's per-day count table (migration
//! 0027): the bucket sums plus partial days, and the complement of a wide
//! window, always equal the plain `COUNT(*)`, through inserts, status and
//! time changes, deletions and odd time texts.

use serde_json::{json, Value};

use super::dialects::pai_dlc_jobs::TABLE;
use super::exec;
use super::ir::*;
use super::sql::{self, NameSearch};
use super::test_mirror::{KindIo, TestMirror};
use crate::providers::pai_dlc_jobs::{parse_list, TABLE as SPEC};
use crate::store::SqlValue;

type Mirror = TestMirror;

/// PAI-DLC jobs in their `ListJobs` body.
fn pai_jobs() -> KindIo {
    KindIo {
        kind: "pai-dlc-jobs",
        spec: &SPEC,
        body: |jobs| json!({"Jobs": jobs, "TotalCount": jobs.len(), "RequestId": "r"}),
        parse: parse_list,
    }
}

impl TestMirror {
    async fn plain(&self, q: &Query) -> u64 {
        let mut conn = self.store.sqlite_reader().unwrap().acquire().await.unwrap();
        let mut qb = sql::count(q, NameSearch::Scan).unwrap();
        let n: i64 = sqlx::Row::get(&qb.build().fetch_one(&mut *conn).await.unwrap(), 0);
        n as u64
    }

    /// Every way of counting `q` agrees with the plain count; returns which
    /// shortcuts applied (bucket sums, complement).
    async fn check(&self, q: &Query) -> (bool, bool) {
        let want = self.plain(q).await;
        let mut conn = self.store.sqlite_reader().unwrap().acquire().await.unwrap();
        let ranges = exec::count_by_ranges(&mut *conn, q).await.unwrap();
        if let Some(n) = ranges {
            assert_eq!(n, want, "bucket sums of {q:?}");
        }
        let complement = exec::count_by_complement(&mut *conn, q, 0).await.unwrap();
        if let Some(n) = complement {
            assert_eq!(n, want, "complement of {q:?}");
        }
        let planned = exec::plan(&mut *conn, q, true).await.unwrap().matching;
        assert_eq!(planned, Some(want), "plan of {q:?}");
        (ranges.is_some(), complement.is_some())
    }
}

/// Job `i`: created on day 1 + i % 9 of October 2026 at hour i % 24 (or at
/// the odd time `time` when given), status by `i % 3`.
fn job(i: usize, name: &str, time: Option<Option<&str>>) -> Value {
    let status = ["Running", "Succeeded", "Failed"][i % 3];
    let created = match time {
        Some(t) => json!(t),
        None => json!(format!(
            "2026-10-{:02}T{:02}:{:02}:00Z",
            1 + i % 9,
            i % 24,
            i % 60
        )),
    };
    let job_type = ["TFJob", "PyTorchJob"][i % 2];
    json!({
        "JobId": format!("dlc-{i:04}"), "DisplayName": name, "JobType": job_type,
        "Status": status, "GmtCreateTime": created,
    })
}

fn jobs(names: &[&str], n: usize) -> Vec<Value> {
    let mut out: Vec<Value> = (0..n)
        .map(|i| job(i, names[i % names.len()], None))
        .collect();
    // Odd times: none, empty, a date alone, not a time at all, non-ASCII.
    for (k, t) in [
        None,
        Some(""),
        Some("2026-10-04"),
        Some("yesterday"),
        Some("2026-10-0\u{e9}T00:00:00Z"),
    ]
    .into_iter()
    .enumerate()
    {
        out.push(job(900 + k, names[k % names.len()], Some(t)));
    }
    // An empty status (the count table's key for a NULL one, which the
    // provider's parser refuses).
    let mut no_status = job(950, names[0], None);
    no_status["Status"] = json!("");
    out.push(no_status);
    out
}

fn base() -> Query {
    Query::new(&TABLE, &[Col("job_id")], vec![SortKey::asc(Col("job_id"))])
        .filter(Filter::Eq(SOURCE, SqlValue::Text("pai".into())))
}

fn t(s: &str) -> SqlValue {
    SqlValue::Text(s.into())
}

/// Windows: closed, half-open, exclusive, on day boundaries, within one day,
/// bounds too short or odd for buckets.
fn windows() -> Vec<(Option<Bound>, Option<Bound>)> {
    let inc = |s: &str| Some(Bound::inclusive(t(s)));
    let exc = |s: &str| Some(Bound::exclusive(t(s)));
    vec![
        (inc("2026-10-02T05:00:00Z"), inc("2026-10-07T11:30:00Z")),
        (exc("2026-10-02T05:05:00Z"), exc("2026-10-07T07:07:00Z")),
        (inc("2026-10-03T00:00:00Z"), inc("2026-10-06T00:00:00Z")),
        (inc("2026-10-03"), exc("2026-10-06")),
        (inc("2026-10-01T00:00:00Z"), None),
        (inc("2026-10-05T12:00:00Z"), None),
        (None, inc("2026-10-05T12:00:00Z")),
        (None, exc("2026-10-04")),
        (inc("2026-10-04T01:00:00Z"), inc("2026-10-04T20:00:00Z")),
        (inc("2026-10-0"), inc("2026-10-08T00:00:00Z")),
        (inc("2020-01-01T00:00:00Z"), inc("2030-01-01T00:00:00Z")),
        (inc("2026-10-07T00:00:00Z"), inc("2026-10-02T00:00:00Z")),
        (None, None),
    ]
}

fn windowed(q: Query, (lower, upper): &(Option<Bound>, Option<Bound>)) -> Query {
    q.filter(Filter::Range {
        col: Col("gmt_create_time"),
        lower: lower.clone(),
        upper: upper.clone(),
    })
}

async fn check_all(m: &Mirror) -> (usize, usize) {
    let status = |q: Query, s: &str| q.filter(Filter::Eq(Col("status"), t(s)));
    let mut sums = 0;
    let mut complements = 0;
    for w in windows() {
        let mut deleted_too = windowed(base(), &w);
        deleted_too.include_deleted = true;
        let two =
            windowed(base(), &w).filter(Filter::In(Col("status"), vec![t("Running"), t("Failed")]));
        for q in [
            windowed(base(), &w),
            status(windowed(base(), &w), "Succeeded"),
            two,
            status(windowed(base(), &w), ""),
            windowed(base(), &w).filter(Filter::In(Col("status"), vec![t(""), t("Running")])),
            deleted_too,
            windowed(base(), &w).filter(Filter::ContainsCi(Col("display_name"), "qwen".into())),
            windowed(base(), &w).filter(Filter::ContainsCi(Col("display_name"), "q".into())),
            status(
                windowed(base(), &w).filter(Filter::Eq(Col("job_type"), t("TFJob"))),
                "Failed",
            ),
        ] {
            let (s, c) = m.check(&q).await;
            sums += usize::from(s);
            complements += usize::from(c);
        }
    }
    (sums, complements)
}

#[tokio::test]
async fn window_counts_equal_plain_counts_through_every_change() {
    let mut m = Mirror::new(pai_jobs()).await;
    let names = ["qwen-7b-sft", "bert-base", "QWEN-eval", "resnet"];
    m.put("pai", jobs(&names, 120)).await;
    m.put("other", jobs(&["qwen"], 30)).await;
    let (sums, complements) = check_all(&m).await;
    assert!(sums >= 30, "bucket sums used {sums} times");
    assert!(complements >= 10, "complements used {complements} times");

    // Status and time changes, deletions (rows not seen again), renames.
    let mut changed = jobs(&names, 100);
    for (i, j) in changed.iter_mut().enumerate() {
        if i % 4 == 0 {
            j["Status"] = json!("Stopped");
        }
        if i % 5 == 0 {
            j["GmtCreateTime"] = json!(format!("2026-10-{:02}T23:59:59Z", 1 + (i + 3) % 9));
        }
        if i % 7 == 0 {
            j["GmtCreateTime"] = Value::Null;
        }
        if i % 6 == 0 {
            j["DisplayName"] = json!("renamed");
        }
    }
    m.put("pai", changed).await;
    m.sweep("pai").await;
    check_all(&m).await;

    // Deleted jobs come back; the counts follow.
    m.put("pai", jobs(&names, 120)).await;
    check_all(&m).await;
}
