//! `jobmirror query` as users run it: the provider's exact body on stdout, the
//! provider's error body and a non-zero exit for a parameter it would reject,
//! `--format table`, and `--all` following the paging to the end.

use std::process::{Command, Output};

use jobmirror::collect::ModeRequest;
use jobmirror::sim::modelarts_training;
use serde_json::Value;

use crate::harness::*;

fn jobmirror() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_jobmirror"));
    c.env_remove("JOBMIRROR_CONFIG").env("RUST_LOG", "warn");
    c
}

fn p(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn ids(body: &Value) -> Vec<i64> {
    body["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|j| j["job_id"].as_i64().unwrap())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn query_prints_the_providers_body_and_follows_pages() {
    let sim = modelarts_sim(240).await;
    let s = Scratch::new();
    let path = s.write_config(&s.config_text(&sim, ""));
    let config = s.config(&sim, "");
    let store = s.store().await;
    step_ok(&worker(&config, &store), ModeRequest::Full).await;
    store.close().await;
    let query = |args: &[&str]| -> Output {
        jobmirror()
            .args(["--config", path.to_str().unwrap(), "query"])
            .args(args)
            .output()
            .unwrap()
    };

    // Exactly the provider's body (and a newline).
    let out = query(&["ma", "per_page=5", "sortBy=create_time", "order=desc"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let want = modelarts_training::list(
        &sim.modelarts(),
        &p(&[
            ("per_page", "5"),
            ("sortBy", "create_time"),
            ("order", "desc"),
        ]),
    )
    .unwrap();
    assert_eq!(String::from_utf8(out.stdout).unwrap(), format!("{want}\n"));

    // A parameter the provider rejects: its error body on stdout, exit non-zero.
    let out = query(&["ma", "per_page=1001"]);
    assert!(!out.status.success());
    let err = modelarts_training::list(&sim.modelarts(), &p(&[("per_page", "1001")])).unwrap_err();
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        format!("{}\n", err.body)
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("ModelArts.0105"), "{stderr}");
    assert!(!query(&["ma", "no-equals-sign"]).status.success());
    assert!(!query(&["nope"]).status.success());

    // --all: one body whose list runs from the requested page to the end.
    let out = query(&["ma", "--all", "per_page=7", "page=3", "search_content=e"]);
    assert!(out.status.success());
    let all: Value = serde_json::from_slice(&out.stdout).unwrap();
    let every = modelarts_training::list(
        &sim.modelarts(),
        &p(&[("per_page", "1000"), ("search_content", "e")]),
    )
    .unwrap();
    assert_eq!(all["job_total_count"], every["job_total_count"]);
    assert_eq!(ids(&all), ids(&every)[14..].to_vec());
    assert_eq!(all["quotas"], every["quotas"]);

    // --format table: a header and one aligned line per job.
    let out = query(&["ma", "--format", "table", "per_page=4"]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 5, "{text}");
    assert!(lines[0].starts_with("job_id"));
    let name_col = lines[0].find("job_name").unwrap();
    let first =
        &ids(&modelarts_training::list(&sim.modelarts(), &p(&[("per_page", "4")])).unwrap());
    for (line, id) in lines[1..].iter().zip(first) {
        assert!(line.starts_with(&id.to_string()), "{line}");
        assert_ne!(line.as_bytes()[name_col], b' ', "{text}");
    }
    let out = query(&["ma", "--format", "table", "--all", "per_page=50"]);
    assert!(out.status.success());
    let total = every["job_total_count"].as_u64().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let total_all = modelarts_training::list(&sim.modelarts(), &[]).unwrap()["job_total_count"]
        .as_u64()
        .unwrap();
    assert!(total_all >= total);
    assert_eq!(text.lines().count() as u64, total_all + 1);
    sim.stop().await;
}
