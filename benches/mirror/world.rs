//! The simulated providers, in this process on loopback: ModelArts v1 training
//! jobs and PAI-DLC jobs seeded to exact sizes (jobs visible to the source) with
//! an exact number of unfinished jobs, and the rounds of status changes and new
//! jobs the change cycles must catch.

use jobmirror::sim::pai_dlc::status::is_terminal as pai_terminal;
use jobmirror::sim::{self, ModelArtsSimConfig, PaiDlcSimConfig, SimConfig, SimHandle};
use rand::rngs::StdRng;

pub const PROJECT: &str = "0123456789abcdef0123456789abcdef";
pub const ACCESS_KEY: &str = "SIMACCESSKEY";
pub const SECRET_KEY: &str = "sim-secret-key";

/// ModelArts statuses used here (`JOBSTAT_*`).
const MA_INIT: i32 = 1;
const MA_RUNNING: i32 = 8;
const MA_COMPLETED: i32 = 10;
const MA_FAILED: i32 = 11;

fn ma_terminal(code: i32) -> bool {
    sim::modelarts_training::status::is_terminal(code)
}

pub async fn start() -> SimHandle {
    sim::start(SimConfig {
        modelarts: Some(ModelArtsSimConfig::new(PROJECT, ACCESS_KEY, SECRET_KEY)),
        pai_dlc: Some(PaiDlcSimConfig::new(ACCESS_KEY, SECRET_KEY)),
        ..SimConfig::default()
    })
    .await
    .expect("start the simulator")
}

/// Seeds ModelArts in one round until exactly `n` jobs are in the default
/// workspace (the seeder puts about one in ten elsewhere), then leaves exactly
/// `unfinished` of them unfinished: the newest of the seeded active jobs, which
/// are spread among the newest 2 % of the jobs with finished ones in between, as
/// in a real account (a job still running was created recently). One round
/// matters: rounds seeded one after another would each leave their own newest
/// 2 % active, i.e. active jobs deep in the newest-first list.
pub fn seed_modelarts(h: &SimHandle, n: usize, unfinished: usize, rng: &mut StdRng) {
    h.modelarts().seed_visible(n, rng);
    let visible = h
        .modelarts()
        .jobs()
        .filter(|j| j.workspace_id == "0")
        .count();
    assert_eq!(visible, n, "ModelArts jobs visible to the source");
    let mut w = h.modelarts();
    let newest_first: Vec<(i64, i32)> = w
        .jobs()
        .rev()
        .filter(|j| j.workspace_id == "0")
        .map(|j| (j.job_id, j.status))
        .collect();
    let mut kept = 0;
    for &(id, status) in &newest_first {
        if !ma_terminal(status) {
            if kept < unfinished {
                kept += 1;
            } else {
                w.set_status(id, MA_COMPLETED);
            }
        }
    }
    // Too few seeded active jobs (small worlds): restart the newest finished ones.
    for &(id, status) in &newest_first {
        if kept >= unfinished {
            break;
        }
        if ma_terminal(status) {
            w.set_status(id, MA_RUNNING);
            kept += 1;
        }
    }
}

/// As [`seed_modelarts`], for PAI-DLC (default workspace of the simulated account).
pub fn seed_pai(h: &SimHandle, n: usize, unfinished: usize, rng: &mut StdRng) {
    let ws = h.pai_dlc().default_workspace.clone();
    h.pai_dlc().seed_visible(n, rng);
    let visible = h.pai_dlc().jobs().filter(|j| j.workspace_id == ws).count();
    assert_eq!(visible, n, "PAI-DLC jobs visible to the source");
    let mut w = h.pai_dlc();
    let newest_first: Vec<(String, String)> = w
        .jobs()
        .rev()
        .filter(|j| j.workspace_id == ws && !j.is_deleted)
        .map(|j| (j.job_id.clone(), j.status.clone()))
        .collect();
    let mut kept = 0;
    for (id, status) in &newest_first {
        if !pai_terminal(status) {
            if kept < unfinished {
                kept += 1;
            } else {
                w.set_status(id, "Succeeded");
            }
        }
    }
    for (id, status) in &newest_first {
        if kept >= unfinished {
            break;
        }
        if pai_terminal(status) {
            w.set_status(id, "Running");
            kept += 1;
        }
    }
}

/// What one round of changes did to a provider.
#[derive(Debug, Clone, Copy, Default)]
pub struct Round {
    pub status_changes: usize,
    pub new_jobs: usize,
}

/// Changes the status of `changes` unfinished ModelArts jobs (half of them
/// finish, the others start or finish running) and creates `new_jobs` jobs.
pub fn change_modelarts(h: &SimHandle, changes: usize, new_jobs: usize) -> Round {
    let mut w = h.modelarts();
    let active: Vec<(i64, i32)> = w
        .jobs()
        .rev()
        .filter(|j| j.workspace_id == "0" && !ma_terminal(j.status))
        .map(|j| (j.job_id, j.status))
        .take(changes)
        .collect();
    let mut round = Round::default();
    for (i, (id, status)) in active.into_iter().enumerate() {
        let to = match (i % 2, status) {
            (0, _) => MA_FAILED,
            (_, MA_RUNNING) => MA_COMPLETED,
            _ => MA_RUNNING,
        };
        if to != status && w.set_status(id, to) {
            round.status_changes += 1;
        }
    }
    for i in 0..new_jobs {
        w.create(format!("bench-new-{i}"), "benchmark", MA_INIT);
        round.new_jobs += 1;
    }
    round
}

/// As [`change_modelarts`], for PAI-DLC.
pub fn change_pai(h: &SimHandle, changes: usize, new_jobs: usize) -> Round {
    let mut w = h.pai_dlc();
    let ws = w.default_workspace.clone();
    let active: Vec<(String, String)> = w
        .jobs()
        .rev()
        .filter(|j| j.workspace_id == ws && !j.is_deleted && !pai_terminal(&j.status))
        .map(|j| (j.job_id.clone(), j.status.clone()))
        .take(changes)
        .collect();
    let mut round = Round::default();
    for (i, (id, status)) in active.into_iter().enumerate() {
        let to = match (i % 2, status.as_str()) {
            (0, _) => "Failed",
            (_, "Running") => "Succeeded",
            _ => "Running",
        };
        if to != status && w.set_status(&id, to) {
            round.status_changes += 1;
        }
    }
    for i in 0..new_jobs {
        w.create(format!("bench-new-{i}"), "Queuing");
        round.new_jobs += 1;
    }
    round
}
