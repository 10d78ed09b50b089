//! Reading a provider object without building a JSON tree: its top-level fields
//! are slices of the response text ([`RawObject`]), nested objects and arrays
//! become JSON columns by copying their text, and the object's own text is its
//! `raw`. Large items (PAI-DLC jobs: ~5 KB, 62 columns) are then parsed once
//! instead of parsed, re-serialised per JSON column and re-serialised whole.
//!
//! Slices are used verbatim (the provider's own text) when they are compact (no
//! whitespace outside strings), which is what the simulated providers and
//! serde/Go/Java serialisers send; text with loose whitespace is normalised
//! through a [`Value`] as [`super::record::to_sql`] does, so `raw` and JSON
//! columns are always compact JSON in the provider's key order.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;

use serde::de::{Deserializer, Visitor};
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::Value;

use super::record::{text_to_sql, to_sql, ColType, SqlValue, TableSpec};

/// A JSON object key, borrowed from the text unless it holds escapes.
#[derive(PartialEq, Eq, Hash)]
struct Key<'a>(Cow<'a, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object key")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v.to_string())))
            }
        }
        d.deserialize_str(V)
    }
}

/// The top-level fields of one JSON object, as slices of its text (the last of
/// repeated keys wins, as with [`serde_json::Map`]).
pub struct RawObject<'a> {
    text: &'a str,
    fields: HashMap<Key<'a>, &'a RawValue>,
}

impl<'a> RawObject<'a> {
    /// Reads a JSON object; `None` if `raw` is not one.
    pub fn parse(raw: &'a RawValue) -> Option<RawObject<'a>> {
        let text = raw.get();
        if !text.starts_with('{') {
            return None;
        }
        let fields = serde_json::from_str(text).ok()?;
        Some(RawObject { text, fields })
    }

    /// The raw text of a top-level field.
    pub fn get(&self, key: &str) -> Option<&'a RawValue> {
        self.fields.get(&Key(Cow::Borrowed(key))).copied()
    }

    /// A top-level field that is a JSON string, unescaped.
    pub fn str(&self, key: &str) -> Option<Cow<'a, str>> {
        let text = self.get(key)?.get();
        match plain_string(text) {
            Some(s) => Some(Cow::Borrowed(s)),
            None if text.starts_with('"') => {
                serde_json::from_str::<String>(text).ok().map(Cow::Owned)
            }
            None => None,
        }
    }

    /// The object's compact JSON text (the record's `raw`).
    pub fn compact_text(&self) -> String {
        compact(self.text)
    }

    /// The object as a tree (for callers that need one, e.g. error messages).
    pub fn to_value(&self) -> Value {
        serde_json::from_str(self.text).unwrap_or(Value::Null)
    }

    /// Every native column of `spec` (top-level paths; deeper paths are looked up
    /// through a parsed [`Value`] of their first key).
    pub fn extract_values(&self, spec: &TableSpec) -> Vec<SqlValue> {
        spec.columns
            .iter()
            .map(|c| match c.path {
                [key] => raw_to_sql(self.get(key), c.ty),
                [key, rest @ ..] => {
                    let v: Option<Value> = self
                        .get(key)
                        .and_then(|r| serde_json::from_str(r.get()).ok());
                    let inner = rest
                        .iter()
                        .try_fold(v.as_ref(), |v, k| Some(v?.as_object()?.get(*k)));
                    to_sql(inner.flatten(), c.ty)
                }
                [] => SqlValue::Null,
            })
            .collect()
    }
}

/// The contents of a JSON string literal without escapes.
fn plain_string(text: &str) -> Option<&str> {
    let inner = text.strip_prefix('"')?.strip_suffix('"')?;
    (!inner.contains('\\')).then_some(inner)
}

/// Converts one raw field for a column of type `ty`, as [`to_sql`] would.
pub fn raw_to_sql(raw: Option<&RawValue>, ty: ColType) -> SqlValue {
    let Some(raw) = raw else {
        return SqlValue::Null;
    };
    let text = raw.get();
    match text.as_bytes().first() {
        Some(b'{' | b'[') => SqlValue::Text(compact(text)),
        Some(b'"') => match plain_string(text) {
            Some(s) => text_to_sql(s, ty),
            None => to_sql(serde_json::from_str::<Value>(text).ok().as_ref(), ty),
        },
        _ => to_sql(serde_json::from_str::<Value>(text).ok().as_ref(), ty),
    }
}

/// Whether JSON `text` has whitespace outside its strings.
fn has_loose_whitespace(text: &str) -> bool {
    let mut in_string = false;
    let mut escaped = false;
    for b in text.bytes() {
        if in_string {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
        } else {
            match b {
                b'"' => in_string = true,
                b' ' | b'\n' | b'\r' | b'\t' => return true,
                _ => {}
            }
        }
    }
    false
}

/// JSON `text` in compact form: itself when already compact, else re-serialised.
fn compact(text: &str) -> String {
    if has_loose_whitespace(text) {
        serde_json::from_str::<Value>(text)
            .map(|v| v.to_string())
            .unwrap_or_else(|_| text.to_string())
    } else {
        text.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::record::extract_values;
    use crate::store::Column;
    use serde_json::json;

    static SPEC: TableSpec = TableSpec {
        kind: crate::providers::Kind::PaiDlcJobs,
        table: "t",
        id_column: "id",
        status_column: "status",
        name_column: None,
        columns: &[
            Column::new("id", &["Id"], ColType::Text),
            Column::new("n", &["N"], ColType::Integer),
            Column::new("s", &["S"], ColType::Integer),
            Column::new("b", &["B"], ColType::Bool),
            Column::new("spec", &["Spec"], ColType::Json),
            Column::new("deep", &["Spec", "a"], ColType::Text),
            Column::new("esc", &["E\u{e9}"], ColType::Text),
            Column::new("missing", &["Nope"], ColType::Text),
        ],
    };

    fn same_as_tree(text: &str) {
        let raw: Box<RawValue> = serde_json::from_str(text).unwrap();
        let obj = RawObject::parse(&raw).unwrap();
        let value: Value = serde_json::from_str(text).unwrap();
        let map = value.as_object().unwrap();
        assert_eq!(
            obj.extract_values(&SPEC),
            extract_values(&SPEC, map),
            "{text}"
        );
        assert_eq!(obj.compact_text(), value.to_string(), "{text}");
    }

    #[test]
    fn agrees_with_the_tree_path_compact_or_not() {
        let v = json!({"Id": "a\"b", "N": 5, "S": "7", "B": true, "Spec": {"a": "x y", "b": [1, 2.5]},
                       "E\u{e9}": "caf\u{e9}", "Z": null});
        same_as_tree(&v.to_string());
        same_as_tree(&serde_json::to_string_pretty(&v).unwrap());
        // Escapes in compact text stay as the provider wrote them in `raw`; the
        // column values are unescaped.
        let text = r#"{"Id":"x","N":"nope","S":null,"B":"False","Spec":[],"E\u00e9":"\u00e9"}"#;
        let raw: Box<RawValue> = serde_json::from_str(text).unwrap();
        let obj = RawObject::parse(&raw).unwrap();
        let value: Value = serde_json::from_str(text).unwrap();
        assert_eq!(
            obj.extract_values(&SPEC),
            extract_values(&SPEC, value.as_object().unwrap())
        );
        assert_eq!(obj.compact_text(), text);
    }

    #[test]
    fn strings_are_unescaped_and_non_objects_refused() {
        let raw: Box<RawValue> = serde_json::from_str(r#"{"a":"x\ny","b":"plain","c":1}"#).unwrap();
        let obj = RawObject::parse(&raw).unwrap();
        assert_eq!(obj.str("a").as_deref(), Some("x\ny"));
        assert_eq!(obj.str("b").as_deref(), Some("plain"));
        assert_eq!(obj.str("c"), None);
        let arr: Box<RawValue> = serde_json::from_str("[1]").unwrap();
        assert!(RawObject::parse(&arr).is_none());
    }
}
