//! PostgreSQL spellings of the dialects' static SQL (predicates of
//! [`super::Filter::Sql`] and computed columns of [`super::Table`]), keyed by
//! their SQLite text. Each keeps the same `?` placeholders in the same order
//! and gives the same answer; `jm_json()` (migrations/postgres) is the text
//! read as jsonb, NULL when it is not JSON. A text without a spelling here is
//! refused on PostgreSQL ([`super::sql::IrError::NoPostgres`]), never guessed.

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
    // modzy-jobs: accessKey (a prefix among the user's access keys).
    (
        "EXISTS (SELECT 1 FROM json_each(user, '$.accessKeys') \
         WHERE json_extract(value, '$.prefix') = ?)",
        concat!(
            "EXISTS (SELECT 1 FROM jsonb_array_elements(CASE WHEN jsonb_typeof(jm_json(\"user\") -> 'accessKeys') = 'array' ",
            "THEN jm_json(\"user\") -> 'accessKeys' END) AS e(value) ",
            "WHERE jsonb_typeof(e.value -> 'prefix') = 'string' AND e.value ->> 'prefix' = ?)"
        ),
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
}
