//! The simulated ModelArts training jobs: storage, mutation (create, status, versions,
//! delete), bulk seeding and the demo's lifecycle steps.

use super::list::ListQuery;
use super::status::{self, implies_ran, is_terminal};
use crate::sim::clock::Clock;
use crate::sim::util::pick_weighted;
use rand::seq::SliceRandom;
use rand::Rng;
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};

/// Default `quotas` (maximum number of training jobs) of a new world.
pub const DEFAULT_QUOTA: i64 = 10_000;

/// A workspace other than the default `"0"`, used by [`ModelArtsWorld::seed`].
pub const SEED_WORKSPACE: &str = "2b3c4d5e6f708192a3b4c5d6e7f80912";

/// One training job (its latest version), as the simulator stores it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrainingJob {
    /// Job id (increasing with creation).
    pub job_id: i64,
    /// Job name.
    pub job_name: String,
    /// Id of the job's latest version (increasing with creation).
    pub version_id: i64,
    /// Status code (see [`status`](mod@super::status)).
    pub status: i32,
    /// Creation time, epoch milliseconds.
    pub create_time: i64,
    /// Running duration in milliseconds (0 until the job ends after having run).
    pub duration: i64,
    /// Description.
    pub job_desc: String,
    /// Number of versions.
    pub version_count: i64,
    /// Workspace (`"0"` is the default workspace); not part of the list response.
    pub workspace_id: String,
}

impl TrainingJob {
    /// The job as an element of the list response's `jobs`: exactly the documented
    /// fields, in the documented order.
    pub fn list_json(&self) -> Value {
        json!({
            "job_id": self.job_id,
            "job_name": self.job_name,
            "version_id": self.version_id,
            "status": self.status,
            "create_time": self.create_time,
            "duration": self.duration,
            "job_desc": self.job_desc,
            "version_count": self.version_count,
        })
    }

    /// The name of the latest version: `V001`, `V002`, ...
    pub fn version_name(&self) -> String {
        format!("V{:03}", self.version_count)
    }
}

/// One change made by [`ModelArtsWorld::step`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Change {
    /// A job was created.
    Created {
        /// The new job.
        job_id: i64,
        /// Its status.
        status: i32,
    },
    /// A job's status changed.
    StatusChanged {
        /// The job.
        job_id: i64,
        /// Old status.
        from: i32,
        /// New status.
        to: i32,
    },
    /// A job was deleted.
    Deleted {
        /// The deleted job.
        job_id: i64,
    },
}

/// All training jobs of one simulated project.
///
/// Invariant: jobs are stored in creation order, and `job_id`, `version_id` and
/// `create_time` all strictly increase with creation, so storage order is both
/// `job_id` and `create_time` order. Every change to the jobs goes through a `&mut self`
/// method that clears the cached list order.
#[derive(Debug)]
pub struct ModelArtsWorld {
    /// Job ids in storage order (including deleted slots), for binary search.
    ids: Vec<i64>,
    /// The jobs; `None` once deleted (compacted away when they pile up).
    slots: Vec<Option<TrainingJob>>,
    live: usize,
    next_job_id: i64,
    next_version_id: i64,
    last_create_time: i64,
    clock: Clock,
    /// The last list order computed (see `ListQuery::window`); cleared by every mutation.
    order_cache: Mutex<Option<CachedOrder>>,
    /// The `quotas` figure of list responses; `job_count_limit` is
    /// `max(quotas - live jobs, 0)`.
    pub quota: i64,
}

impl Default for ModelArtsWorld {
    fn default() -> Self {
        ModelArtsWorld::new(Clock::System)
    }
}

impl ModelArtsWorld {
    /// An empty world reading time from `clock`.
    pub fn new(clock: Clock) -> Self {
        ModelArtsWorld {
            ids: Vec::new(),
            slots: Vec::new(),
            live: 0,
            next_job_id: 1,
            next_version_id: 1,
            last_create_time: i64::MIN,
            clock,
            order_cache: Mutex::new(None),
            quota: DEFAULT_QUOTA,
        }
    }

    /// The clock the world reads "now" from.
    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    /// Number of live (not deleted) jobs.
    pub fn len(&self) -> usize {
        self.live
    }

    /// Whether there are no live jobs.
    pub fn is_empty(&self) -> bool {
        self.live == 0
    }

    /// The live jobs in creation order (= `job_id` order = `create_time` order).
    pub fn jobs(&self) -> impl DoubleEndedIterator<Item = &TrainingJob> + '_ {
        self.slots.iter().flatten()
    }

    /// The live jobs with their storage slots, in storage order.
    pub(super) fn slots(&self) -> impl Iterator<Item = (u32, &TrainingJob)> + '_ {
        self.slots
            .iter()
            .enumerate()
            .filter_map(|(i, s)| Some((i as u32, s.as_ref()?)))
    }

    /// The live job in storage slot `slot`.
    pub(super) fn slot(&self, slot: u32) -> Option<&TrainingJob> {
        self.slots.get(slot as usize)?.as_ref()
    }

    pub(super) fn order_cache(&self) -> &Mutex<Option<CachedOrder>> {
        &self.order_cache
    }

    /// Forgets the cached list order: called by every mutation.
    fn changed(&mut self) {
        *self
            .order_cache
            .get_mut()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = None;
    }

    /// The job with this id, if it exists.
    pub fn get(&self, job_id: i64) -> Option<&TrainingJob> {
        let i = self.ids.binary_search(&job_id).ok()?;
        self.slots[i].as_ref()
    }

    /// Creates a job in the default workspace `"0"` with one version and returns its id.
    /// Its `create_time` is `max(now, previous create_time + 1)` in epoch ms.
    pub fn create(&mut self, name: impl Into<String>, desc: impl Into<String>, status: i32) -> i64 {
        self.create_in_workspace("0", name, desc, status)
    }

    /// Like [`create`](Self::create), in workspace `workspace_id`.
    pub fn create_in_workspace(
        &mut self,
        workspace_id: impl Into<String>,
        name: impl Into<String>,
        desc: impl Into<String>,
        status: i32,
    ) -> i64 {
        let now = self.clock.now_ms();
        self.insert(NewJob {
            job_name: name.into(),
            job_desc: desc.into(),
            workspace_id: workspace_id.into(),
            status,
            create_time: now,
            duration: 0,
            version_count: 1,
        })
    }

    fn insert(&mut self, new: NewJob) -> i64 {
        self.changed();
        let job_id = self.next_job_id;
        self.next_job_id += 1;
        // Earlier versions of the job took the version ids before its latest one.
        let version_id = self.next_version_id + new.version_count - 1;
        self.next_version_id = version_id + 1;
        let create_time = new.create_time.max(self.last_create_time.saturating_add(1));
        self.last_create_time = create_time;
        self.ids.push(job_id);
        self.slots.push(Some(TrainingJob {
            job_id,
            job_name: new.job_name,
            version_id,
            status: new.status,
            create_time,
            duration: new.duration,
            job_desc: new.job_desc,
            version_count: new.version_count,
            workspace_id: new.workspace_id,
        }));
        self.live += 1;
        job_id
    }

    fn get_mut(&mut self, job_id: i64) -> Option<&mut TrainingJob> {
        self.changed();
        let i = self.ids.binary_search(&job_id).ok()?;
        self.slots[i].as_mut()
    }

    /// Sets a job's status; `false` if there is no such job.
    ///
    /// Duration: a job reaching a terminal status that implies it ran (COMPLETED,
    /// FAILED, KILLED, LOST, ...) gets `now - create_time`; one that ends without running
    /// (IMAGE_FAILED, SUBMIT_FAILED, CANCELED) or goes back to an active status gets 0;
    /// a terminal job moved to another terminal status keeps its duration.
    pub fn set_status(&mut self, job_id: i64, new_status: i32) -> bool {
        let now = self.clock.now_ms();
        let Some(job) = self.get_mut(job_id) else {
            return false;
        };
        let was_terminal = is_terminal(job.status);
        job.status = new_status;
        if !is_terminal(new_status) {
            job.duration = 0;
        } else if !was_terminal {
            job.duration = if implies_ran(new_status) {
                (now - job.create_time).max(0)
            } else {
                0
            };
        }
        true
    }

    /// Starts a new version of a job (as "Creating a Version of a Training Job" does):
    /// new `version_id`, `version_count + 1`, status INIT, duration 0. Returns the new
    /// version id, or `None` if there is no such job.
    pub fn new_version(&mut self, job_id: i64) -> Option<i64> {
        let version_id = self.next_version_id;
        let job = self.get_mut(job_id)?;
        job.version_id = version_id;
        job.version_count += 1;
        job.status = status::INIT;
        job.duration = 0;
        self.next_version_id += 1;
        Some(version_id)
    }

    /// Deletes a job; `false` if there is no such job.
    pub fn delete(&mut self, job_id: i64) -> bool {
        let Ok(i) = self.ids.binary_search(&job_id) else {
            return false;
        };
        if self.slots[i].take().is_none() {
            return false;
        }
        self.changed();
        self.live -= 1;
        let dead = self.slots.len() - self.live;
        if dead > 1024 && dead > self.live {
            self.compact();
        }
        true
    }

    fn compact(&mut self) {
        self.changed();
        let slots = std::mem::take(&mut self.slots);
        self.slots = slots.into_iter().filter(Option::is_some).collect();
        self.ids = self.jobs().map(|j| j.job_id).collect();
    }

    /// Adds `n` jobs with `create_time`s spread over the 180 days before now (or after
    /// the newest existing job), realistic names, descriptions, version counts and
    /// workspaces (about 1 in 10 outside `"0"`, in [`SEED_WORKSPACE`]); the newest 2%
    /// are partly still active, every other job has ended (mostly COMPLETED).
    pub fn seed(&mut self, n: usize, rng: &mut impl Rng) {
        self.seed_until(n, rng, |added, _| added >= n);
    }

    /// As [`seed`](Self::seed), in one round, until exactly `n` of the added jobs
    /// are in workspace `"0"` (about `n` · 10/9 jobs in all): the newest 2% of the
    /// round, and so the still active jobs, are the newest of workspace `"0"` too.
    pub fn seed_visible(&mut self, n: usize, rng: &mut impl Rng) {
        self.seed_until(n + n / 9, rng, |_, visible| visible >= n);
    }

    /// Adds jobs as [`seed`](Self::seed) describes, spread as if `planned` were
    /// added, until `done(added, added_in_workspace_0)`.
    fn seed_until(
        &mut self,
        planned: usize,
        rng: &mut impl Rng,
        mut done: impl FnMut(usize, usize) -> bool,
    ) {
        let n = planned;
        if n == 0 {
            return;
        }
        const SPAN_MS: i64 = 180 * 24 * 3600 * 1000;
        let now = self.clock.now_ms();
        let start = (now - SPAN_MS).max(self.last_create_time.saturating_add(1));
        let mean_gap = (now - start).max(0) / n as i64;
        let recent_from = n - (n / 50).max(n.min(5));
        self.ids.reserve(n);
        self.slots.reserve(n);
        let mut t = start;
        let mut visible = 0;
        let mut i = 0;
        while !done(i, visible) {
            t += rng.gen_range(1..=(2 * mean_gap).max(1));
            let job_id = self.next_job_id;
            let status = if i >= recent_from && rng.gen_bool(0.4) {
                *ACTIVE_MIX.choose(rng).unwrap_or(&status::RUNNING)
            } else {
                pick_weighted(rng, TERMINAL_MIX)
            };
            let duration = if implies_ran(status) {
                rng.gen_range(30_000..=8 * 3600 * 1000)
                    .min((now - t).max(0))
            } else {
                0
            };
            let model = MODELS.choose(rng).unwrap_or(&"model");
            let task = TASKS.choose(rng).unwrap_or(&"train");
            let job_desc = DESCS
                .choose(rng)
                .map_or_else(String::new, |d| d.to_string());
            let workspace_id = if rng.gen_ratio(1, 10) {
                SEED_WORKSPACE
            } else {
                visible += 1;
                "0"
            };
            self.insert(NewJob {
                job_name: format!("{model}-{task}-{job_id}"),
                job_desc,
                workspace_id: workspace_id.to_string(),
                status,
                create_time: t,
                duration,
                version_count: pick_weighted(rng, VERSION_MIX),
            });
            i += 1;
        }
    }

    /// One tick of the demo: 0–2 new jobs; each active job moves along the lifecycle
    /// (INIT → [IMAGE_CREATING → SUBMIT_TRYING →] WAITING → RUNNING → COMPLETED / FAILED /
    /// KILLING → KILLED, with rare early failures and cancellations) with probability
    /// 0.35; and with probability 0.05 one old finished job is deleted.
    pub fn step(&mut self, rng: &mut impl Rng) -> Vec<Change> {
        let mut changes = Vec::new();
        let moves: Vec<(i64, i32)> = self
            .jobs()
            .filter(|j| !is_terminal(j.status))
            .map(|j| (j.job_id, j.status))
            .collect();
        for (job_id, from) in moves {
            if !rng.gen_bool(0.35) {
                continue;
            }
            let to = next_status(from, rng);
            if to != from && self.set_status(job_id, to) {
                changes.push(Change::StatusChanged { job_id, from, to });
            }
        }
        for _ in 0..rng.gen_range(0..=2) {
            let model = MODELS.choose(rng).unwrap_or(&"model");
            let task = TASKS.choose(rng).unwrap_or(&"train");
            let name = format!("{model}-{task}-{}", self.next_job_id);
            let desc = DESCS.choose(rng).copied().unwrap_or("");
            let job_id = self.create(name, desc, status::INIT);
            changes.push(Change::Created {
                job_id,
                status: status::INIT,
            });
        }
        if self.live > 10 && rng.gen_bool(0.05) {
            // An old job: from the oldest half of the storage.
            let i = rng.gen_range(0..self.slots.len() / 2);
            if let Some(job_id) = self.slots[i]
                .as_ref()
                .filter(|j| is_terminal(j.status))
                .map(|j| j.job_id)
            {
                self.delete(job_id);
                changes.push(Change::Deleted { job_id });
            }
        }
        changes
    }
}

/// A list query (page fields normalised) and its matching storage slots in list order.
pub(super) type CachedOrder = (ListQuery, Arc<[u32]>);

struct NewJob {
    job_name: String,
    job_desc: String,
    workspace_id: String,
    status: i32,
    create_time: i64,
    duration: i64,
    version_count: i64,
}

const MODELS: &[&str] = &[
    "resnet50",
    "ResNet101",
    "bert-base",
    "BERT-Large",
    "yolov5",
    "gpt2-small",
    "unet",
    "mobilenet-v3",
    "vit-b16",
    "lstm-forecast",
    "xgboost-churn",
    "T5-small",
    "whisper-tiny",
    "llama-7b",
];
const TASKS: &[&str] = &["train", "finetune", "eval", "hpo", "pretrain", "distill"];
const DESCS: &[&str] = &[
    "",
    "",
    "",
    "nightly retrain",
    "baseline run",
    "lr sweep",
    "ablation: no dropout",
    "Production model refresh",
    "This is ModelArts job",
];

/// Terminal statuses of seeded jobs, with weights (per mille).
const TERMINAL_MIX: &[(i32, u32)] = &[
    (status::COMPLETED, 720),
    (status::FAILED, 140),
    (status::KILLED, 70),
    (status::CANCELED, 30),
    (status::IMAGE_FAILED, 10),
    (status::SUBMIT_FAILED, 10),
    (status::LOST, 10),
    (status::CHECK_FAILED, 10),
];
/// Statuses of the seeded jobs that are still active.
const ACTIVE_MIX: &[i32] = &[
    status::INIT,
    status::IMAGE_CREATING,
    status::SUBMIT_TRYING,
    status::WAITING,
    status::WAITING,
    status::RUNNING,
    status::RUNNING,
    status::RUNNING,
    status::KILLING,
];
/// Version counts of seeded jobs, with weights.
const VERSION_MIX: &[(i64, u32)] = &[(1, 80), (2, 12), (3, 5), (4, 2), (6, 1)];

/// The next status of an active job in the demo's lifecycle.
fn next_status(from: i32, rng: &mut impl Rng) -> i32 {
    use status::*;
    let options: &[(i32, u32)] = match from {
        INIT => &[(WAITING, 80), (IMAGE_CREATING, 15), (SUBMIT_FAILED, 5)],
        IMAGE_CREATING => &[(SUBMIT_TRYING, 90), (IMAGE_FAILED, 10)],
        SUBMIT_TRYING => &[(WAITING, 95), (SUBMIT_FAILED, 5)],
        WAITING => &[(RUNNING, 92), (CANCELED, 8)],
        RUNNING => &[(COMPLETED, 70), (FAILED, 20), (KILLING, 10)],
        KILLING => &[(KILLED, 100)],
        SCALING | CHECK_RUNNING => &[(RUNNING, 100)],
        CHECK_INIT => &[(CHECK_RUNNING, 100)],
        _ => &[(COMPLETED, 100)],
    };
    pick_weighted(rng, options)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::clock::Clock;
    use chrono::{DateTime, Duration};
    use rand::rngs::StdRng;
    use rand::SeedableRng;

    fn world_at(ms: i64) -> (ModelArtsWorld, crate::sim::ManualClock) {
        let (clock, handle) = Clock::manual(DateTime::from_timestamp_millis(ms).unwrap());
        (ModelArtsWorld::new(clock), handle)
    }

    #[test]
    fn create_is_monotonic_even_when_the_clock_stands_still_or_goes_back() {
        let (mut w, clock) = world_at(1_700_000_000_000);
        let a = w.create("a", "", status::INIT);
        let b = w.create("b", "", status::INIT);
        clock.advance(Duration::seconds(-60));
        let c = w.create("c", "", status::INIT);
        let (ja, jb, jc) = (w.get(a).unwrap(), w.get(b).unwrap(), w.get(c).unwrap());
        assert_eq!(ja.create_time, 1_700_000_000_000);
        assert_eq!(jb.create_time, ja.create_time + 1);
        assert_eq!(jc.create_time, jb.create_time + 1);
        assert!(a < b && b < c);
        assert!(ja.version_id < jb.version_id && jb.version_id < jc.version_id);
        assert_eq!(ja.workspace_id, "0");
        assert_eq!(ja.version_count, 1);
        assert_eq!(ja.version_name(), "V001");
    }

    #[test]
    fn set_status_sets_duration_on_terminal() {
        let (mut w, clock) = world_at(1_700_000_000_000);
        let id = w.create("job", "", status::INIT);
        assert!(w.set_status(id, status::RUNNING));
        clock.advance(Duration::seconds(532));
        assert!(w.set_status(id, status::COMPLETED));
        assert_eq!(w.get(id).unwrap().duration, 532_000);
        // Terminal → terminal keeps the duration.
        clock.advance(Duration::seconds(10));
        assert!(w.set_status(id, status::LOST));
        assert_eq!(w.get(id).unwrap().duration, 532_000);
        // Failing before running: no duration.
        let early = w.create("early", "", status::INIT);
        clock.advance(Duration::seconds(5));
        assert!(w.set_status(early, status::SUBMIT_FAILED));
        assert_eq!(w.get(early).unwrap().duration, 0);
        assert!(!w.set_status(9999, status::RUNNING));
    }

    #[test]
    fn new_version_and_delete() {
        let (mut w, _) = world_at(1_700_000_000_000);
        let id = w.create("job", "d", status::COMPLETED);
        let other = w.create("other", "", status::INIT);
        let v = w.new_version(id).unwrap();
        let job = w.get(id).unwrap();
        assert_eq!(
            (job.version_id, job.version_count, job.status),
            (v, 2, status::INIT)
        );
        assert!(v > w.get(other).unwrap().version_id);
        assert_eq!(job.version_name(), "V002");
        assert!(w.delete(id));
        assert!(!w.delete(id));
        assert!(w.get(id).is_none());
        assert_eq!(w.len(), 1);
        assert_eq!(w.jobs().map(|j| j.job_id).collect::<Vec<_>>(), vec![other]);
        assert!(w.new_version(id).is_none());
    }

    #[test]
    fn deletes_compact_storage_and_lookups_survive() {
        let mut w = ModelArtsWorld::default();
        let ids: Vec<i64> = (0..5000)
            .map(|i| w.create(format!("j{i}"), "", status::COMPLETED))
            .collect();
        for id in &ids[..4000] {
            assert!(w.delete(*id));
        }
        assert!(w.slots.len() < 5000, "compacted");
        assert_eq!(w.len(), 1000);
        for id in &ids[4000..] {
            assert_eq!(w.get(*id).unwrap().job_id, *id);
        }
        assert!(w.get(ids[0]).is_none());
    }

    #[test]
    fn seed_keeps_invariants_and_a_realistic_mix() {
        let (mut w, _) = world_at(1_700_000_000_000);
        w.create("pre-existing", "", status::RUNNING);
        let mut rng = StdRng::seed_from_u64(7);
        w.seed(20_000, &mut rng);
        assert_eq!(w.len(), 20_001);
        let jobs: Vec<&TrainingJob> = w.jobs().collect();
        for pair in jobs.windows(2) {
            assert!(pair[0].job_id < pair[1].job_id);
            assert!(pair[0].create_time < pair[1].create_time);
            assert!(pair[0].version_id < pair[1].version_id);
        }
        let active = jobs.iter().filter(|j| !is_terminal(j.status)).count();
        let completed = jobs
            .iter()
            .filter(|j| j.status == status::COMPLETED)
            .count();
        let other_ws = jobs
            .iter()
            .filter(|j| j.workspace_id == SEED_WORKSPACE)
            .count();
        assert!(active > 10 && active < 400, "active {active}");
        assert!(completed > 12_000, "completed {completed}");
        assert!(
            other_ws > 1_000 && other_ws < 3_000,
            "other workspace {other_ws}"
        );
        assert!(jobs
            .iter()
            .all(|j| j.duration >= 0 && (j.duration == 0 || implies_ran(j.status))));
        assert!(jobs.iter().any(|j| j.version_count > 1));
    }

    #[test]
    fn step_moves_jobs_along_the_lifecycle() {
        let (mut w, clock) = world_at(1_700_000_000_000);
        let mut rng = StdRng::seed_from_u64(1);
        w.seed(50, &mut rng);
        let mut created = 0;
        for _ in 0..200 {
            clock.advance(Duration::seconds(30));
            for change in w.step(&mut rng) {
                match change {
                    Change::Created { job_id, status } => {
                        created += 1;
                        assert_eq!(w.get(job_id).unwrap().status, status);
                    }
                    Change::StatusChanged { job_id, from, to } => {
                        assert_ne!(from, to);
                        assert!(!is_terminal(from));
                        assert_eq!(w.get(job_id).unwrap().status, to);
                    }
                    Change::Deleted { job_id } => assert!(w.get(job_id).is_none()),
                }
            }
        }
        assert!(created > 100);
        let finished = w
            .jobs()
            .filter(|j| j.job_id > 50 && is_terminal(j.status))
            .count();
        assert!(
            finished > 50,
            "jobs created by step also finish: {finished}"
        );
    }
}
