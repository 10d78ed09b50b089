//! PostgreSQL spellings of the dialects' static SQL (predicates of
//! [`super::Filter::Sql`] and computed columns of [`super::Table`]), keyed by
//! their SQLite text. Each keeps the same `?` placeholders in the same order
//! and gives the same answer; `jm_json()` (migrations/postgres) is the text
//! read as jsonb, NULL when it is not JSON, `jm_int_of()` (0022) the
//! PAI-DLC dialect's `int_of!()`. A text without a spelling here is
//! refused on PostgreSQL ([`super::sql::IrError::NoPostgres`]), never guessed.

use super::dialects::pai_dlc_jobs::int_of;

/// Rows of a JSON array column, as `e(value)` (none unless it is an array).
macro_rules! array_rows {
    ($col:literal) => {
        concat!(
            "jsonb_array_elements(CASE WHEN jsonb_typeof(jm_json(",
            $col,
            ")) = 'array' THEN jm_json(",
            $col,
            ") END) AS e(value)"
        )
    };
}

/// A string member of `settings` (SQLite: `json_type(...) = 'text'`).
macro_rules! settings_text {
    ($key:literal) => {
        concat!(
            "CASE WHEN jsonb_typeof(jm_json(settings) -> '",
            $key,
            "') = 'string' THEN jm_json(settings) ->> '",
            $key,
            "' END"
        )
    };
}

const SPELLINGS: &[(&str, &str)] = &[
    // modzy-jobs: accessKey (a prefix among the user's access keys: the
    // side table of migration 0026, keyed by the primary key here).
    (
        super::dialects::modzy_jobs::ACCESS_KEY_SQL,
        "EXISTS (SELECT 1 FROM modzy_job_access_keys AS k \
         WHERE k.source = ? AND k.prefix = ? \
         AND k.source = modzy_jobs.source AND k.job_identifier = modzy_jobs.job_identifier)",
    ),
    // pai-dlc-jobs: Tags, spot and node-assigned jobs, quotas, oversold resources.
    (
        "(json_extract(settings, '$.Tags') ->> ?) IS ?",
        "((jm_json(settings) -> 'Tags') ->> ?) IS NOT DISTINCT FROM ?",
    ),
    (
        "EXISTS (SELECT 1 FROM json_each(job_specs) \
         WHERE json_type(value, '$.UseSpotInstance') = 'true')",
        concat!(
            "EXISTS (SELECT 1 FROM ",
            array_rows!("job_specs"),
            " WHERE e.value -> 'UseSpotInstance' = 'true'::jsonb)"
        ),
    ),
    (
        "EXISTS (SELECT 1 FROM json_each(job_specs) \
         WHERE json_type(value, '$.AssignNodeSpec.EnableAssignNode') = 'true')",
        concat!(
            "EXISTS (SELECT 1 FROM ",
            array_rows!("job_specs"),
            " WHERE e.value #> '{AssignNodeSpec,EnableAssignNode}' = 'true'::jsonb)"
        ),
    ),
    (
        "(resource_id IS NOT NULL AND resource_id <> '')",
        "(resource_id IS NOT NULL AND resource_id <> '')",
    ),
    (
        "json_extract(settings, '$.OversoldType') IS ? \
         AND json_type(settings, '$.OversoldType') = 'text'",
        concat!(settings_text!("OversoldType"), " IS NOT DISTINCT FROM ?"),
    ),
    (
        "use_oversold_resource IS 1",
        "use_oversold_resource IS NOT DISTINCT FROM 1",
    ),
    // Computed columns.
    (
        "json_extract(model, '$.identifier')",
        "json_extract(model, '$.identifier')",
    ),
    ("json_extract(model, '$.name')", "json_extract(model, '$.name')"),
    (
        "COALESCE(reason_code, '') || ' ' || COALESCE(reason_message, '')",
        "COALESCE(reason_code, '') || ' ' || COALESCE(reason_message, '')",
    ),
    ("COALESCE(user_command, '')", "COALESCE(user_command, '')"),
    (
        "COALESCE((SELECT group_concat(json_extract(value, '$.Image'), ' ') \
         FROM json_each(job_specs) WHERE json_type(value, '$.Image') = 'text'), '')",
        concat!(
            "COALESCE((SELECT string_agg(e.value ->> 'Image', ' ') FROM ",
            array_rows!("job_specs"),
            " WHERE jsonb_typeof(e.value -> 'Image') = 'string'), '')"
        ),
    ),
    (
        "CASE WHEN json_type(settings, '$.PipelineId') = 'text' THEN json_extract(settings, '$.PipelineId') END",
        settings_text!("PipelineId"),
    ),
    (
        "CASE WHEN json_type(settings, '$.BusinessUserId') = 'text' THEN json_extract(settings, '$.BusinessUserId') END",
        settings_text!("BusinessUserId"),
    ),
    (
        "CASE WHEN json_type(settings, '$.Caller') = 'text' THEN json_extract(settings, '$.Caller') END",
        settings_text!("Caller"),
    ),
    ("duration", "duration"),
    // pai-dlc-jobs: NumericRangeField columns (jm_int_of: migration 0022,
    // overloaded for BIGINT and TEXT columns, SQLite's answers on both).
    (int_of!("request_gpu"), "jm_int_of(request_gpu)"),
    (int_of!("request_cpu"), "jm_int_of(request_cpu)"),
    (int_of!("node_count"), "jm_int_of(node_count)"),
    (int_of!("priority"), "jm_int_of(priority)"),
    (
        int_of!("job_max_running_time_minutes"),
        "jm_int_of(job_max_running_time_minutes)",
    ),
    (int_of!("retry_count"), "jm_int_of(retry_count)"),
];

/// The PostgreSQL spelling of a dialect's static SQL text.
pub fn spelling(sqlite: &'static str) -> Option<&'static str> {
    SPELLINGS
        .iter()
        .find(|(s, _)| *s == sqlite)
        .map(|(_, pg)| *pg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_spelling_keeps_the_placeholders() {
        for (s, pg) in SPELLINGS {
            assert_eq!(s.matches('?').count(), pg.matches('?').count(), "{s}");
        }
    }

    /// `int_of!()` of each value (a SQL literal) of a column named `col`, in
    /// order, on `store`'s backend: SQLite's expression or its spelling here.
    async fn int_of_on(
        store: &crate::store::Store,
        col: &str,
        sqlite: &'static str,
        values: &[String],
    ) -> Vec<Option<i64>> {
        let expr = match store.backend() {
            crate::store::Backend::Sqlite => sqlite,
            crate::store::Backend::Postgres => spelling(sqlite).expect("a spelling"),
        };
        let rows: Vec<String> = values
            .iter()
            .enumerate()
            .map(|(i, v)| format!("({i}, {v})"))
            .collect();
        let sql = format!(
            "WITH t(i, {col}) AS (VALUES {}) SELECT {expr} FROM t ORDER BY i",
            rows.join(", ")
        );
        store
            .test_rows::<(Option<i64>,)>(&sql)
            .await
            .into_iter()
            .map(|(v,)| v)
            .collect()
    }

    /// A text as an SQL literal.
    fn lit(s: &str) -> String {
        format!("'{}'", s.replace('\'', "''"))
    }

    #[tokio::test]
    async fn int_of_answers_as_sqlite_does_on_both_backends() {
        const MAX: i64 = i64::MAX;
        const MIN: i64 = i64::MIN;
        let cases: &[(&str, Option<i64>)] = &[
            ("5", Some(5)),
            ("  5  ", Some(5)),
            ("+5", Some(5)),
            ("-5", Some(-5)),
            (" -0 ", Some(0)),
            ("007", Some(7)),
            ("-007", Some(-7)),
            ("9223372036854775807", Some(MAX)),
            ("9223372036854775808", Some(MAX)),
            ("-9223372036854775808", Some(MIN)),
            ("-9223372036854775809", Some(MIN)),
            ("99999999999999999999999999", Some(MAX)),
            ("-99999999999999999999999999", Some(MIN)),
            ("0000000000000000000000000000000000000000042", Some(42)),
            ("", None),
            ("   ", None),
            ("+", None),
            ("-", None),
            ("+-1", None),
            ("--1", None),
            ("- 1", None),
            ("1 2", None),
            ("1.5", None),
            ("1.0", None),
            ("1e3", None),
            ("0x10", None),
            ("\t5", None),
            ("5\n", None),
            ("x", None),
            ("٣", None),
            ("１", None),
        ];
        // Every string of up to 4 characters of these, too (both backends).
        let alphabet = [" ", "+", "-", "0", "7", "x", ".", "\t"];
        let mut generated = vec![String::new()];
        let mut last = vec![String::new()];
        for _ in 0..4 {
            last = last
                .iter()
                .flat_map(|s| alphabet.iter().map(move |c| format!("{s}{c}")))
                .collect();
            generated.extend(last.iter().cloned());
        }
        let mut texts: Vec<String> = cases.iter().map(|(v, _)| lit(v)).collect();
        texts.push("NULL".into());
        texts.extend(generated.iter().map(|s| lit(s)));
        let ints: Vec<String> = ["0", "-3", "42", "9223372036854775807", "NULL"]
            .iter()
            .map(|v| format!("CAST({v} AS BIGINT)"))
            .collect();

        let mut answers = Vec::new();
        for db in crate::store::testdb::TestDb::all().await {
            let store = crate::store::Store::open(&db.url).await.unwrap();
            let backend = store.backend();
            let mut got = Vec::new();
            // The TEXT and the BIGINT columns of pai_dlc_jobs (the same
            // expression in SQLite; overloads of jm_int_of on PostgreSQL).
            for (col, sqlite) in [
                ("request_gpu", int_of!("request_gpu")),
                ("node_count", int_of!("node_count")),
            ] {
                let text = int_of_on(&store, col, sqlite, &texts).await;
                for ((v, want), got) in cases.iter().zip(&text) {
                    assert_eq!(got, want, "{backend:?} {col} {v:?}");
                }
                assert_eq!(text[cases.len()], None, "{backend:?} {col} NULL");
                got.push(text);
            }
            for (col, sqlite) in [
                ("request_cpu", int_of!("request_cpu")),
                ("priority", int_of!("priority")),
                (
                    "job_max_running_time_minutes",
                    int_of!("job_max_running_time_minutes"),
                ),
                ("retry_count", int_of!("retry_count")),
            ] {
                let int = int_of_on(&store, col, sqlite, &ints).await;
                assert_eq!(
                    int,
                    [Some(0), Some(-3), Some(42), Some(MAX), None],
                    "{backend:?} {col}"
                );
            }
            store.close().await;
            answers.push((backend, got));
        }
        if let [(_, sqlite), (_, pg)] = &answers[..] {
            for (col, (s, p)) in sqlite.iter().zip(pg).enumerate() {
                for (i, (a, b)) in s.iter().zip(p).enumerate() {
                    assert_eq!(a, b, "column {col}, value {}", texts[i]);
                }
            }
        }
    }
}
