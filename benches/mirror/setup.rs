//! The benchmark's configuration: sizes (full run or `--smoke`), the jobmirror
//! configuration of the two sources, and the command line.

use std::path::PathBuf;

use jobmirror::config::{Config, SourceConfig};

use crate::world::{ACCESS_KEY, PROJECT, SECRET_KEY};

/// Source names in the mirror.
pub const MA: &str = "ma";
pub const PAI: &str = "pai";

/// The webhook secret of the loopback receiver.
pub const WEBHOOK_SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

pub struct Sizes {
    pub ma_jobs: usize,
    pub pai_jobs: usize,
    pub unfinished: usize,
    /// Status changes and new jobs per change round, per source.
    pub changes: usize,
    pub query_iterations: usize,
    pub ma_page: u32,
    pub pai_page: u32,
}

pub struct Args {
    pub sizes: Sizes,
    pub smoke: bool,
    pub json: PathBuf,
    /// No-change cycles per source (median and slowest are reported); more for
    /// profiling one (`perf record -p` on this process meanwhile).
    pub cycles: usize,
    /// Skips the raw transport and storage limits (for profiling the rest; the
    /// table then shows no limits and no ratios to them).
    pub skip_limits: bool,
}

pub fn parse_args() -> Args {
    let mut args = Args {
        sizes: Sizes {
            ma_jobs: 1_000_000,
            pai_jobs: 200_000,
            unfinished: 1_000,
            changes: 1_000,
            query_iterations: 100,
            ma_page: 1000,
            pai_page: 100,
        },
        smoke: false,
        json: PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("bench-mirror.json"),
        cycles: 3,
        skip_limits: false,
    };
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    let num = |v: Option<&String>, flag: &str| -> usize {
        v.and_then(|v| v.replace('_', "").parse().ok())
            .unwrap_or_else(|| panic!("{flag} N"))
    };
    while i < argv.len() {
        match argv[i].as_str() {
            "--smoke" => {
                args.smoke = true;
                args.sizes = Sizes {
                    ma_jobs: 3_000,
                    pai_jobs: 600,
                    unfinished: 30,
                    changes: 20,
                    query_iterations: 3,
                    ma_page: 1000,
                    pai_page: 100,
                };
            }
            "--json" => {
                args.json = PathBuf::from(argv.get(i + 1).expect("--json PATH"));
                i += 1;
            }
            "--ma-jobs" => {
                args.sizes.ma_jobs = num(argv.get(i + 1), "--ma-jobs");
                i += 1;
            }
            "--cycles" => {
                args.cycles = num(argv.get(i + 1), "--cycles").max(1);
                i += 1;
            }
            "--skip-limits" => args.skip_limits = true,
            "--pai-jobs" => {
                args.sizes.pai_jobs = num(argv.get(i + 1), "--pai-jobs");
                i += 1;
            }
            _ => {} // cargo passes --bench
        }
        i += 1;
    }
    args
}

/// `[database]` and the two sources, as the `jobmirror sync` processes read them.
pub fn config_text(db: &std::path::Path, sim_url: &str, sizes: &Sizes) -> String {
    format!(
        r#"[database]
url = "sqlite://{db}"

[log]
level = "warn"

[sources.{MA}]
kind = "modelarts-training-jobs"
endpoint = "{sim_url}"
project_id = "{PROJECT}"
access_key = "{ACCESS_KEY}"
secret_key = "{SECRET_KEY}"
page_size = {ma_page}

[sources.{PAI}]
kind = "pai-dlc-jobs"
endpoint = "{sim_url}"
access_key = "{ACCESS_KEY}"
secret_key = "{SECRET_KEY}"
page_size = {pai_page}
"#,
        db = db.display(),
        ma_page = sizes.ma_page,
        pai_page = sizes.pai_page,
    )
}

/// The same configuration with a webhook endpoint for status changes and new jobs.
pub fn with_webhook(base: &str, receiver_url: &str) -> Config {
    let text = format!(
        r#"{base}
[delivery]
retry_schedule = ["1s"]
timeout = "10s"

[webhooks.bench]
url = "{receiver_url}"
secret = "{WEBHOOK_SECRET}"
events = ["job.status_changed", "job.created"]
"#
    );
    Config::from_toml(&text).expect("benchmark configuration")
}

pub fn source(config: &Config, name: &str) -> SourceConfig {
    config.sources[name].clone()
}
