//! The simulated Modzy jobs: storage, mutation (create, status, progress,
//! delete), bulk seeding and the demo's lifecycle steps, and the jobs' JSON in the
//! history and details shapes.

use super::status::{self, is_terminal};
use crate::providers::modzy_jobs::time::{format_colon, format_compact};
use crate::sim::clock::Clock;
use chrono::DateTime;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

/// The account every simulated job belongs to.
pub const ACCOUNT: &str = "a1b2c3d4-0000-4000-8000-00000000acc7";

/// A model a job runs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ModelRef {
    /// Model identifier (e.g. `ed542963de`).
    pub identifier: String,
    /// Version (e.g. `1.0.1`).
    pub version: String,
    /// Display name.
    pub name: String,
}

/// The user who submitted a job.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SimUser {
    /// UUID.
    pub identifier: String,
    /// Id in the identity provider.
    pub external_identifier: String,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// E-mail address.
    pub email: String,
    /// Account status (`ACTIVE`).
    pub status: String,
    /// Job title (nullable).
    pub title: Option<String>,
    /// `(prefix, isDefault)` of the user's access keys.
    pub access_keys: Vec<(String, bool)>,
    /// Avatar URL (nullable).
    pub picture_url: Option<String>,
}

impl SimUser {
    /// `firstName lastName`: what `submittedBy` shows.
    pub fn full_name(&self) -> String {
        format!("{} {}", self.first_name, self.last_name)
    }

    fn json(&self) -> Value {
        let keys: Vec<Value> = self
            .access_keys
            .iter()
            .map(|(p, d)| json!({ "prefix": p, "isDefault": d }))
            .collect();
        json!({
            "identifier": self.identifier,
            "externalIdentifier": self.external_identifier,
            "firstName": self.first_name,
            "lastName": self.last_name,
            "email": self.email,
            "status": self.status,
            "title": self.title,
            "accessKeys": keys,
            "pictureURL": self.picture_url,
        })
    }
}

/// How a job's timestamps are written: the API uses both offset styles.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimeStyle {
    /// `2021-07-20T01:40:11.187+0000`
    Compact,
    /// `2021-07-20T01:40:09.560+00:00`
    Colon,
}

impl TimeStyle {
    fn render(self, ms: i64) -> String {
        let t = DateTime::from_timestamp_millis(ms).unwrap_or_default();
        match self {
            TimeStyle::Compact => format_compact(t),
            TimeStyle::Colon => format_colon(t),
        }
    }

    fn other(self) -> TimeStyle {
        match self {
            TimeStyle::Compact => TimeStyle::Colon,
            TimeStyle::Colon => TimeStyle::Compact,
        }
    }
}

/// One job, as the simulator stores it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ModzyJob {
    /// UUID.
    pub job_identifier: String,
    /// The submitter's name (`firstName lastName` of `user`).
    pub submitted_by: String,
    /// Account UUID.
    pub account_identifier: String,
    /// The model run.
    pub model: ModelRef,
    /// Status (see [`status`](mod@super::status)).
    pub status: String,
    /// Creation time, epoch ms (strictly increasing with creation).
    pub created_at: i64,
    /// Last change, epoch ms (strictly increasing over every change of the world).
    pub updated_at: i64,
    /// When the job's inputs were submitted; null while a job is `OPEN`.
    pub submitted_at: Option<i64>,
    /// Inputs in the job.
    pub total: i64,
    /// Inputs not processed yet.
    pub pending: i64,
    /// Inputs processed.
    pub completed: i64,
    /// Inputs that failed.
    pub failed: i64,
    /// Run time in ms, once the job has ended.
    pub elapsed_time: Option<i64>,
    /// Time queued in ms, once the job has started.
    pub queue_time: Option<i64>,
    /// The submitter.
    pub user: SimUser,
    /// Input identifiers.
    pub job_inputs: Vec<String>,
    /// Whether explanations were requested.
    pub explain: bool,
    /// Team identifier (details only; nullable).
    pub team: Option<String>,
    /// Hours after which inputs are deleted (details only; nullable).
    pub hours_delete_input: Option<i64>,
    /// Details only.
    pub image_classification_model: bool,
    /// How `createdAt`/`submittedAt` are written (`updatedAt` uses the other style).
    pub style: TimeStyle,
}

impl ModzyJob {
    /// The job as an element of the history response: exactly the documented
    /// fields, in the documented order.
    pub fn list_json(&self) -> Value {
        let inputs: Vec<Value> = self
            .job_inputs
            .iter()
            .map(|i| json!({ "identifier": i }))
            .collect();
        json!({
            "jobIdentifier": self.job_identifier,
            "submittedBy": self.submitted_by,
            "accountIdentifier": self.account_identifier,
            "model": {
                "identifier": self.model.identifier,
                "version": self.model.version,
                "name": self.model.name,
            },
            "status": self.status,
            "createdAt": self.style.render(self.created_at),
            "updatedAt": self.style.other().render(self.updated_at),
            "submittedAt": self.submitted_at.map(|t| self.style.render(t)),
            "total": self.total,
            "pending": self.pending,
            "completed": self.completed,
            "failed": self.failed,
            "elapsedTime": self.elapsed_time,
            "queueTime": self.queue_time,
            "user": self.user.json(),
            "jobInputs": inputs,
            "explain": self.explain,
        })
    }

    /// The job details (`GET /api/jobs/{id}`): the history fields plus `team`,
    /// `hoursDeleteInput` and `imageClassificationModel`.
    pub fn detail_json(&self) -> Value {
        let mut v = self.list_json();
        if let Some(o) = v.as_object_mut() {
            o.insert(
                "team".into(),
                self.team
                    .as_ref()
                    .map_or(Value::Null, |t| json!({ "identifier": t })),
            );
            o.insert("hoursDeleteInput".into(), json!(self.hours_delete_input));
            o.insert(
                "imageClassificationModel".into(),
                json!(self.image_classification_model),
            );
        }
        v
    }
}

/// What a new job looks like (see [`ModzyWorld::create_with`]).
#[derive(Clone, Debug, Default)]
pub struct JobSpec {
    /// Status (default `SUBMITTED`).
    pub status: Option<String>,
    /// Index into [`ModzyWorld::models`] (default: round robin).
    pub model: Option<usize>,
    /// Index into [`ModzyWorld::users`] (default: round robin).
    pub user: Option<usize>,
    /// Number of inputs (default 1–5).
    pub inputs: Option<i64>,
}

/// One change made by [`ModzyWorld::step`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Change {
    /// A job was created.
    Created {
        /// The new job.
        id: String,
        /// Its status.
        status: String,
    },
    /// A job's status changed.
    StatusChanged {
        /// The job.
        id: String,
        /// Old status.
        from: String,
        /// New status.
        to: String,
    },
    /// A job was deleted.
    Deleted {
        /// The job.
        id: String,
    },
}

/// The cache key of a list order and the matching jobs (creation sequence numbers)
/// in that order; see `list::HistoryQuery::order_of`.
pub(super) type CachedOrder = (String, Arc<[u64]>);

/// All jobs of one simulated Modzy account.
///
/// Invariants: `created_at` strictly increases with creation; every change of a
/// job sets its `updated_at` to a value above every `updated_at` in the world (the
/// clock, or one ms past the last update when the clock stands still), as a
/// database assigning update times in commit order would.
#[derive(Debug)]
pub struct ModzyWorld {
    /// Jobs by creation sequence number.
    jobs: BTreeMap<u64, ModzyJob>,
    /// `jobIdentifier` → sequence number.
    index: HashMap<String, u64>,
    next_seq: u64,
    last_created: i64,
    last_updated: i64,
    clock: Clock,
    /// Generates identifiers and defaults (deterministic per world).
    rng: StdRng,
    round_robin: usize,
    /// The models jobs run (also served by `GET /api/models`).
    pub models: Vec<ModelRef>,
    /// The account's users.
    pub users: Vec<SimUser>,
    order_cache: Mutex<Option<CachedOrder>>,
}

impl Default for ModzyWorld {
    fn default() -> Self {
        ModzyWorld::new(Clock::System)
    }
}

fn uuid_from(rng: &mut impl Rng) -> String {
    uuid::Builder::from_random_bytes(rng.gen())
        .into_uuid()
        .to_string()
}

impl ModzyWorld {
    /// An empty world reading time from `clock`, with a pool of models and users.
    pub fn new(clock: Clock) -> Self {
        let mut rng = StdRng::seed_from_u64(0x006d_6f64_7a79);
        let models = MODELS
            .iter()
            .map(|(id, version, name)| ModelRef {
                identifier: id.to_string(),
                version: version.to_string(),
                name: name.to_string(),
            })
            .collect();
        let users = USERS
            .iter()
            .enumerate()
            .map(|(i, (first, last, title))| SimUser {
                identifier: uuid_from(&mut rng),
                external_identifier: format!("ext-{:04}", i + 1),
                first_name: first.to_string(),
                last_name: last.to_string(),
                email: format!("{}.{}@example.com", first, last).to_lowercase(),
                status: "ACTIVE".into(),
                title: title.map(str::to_string),
                access_keys: {
                    let mut keys = vec![(format!("SIMKEY{:02}DEFAULT{:06}", i, i * 7919), true)];
                    if i % 2 == 0 {
                        keys.push((format!("SIMKEY{:02}SPARE{:08}", i, i * 104_729), false));
                    }
                    keys
                },
                picture_url: (i % 3 != 0)
                    .then(|| format!("https://avatars.example.com/{}.png", i + 1)),
            })
            .collect();
        ModzyWorld {
            jobs: BTreeMap::new(),
            index: HashMap::new(),
            next_seq: 0,
            last_created: i64::MIN,
            last_updated: i64::MIN,
            clock,
            rng,
            round_robin: 0,
            models,
            users,
            order_cache: Mutex::new(None),
        }
    }

    /// The clock the world reads "now" from.
    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    /// Number of jobs.
    pub fn len(&self) -> usize {
        self.jobs.len()
    }

    /// Whether there are no jobs.
    pub fn is_empty(&self) -> bool {
        self.jobs.is_empty()
    }

    /// The jobs in creation order.
    pub fn jobs(&self) -> impl DoubleEndedIterator<Item = &ModzyJob> + '_ {
        self.jobs.values()
    }

    /// The jobs with their sequence numbers, in creation order.
    pub(super) fn entries(&self) -> impl Iterator<Item = (u64, &ModzyJob)> + '_ {
        self.jobs.iter().map(|(s, j)| (*s, j))
    }

    /// The job with sequence number `seq`.
    pub(super) fn by_seq(&self, seq: u64) -> Option<&ModzyJob> {
        self.jobs.get(&seq)
    }

    pub(super) fn order_cache(&self) -> &Mutex<Option<CachedOrder>> {
        &self.order_cache
    }

    /// The job with this identifier.
    pub fn get(&self, id: &str) -> Option<&ModzyJob> {
        self.jobs.get(self.index.get(id)?)
    }

    fn changed(&mut self) {
        *self
            .order_cache
            .get_mut()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = None;
    }

    /// The next update time: now, or 1 ms past the last update.
    fn tick(&mut self) -> i64 {
        let t = self.clock.now_ms().max(self.last_updated.saturating_add(1));
        self.last_updated = t;
        t
    }

    fn get_mut(&mut self, id: &str) -> Option<&mut ModzyJob> {
        let seq = *self.index.get(id)?;
        self.changed();
        self.jobs.get_mut(&seq)
    }

    /// Creates a `SUBMITTED` job (model and user round robin) and returns its id.
    pub fn create(&mut self, status: &str) -> String {
        self.create_with(JobSpec {
            status: Some(status.to_string()),
            ..JobSpec::default()
        })
    }

    /// Creates a job now. Its counts, times and nullable fields follow its status.
    pub fn create_with(&mut self, spec: JobSpec) -> String {
        let now = self.clock.now_ms();
        let created = now.max(self.last_created.saturating_add(1));
        let updated = self.tick().max(created);
        self.last_updated = updated;
        let rr = self.round_robin;
        self.round_robin += 1;
        let model = spec.model.unwrap_or(rr) % self.models.len();
        let user = spec.user.unwrap_or(rr) % self.users.len();
        let total = spec.inputs.unwrap_or_else(|| self.rng.gen_range(1..=5));
        let status = spec.status.unwrap_or_else(|| status::SUBMITTED.to_string());
        let job = self.build(
            &status,
            model,
            user,
            total,
            created,
            updated,
            (updated - created).max(0),
        );
        self.insert(job)
    }

    #[allow(clippy::too_many_arguments)]
    fn build(
        &mut self,
        status: &str,
        model: usize,
        user: usize,
        total: i64,
        created: i64,
        updated: i64,
        ran_ms: i64,
    ) -> ModzyJob {
        let rng = &mut self.rng;
        let user = self.users[user].clone();
        let mut job = ModzyJob {
            job_identifier: uuid_from(rng),
            submitted_by: user.full_name(),
            account_identifier: ACCOUNT.into(),
            model: self.models[model].clone(),
            status: status.to_string(),
            created_at: created,
            updated_at: updated,
            submitted_at: None,
            total,
            pending: total,
            completed: 0,
            failed: 0,
            elapsed_time: None,
            queue_time: None,
            user,
            job_inputs: (0..total).map(|i| format!("input-{i:04}")).collect(),
            explain: rng.gen_ratio(1, 5),
            team: rng.gen_ratio(2, 3).then(|| uuid_from(rng)),
            hours_delete_input: rng
                .gen_bool(0.5)
                .then(|| *[24, 48, 168].choose(rng).unwrap_or(&24)),
            image_classification_model: rng.gen_ratio(1, 4),
            style: if rng.gen_bool(0.5) {
                TimeStyle::Compact
            } else {
                TimeStyle::Colon
            },
        };
        settle(&mut job, ran_ms, rng);
        job
    }

    fn insert(&mut self, job: ModzyJob) -> String {
        self.changed();
        let seq = self.next_seq;
        self.next_seq += 1;
        self.last_created = self.last_created.max(job.created_at);
        self.last_updated = self.last_updated.max(job.updated_at);
        let id = job.job_identifier.clone();
        self.index.insert(id.clone(), seq);
        self.jobs.insert(seq, job);
        id
    }

    /// Sets a job's status (updating `updatedAt`, counts and times as Modzy
    /// would); `false` if there is no such job.
    pub fn set_status(&mut self, id: &str, new_status: &str) -> bool {
        let now = self.tick();
        let mut rng = StdRng::seed_from_u64(now as u64);
        let Some(job) = self.get_mut(id) else {
            return false;
        };
        job.status = new_status.to_string();
        job.updated_at = now;
        let ran = (now - job.created_at).max(0);
        settle(job, ran, &mut rng);
        true
    }

    /// Records progress of a job without a status change (`completed`, `failed`,
    /// `pending` recomputed; `updatedAt` moves); `false` if there is no such job.
    pub fn set_progress(&mut self, id: &str, completed: i64, failed: i64) -> bool {
        let now = self.tick();
        let Some(job) = self.get_mut(id) else {
            return false;
        };
        job.completed = completed.clamp(0, job.total);
        job.failed = failed.clamp(0, job.total - job.completed);
        job.pending = job.total - job.completed - job.failed;
        job.updated_at = now;
        true
    }

    /// Deletes a job; `false` if there is no such job.
    pub fn delete(&mut self, id: &str) -> bool {
        let Some(seq) = self.index.remove(id) else {
            return false;
        };
        self.changed();
        self.jobs.remove(&seq).is_some()
    }

    /// Adds `n` jobs created over the 180 days before now (or after the newest
    /// job), each updated a little after its creation; the newest 2% are partly
    /// still active, the rest have ended (mostly `COMPLETED`).
    pub fn seed(&mut self, n: usize, rng: &mut impl Rng) {
        if n == 0 {
            return;
        }
        const SPAN_MS: i64 = 180 * 24 * 3600 * 1000;
        let now = self.clock.now_ms();
        let start = (now - SPAN_MS).max(self.last_created.saturating_add(1));
        // Gaps average a little less than span / n, so the last job lands before now.
        let mean_gap = ((now - start).max(0) / (n as i64 + n as i64 / 8 + 1)).max(1);
        let recent_from = n - (n / 50).max(n.min(5));
        let mut t = start;
        for i in 0..n {
            t += rng.gen_range(1..=2 * mean_gap);
            let status = if i >= recent_from && rng.gen_bool(0.4) {
                *ACTIVE_MIX.choose(rng).unwrap_or(&status::IN_PROGRESS)
            } else {
                pick_weighted(rng, TERMINAL_MIX)
            };
            let ran = if is_terminal(status) {
                rng.gen_range(2_000..=2 * 3600 * 1000)
            } else {
                rng.gen_range(0..=60_000)
            };
            let created = t.min(now).max(self.last_created.saturating_add(1));
            let updated = (created + ran).min(now.max(created));
            let model = rng.gen_range(0..self.models.len());
            let user = rng.gen_range(0..self.users.len());
            let total = pick_weighted(rng, INPUT_MIX);
            let job = self.build(
                status,
                model,
                user,
                total,
                created,
                updated,
                updated - created,
            );
            self.insert(job);
        }
    }

    /// One tick of the demo: each active job moves along the lifecycle (OPEN →
    /// SUBMITTED → IN_PROGRESS → COMPLETED, with cancellations and timeouts) with
    /// probability 0.35, running jobs also make progress; 0–2 new jobs; and with
    /// probability 0.05 one old finished job is deleted.
    pub fn step(&mut self, rng: &mut impl Rng) -> Vec<Change> {
        let mut changes = Vec::new();
        let active: Vec<(String, String)> = self
            .jobs()
            .filter(|j| !is_terminal(&j.status))
            .map(|j| (j.job_identifier.clone(), j.status.clone()))
            .collect();
        for (id, from) in active {
            if !rng.gen_bool(0.35) {
                continue;
            }
            let to = next_status(&from, rng);
            if to != from && self.set_status(&id, to) {
                changes.push(Change::StatusChanged {
                    id,
                    from,
                    to: to.to_string(),
                });
            }
        }
        for _ in 0..rng.gen_range(0..=2) {
            let status = if rng.gen_ratio(1, 6) {
                status::OPEN
            } else {
                status::SUBMITTED
            };
            let id = self.create(status);
            changes.push(Change::Created {
                id,
                status: status.to_string(),
            });
        }
        if self.len() > 10 && rng.gen_bool(0.05) {
            let i = rng.gen_range(0..self.len() / 2);
            let victim = self
                .jobs()
                .nth(i)
                .filter(|j| is_terminal(&j.status))
                .map(|j| j.job_identifier.clone());
            if let Some(id) = victim {
                self.delete(&id);
                changes.push(Change::Deleted { id });
            }
        }
        changes
    }
}

/// Makes a job's counts, `submittedAt`, `queueTime` and `elapsedTime` agree with
/// its status, `ran_ms` after its creation.
fn settle(job: &mut ModzyJob, ran_ms: i64, rng: &mut impl Rng) {
    let queue = (ran_ms / 10).min(30_000);
    match job.status.as_str() {
        status::OPEN => {
            job.submitted_at = None;
            job.queue_time = None;
            job.elapsed_time = None;
            job.pending = job.total;
            job.completed = 0;
            job.failed = 0;
        }
        status::SUBMITTED => {
            job.submitted_at.get_or_insert(job.created_at);
            job.queue_time = None;
            job.elapsed_time = None;
        }
        status::IN_PROGRESS => {
            job.submitted_at.get_or_insert(job.created_at);
            job.queue_time.get_or_insert(queue);
            job.elapsed_time = None;
        }
        status::COMPLETED => {
            job.submitted_at.get_or_insert(job.created_at);
            job.queue_time.get_or_insert(queue);
            job.elapsed_time = Some((ran_ms - queue).max(0));
            job.failed = if job.total > 1 && rng.gen_ratio(1, 10) {
                1
            } else {
                0
            };
            job.completed = job.total - job.failed;
            job.pending = 0;
        }
        status::TIMEDOUT => {
            job.submitted_at.get_or_insert(job.created_at);
            job.queue_time.get_or_insert(queue);
            job.elapsed_time = Some((ran_ms - queue).max(0));
            job.failed += job.pending;
            job.pending = 0;
        }
        _ => {
            // CANCELED (and anything else): pending inputs are dropped.
            job.submitted_at.get_or_insert(job.created_at);
            job.elapsed_time = Some((ran_ms - queue).max(0));
            job.pending = 0;
        }
    }
}

const MODELS: &[(&str, &str, &str)] = &[
    ("ed542963de", "1.0.1", "Sentiment Analysis"),
    ("c60c8dbd79", "0.0.2", "Image-Based Geolocation"),
    ("aevbu1h3yw", "1.0.3", "Language Identification"),
    ("uvdncymn6q", "0.0.7", "Text Topic Modeling"),
    ("m8z2mwe3pt", "0.0.1", "Named Entity Recognition, English"),
    ("ccsjmbsrpu", "2.1.0", "Object Detection"),
    ("4tqcmfyl87", "0.3.2", "Face Detection"),
];

const USERS: &[(&str, &str, Option<&str>)] = &[
    ("Sarah", "Connor", Some("Data Scientist")),
    ("John", "Doe", None),
    ("Ada", "Lovelace", Some("ML Engineer")),
    ("Grace", "Hopper", Some("Platform Lead")),
    ("Alan", "Turing", None),
    ("Katherine", "Johnson", Some("Analyst")),
];

/// Final statuses of seeded jobs, with weights (per mille).
const TERMINAL_MIX: &[(&str, u32)] = &[
    (status::COMPLETED, 860),
    (status::CANCELED, 70),
    (status::TIMEDOUT, 70),
];
/// Statuses of seeded jobs still active.
const ACTIVE_MIX: &[&str] = &[
    status::SUBMITTED,
    status::SUBMITTED,
    status::OPEN,
    status::IN_PROGRESS,
    status::IN_PROGRESS,
    status::IN_PROGRESS,
];
/// Inputs per seeded job, with weights.
const INPUT_MIX: &[(i64, u32)] = &[(1, 60), (2, 15), (5, 12), (10, 8), (100, 5)];

fn pick_weighted<T: Copy>(rng: &mut impl Rng, items: &[(T, u32)]) -> T {
    let total: u32 = items.iter().map(|(_, w)| w).sum();
    let mut x = rng.gen_range(0..total.max(1));
    for (item, w) in items {
        if x < *w {
            return *item;
        }
        x -= w;
    }
    items[0].0
}

/// The next status of an active job in the demo's lifecycle.
fn next_status(from: &str, rng: &mut impl Rng) -> &'static str {
    let options: &[(&str, u32)] = match from {
        status::OPEN => &[(status::SUBMITTED, 90), (status::CANCELED, 10)],
        status::SUBMITTED => &[(status::IN_PROGRESS, 92), (status::CANCELED, 8)],
        status::IN_PROGRESS => &[
            (status::COMPLETED, 85),
            (status::TIMEDOUT, 8),
            (status::CANCELED, 7),
        ],
        _ => &[(status::COMPLETED, 100)],
    };
    pick_weighted(rng, options)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::clock::Clock;
    use chrono::Duration;

    fn world_at(ms: i64) -> (ModzyWorld, crate::sim::ManualClock) {
        let (clock, handle) = Clock::manual(DateTime::from_timestamp_millis(ms).unwrap());
        (ModzyWorld::new(clock), handle)
    }

    #[test]
    fn create_and_change_keep_the_time_invariants() {
        let (mut w, clock) = world_at(1_626_745_211_187);
        let a = w.create(status::SUBMITTED);
        let b = w.create(status::OPEN);
        let (ja, jb) = (w.get(&a).unwrap().clone(), w.get(&b).unwrap().clone());
        assert_eq!(ja.created_at, 1_626_745_211_187);
        assert_eq!(jb.created_at, ja.created_at + 1);
        assert!(jb.updated_at > ja.updated_at);
        assert_eq!(ja.submitted_at, Some(ja.created_at));
        assert_eq!(jb.submitted_at, None, "an open job has not been submitted");
        assert_eq!((ja.pending, ja.total), (ja.total, ja.total));
        clock.advance(Duration::seconds(90));
        assert!(w.set_status(&a, status::IN_PROGRESS));
        let ja = w.get(&a).unwrap().clone();
        assert_eq!(ja.updated_at, 1_626_745_211_187 + 90_000);
        assert!(ja.queue_time.is_some() && ja.elapsed_time.is_none());
        assert!(w.set_status(&a, status::COMPLETED));
        let done = w.get(&a).unwrap();
        assert!(
            done.updated_at > ja.updated_at,
            "the clock stood still: +1 ms"
        );
        assert_eq!(done.pending, 0);
        assert_eq!(done.completed + done.failed, done.total);
        assert!(done.elapsed_time.is_some());
        assert!(w.set_progress(&b, 0, 0));
        assert!(!w.set_status("nope", status::COMPLETED));
        assert!(w.delete(&b) && !w.delete(&b));
        assert!(w.get(&b).is_none());
        assert_eq!(w.len(), 1);
    }

    #[test]
    fn json_shapes_mix_both_timestamp_styles_and_nulls() {
        let (mut w, _) = world_at(1_626_745_211_187);
        let id = w.create(status::OPEN);
        let j = w.get(&id).unwrap();
        let v = j.list_json();
        let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(keys, crate::providers::modzy_jobs::LIST_FIELDS);
        let created = v["createdAt"].as_str().unwrap();
        let updated = v["updatedAt"].as_str().unwrap();
        assert_ne!(
            created.ends_with("+0000"),
            updated.ends_with("+0000"),
            "{created} / {updated}"
        );
        assert!(v["submittedAt"].is_null() && v["elapsedTime"].is_null());
        let d = j.detail_json();
        assert_eq!(d.as_object().unwrap().len(), LIST_LEN + 3);
        assert!(d.get("team").is_some() && d.get("hoursDeleteInput").is_some());
    }

    const LIST_LEN: usize = 17;

    #[test]
    fn seed_is_realistic() {
        let (mut w, _) = world_at(1_700_000_000_000);
        let mut rng = StdRng::seed_from_u64(3);
        w.seed(5_000, &mut rng);
        assert_eq!(w.len(), 5_000);
        let jobs: Vec<&ModzyJob> = w.jobs().collect();
        for pair in jobs.windows(2) {
            assert!(pair[0].created_at < pair[1].created_at);
        }
        assert!(jobs
            .iter()
            .all(|j| j.updated_at >= j.created_at && j.updated_at <= 1_700_000_000_000));
        let active = jobs.iter().filter(|j| !is_terminal(&j.status)).count();
        assert!(active > 10 && active < 100, "active {active}");
        let compact = jobs
            .iter()
            .filter(|j| j.style == TimeStyle::Compact)
            .count();
        assert!(compact > 2_000 && compact < 3_000);
        assert!(jobs.iter().any(|j| j.team.is_none()) && jobs.iter().any(|j| j.team.is_some()));
        assert!(jobs.iter().any(|j| j.user.title.is_none()));
        // Later changes are newer than every seeded update.
        let newest = jobs.iter().map(|j| j.updated_at).max().unwrap();
        let id = jobs[0].job_identifier.clone();
        w.set_status(&id, status::CANCELED);
        assert!(w.get(&id).unwrap().updated_at > newest);
    }

    #[test]
    fn step_moves_jobs_along_the_lifecycle() {
        let (mut w, clock) = world_at(1_700_000_000_000);
        let mut rng = StdRng::seed_from_u64(1);
        w.seed(60, &mut rng);
        let mut created = 0;
        for _ in 0..200 {
            clock.advance(Duration::seconds(30));
            for change in w.step(&mut rng) {
                match change {
                    Change::Created { id, status } => {
                        created += 1;
                        assert_eq!(w.get(&id).unwrap().status, status);
                    }
                    Change::StatusChanged { id, from, to } => {
                        assert_ne!(from, to);
                        assert!(!is_terminal(&from));
                        assert_eq!(w.get(&id).unwrap().status, to);
                    }
                    Change::Deleted { id } => assert!(w.get(&id).is_none()),
                }
            }
        }
        assert!(created > 100);
        assert!(w.jobs().filter(|j| is_terminal(&j.status)).count() > 100);
    }
}
