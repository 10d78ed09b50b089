//! What the benchmark asks of each kind: the source configuration, the
//! representative native queries (default list, each documented sort, each
//! indexed filter, name search with long and 1–2 character terms, the largest
//! page, a deep page) with the class whose target they are held to, and where
//! a body keeps its list and its count.

use chrono::{Duration, Utc};
use jobmirror::config::{Config, SourceConfig};
use jobmirror::providers::Kind;
use serde_json::Value;

/// What a query is measured against.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Class {
    /// Documented filters and sorts: target p99 < 20 ms.
    Indexed,
    /// Name (or other substring) search: target p99 < 100 ms.
    Fuzzy,
    /// Reported without a target (cost grows with the offset / table size).
    Other,
}

impl Class {
    pub fn label(self) -> &'static str {
        match self {
            Class::Indexed => "indexed (<20 ms)",
            Class::Fuzzy => "fuzzy (<100 ms)",
            Class::Other => "no target",
        }
    }

    pub fn target_ms(self) -> Option<f64> {
        match self {
            Class::Indexed => Some(20.0),
            Class::Fuzzy => Some(100.0),
            Class::Other => None,
        }
    }
}

/// The source every bench mirror holds.
pub const SOURCE: &str = "bench";
const PROJECT: &str = "0123456789abcdef0123456789abcdef";

pub fn source_config(kind: Kind, url: &str) -> SourceConfig {
    let auth = match kind {
        Kind::ModzyJobs => "api_key = \"KEY.secret\"\n".to_string(),
        Kind::PaiDlcJobs => "access_key = \"AK\"\nsecret_key = \"SK\"\n".to_string(),
        _ => format!("project_id = \"{PROJECT}\"\naccess_key = \"AK\"\nsecret_key = \"SK\"\n"),
    };
    let text = format!(
        "[database]\nurl = \"{url}\"\n\n[sources.{SOURCE}]\nkind = \"{kind}\"\n\
         endpoint = \"http://127.0.0.1:9\"\n{auth}"
    );
    Config::from_toml(&text).expect("config").sources[SOURCE].clone()
}

/// `(rows on the page, the body's count of matches)`.
pub fn page_facts(kind: Kind, body: &Value) -> (usize, Option<u64>) {
    let (list, total) = match kind {
        Kind::ModelartsTrainingJobs => (&body["jobs"], &body["job_total_count"]),
        Kind::PaiDlcJobs => (&body["Jobs"], &body["TotalCount"]),
        Kind::ModzyJobs => (body, &Value::Null),
        Kind::ModelartsAlgorithms => (&body["items"], &body["count"]),
        Kind::SwrInstanceJobs => (&body["jobs"], &body["total"]),
    };
    (list.as_array().map_or(0, Vec::len), total.as_u64())
}

fn q(class: Class, text: impl Into<String>) -> (Class, String) {
    (class, text.into())
}

/// The native queries timed for `kind`.
pub fn native_queries(kind: Kind) -> Vec<(Class, String)> {
    use Class::*;
    match kind {
        Kind::ModelartsTrainingJobs => vec![
            q(Indexed, ""),
            q(Indexed, "per_page=1000"),
            q(Indexed, "sortBy=create_time&order=desc&per_page=100"),
            q(Indexed, "sortBy=create_time&page=200&per_page=50"),
            q(Indexed, "status=8"),
            q(
                Indexed,
                "status=10&sortBy=create_time&order=desc&per_page=50",
            ),
            q(Indexed, "status=11&order=desc"),
            q(Indexed, "status=12&sortBy=duration&order=desc"),
            q(Indexed, "sortBy=duration&order=desc"),
            q(Indexed, "sortBy=status&order=desc&page=50"),
            q(Indexed, "sortBy=version_count&page=1000"),
            q(Indexed, "sortBy=job_desc&order=desc"),
            q(Fuzzy, "search_content=resnet"),
            q(
                Fuzzy,
                "search_content=BERT-large-eval&sortBy=create_time&order=desc",
            ),
            q(Fuzzy, "search_content=12345"),
            q(Fuzzy, "search_content=ne"),
            q(Fuzzy, "search_content=Q"),
            q(Fuzzy, "search_content=7z"),
            q(
                Fuzzy,
                "search_content=bert&status=11&sortBy=create_time&order=desc",
            ),
            q(Fuzzy, "search_content=train&sortBy=duration&order=desc"),
            q(Other, "sortBy=create_time&page=500&per_page=1000"),
            q(Other, "include_deleted=true"),
        ],
        Kind::PaiDlcJobs => {
            let at = |days: i64| {
                (Utc::now() - Duration::days(days))
                    .format("%Y-%m-%dT%H:%M:%SZ")
                    .to_string()
            };
            let all = format!("StartTime={}", at(400));
            let month = format!("StartTime={}&EndTime={}", at(60), at(30));
            vec![
                q(Indexed, ""),
                q(Indexed, "PageSize=100"),
                q(Indexed, "Order=asc"),
                q(Indexed, "SortBy=DisplayName"),
                q(Indexed, "SortBy=JobType&Order=asc"),
                q(Indexed, "SortBy=Status"),
                q(Indexed, "SortBy=GmtFinishTime"),
                q(Indexed, "Status=Running"),
                q(Indexed, "Status=Succeeded&PageSize=100"),
                q(Indexed, month.clone()),
                q(Indexed, format!("{month}&Status=Failed")),
                q(Indexed, format!("{all}&PageSize=100")),
                q(Indexed, format!("{all}&SortBy=DisplayName&Order=asc")),
                q(Fuzzy, "DisplayName=resnet"),
                q(Fuzzy, "DisplayName=ne"),
                q(Fuzzy, format!("{all}&DisplayName=qwen-7b-sft")),
                q(Fuzzy, format!("{all}&DisplayName=Q")),
                q(Other, format!("{all}&PageNumber=2000&PageSize=100")),
                q(Other, "include_deleted=true"),
            ]
        }
        Kind::ModzyJobs => vec![
            q(Indexed, ""),
            q(Indexed, "per-page=1000"),
            q(Indexed, "direction=ASC"),
            q(Indexed, "sort-by=updatedAt"),
            q(Indexed, "sort-by=submittedAt"),
            q(Indexed, "sort-by=identifier&direction=ASC"),
            q(Indexed, "sort-by=status"),
            q(Indexed, "sort-by=submittedBy&direction=ASC"),
            q(Indexed, "sort-by=total"),
            q(Indexed, "sort-by=completed&direction=ASC"),
            q(Indexed, "sort-by=fail"),
            q(Indexed, "sort-by=model"),
            q(Indexed, "status=pending"),
            q(Indexed, "status=terminated&per-page=1000"),
            q(
                Indexed,
                "startDate=2026-03-01T00:00:00Z&endDate=2026-03-31T00:00:00Z",
            ),
            q(Indexed, "model=Object Detection"),
            // No match (a key's prefix is the whole `prefix`), then a user's
            // key: about one job in 6.
            q(Indexed, "accessKey=SIMKEY02DEFAULT"),
            q(Indexed, "accessKey=SIMKEY02DEFAULT015838"),
            q(
                Indexed,
                "accessKey=SIMKEY02DEFAULT015838&sort-by=identifier&direction=ASC",
            ),
            q(Fuzzy, "user=hopper"),
            q(Fuzzy, "user=ng"),
            q(Other, "page=500&per-page=1000"),
            q(Other, "include_deleted=true"),
        ],
        Kind::ModelartsAlgorithms => vec![
            q(Indexed, ""),
            q(Indexed, "limit=50"),
            q(Indexed, "order=asc"),
            q(Indexed, "sort_by=name"),
            q(Indexed, "sort_by=name&order=asc"),
            q(Indexed, "sort_by=update_time"),
            q(Indexed, "offset=5000&limit=50"),
            q(Fuzzy, "searches=name:resnet"),
            q(Fuzzy, "searches=name:unet-12345"),
            q(Fuzzy, "searches=name:et"),
            q(Fuzzy, "searches=name:x&sort_by=name&order=asc"),
            q(Other, "offset=500000&limit=50"),
            q(Other, "include_deleted=true"),
        ],
        Kind::SwrInstanceJobs => vec![
            q(Indexed, ""),
            q(Indexed, "status=Running"),
            q(Indexed, "status=Success"),
            q(Indexed, "status=Failed&offset=1000&limit=100"),
            q(Indexed, "offset=10000&limit=100"),
            q(Other, "offset=900000&limit=100"),
            q(Other, "include_deleted=true"),
        ],
    }
}

/// The `/api/jobs` queries timed on a job kind's mirror (first page, then the
/// page after it through its cursor).
pub const API_JOBS: &[(Class, &str)] = &[
    (Class::Indexed, "limit=100"),
    (Class::Indexed, "limit=1000"),
    (Class::Indexed, "state=running"),
    (Class::Fuzzy, "name=resnet"),
    (Class::Fuzzy, "name=ne"),
];
