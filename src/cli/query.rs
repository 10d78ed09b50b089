//! `jobmirror query SOURCE [KEY=VALUE...] [--format json|table] [--all]`:
//! a list query with the provider's own parameter names and semantics,
//! answered from the mirror (read-only). `json` prints exactly the provider's
//! body on stdout; a parameter the provider would reject prints its error body
//! and exits non-zero. `--all` follows the paging from the requested page to
//! the end, streamed (one body whose list holds every row, flat memory).

use std::io::{BufWriter, Write};

use anyhow::{anyhow, Context};
use serde_json::Value;

use crate::clock;
use crate::config::Config;
use crate::query::dialect::{CellFormat, TableColumn};
use crate::query::{self, Streamed};
use crate::store::Store;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// The provider's JSON body, exactly.
    Json,
    /// An aligned table of the main columns.
    Table,
}

#[derive(Debug, clap::Args)]
pub struct QueryArgs {
    /// The source to ask (its mirror answers as its provider would).
    source: String,
    /// Provider parameters, e.g. `status=8 per_page=100 sortBy=create_time`;
    /// jobmirror's own: `include_deleted=true`.
    #[arg(value_name = "KEY=VALUE")]
    params: Vec<String>,
    #[arg(long, value_enum, default_value_t = Format::Json)]
    format: Format,
    /// Follow the paging from the requested page to the end.
    #[arg(long)]
    all: bool,
}

/// Rows used to size the table columns when streaming with `--all`.
const TABLE_SAMPLE: usize = 1000;

fn parse_params(raw: &[String]) -> anyhow::Result<Vec<(String, String)>> {
    raw.iter()
        .map(|p| {
            p.split_once('=')
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .ok_or_else(|| anyhow!("{p:?} is not KEY=VALUE"))
        })
        .collect()
}

pub async fn query(config: Config, args: QueryArgs) -> anyhow::Result<()> {
    let source = config
        .sources
        .get(&args.source)
        .ok_or_else(|| {
            let known: Vec<&str> = config.sources.keys().map(String::as_str).collect();
            anyhow!(
                "unknown source {:?}; configured: {}",
                args.source,
                known.join(", ")
            )
        })?
        .clone();
    let params = parse_params(&args.params)?;
    let store = Store::open_config_read_only(&config.database)
        .await
        .context("opening the mirror")?;
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let rejected = if args.all {
        let format = args.format;
        let mut table: Option<TableWriter> = None;
        let mut tail = String::new();
        let mut items = 0usize;
        query::answer_all(&store, &source, &params, |ev| match ev {
            Streamed::Begin {
                head,
                tail: t,
                dialect,
            } => {
                tail = t.to_string();
                match format {
                    Format::Json => out.write_all(head.as_bytes()),
                    Format::Table => {
                        table = Some(TableWriter::new(dialect.columns()));
                        Ok(())
                    }
                }
            }
            Streamed::Item(v) => match (format, table.as_mut()) {
                (Format::Table, Some(t)) => t.push(&mut out, &v),
                _ => {
                    if items > 0 {
                        out.write_all(b",")?;
                    }
                    items += 1;
                    serde_json::to_writer(&mut out, &v).map_err(std::io::Error::from)
                }
            },
            Streamed::End => match (format, table.as_mut()) {
                (Format::Table, Some(t)) => t.flush(&mut out),
                _ => writeln!(out, "{tail}"),
            },
        })
        .await?
    } else {
        let answer = query::answer(&store, &source, &params).await?;
        if answer.is_success() && args.format == Format::Table {
            let d = query::native::dialect_of(&source)?;
            let mut t = TableWriter::new(d.columns());
            t.sample_limit = usize::MAX;
            for item in list_items(&answer.body) {
                t.push(&mut out, item)?;
            }
            t.flush(&mut out)?;
            None
        } else {
            Some(answer)
        }
    };
    let result = match rejected {
        None => Ok(()),
        Some(answer) => {
            serde_json::to_writer(&mut out, &answer.body)?;
            out.write_all(b"\n")?;
            if answer.is_success() {
                Ok(())
            } else {
                Err(anyhow!(
                    "the provider would reject this query: HTTP {} {}",
                    answer.status,
                    error_code(&answer.body)
                ))
            }
        }
    };
    out.flush()?;
    store.close().await;
    result
}

/// The provider's error code in an error body, for the one-line reason.
fn error_code(body: &Value) -> String {
    ["error_code", "Code", "code"]
        .iter()
        .find_map(|k| body.get(*k).and_then(Value::as_str))
        .unwrap_or_default()
        .to_string()
}

/// The list in a body: the first array found (the body itself for a bare array).
fn list_items(body: &Value) -> &[Value] {
    match body {
        Value::Array(a) => a,
        Value::Object(m) => m
            .values()
            .find_map(|v| v.as_array().map(Vec::as_slice))
            .unwrap_or(&[]),
        _ => &[],
    }
}

fn cell(item: &Value, col: &TableColumn) -> String {
    let mut v = item;
    for k in col.path {
        match v.get(*k) {
            Some(x) => v = x,
            None => return "-".into(),
        }
    }
    match (col.format, v) {
        (_, Value::Null) => "-".into(),
        (CellFormat::EpochMillis, Value::Number(n)) => n
            .as_i64()
            .and_then(clock::from_epoch_ms)
            .unwrap_or_else(|| n.to_string()),
        (CellFormat::DurationMillis, Value::Number(n)) => match n.as_i64() {
            Some(ms) => format_duration(ms),
            None => n.to_string(),
        },
        (_, Value::String(s)) => s.replace(['\n', '\t'], " "),
        (_, other) => other.to_string(),
    }
}

fn format_duration(ms: i64) -> String {
    let s = ms / 1000;
    let (h, m, s) = (s / 3600, s / 60 % 60, s % 60);
    if h > 0 {
        format!("{h}h{m:02}m{s:02}s")
    } else if m > 0 {
        format!("{m}m{s:02}s")
    } else {
        format!("{s}s")
    }
}

/// An aligned table, sized from the first rows (all of them without `--all`,
/// the first [`TABLE_SAMPLE`] with it: memory stays flat).
struct TableWriter {
    columns: &'static [TableColumn],
    widths: Vec<usize>,
    pending: Vec<Vec<String>>,
    sample_limit: usize,
    header_done: bool,
    rows: usize,
}

impl TableWriter {
    fn new(columns: &'static [TableColumn]) -> TableWriter {
        TableWriter {
            columns,
            widths: columns.iter().map(|c| c.header.chars().count()).collect(),
            pending: Vec::new(),
            sample_limit: TABLE_SAMPLE,
            header_done: false,
            rows: 0,
        }
    }

    fn line(&self, out: &mut impl Write, cells: &[String]) -> std::io::Result<()> {
        let mut text = String::new();
        for (i, c) in cells.iter().enumerate() {
            if i + 1 == cells.len() {
                text.push_str(c);
            } else {
                let pad = self.widths[i].saturating_sub(c.chars().count());
                text.push_str(c);
                text.extend(std::iter::repeat_n(' ', pad + 2));
            }
        }
        writeln!(out, "{}", text.trim_end())
    }

    fn push(&mut self, out: &mut impl Write, item: &Value) -> std::io::Result<()> {
        let cells: Vec<String> = self.columns.iter().map(|c| cell(item, c)).collect();
        self.rows += 1;
        if self.header_done {
            return self.line(out, &cells);
        }
        for (w, c) in self.widths.iter_mut().zip(&cells) {
            *w = (*w).max(c.chars().count());
        }
        self.pending.push(cells);
        if self.pending.len() >= self.sample_limit {
            self.flush(out)?;
        }
        Ok(())
    }

    fn flush(&mut self, out: &mut impl Write) -> std::io::Result<()> {
        if !self.header_done {
            let header: Vec<String> = self.columns.iter().map(|c| c.header.to_string()).collect();
            self.line(out, &header)?;
            self.header_done = true;
        }
        for cells in std::mem::take(&mut self.pending) {
            self.line(out, &cells)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn params_need_an_equals_sign() {
        assert_eq!(
            parse_params(&["a=b=c".into(), "x=".into()]).unwrap(),
            vec![("a".into(), "b=c".into()), ("x".into(), "".into())]
        );
        assert!(parse_params(&["nope".into()]).is_err());
    }

    #[test]
    fn durations_read_well() {
        assert_eq!(format_duration(532_003), "8m52s");
        assert_eq!(format_duration(3_723_000), "1h02m03s");
        assert_eq!(format_duration(0), "0s");
    }
}
