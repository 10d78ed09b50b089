//! What a provider adapter hands the store: one mirrored object as typed column
//! values, its native id and status, normalized state, and the verbatim JSON.

use serde_json::{Map, Value};

use crate::providers::Kind;
use crate::state::State;

/// How a native column is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColType {
    Integer,
    Real,
    Text,
    /// A JSON boolean stored as 0/1.
    Bool,
    /// A nested object or array stored as compact JSON text.
    Json,
}

/// One native column and where its value sits in the provider's object.
#[derive(Debug, Clone, Copy)]
pub struct Column {
    pub name: &'static str,
    /// Path of object keys from the top of the provider's item.
    pub path: &'static [&'static str],
    pub ty: ColType,
}

impl Column {
    pub const fn new(name: &'static str, path: &'static [&'static str], ty: ColType) -> Self {
        Column { name, path, ty }
    }
}

/// The native table of a kind: its columns, key and status column.
#[derive(Debug)]
pub struct TableSpec {
    pub kind: Kind,
    pub table: &'static str,
    /// Native id column (part of the key `(source, id)`).
    pub id_column: &'static str,
    /// Native status column.
    pub status_column: &'static str,
    /// Column (or SQL expression over columns) holding the object's display name,
    /// if it has one (for events).
    pub name_column: Option<&'static str>,
    /// Every native column, id and status included, in table order.
    pub columns: &'static [Column],
}

impl TableSpec {
    pub fn has_column(&self, name: &str) -> bool {
        self.columns.iter().any(|c| c.name == name)
    }
}

/// A value bound into SQL.
#[derive(Debug, Clone, PartialEq)]
pub enum SqlValue {
    Null,
    Int(i64),
    Real(f64),
    Text(String),
}

/// One mirrored object, ready for the store.
#[derive(Debug, Clone)]
pub struct Record {
    /// Native id as text (the form used in `status_changes` and the `jobs` view).
    pub id: String,
    /// Native status as text.
    pub status: String,
    pub state: State,
    /// Display name, for events.
    pub name: Option<String>,
    /// One value per `TableSpec::columns`, in order.
    pub values: Vec<SqlValue>,
    /// The provider's object, verbatim (compact JSON, provider key order).
    pub raw: String,
}

/// Takes the value at `path` from a provider object.
pub fn lookup<'a>(obj: &'a Map<String, Value>, path: &[&str]) -> Option<&'a Value> {
    let (first, rest) = path.split_first()?;
    let mut v = obj.get(*first)?;
    for k in rest {
        v = v.as_object()?.get(*k)?;
    }
    Some(v)
}

/// Converts a JSON value for a column of type `ty`. Values of an unexpected JSON
/// type are kept rather than dropped (SQLite columns are flexibly typed), so no
/// provider data is ever lost; `raw` always holds the original.
pub fn to_sql(v: Option<&Value>, ty: ColType) -> SqlValue {
    match v {
        None | Some(Value::Null) => SqlValue::Null,
        Some(Value::Bool(b)) => match ty {
            ColType::Text => SqlValue::Text(b.to_string()),
            _ => SqlValue::Int(*b as i64),
        },
        Some(Value::Number(n)) => match (ty, n.as_i64()) {
            (ColType::Real, _) => SqlValue::Real(n.as_f64().unwrap_or_default()),
            (ColType::Text, _) => SqlValue::Text(n.to_string()),
            (_, Some(i)) => SqlValue::Int(i),
            (_, None) => n
                .as_f64()
                .map(SqlValue::Real)
                .unwrap_or_else(|| SqlValue::Text(n.to_string())),
        },
        Some(Value::String(s)) => text_to_sql(s, ty),
        Some(v @ (Value::Array(_) | Value::Object(_))) => SqlValue::Text(v.to_string()),
    }
}

/// Converts a JSON string value for a column of type `ty` (see [`to_sql`]).
pub fn text_to_sql(s: &str, ty: ColType) -> SqlValue {
    match ty {
        ColType::Integer => s
            .parse::<i64>()
            .map(SqlValue::Int)
            .unwrap_or_else(|_| SqlValue::Text(s.to_string())),
        ColType::Real => s
            .parse::<f64>()
            .map(SqlValue::Real)
            .unwrap_or_else(|_| SqlValue::Text(s.to_string())),
        ColType::Bool => match s.to_ascii_lowercase().as_str() {
            "true" => SqlValue::Int(1),
            "false" => SqlValue::Int(0),
            _ => SqlValue::Text(s.to_string()),
        },
        ColType::Text | ColType::Json => SqlValue::Text(s.to_string()),
    }
}

/// Extracts every native column of `spec` from a provider object.
pub fn extract_values(spec: &TableSpec, obj: &Map<String, Value>) -> Vec<SqlValue> {
    spec.columns
        .iter()
        .map(|c| to_sql(lookup(obj, c.path), c.ty))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn converts_by_column_type_and_keeps_odd_values() {
        assert_eq!(to_sql(Some(&json!(5)), ColType::Integer), SqlValue::Int(5));
        assert_eq!(
            to_sql(Some(&json!("7")), ColType::Integer),
            SqlValue::Int(7)
        );
        assert_eq!(
            to_sql(Some(&json!("x")), ColType::Integer),
            SqlValue::Text("x".into())
        );
        assert_eq!(to_sql(Some(&json!(true)), ColType::Bool), SqlValue::Int(1));
        assert_eq!(
            to_sql(Some(&json!({"a": [1]})), ColType::Json),
            SqlValue::Text("{\"a\":[1]}".into())
        );
        assert_eq!(to_sql(None, ColType::Text), SqlValue::Null);
        assert_eq!(to_sql(Some(&Value::Null), ColType::Json), SqlValue::Null);
    }

    #[test]
    fn looks_up_nested_paths() {
        let v = json!({"metadata": {"id": "a"}});
        let obj = v.as_object().unwrap();
        assert_eq!(lookup(obj, &["metadata", "id"]), Some(&json!("a")));
        assert_eq!(lookup(obj, &["metadata", "nope"]), None);
    }
}
