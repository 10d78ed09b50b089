//! Pages read packed agree with the same pages read row by row: order (rowid
//! order is not the page's), NULLs, integers, blobs, non-ASCII and escaped
//! text, a view (no rowid), and reals (read row by row).

use sqlx::Connection;

use crate::query::exec;
use crate::query::ir::{Col, Filter, Index, Query, SortKey, Table, SOURCE};
use crate::query::sql;
use crate::store::db::AsConn;
use crate::store::SqlValue;

const COLUMNS: &[&str] = &["source", "k", "t", "i", "r", "b", "deleted_at"];

static T: Table = Table {
    name: "p",
    columns: COLUMNS,
    computed: &[("t_len", "length(t)")],
    has_rowid: true,
    counts: None,
    trigram: None,
    indexes: &[Index {
        name: "p_k",
        columns: &["k"],
    }],
};

static V: Table = Table {
    name: "p_view",
    has_rowid: false,
    indexes: &[],
    ..T
};

const SETUP: &str = "CREATE TABLE p (source TEXT, k INTEGER, t TEXT, i INTEGER, r REAL, b BLOB, deleted_at TEXT);
CREATE INDEX p_k ON p (source, k) WHERE deleted_at IS NULL;
CREATE VIEW p_view AS SELECT * FROM p;
INSERT INTO p VALUES
 ('s', 9, 'plain', 1, NULL, NULL, NULL),
 ('s', 8, NULL, NULL, NULL, x'41FF', NULL),
 ('s', 7, 'é 漢字 ; : T3:N I1; \"q\" \\ ' || char(0) || ' end', -9223372036854775808, NULL, NULL, NULL),
 ('s', 6, '', 9223372036854775807, NULL, x'', NULL),
 ('s', 5, '{\"raw\":\"json\"}', 0, NULL, NULL, '2026-01-01'),
 ('o', 4, 'other source', 4, NULL, NULL, NULL),
 ('s', 3, 'T', 3, 0.1, NULL, NULL),
 ('s', 2, 'I', 2, NULL, NULL, NULL),
 ('s', 1, 'B', 1, NULL, NULL, NULL);";

async fn both(
    conn: &mut sqlx::SqliteConnection,
    q: &Query,
) -> (Vec<Vec<SqlValue>>, Vec<Vec<SqlValue>>) {
    let plan = exec::plan(conn, q, false).await.unwrap();
    let packed = exec::rows(conn, q, &plan).await.unwrap();
    let qb = sql::select(q, plan.access()).unwrap();
    let one_by_one = conn
        .conn()
        .fetch_all(qb.into_sql())
        .await
        .unwrap()
        .iter()
        .map(|r| exec::decode(r).unwrap())
        .collect();
    (packed, one_by_one)
}

#[tokio::test]
async fn packed_pages_equal_row_by_row_pages() {
    let mut conn = sqlx::SqliteConnection::connect("sqlite::memory:")
        .await
        .unwrap();
    sqlx::raw_sql(SETUP).execute(&mut conn).await.unwrap();
    let cols = [Col("t"), Col("k"), Col("b"), Col("i"), Col("t_len")];
    for table in [&T, &V] {
        for (offset, limit) in [(0, 1000), (1, 3), (0, 1), (50, 10)] {
            let mut q = Query::new(table, &cols, vec![SortKey::asc(Col("k"))])
                .filter(Filter::Eq(SOURCE, SqlValue::Text("s".into())));
            q.offset = offset;
            q.limit = Some(limit);
            let (packed, one_by_one) = both(&mut conn, &q).await;
            assert_eq!(packed, one_by_one, "{} {offset} {limit}", table.name);
            if offset == 0 && limit == 1000 {
                let ks: Vec<_> = packed.iter().map(|r| r[1].clone()).collect();
                let want: Vec<_> = [1, 2, 3, 6, 7, 8, 9].map(SqlValue::Int).to_vec();
                assert_eq!(ks, want, "{}", table.name);
            }
        }
        // A real is not packed: the page is read row by row, the same.
        let mut q = Query::new(table, &[Col("r"), Col("t")], vec![SortKey::desc(Col("k"))]);
        q.limit = Some(7);
        let (packed, one_by_one) = both(&mut conn, &q).await;
        assert_eq!(packed, one_by_one, "{}", table.name);
        assert!(packed.iter().any(|r| r[0] == SqlValue::Real(0.1)));
    }
}

/// A page over SQLite's length limit is recognised (it is then read row by
/// row); other errors are not mistaken for it.
#[tokio::test]
async fn a_page_too_big_for_one_value_is_recognised() {
    let mut conn = sqlx::SqliteConnection::connect("sqlite::memory:")
        .await
        .unwrap();
    let Err(big) = sqlx::query("SELECT zeroblob(2000000000)")
        .fetch_one(&mut conn)
        .await
    else {
        panic!("a 2 GB blob was made");
    };
    assert!(exec::too_big(&big), "{big}");
    let Err(other) = sqlx::query("SELECT * FROM no_such_table")
        .fetch_one(&mut conn)
        .await
    else {
        panic!("a missing table was read");
    };
    assert!(!exec::too_big(&other), "{other}");
}
