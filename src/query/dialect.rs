//! The per-kind half of the query module: a [`Dialect`] turns a provider's
//! native list parameters into the IR (or into that provider's own error
//! answer) and renders mirrored rows back into the provider's response body.

use serde_json::Value;

use super::ir::{Query, Table};
use crate::config::SourceConfig;
use crate::providers::Kind;

/// A provider's error answer: HTTP status and its exact JSON body.
#[derive(Debug, Clone, PartialEq)]
pub struct NativeError {
    pub status: u16,
    pub body: Value,
}

/// Decoded query parameters, in request order (a name may repeat).
#[derive(Debug, Clone, Copy)]
pub struct Params<'a>(pub &'a [(String, String)]);

impl<'a> Params<'a> {
    /// The first value of `name` (exact, case-sensitive name).
    pub fn first(&self, name: &str) -> Option<&'a str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The last value of `name`.
    pub fn last(&self, name: &str) -> Option<&'a str> {
        self.0
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every value of `name`, in order.
    pub fn all(&self, name: &str) -> impl Iterator<Item = &'a str> + '_ {
        let name = name.to_string();
        self.0
            .iter()
            .filter(move |(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Which counts the response body needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Counts {
    /// Rows matching every filter (e.g. `job_total_count`, `TotalCount`).
    pub matching: bool,
    /// Present rows of the source, whatever the filters (e.g. algorithms' `total`).
    pub unfiltered: bool,
}

/// A native request, parsed: the IR (without the source scope, which the
/// engine adds), the counts to compute and whatever the body echoes back.
#[derive(Debug, Clone)]
pub struct Request {
    pub query: Query,
    pub counts: Counts,
    /// Dialect-specific values the response repeats (e.g. `limit`, `offset`).
    pub echo: Value,
}

/// What the engine found, for the envelope.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    pub matching: Option<u64>,
    pub unfiltered: Option<u64>,
    /// The list-level fields of the provider's last list answer (JSON object),
    /// as the collector recorded them (None before the first cycle that did).
    pub list_meta: Option<Value>,
}

/// How a `--format table` column shows a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CellFormat {
    /// As is (strings unquoted).
    Plain,
    /// Epoch milliseconds as `YYYY-MM-DDTHH:MM:SS.mmmZ`.
    EpochMillis,
    /// Milliseconds as `1h02m03s`.
    DurationMillis,
}

/// One column of `--format table`: header and the item's key path.
#[derive(Debug, Clone, Copy)]
pub struct TableColumn {
    pub header: &'static str,
    pub path: &'static [&'static str],
    pub format: CellFormat,
}

/// One provider's list semantics over its native table.
///
/// Rules every dialect follows: every documented parameter, default and limit;
/// an invalid value gives exactly the provider's error status and body; the
/// order is total (a documented tie-break, or the one chosen and written down
/// in the dialect's module doc); NULLs and text compare as [`super::ir`] says.
pub trait Dialect: Send + Sync + 'static {
    fn kind(&self) -> Kind;

    /// The native table, with its count and trigram helpers.
    fn table(&self) -> &'static Table;

    /// The drop-in HTTP path (axum syntax), e.g. `/v1/{project_id}/training-jobs`.
    fn route(&self) -> &'static str;

    /// Parses the provider's parameters (jobmirror's own already removed) for
    /// a query on `source`'s mirror.
    fn parse(&self, params: Params<'_>, source: &SourceConfig) -> Result<Request, NativeError>;

    /// The provider's error body for a bad value of parameter `name`
    /// (used for jobmirror's extensions too, e.g. `include_deleted`).
    fn bad_parameter(&self, name: &str, value: &str, rule: &str) -> NativeError;

    /// An error of jobmirror itself (no such source, ambiguous source,
    /// authentication) in the provider's error shape.
    fn jobmirror_error(&self, status: u16, code: &str, message: &str) -> NativeError;

    /// The response body: the envelope around `items`.
    fn render(&self, req: &Request, facts: &Facts, items: Vec<Value>) -> Value;

    /// One list element from a mirrored row's `raw` (default: verbatim).
    fn item(&self, raw: &str) -> Value {
        serde_json::from_str(raw).unwrap_or(Value::Null)
    }

    /// Appends [`Dialect::item`] of `raw` as compact JSON text. The default
    /// copies `raw` as is: it is the provider's object as `serde_json` wrote
    /// it, which reads back and writes again to the same text. A dialect
    /// that overrides `item` overrides this too.
    fn write_item(&self, raw: &str, out: &mut String) {
        out.push_str(raw);
    }

    /// The main columns for `--format table`.
    fn columns(&self) -> &'static [TableColumn];
}
