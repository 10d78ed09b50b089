//! IR → SQL: bound values only, refused columns, and the compiled SQL run
//! against a real mirror (counts, trigram, keyset, hostile values).

use serde_json::{json, Value};

use super::dialects::modelarts_training_jobs::TABLE;
use super::exec::{self, TRIGRAM_MAX_CANDIDATES};
use super::ir::*;
use super::sql::{self, IrError, NameSearch};
use super::test_mirror::{KindIo, TestMirror};
use crate::providers::modelarts_training_jobs::{parse_list, TABLE as SPEC};
use crate::store::SqlValue;

const HOSTILE: &str = "x'); DROP TABLE modelarts_training_jobs; --";

fn base() -> Query {
    Query::new(&TABLE, &[Col("job_id")], vec![SortKey::asc(Col("job_id"))])
        .filter(Filter::Eq(SOURCE, SqlValue::Text("ma".into())))
}

#[test]
fn values_are_bound_never_spliced() {
    let mut q = base()
        .filter(Filter::ContainsCi(Col("job_name"), HOSTILE.into()))
        .filter(Filter::Eq(Col("job_desc"), SqlValue::Text(HOSTILE.into())))
        .filter(Filter::In(
            Col("status"),
            vec![SqlValue::Int(8), SqlValue::Text(HOSTILE.into())],
        ))
        .filter(Filter::Range {
            col: Col("create_time"),
            lower: Some(Bound::inclusive(SqlValue::Int(5))),
            upper: Some(Bound::exclusive(SqlValue::Text(HOSTILE.into()))),
        })
        .filter(Filter::Any(vec![Filter::Not(Box::new(Filter::Eq(
            Col("job_name"),
            SqlValue::Text(HOSTILE.into()),
        )))]));
    q.order = vec![SortKey::desc(Col("job_name"))];
    q.after = Some(vec![SqlValue::Text(HOSTILE.into()), SqlValue::Int(3)]);
    q.offset = 20;
    q.limit = Some(10);
    for search in [NameSearch::Scan, NameSearch::Trigram] {
        let text = sql::select(&q, search).unwrap().sql().to_string();
        assert!(!text.contains("DROP"), "{text}");
        assert!(!text.contains("20") && !text.contains("10"), "{text}");
        assert!(
            text.contains("ORDER BY job_name COLLATE BINARY DESC NULLS LAST, job_id COLLATE BINARY ASC NULLS FIRST"),
            "{text}"
        );
        let text = sql::count(&q, search).unwrap().sql().to_string();
        assert!(
            !text.contains("DROP") && text.starts_with("SELECT COUNT(*)"),
            "{text}"
        );
    }
    let text = sql::select(&q, NameSearch::Trigram)
        .unwrap()
        .sql()
        .to_string();
    assert!(text.contains("rowid IN (SELECT rowid FROM modelarts_training_jobs_names WHERE modelarts_training_jobs_names MATCH ?)"), "{text}");
}

#[test]
fn columns_come_only_from_the_table() {
    let q = base().filter(Filter::Eq(Col("password"), SqlValue::Int(1)));
    assert_eq!(
        sql::select(&q, NameSearch::Scan).err().unwrap(),
        IrError::UnknownColumn {
            table: "modelarts_training_jobs",
            column: "password"
        }
    );
    let mut q = base();
    q.order = vec![SortKey::asc(Col("job_name; DROP TABLE x"))];
    assert!(sql::select(&q, NameSearch::Scan).is_err());
    let mut q = base();
    q.after = Some(vec![SqlValue::Int(1), SqlValue::Int(2)]);
    assert_eq!(
        sql::select(&q, NameSearch::Scan).err().unwrap(),
        IrError::KeysetArity { got: 2, want: 1 }
    );
}

#[test]
fn like_patterns_escape_wildcards() {
    assert_eq!(sql::like_pattern("a%b_c\\d"), "%a\\%b\\_c\\\\d%");
    assert_eq!(sql::like_pattern(""), "%%");
}

#[test]
fn the_count_table_serves_only_source_and_status_equalities() {
    let q = base().filter(Filter::Eq(Col("status"), SqlValue::Int(8)));
    let text = sql::count_from_counts(&q)
        .unwrap()
        .unwrap()
        .sql()
        .to_string();
    assert!(text.contains("FROM modelarts_training_jobs_counts") && text.contains("deleted = 0"));
    let q = base().filter(Filter::ContainsCi(Col("job_name"), "x".into()));
    assert!(sql::count_from_counts(&q).is_none());
    let q = base().filter(Filter::Eq(Col("job_desc"), SqlValue::Text("x".into())));
    assert!(sql::count_from_counts(&q).is_none());
    let mut q = base();
    q.include_deleted = true;
    let text = sql::count_from_counts(&q)
        .unwrap()
        .unwrap()
        .sql()
        .to_string();
    assert!(!text.contains("deleted = 0"));
}

/// A scratch mirror with a `ma` and an `other` source.
type Mirror = TestMirror;

/// ModelArts training jobs in their list body.
fn training_jobs() -> KindIo {
    KindIo {
        kind: "modelarts-training-jobs",
        spec: &SPEC,
        body: |jobs| json!({"is_success": true, "job_total_count": jobs.len(), "jobs": jobs}),
        parse: parse_list,
    }
}

fn job(id: i64, name: &str, status: i64, desc: &str, duration: Option<i64>) -> Value {
    let mut j = json!({
        "job_id": id, "job_name": name, "version_id": id, "status": status,
        "create_time": 1_700_000_000_000i64 + id * 1000, "job_desc": desc, "version_count": 1 + id % 3,
    });
    if let Some(d) = duration {
        j["duration"] = json!(d);
    }
    j
}

impl TestMirror {
    async fn ids(&self, q: &Query) -> Vec<i64> {
        let mut conn = self.store.sqlite_reader().unwrap().acquire().await.unwrap();
        let plan = exec::plan(&mut conn, q, false).await.unwrap();
        exec::rows(&mut conn, q, &plan)
            .await
            .unwrap()
            .into_iter()
            .map(|r| match r[0] {
                SqlValue::Int(i) => i,
                ref other => panic!("{other:?}"),
            })
            .collect()
    }

    /// The count through every strategy: plan (counts table / trigram), and the
    /// plain scan both ways; all must agree.
    async fn count(&self, q: &Query) -> u64 {
        let mut conn = self.store.sqlite_reader().unwrap().acquire().await.unwrap();
        let planned = exec::plan(&mut conn, q, true)
            .await
            .unwrap()
            .matching
            .unwrap();
        for search in [NameSearch::Scan, NameSearch::Trigram] {
            let mut qb = sql::count(q, search).unwrap();
            let n: i64 = sqlx::Row::get(&qb.build().fetch_one(&mut *conn).await.unwrap(), 0);
            assert_eq!(n as u64, planned, "{search:?} {q:?}");
        }
        planned
    }
}

fn ma() -> Query {
    base()
}

fn contains(q: Query, s: &str) -> Query {
    q.filter(Filter::ContainsCi(Col("job_name"), s.into()))
}

#[tokio::test]
async fn hostile_and_odd_needles_match_literally() {
    let mut m = Mirror::new(training_jobs()).await;
    let names = [
        "100% done",
        "100x done",
        "under_score",
        "underXscore",
        "back\\slash",
        HOSTILE,
        "quote \"it\"",
        "ÉTÉ-Run",
        "été-run",
        "nul\0byte",
        "RESNET-train",
        "my-resnet",
    ];
    let jobs = names
        .iter()
        .enumerate()
        .map(|(i, n)| job(i as i64 + 1, n, 10, "", Some(5)))
        .collect();
    m.put("ma", jobs).await;
    let cases: &[(&str, &[i64])] = &[
        ("%", &[1]),
        ("0% d", &[1]),
        ("_", &[3, 6]),
        ("r_s", &[3]),
        ("\\", &[5]),
        ("'", &[6]),
        ("drop table", &[6]),
        ("\"it\"", &[7]),
        ("été", &[9]),
        ("ÉTÉ", &[8]),
        ("-RUN", &[8, 9]),
        ("\0", &[10]),
        ("L\0B", &[10]),
        ("resnet", &[11, 12]),
        // 1–2 characters: the short-needle table, then LIKE.
        ("RE", &[3, 4, 11, 12]),
        ("e", &[1, 2, 3, 4, 6, 7, 11, 12]),
        ("é", &[9]),
        ("É", &[8]),
        ("t\"", &[7]),
        ("0%", &[1]),
        ("Q", &[7]),
        ("", &[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]),
        ("zzz", &[]),
    ];
    for (needle, want) in cases {
        let q = contains(ma(), needle);
        assert_eq!(m.ids(&q).await, *want, "{needle:?}");
        assert_eq!(m.count(&q).await, want.len() as u64, "{needle:?}");
    }
    // The table is intact.
    assert_eq!(m.count(&ma()).await, 12);
}

#[tokio::test]
async fn counts_follow_inserts_status_changes_and_deletions() {
    let mut m = Mirror::new(training_jobs()).await;
    m.put(
        "ma",
        (1..=6)
            .map(|i| job(i, &format!("job-{i}"), 8, "", None))
            .collect(),
    )
    .await;
    m.put("other", vec![job(1, "job-1", 8, "", None)]).await;
    let running = |q: Query| q.filter(Filter::Eq(Col("status"), SqlValue::Int(8)));
    assert_eq!(m.count(&running(ma())).await, 6);
    // Status changes and a deletion in one full pass.
    m.put(
        "ma",
        (1..=5)
            .map(|i| {
                job(
                    i,
                    &format!("job-{i}"),
                    if i <= 2 { 10 } else { 8 },
                    "",
                    None,
                )
            })
            .collect(),
    )
    .await;
    m.sweep("ma").await;
    assert_eq!(m.count(&running(ma())).await, 3);
    assert_eq!(m.count(&ma()).await, 5);
    let mut all = ma();
    all.include_deleted = true;
    assert_eq!(m.count(&all).await, 6);
    assert_eq!(m.ids(&all).await, [1, 2, 3, 4, 5, 6]);
    assert_eq!(m.ids(&ma()).await, [1, 2, 3, 4, 5]);
    // A renamed job is found under its new name only; a deleted one not at all.
    m.put("ma", vec![job(3, "renamed-three", 8, "", None)])
        .await;
    assert_eq!(m.ids(&contains(ma(), "job-")).await, [1, 2, 4, 5]);
    assert_eq!(m.ids(&contains(ma(), "RENAMED")).await, [3]);
    assert_eq!(m.count(&contains(ma(), "job-")).await, 4);
    assert_eq!(m.ids(&contains(ma(), "b-")).await, [1, 2, 4, 5]);
    assert_eq!(m.count(&contains(ma(), "b-")).await, 4);
    assert_eq!(m.ids(&contains(ma(), "D-")).await, [3]);
    // A deleted job that comes back is counted and found again.
    m.put("ma", vec![job(6, "job-6", 8, "", None)]).await;
    assert_eq!(m.count(&ma()).await, 6);
    assert_eq!(m.ids(&contains(ma(), "job-6")).await, [6]);
    // The other source is untouched by all this, and vice versa.
    let other = Query::new(&TABLE, &[Col("job_id")], vec![SortKey::asc(Col("job_id"))])
        .filter(Filter::Eq(SOURCE, SqlValue::Text("other".into())));
    assert_eq!(m.count(&other).await, 1);
    assert_eq!(m.count(&contains(other, "job")).await, 1);
}

#[tokio::test]
async fn many_trigram_candidates_still_count_exactly() {
    let mut m = Mirror::new(training_jobs()).await;
    let n = TRIGRAM_MAX_CANDIDATES + 50;
    let jobs: Vec<Value> = (1..=n)
        .map(|i| job(i, &format!("Common-{i}"), 10, "", None))
        .collect();
    for chunk in jobs.chunks(1000) {
        m.put("ma", chunk.to_vec()).await;
    }
    m.put("b", vec![job(1, "common-b", 10, "", None)]).await;
    let q = contains(ma(), "COMMON");
    assert_eq!(m.count(&q).await, n as u64);
    assert_eq!(m.ids(&q).await.len() as i64, n);
    assert_eq!(m.count(&contains(ma(), "mon-12")).await, 1 + 10 + 100);
}

#[tokio::test]
async fn keyset_paging_walks_the_whole_order_once_with_nulls() {
    let mut m = Mirror::new(training_jobs()).await;
    let descs = ["b", "", "a", "b", "c"];
    let jobs = (1..=40)
        .map(|i| {
            let d = if i % 7 == 0 { None } else { Some(i % 4 * 100) };
            job(i, &format!("j{}", i % 5), i % 3, descs[(i % 5) as usize], d)
        })
        .collect();
    m.put("ma", jobs).await;
    for (col, dir) in [
        ("duration", Direction::Asc),
        ("duration", Direction::Desc),
        ("job_desc", Direction::Desc),
        ("job_name", Direction::Asc),
    ] {
        let mut q = ma();
        q.select = vec![Col("job_id"), Col(col)];
        q.order = vec![SortKey::new(Col(col), dir)];
        let full = {
            let mut conn = m.store.sqlite_reader().unwrap().acquire().await.unwrap();
            let plan = exec::plan(&mut conn, &q, false).await.unwrap();
            exec::rows(&mut conn, &q, &plan).await.unwrap()
        };
        assert_eq!(full.len(), 40);
        let mut walked = Vec::new();
        let mut after: Option<Vec<SqlValue>> = None;
        loop {
            let mut page = q.clone();
            page.after = after.clone();
            page.limit = Some(3);
            let mut conn = m.store.sqlite_reader().unwrap().acquire().await.unwrap();
            let plan = exec::plan(&mut conn, &page, false).await.unwrap();
            let rows = exec::rows(&mut conn, &page, &plan).await.unwrap();
            let Some(last) = rows.last() else { break };
            after = Some(vec![last[1].clone(), last[0].clone()]);
            walked.extend(rows);
        }
        assert_eq!(walked, full, "{col} {dir:?}");
        // NULLs are the smallest value: first ascending, last descending.
        if col == "duration" {
            let first_null = full.iter().position(|r| r[1] == SqlValue::Null);
            let want = if dir == Direction::Asc { 0 } else { 40 - 5 };
            assert_eq!(first_null, Some(want), "{dir:?}");
        }
    }
}

#[tokio::test]
async fn the_planner_uses_the_query_indexes() {
    let m = Mirror::new(training_jobs()).await;
    let mut conn = m.store.sqlite_reader().unwrap().acquire().await.unwrap();
    // (sortBy, order, status filter) → the index that must serve it with no sort step.
    for (col, dir, status, index) in [
        (
            "job_name",
            Direction::Asc,
            None,
            "modelarts_training_jobs_q_name",
        ),
        (
            "job_name",
            Direction::Desc,
            None,
            "modelarts_training_jobs_q_name",
        ),
        (
            "create_time",
            Direction::Desc,
            None,
            "modelarts_training_jobs_q_create",
        ),
        (
            "status",
            Direction::Desc,
            None,
            "modelarts_training_jobs_q_status_desc",
        ),
        (
            "version_count",
            Direction::Asc,
            None,
            "modelarts_training_jobs_q_versions",
        ),
        (
            "job_name",
            Direction::Asc,
            Some(8),
            "modelarts_training_jobs_q_status_name",
        ),
        (
            "create_time",
            Direction::Desc,
            Some(8),
            "modelarts_training_jobs_q_status_create",
        ),
    ] {
        let mut q = ma();
        q.select = vec![Col("raw")];
        q.order = vec![SortKey::new(Col(col), dir)];
        if let Some(s) = status {
            q.filters.push(Filter::Eq(Col("status"), SqlValue::Int(s)));
        }
        q.limit = Some(10);
        let qb = sql::select(&q, NameSearch::Scan).unwrap();
        let text = format!("EXPLAIN QUERY PLAN {}", qb.sql());
        let mut explain = sqlx::query_as::<_, (i64, i64, i64, String)>(&text).bind("ma");
        if let Some(s) = status {
            explain = explain.bind(s);
        }
        let rows = explain
            .bind(10i64)
            .bind(0i64)
            .fetch_all(&mut *conn)
            .await
            .unwrap();
        let detail: Vec<&str> = rows.iter().map(|r| r.3.as_str()).collect();
        assert!(
            detail.iter().any(|d| d.contains(index)),
            "{col} {dir:?}: {detail:?}"
        );
        let sorts = detail.iter().any(|d| d.contains("TEMP B-TREE"));
        // Descending job_name/create_time may sort ties by job_id in small groups.
        let tie_sort_ok = dir == Direction::Desc && matches!(col, "job_name" | "create_time");
        assert!(!sorts || tie_sort_ok, "{col} {dir:?}: {detail:?}");
    }
}

#[tokio::test]
async fn access_hints_change_plans_never_answers() {
    use super::sql::{Access, PathHint};
    let mut m = Mirror::new(training_jobs()).await;
    m.put(
        "ma",
        (1..=60)
            .map(|i| job(i, &format!("n{}", i % 7), 8 + i % 3, "", Some(i % 5)))
            .collect(),
    )
    .await;
    let mut conn = m.store.sqlite_reader().unwrap().acquire().await.unwrap();
    // Every index the dialect names exists (INDEXED BY must not fail).
    let names: Vec<String> =
        sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'index'")
            .fetch_all(&mut *conn)
            .await
            .unwrap();
    for ix in TABLE.indexes {
        assert!(names.iter().any(|n| n == ix.name), "{}", ix.name);
    }
    let mut q = ma()
        .filter(Filter::Eq(Col("status"), SqlValue::Int(9)))
        .filter(Filter::ContainsCi(Col("job_name"), "N".into()));
    q.order = vec![SortKey::desc(Col("duration"))];
    let mut results = Vec::new();
    for path in [
        PathHint::Free,
        PathHint::WalkOrder,
        PathHint::Index("modelarts_training_jobs_q_status_name"),
        PathHint::RowidOnly,
    ] {
        let search = if path == PathHint::RowidOnly {
            NameSearch::Trigram
        } else {
            NameSearch::Scan
        };
        let access = Access {
            search,
            path,
            ..Access::default()
        };
        let mut qb = sql::select(&q, access).unwrap();
        let text = qb.sql().to_string();
        let rows = qb.build().fetch_all(&mut *conn).await.unwrap();
        let rows: Vec<Vec<SqlValue>> = rows
            .into_iter()
            .map(|r| exec::decode(&crate::store::db::DbRow::Sqlite(r)).unwrap())
            .collect();
        results.push((text, rows));
    }
    let (free, walk, indexed) = (&results[0].1, &results[1].1, &results[2].1);
    assert_eq!(&results[3].1, free);
    assert!(results[3].0.contains("NOT INDEXED"), "{}", results[3].0);
    let (walk_sql, ix_sql) = (&results[1].0, &results[2].0);
    assert_eq!(free.len(), 20);
    assert_eq!(walk, free);
    assert_eq!(indexed, free);
    assert!(
        walk_sql.contains("+status = ?") && !walk_sql.contains("+source"),
        "{walk_sql}"
    );
    assert!(
        ix_sql.contains("INDEXED BY modelarts_training_jobs_q_status_name"),
        "{ix_sql}"
    );
    // A name that is not one of the table's indexes is never spliced in.
    let mut qb = sql::select(
        &q,
        Access {
            search: NameSearch::Scan,
            path: PathHint::Index("sqlite_master"),
            ..Access::default()
        },
    )
    .unwrap();
    assert!(!qb.sql().contains("INDEXED BY"));
    let _ = qb.build();
}

#[tokio::test]
async fn every_index_and_name_table_the_tables_name_exists() {
    let m = Mirror::new(training_jobs()).await;
    let mut conn = m.store.sqlite_reader().unwrap().acquire().await.unwrap();
    let names: Vec<String> =
        sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type IN ('index', 'table')")
            .fetch_all(&mut *conn)
            .await
            .unwrap();
    let has = |n: &str| names.iter().any(|x| x == n);
    let tables = crate::providers::Kind::ALL
        .iter()
        .filter_map(|k| super::dialect(*k))
        .map(|d| d.table())
        .chain(super::jobs::ARMS.iter().map(|(_, t)| t));
    for table in tables {
        for ix in table.indexes {
            assert!(has(ix.name), "{}: {}", table.name, ix.name);
        }
        if let Some(tg) = table.trigram {
            assert!(has(tg.table), "{}: {}", table.name, tg.table);
            if let Some(short) = tg.short {
                assert!(has(short), "{}: {short}", table.name);
            }
            if let Some(base) = tg.base {
                assert!(has(base.table), "{}: {}", table.name, base.table);
            }
        }
    }
}

#[test]
fn a_view_finds_name_candidates_by_its_tables_key() {
    let (_, swr) = super::jobs::ARMS
        .iter()
        .find(|(k, _)| *k == crate::providers::Kind::SwrInstanceJobs)
        .unwrap();
    let q = Query::new(swr, &[Col("job_id")], vec![SortKey::asc(Col("job_id"))])
        .filter(Filter::ContainsCi(Col("name"), "Res".into()));
    let m = sql::trigram_phrase(&q).unwrap();
    assert_eq!(m.table, "swr_instance_jobs_names");
    assert_eq!(m.expr, "\"res\"");
    let text = sql::select(&q, NameSearch::Trigram)
        .unwrap()
        .sql()
        .to_string();
    assert!(
        text.contains(
            "(source, job_id) IN (SELECT source, id FROM swr_instance_jobs WHERE rowid IN \
             (SELECT rowid FROM swr_instance_jobs_names WHERE swr_instance_jobs_names MATCH ?)) \
             AND name LIKE ?"
        ),
        "{text}"
    );
    let text = sql::trigram_count_upto(&q, &m, TRIGRAM_MAX_CANDIDATES)
        .unwrap()
        .sql()
        .to_string();
    assert!(text.ends_with("MATCH ? LIMIT ?)"), "{text}");
}

/// The count table counts NULL statuses under -1 (ModelArts) or '' (the
/// others): an equality on that key, or on NULL, is never answered from it.
#[test]
fn the_key_null_is_counted_under_is_never_served_by_the_count_table() {
    let status = |v: SqlValue| base().filter(Filter::Eq(Col("status"), v));
    assert!(sql::count_from_counts(&status(SqlValue::Int(8))).is_some());
    assert!(sql::count_from_counts(&status(SqlValue::Int(-1))).is_none());
    assert!(sql::count_from_counts(&status(SqlValue::Null)).is_none());
    let either = base().filter(Filter::In(
        Col("status"),
        vec![SqlValue::Int(8), SqlValue::Int(-1)],
    ));
    assert!(sql::count_from_counts(&either).is_none());
    let text = NullKey::Text("");
    assert!(!text.keeps_apart(&SqlValue::Text(String::new())));
    assert!(text.keeps_apart(&SqlValue::Text("Running".into())));
    assert!(!text.keeps_apart(&SqlValue::Null));
    assert!(NullKey::Int(-1).keeps_apart(&SqlValue::Text("-1".into())));
}
