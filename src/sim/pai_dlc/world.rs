//! The simulated PAI-DLC jobs: storage, mutation (create, status, soft and hard
//! delete), bulk seeding and the demo's lifecycle steps, and each job's JobItem JSON.

use super::status::is_terminal;
use crate::sim::clock::Clock;
use crate::sim::util::pick_weighted;
use rand::seq::SliceRandom;
use rand::Rng;
use serde_json::{json, Map, Value};
use std::collections::HashMap;

mod text;

/// The workspace a request without `WorkspaceId` lists.
pub const DEFAULT_WORKSPACE: &str = "268";
/// A second workspace, used by [`PaiWorld::seed`] for about one job in ten.
pub const OTHER_WORKSPACE: &str = "86015";
/// The user the simulated credentials belong to (`ShowOwn=true` lists their jobs).
pub const CALLER_USER_ID: &str = "1557702098194904";
/// Another user of the same account.
pub const OTHER_USER_ID: &str = "2003746211038291";

const DAY: i64 = 24 * 3600;

/// One entry of a job's `StatusHistory`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Transition {
    pub status: String,
    /// Epoch seconds.
    pub start: i64,
    /// Epoch seconds; `None` for the current status.
    pub end: Option<i64>,
    pub reason_code: String,
    pub reason_message: String,
}

/// One job as the simulator stores it: the fields that change over its life, and
/// the fixed documented fields (`spec`) generated when it was created.
#[derive(Clone, Debug, PartialEq)]
pub struct PaiJob {
    /// `dlc` + 15 lowercase hex digits, unique.
    pub job_id: String,
    pub display_name: String,
    /// `TFJob`, `PyTorchJob`, ...
    pub job_type: String,
    pub workspace_id: String,
    pub user_id: String,
    pub status: String,
    pub sub_status: String,
    pub reason_code: String,
    pub reason_message: String,
    /// `IsDeleted`: soft-deleted jobs stay listed until [`PaiWorld::delete`] purges them.
    pub is_deleted: bool,
    pub history: Vec<Transition>,
    /// `GmtCreateTime`, epoch seconds (never decreases with creation order).
    pub created: i64,
    pub submitted: Option<i64>,
    pub running: Option<i64>,
    pub finished: Option<i64>,
    pub succeeded: Option<i64>,
    pub failed: Option<i64>,
    pub stopped: Option<i64>,
    pub modified: i64,
    /// Seconds between `GmtRunningTime` and `GmtFinishTime` (0 until finished).
    pub duration: i64,
    pub restart_times: u32,
    /// The documented fields fixed at creation (`JobSpecs`, `Settings`, `ResourceId`,
    /// `RequestGPU`, `UserCommand`, ...), keyed by their API names.
    pub spec: Map<String, Value>,
}

fn time(t: Option<i64>) -> Value {
    match t.and_then(|s| chrono::DateTime::from_timestamp(s, 0)) {
        Some(d) => Value::String(d.format("%Y-%m-%dT%H:%M:%SZ").to_string()),
        None => Value::Null,
    }
}

/// The Pod status of a job's pods for a job status.
fn pod_status(job_status: &str) -> Option<&'static str> {
    Some(match job_status {
        "Creating" | "Queuing" | "Bidding" => return None,
        "EnvPreparing" | "SanityChecking" => "Pending",
        "Running" | "Restarting" | "Stopping" => "Running",
        "Succeeded" | "SucceededReserving" => "Succeeded",
        "Failed" | "FailedReserving" | "Stopped" => "Failed",
        _ => "Unknown",
    })
}

impl PaiJob {
    /// A documented time field by its API name (`GmtCreateTime`, ...), epoch seconds.
    pub fn time_field(&self, name: &str) -> Option<i64> {
        match name {
            "GmtCreateTime" => Some(self.created),
            "GmtSubmittedTime" => self.submitted,
            "GmtRunningTime" => self.running,
            "GmtFinishTime" => self.finished,
            "GmtSuccessedTime" => self.succeeded,
            "GmtFailedTime" => self.failed,
            "GmtStoppedTime" => self.stopped,
            "GmtModifiedTime" => Some(self.modified),
            _ => None,
        }
    }

    /// A fixed field by its API name.
    pub fn spec_field(&self, name: &str) -> Option<&Value> {
        self.spec.get(name).filter(|v| !v.is_null())
    }

    /// `Settings.<name>`.
    pub fn setting(&self, name: &str) -> Option<&Value> {
        self.spec_field("Settings")?.get(name)
    }

    /// The `JobSpecs` entries.
    pub fn job_specs(&self) -> &[Value] {
        self.spec_field("JobSpecs")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default()
    }

    fn pods(&self) -> Value {
        let Some(pod) = pod_status(&self.status) else {
            return json!([]);
        };
        let mut pods = Vec::new();
        for spec in self.job_specs() {
            let ty = spec.get("Type").and_then(Value::as_str).unwrap_or("Worker");
            let n = spec.get("PodCount").and_then(Value::as_u64).unwrap_or(1);
            for i in 0..n {
                let ip = format!(
                    "10.{}.{}.{}",
                    (self.created >> 16) & 255,
                    (self.created >> 8) & 255,
                    10 + i
                );
                pods.push(json!({
                    "PodId": format!("{}-{}-{i}", self.job_id, ty.to_ascii_lowercase()),
                    "PodUid": format!("{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}", self.created, i, self.restart_times, i, self.created),
                    "PodIp": ip,
                    "Ip": ip,
                    "PodIps": [{"InterfaceName": "eth0", "Ip": ip}],
                    "NodeName": format!("cn-hangzhou.192.168.{}.{}", i % 4, 20 + i),
                    "Type": ty,
                    "Status": pod,
                    "SubStatus": "Normal",
                    "GmtCreateTime": time(self.submitted.or(Some(self.created))),
                    "GmtStartTime": time(self.running),
                    "GmtFinishTime": time(self.finished),
                    "HistoryPods": [],
                    "supportedProfilingTypes": "cpu",
                }));
            }
        }
        Value::Array(pods)
    }

    fn replica_statuses(&self) -> Value {
        let specs: Vec<Value> =
            self.job_specs()
                .iter()
                .map(|s| {
                    let n = s.get("PodCount").and_then(Value::as_u64).unwrap_or(1);
                    let (active, queuing, dequeued) = match self.status.as_str() {
                        "Creating" | "Queuing" | "Bidding" => (0, n, 0),
                        "EnvPreparing" | "SanityChecking" | "Running" | "Restarting"
                        | "Stopping" => (n, 0, n),
                        _ => (0, 0, n),
                    };
                    json!({
                        "Type": s.get("Type").cloned().unwrap_or(Value::Null),
                        "Active": active,
                        "Queuing": queuing,
                        "Dequeued": dequeued,
                        "EstimatedPodCount": n,
                        "CurrentSpotInstanceType": Value::Null,
                        "EstimatedResourceConfig": Value::Null,
                        "EstimatedAutoScalingSpec": Value::Null,
                    })
                })
                .collect();
        Value::Array(specs)
    }

    /// The job as an element of `Jobs`: every documented JobItem field (absent
    /// values as `null`), with `workspace_name` for `WorkspaceName`.
    pub fn to_json(&self, workspace_name: &str, username: &str) -> Value {
        let s = |k: &str| self.spec.get(k).cloned().unwrap_or(Value::Null);
        let history: Vec<Value> = self
            .history
            .iter()
            .map(|t| {
                json!({
                    "Status": t.status,
                    "StartTime": time(Some(t.start)),
                    "EndTime": time(t.end),
                    "ReasonCode": t.reason_code,
                    "ReasonMessage": t.reason_message,
                })
            })
            .collect();
        let fields: Vec<(&str, Value)> = vec![
            ("Accessibility", s("Accessibility")),
            ("ClusterId", s("ClusterId")),
            ("CodeSource", s("CodeSource")),
            ("CredentialConfig", s("CredentialConfig")),
            ("DataSources", s("DataSources")),
            ("DisplayName", json!(self.display_name)),
            ("Duration", json!(self.duration)),
            ("ElasticSpec", s("ElasticSpec")),
            ("EnablePreemptibleJob", s("EnablePreemptibleJob")),
            ("EnabledDebugger", s("EnabledDebugger")),
            ("Envs", s("Envs")),
            ("GmtCreateTime", time(Some(self.created))),
            ("GmtFailedTime", time(self.failed)),
            ("GmtFinishTime", time(self.finished)),
            ("GmtModifiedTime", time(Some(self.modified))),
            ("GmtRunningTime", time(self.running)),
            ("GmtStoppedTime", time(self.stopped)),
            ("GmtSubmittedTime", time(self.submitted)),
            ("GmtSuccessedTime", time(self.succeeded)),
            ("IsDeleted", json!(self.is_deleted)),
            ("JobId", json!(self.job_id)),
            ("JobMaxRunningTimeMinutes", s("JobMaxRunningTimeMinutes")),
            ("JobReplicaStatuses", self.replica_statuses()),
            ("JobSpecs", s("JobSpecs")),
            ("JobType", json!(self.job_type)),
            ("NodeCount", s("NodeCount")),
            ("NodeNames", s("NodeNames")),
            ("Pods", self.pods()),
            ("Priority", s("Priority")),
            ("ReasonCode", json!(self.reason_code)),
            ("ReasonMessage", json!(self.reason_message)),
            ("RequestCPU", s("RequestCPU")),
            ("RequestGPU", s("RequestGPU")),
            ("RequestMemory", s("RequestMemory")),
            ("ResourceId", s("ResourceId")),
            ("ResourceLevel", s("ResourceLevel")),
            ("ResourceName", s("ResourceName")),
            ("ResourceQuotaName", s("ResourceQuotaName")),
            ("ResourceType", s("ResourceType")),
            ("RestartTimes", json!(self.restart_times.to_string())),
            ("RetryCount", s("RetryCount")),
            ("SchedulingStrategy", s("SchedulingStrategy")),
            ("Settings", s("Settings")),
            ("Status", json!(self.status)),
            ("StatusHistory", Value::Array(history)),
            ("SubStatus", json!(self.sub_status)),
            ("SystemEnvs", s("SystemEnvs")),
            ("TemplateId", s("TemplateId")),
            ("TemplateName", s("TemplateName")),
            ("TenantId", s("TenantId")),
            ("ThirdpartyLibDir", s("ThirdpartyLibDir")),
            ("ThirdpartyLibs", s("ThirdpartyLibs")),
            ("UseOversoldResource", s("UseOversoldResource")),
            ("UserCommand", s("UserCommand")),
            ("UserId", json!(self.user_id)),
            ("UserScript", s("UserScript")),
            ("UserVpc", s("UserVpc")),
            ("Username", json!(username)),
            ("WorkingDir", s("WorkingDir")),
            ("WorkspaceId", json!(self.workspace_id)),
            ("WorkspaceName", json!(workspace_name)),
            ("supportedProfilingTypes", s("supportedProfilingTypes")),
        ];
        Value::Object(
            fields
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect(),
        )
    }

    fn reason_for(status: &str, rng_pick: u64) -> (&'static str, &'static str) {
        match status {
            "Succeeded" | "SucceededReserving" => ("JobSucceeded", "Job succeeded."),
            "Failed" | "FailedReserving" => match rng_pick % 3 {
                0 => ("JobFailed", "Job failed: worker-0 exited with code 1."),
                1 => (
                    "OOMKilled",
                    "Job failed: worker-0 was OOM killed (memory limit 16Gi).",
                ),
                _ => ("ImagePullFailed", "Job failed: failed to pull image."),
            },
            "Stopped" | "Stopping" => ("JobStoppedByUser", "Job is stopped by user."),
            "Restarting" => ("JobRestarting", "Job is restarting after a node failure."),
            _ => ("", ""),
        }
    }

    /// Moves the job to `to` at `now`: `StatusHistory`, the time fields, `Duration`,
    /// the reason and `GmtModifiedTime` follow.
    fn transition(&mut self, to: &str, now: i64) {
        let now = now.max(self.modified);
        if let Some(last) = self.history.last_mut() {
            last.end = Some(now);
        }
        let (code, message) = Self::reason_for(to, self.created as u64);
        self.history.push(Transition {
            status: to.to_string(),
            start: now,
            end: None,
            reason_code: code.to_string(),
            reason_message: message.to_string(),
        });
        match to {
            "Queuing" | "Bidding" => {
                self.submitted.get_or_insert(now);
            }
            "Running" => {
                self.submitted.get_or_insert(now);
                self.running.get_or_insert(now);
            }
            "Restarting" => self.restart_times += 1,
            "SucceededReserving" => self.succeeded = Some(now),
            "FailedReserving" => self.failed = Some(now),
            "Succeeded" => {
                self.succeeded.get_or_insert(now);
            }
            "Failed" => {
                self.failed.get_or_insert(now);
            }
            "Stopped" => self.stopped = Some(now),
            _ => {}
        }
        if is_terminal(to) {
            self.finished = Some(now);
            self.duration = self.running.map_or(0, |r| (now - r).max(0));
        } else {
            self.finished = None;
            self.duration = 0;
        }
        self.status = to.to_string();
        self.sub_status = if to == "Restarting" { "Restarting" } else { "" }.to_string();
        self.reason_code = code.to_string();
        self.reason_message = message.to_string();
        self.modified = now;
    }
}

/// One change made by [`PaiWorld::step`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Change {
    Created {
        job_id: String,
        status: String,
    },
    StatusChanged {
        job_id: String,
        from: String,
        to: String,
    },
    Deleted {
        job_id: String,
    },
}

/// All PAI-DLC jobs of one simulated account (every workspace).
///
/// Invariant: jobs are stored in creation order and `created` never decreases along
/// it (several jobs may share a second), so a creation-time range is a contiguous
/// run of storage slots.
#[derive(Debug)]
pub struct PaiWorld {
    slots: Vec<Option<PaiJob>>,
    /// `created` of every slot (kept for deleted slots too), for binary search.
    created: Vec<i64>,
    /// Lower-cased job id → slot.
    index: HashMap<String, usize>,
    /// Workspace id → the slots of its live jobs, ascending (so in creation
    /// order): a workspace's creation-time range is a binary search away.
    by_workspace: HashMap<String, Vec<usize>>,
    live: usize,
    next_seq: u64,
    last_created: i64,
    clock: Clock,
    /// Who the simulated credentials belong to (`ShowOwn`).
    pub caller_user_id: String,
    /// The workspace listed when a request names none.
    pub default_workspace: String,
}

impl Default for PaiWorld {
    fn default() -> Self {
        PaiWorld::new(Clock::System)
    }
}

/// What a new job looks like (see [`PaiWorld::create_with`]).
#[derive(Clone, Debug)]
pub struct NewJob {
    pub display_name: String,
    pub job_type: String,
    pub workspace_id: String,
    pub user_id: String,
    pub status: String,
    /// Creation time (epoch seconds); `None`: now. Clamped so creation order and
    /// creation time agree.
    pub created: Option<i64>,
    pub spec: Map<String, Value>,
}

impl PaiWorld {
    /// An empty world reading time from `clock`.
    pub fn new(clock: Clock) -> Self {
        PaiWorld {
            slots: Vec::new(),
            created: Vec::new(),
            index: HashMap::new(),
            by_workspace: HashMap::new(),
            live: 0,
            next_seq: 1,
            last_created: i64::MIN,
            clock,
            caller_user_id: CALLER_USER_ID.to_string(),
            default_workspace: DEFAULT_WORKSPACE.to_string(),
        }
    }

    /// The clock the world reads "now" from.
    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    /// "Now" in epoch seconds.
    pub fn now(&self) -> i64 {
        self.clock.now().timestamp()
    }

    /// Number of live (not purged) jobs, soft-deleted ones included.
    pub fn len(&self) -> usize {
        self.live
    }

    pub fn is_empty(&self) -> bool {
        self.live == 0
    }

    /// The live jobs in creation order.
    pub fn jobs(&self) -> impl DoubleEndedIterator<Item = &PaiJob> + '_ {
        self.slots.iter().flatten()
    }

    /// The live jobs created in `[from, to]` (epoch seconds), in creation order.
    pub fn created_between(&self, from: i64, to: i64) -> impl Iterator<Item = &PaiJob> + '_ {
        let lo = self.created.partition_point(|c| *c < from);
        let hi = self.created.partition_point(|c| *c <= to);
        self.slots[lo..hi.max(lo)].iter().flatten()
    }

    /// The slots of the live jobs of workspace `workspace_id` created in
    /// `[from, to]` (epoch seconds), ascending (creation order); see [`Self::slot`].
    /// O(log n).
    pub fn workspace_created_between(&self, workspace_id: &str, from: i64, to: i64) -> &[usize] {
        let Some(slots) = self.by_workspace.get(workspace_id) else {
            return &[];
        };
        let lo = slots.partition_point(|&s| self.created[s] < from);
        let hi = slots.partition_point(|&s| self.created[s] <= to);
        &slots[lo..hi.max(lo)]
    }

    /// The live job in storage slot `slot` (from [`Self::workspace_created_between`]).
    pub fn slot(&self, slot: usize) -> Option<&PaiJob> {
        self.slots.get(slot)?.as_ref()
    }

    /// `GmtCreateTime` of the job in storage slot `slot`.
    pub fn slot_created(&self, slot: usize) -> i64 {
        self.created[slot]
    }

    /// A job by id (case-insensitive, as the API matches `JobId`).
    pub fn get(&self, job_id: &str) -> Option<&PaiJob> {
        let slot = *self.index.get(&job_id.to_ascii_lowercase())?;
        self.slots[slot].as_ref()
    }

    fn get_mut(&mut self, job_id: &str) -> Option<&mut PaiJob> {
        let slot = *self.index.get(&job_id.to_ascii_lowercase())?;
        self.slots[slot].as_mut()
    }

    /// The display name of a workspace.
    pub fn workspace_name(&self, id: &str) -> String {
        match id {
            DEFAULT_WORKSPACE => "dlc-workspace".into(),
            OTHER_WORKSPACE => "research".into(),
            other => format!("workspace-{other}"),
        }
    }

    /// The login name of a user.
    pub fn username(&self, user_id: &str) -> String {
        match user_id {
            CALLER_USER_ID => "pai-dlc-role".into(),
            OTHER_USER_ID => "alice.zhang".into(),
            other => format!("user-{other}"),
        }
    }

    /// The JobItem JSON of a job (the reference tree; the simulator serves
    /// [`Self::write_job_json`]'s text, the same bytes).
    pub fn job_json(&self, job: &PaiJob) -> Value {
        job.to_json(
            &self.workspace_name(&job.workspace_id),
            &self.username(&job.user_id),
        )
    }

    /// Appends the compact JSON text of [`Self::job_json`] to `out`, byte for
    /// byte, without building the tree.
    pub fn write_job_json(&self, job: &PaiJob, out: &mut Vec<u8>) {
        job.write_json(
            out,
            &self.workspace_name(&job.workspace_id),
            &self.username(&job.user_id),
        )
    }

    fn next_job_id(&mut self) -> String {
        // A bijection on 60 bits: unique, but not ordered like creation.
        let seq = self.next_seq;
        self.next_seq += 1;
        let mixed = seq.wrapping_mul(0x9E37_79B9_7F4A_7C15) & ((1 << 60) - 1);
        format!("dlc{mixed:015x}")
    }

    /// Creates a job now in the default workspace, by the caller, with a realistic
    /// fixed spec; returns its id.
    pub fn create(&mut self, display_name: impl Into<String>, status: &str) -> String {
        let ws = self.default_workspace.clone();
        self.create_in(ws, display_name, status)
    }

    /// [`create`](Self::create) in workspace `workspace_id`.
    pub fn create_in(
        &mut self,
        workspace_id: impl Into<String>,
        display_name: impl Into<String>,
        status: &str,
    ) -> String {
        let display_name = display_name.into();
        let spec = default_spec(&display_name, self.next_seq);
        self.create_with(NewJob {
            display_name,
            job_type: "PyTorchJob".into(),
            workspace_id: workspace_id.into(),
            user_id: self.caller_user_id.clone(),
            status: status.to_string(),
            created: None,
            spec,
        })
    }

    /// Creates a job from a full description; the job's history walks the usual
    /// path to `status` (Creating → Queuing → Running → ...), ending at creation time
    /// for jobs created now.
    pub fn create_with(&mut self, new: NewJob) -> String {
        let now = self.now();
        let created = new.created.unwrap_or(now).max(self.last_created);
        self.last_created = created;
        let job_id = self.next_job_id();
        let mut job = PaiJob {
            job_id: job_id.clone(),
            display_name: new.display_name,
            job_type: new.job_type,
            workspace_id: new.workspace_id,
            user_id: new.user_id,
            status: "Creating".into(),
            sub_status: String::new(),
            reason_code: String::new(),
            reason_message: String::new(),
            is_deleted: false,
            history: vec![Transition {
                status: "Creating".into(),
                start: created,
                end: None,
                reason_code: String::new(),
                reason_message: String::new(),
            }],
            created,
            submitted: None,
            running: None,
            finished: None,
            succeeded: None,
            failed: None,
            stopped: None,
            modified: created,
            duration: 0,
            restart_times: 0,
            spec: new.spec,
        };
        // Past jobs get plausible step times (seconds to hours apart); jobs created
        // now pass through every step at once.
        let room = (now - created).max(0);
        let mut t = created;
        for step in path_to(&new.status) {
            let gap = if room == 0 {
                0
            } else {
                (room / 6)
                    .clamp(0, 3 * 3600)
                    .min(((job.created as u64 * 7919) % 1800) as i64 + 1)
            };
            t = (t + gap).min(created + room);
            job.transition(step, t);
        }
        let slot = self.slots.len();
        self.index.insert(job_id.to_ascii_lowercase(), slot);
        self.by_workspace
            .entry(job.workspace_id.clone())
            .or_default()
            .push(slot);
        self.slots.push(Some(job));
        self.created.push(created);
        self.live += 1;
        job_id
    }

    /// Moves a job to `status` now; `false` if there is no such job.
    pub fn set_status(&mut self, job_id: &str, status: &str) -> bool {
        let now = self.now();
        match self.get_mut(job_id) {
            Some(job) => {
                job.transition(status, now);
                true
            }
            None => false,
        }
    }

    /// Flags a job `IsDeleted: true` (it stays listed); `false` if there is no such job.
    pub fn soft_delete(&mut self, job_id: &str) -> bool {
        let now = self.now();
        match self.get_mut(job_id) {
            Some(job) => {
                job.is_deleted = true;
                job.modified = now.max(job.modified);
                true
            }
            None => false,
        }
    }

    /// Removes a job from every list; `false` if there is no such job.
    pub fn delete(&mut self, job_id: &str) -> bool {
        let Some(slot) = self.index.remove(&job_id.to_ascii_lowercase()) else {
            return false;
        };
        if let Some(job) = self.slots[slot].take() {
            if let Some(slots) = self.by_workspace.get_mut(&job.workspace_id) {
                if let Ok(i) = slots.binary_search(&slot) {
                    slots.remove(i);
                }
            }
        }
        self.live -= 1;
        let dead = self.slots.len() - self.live;
        if dead > 1024 && dead > self.live {
            self.compact();
        }
        true
    }

    fn compact(&mut self) {
        let (slots, created): (Vec<_>, Vec<_>) = std::mem::take(&mut self.slots)
            .into_iter()
            .zip(std::mem::take(&mut self.created))
            .filter(|(s, _)| s.is_some())
            .unzip();
        self.slots = slots;
        self.created = created;
        self.index = self
            .slots
            .iter()
            .enumerate()
            .filter_map(|(i, s)| Some((s.as_ref()?.job_id.to_ascii_lowercase(), i)))
            .collect();
        self.by_workspace.clear();
        for (i, job) in self.slots.iter().enumerate() {
            if let Some(job) = job {
                self.by_workspace
                    .entry(job.workspace_id.clone())
                    .or_default()
                    .push(i);
            }
        }
    }

    /// Adds `n` jobs created over the 180 days before now (or after the newest
    /// job), with realistic names, types, specs, users and workspaces (about one in
    /// ten in [`OTHER_WORKSPACE`], one in five by [`OTHER_USER_ID`]); about 3% of
    /// creations are bursts of 2–30 jobs submitted in the same second. The newest 2%
    /// are partly unfinished; every other job has ended (mostly Succeeded).
    pub fn seed(&mut self, n: usize, rng: &mut impl Rng) {
        self.seed_until(n, rng, |added, _| added >= n);
    }

    /// As [`seed`](Self::seed), in one round, until exactly `n` of the added jobs
    /// are in [`DEFAULT_WORKSPACE`] (about `n` · 10/9 jobs in all): the newest 2% of
    /// the round, and so the unfinished jobs, are the newest of that workspace too.
    pub fn seed_visible(&mut self, n: usize, rng: &mut impl Rng) {
        self.seed_until(n + n / 9, rng, |_, visible| visible >= n);
    }

    /// Adds jobs as [`seed`](Self::seed) describes, spread as if `planned` were
    /// added, until `done(added, added_in_the_default_workspace)`.
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
        let now = self.now();
        let start = (now - 180 * DAY).max(self.last_created.saturating_add(1));
        let mean_gap = ((now - start).max(0) / n as i64).max(1);
        let recent_from = n - (n / 50).max(n.min(5));
        let mut t = start;
        let mut burst = 0u32;
        let mut visible = 0;
        let mut i = 0;
        while !done(i, visible) {
            if burst > 0 {
                burst -= 1;
            } else {
                t += rng.gen_range(1..=2 * mean_gap);
                if rng.gen_ratio(3, 100) {
                    burst = rng.gen_range(1..=29);
                }
            }
            let status = if i >= recent_from && rng.gen_bool(0.4) {
                *ACTIVE_MIX.choose(rng).unwrap_or(&"Running")
            } else {
                pick_weighted(rng, TERMINAL_MIX)
            };
            let model = MODELS.choose(rng).unwrap_or(&"model");
            let task = TASKS.choose(rng).unwrap_or(&"train");
            let display_name = format!("{model}-{task}-{:04}", i % 10_000);
            let job_type = JOB_TYPES.choose(rng).unwrap_or(&"PyTorchJob").to_string();
            let spec = random_spec(rng, &display_name, &job_type);
            let workspace_id = if rng.gen_ratio(1, 10) {
                OTHER_WORKSPACE
            } else {
                visible += 1;
                DEFAULT_WORKSPACE
            };
            self.create_with(NewJob {
                display_name,
                job_type,
                workspace_id: workspace_id.to_string(),
                user_id: if rng.gen_ratio(1, 5) {
                    OTHER_USER_ID.to_string()
                } else {
                    self.caller_user_id.clone()
                },
                status: status.to_string(),
                created: Some(t.min(now)),
                spec,
            });
            i += 1;
        }
    }

    /// One tick of the demo: each unfinished job moves along the lifecycle with
    /// probability 0.35; 0–2 new jobs; and with probability 0.05 one old finished
    /// job is deleted.
    pub fn step(&mut self, rng: &mut impl Rng) -> Vec<Change> {
        let mut changes = Vec::new();
        let moves: Vec<(String, String)> = self
            .jobs()
            .filter(|j| !is_terminal(&j.status) && !j.is_deleted)
            .map(|j| (j.job_id.clone(), j.status.clone()))
            .collect();
        for (job_id, from) in moves {
            if !rng.gen_bool(0.35) {
                continue;
            }
            let to = next_status(&from, rng);
            if to != from && self.set_status(&job_id, to) {
                changes.push(Change::StatusChanged {
                    job_id,
                    from,
                    to: to.to_string(),
                });
            }
        }
        for _ in 0..rng.gen_range(0..=2) {
            let model = MODELS.choose(rng).unwrap_or(&"model");
            let task = TASKS.choose(rng).unwrap_or(&"train");
            let name = format!("{model}-{task}-{}", self.next_seq);
            let job_id = self.create(name, "Creating");
            changes.push(Change::Created {
                job_id,
                status: "Creating".into(),
            });
        }
        if self.live > 10 && rng.gen_bool(0.05) {
            let i = rng.gen_range(0..self.slots.len() / 2);
            if let Some(job_id) = self.slots[i]
                .as_ref()
                .filter(|j| is_terminal(&j.status))
                .map(|j| j.job_id.clone())
            {
                self.delete(&job_id);
                changes.push(Change::Deleted { job_id });
            }
        }
        changes
    }
}

/// The statuses a job passes through to reach `status` (the last one is `status`).
fn path_to(status: &str) -> Vec<&str> {
    let before: &[&str] = match status {
        "Creating" => &[],
        "Queuing" => &["Queuing"],
        "Bidding" => &["Bidding"],
        "EnvPreparing" => &["Queuing", "EnvPreparing"],
        "SanityChecking" => &["Queuing", "EnvPreparing", "SanityChecking"],
        "Running" => &["Queuing", "EnvPreparing", "Running"],
        "Restarting" => &["Queuing", "EnvPreparing", "Running", "Restarting"],
        "Stopping" => &["Queuing", "EnvPreparing", "Running", "Stopping"],
        "SucceededReserving" => &["Queuing", "EnvPreparing", "Running", "SucceededReserving"],
        "FailedReserving" => &["Queuing", "EnvPreparing", "Running", "FailedReserving"],
        "Succeeded" => &["Queuing", "EnvPreparing", "Running", "Succeeded"],
        "Failed" => &["Queuing", "EnvPreparing", "Running", "Failed"],
        "Stopped" => &["Queuing", "Stopped"],
        _ => &["Queuing"],
    };
    let mut path = before.to_vec();
    if path.last() != Some(&status) && status != "Creating" {
        path.push(status);
    }
    path
}

const MODELS: &[&str] = &[
    "resnet50",
    "ResNet101",
    "bert-base",
    "BERT-Large",
    "yolov8",
    "qwen-7b",
    "Qwen2-72B",
    "llama3-8b",
    "unet",
    "vit-b16",
    "whisper-small",
    "xgboost-churn",
    "t5-small",
    "sd-xl",
];
const TASKS: &[&str] = &[
    "train", "finetune", "sft", "eval", "hpo", "pretrain", "distill",
];
const JOB_TYPES: &[&str] = &[
    "PyTorchJob",
    "PyTorchJob",
    "PyTorchJob",
    "TFJob",
    "XGBoostJob",
    "MPIJob",
    "ElasticBatchJob",
    "RayJob",
];
const IMAGES: &[&str] = &[
    "dsw-registry-vpc.cn-hangzhou.cr.aliyuncs.com/pai/pytorch-training:2.1-gpu-py310-cu121-ubuntu22.04",
    "dsw-registry-vpc.cn-hangzhou.cr.aliyuncs.com/pai/tensorflow-training:2.14-gpu-py39-cu118-ubuntu20.04",
    "registry.cn-hangzhou.aliyuncs.com/pai-dlc/xgboost-training:1.6.0-cpu-py36-ubuntu18.04",
    "pai-image-manage-registry.cn-hangzhou.cr.aliyuncs.com/pai/deepspeed:0.12-pytorch2.1-gpu",
];

/// Terminal statuses of seeded jobs, with weights (per mille).
const TERMINAL_MIX: &[(&str, u32)] = &[("Succeeded", 760), ("Failed", 160), ("Stopped", 80)];
/// Statuses of the seeded jobs that are still unfinished.
const ACTIVE_MIX: &[&str] = &[
    "Creating",
    "Queuing",
    "Queuing",
    "EnvPreparing",
    "Running",
    "Running",
    "Running",
    "Running",
    "Restarting",
    "Stopping",
    "SucceededReserving",
    "FailedReserving",
];

/// The next status of an unfinished job in the demo's lifecycle.
fn next_status(from: &str, rng: &mut impl Rng) -> &'static str {
    let options: &[(&str, u32)] = match from {
        "Creating" => &[("Queuing", 95), ("Failed", 5)],
        "Queuing" => &[("EnvPreparing", 85), ("Bidding", 5), ("Stopped", 10)],
        "Bidding" => &[("EnvPreparing", 100)],
        "EnvPreparing" => &[("Running", 90), ("SanityChecking", 10)],
        "SanityChecking" => &[("Running", 95), ("Failed", 5)],
        "Running" => &[
            ("Succeeded", 55),
            ("SucceededReserving", 10),
            ("Failed", 15),
            ("FailedReserving", 5),
            ("Restarting", 5),
            ("Stopping", 10),
        ],
        "Restarting" => &[("Running", 100)],
        "Stopping" => &[("Stopped", 100)],
        "SucceededReserving" => &[("Succeeded", 100)],
        "FailedReserving" => &[("Failed", 100)],
        _ => &[("Failed", 100)],
    };
    pick_weighted(rng, options)
}

/// The fixed fields of a job made by [`PaiWorld::create`]: one GPU worker on public
/// resources, in the typical shape.
fn default_spec(display_name: &str, seq: u64) -> Map<String, Value> {
    let spec = json!({
        "Accessibility": "PRIVATE",
        "ClusterId": "c4b1f2e3d5a6b7c8",
        "CodeSource": Value::Null,
        "CredentialConfig": Value::Null,
        "DataSources": [{"DataSourceId": "data-20240101120000-abc123", "MountPath": "/mnt/data"}],
        "ElasticSpec": Value::Null,
        "EnablePreemptibleJob": false,
        "EnabledDebugger": false,
        "Envs": {"NCCL_DEBUG": "INFO"},
        "JobMaxRunningTimeMinutes": 0,
        "JobSpecs": [{
            "Type": "Worker", "Image": IMAGES[0], "PodCount": 1, "EcsSpec": "ecs.gn7i-c8g1.2xlarge",
            "ResourceConfig": {"CPU": "8", "GPU": "1", "GPUType": "NVIDIA A10", "Memory": "30Gi", "SharedMemory": "15Gi"},
            "UseSpotInstance": false, "RestartPolicy": "Never"
        }],
        "NodeCount": "1",
        "NodeNames": [],
        "Priority": 1,
        "RequestCPU": 8,
        "RequestGPU": "1",
        "RequestMemory": "30Gi",
        "ResourceId": Value::Null,
        "ResourceLevel": Value::Null,
        "ResourceName": Value::Null,
        "ResourceQuotaName": Value::Null,
        "ResourceType": "ECS",
        "RetryCount": 0,
        "SchedulingStrategy": Value::Null,
        "Settings": {"Tags": {}, "JobReservedMinutes": 0, "JobReservedPolicy": "Never", "EnableRDMA": false, "EnableErrorMonitoringInAIMaster": false, "EnableSanityCheck": false, "OversoldType": "ForbiddenQuotaOverSold", "AdvancedSettings": {}},
        "SystemEnvs": {"PAI_REGION_ID": "cn-hangzhou"},
        "TemplateId": Value::Null,
        "TemplateName": Value::Null,
        "TenantId": "1557702098194904",
        "ThirdpartyLibDir": Value::Null,
        "ThirdpartyLibs": [],
        "UseOversoldResource": false,
        "UserCommand": format!("python /root/code/train.py --run {display_name} --seed {seq}"),
        "UserScript": Value::Null,
        "UserVpc": Value::Null,
        "WorkingDir": "/root/code",
        "supportedProfilingTypes": "cpu,gpu",
    });
    match spec {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

/// Random fixed fields for seeded jobs: worker counts, GPUs, quotas or public
/// resources, spot, tags, pipelines, VPCs, templates, code sources...
fn random_spec(rng: &mut impl Rng, display_name: &str, job_type: &str) -> Map<String, Value> {
    let mut spec = default_spec(display_name, rng.gen());
    let workers: u64 = *[1u64, 1, 1, 2, 4, 8].choose(rng).unwrap_or(&1);
    let gpus: u64 = *[0u64, 1, 1, 2, 4, 8].choose(rng).unwrap_or(&1);
    let spot = rng.gen_ratio(1, 10);
    let on_quota = rng.gen_ratio(1, 2);
    let image = IMAGES.choose(rng).copied().unwrap_or(IMAGES[0]);
    let mut specs = vec![json!({
        "Type": if job_type == "TFJob" { "Worker" } else { "Master" },
        "Image": image,
        "PodCount": 1,
        "EcsSpec": if gpus == 0 { "ecs.c6.large" } else { "ecs.gn7i-c32g1.8xlarge" },
        "ResourceConfig": {"CPU": (gpus.max(1) * 8).to_string(), "GPU": gpus.to_string(), "GPUType": if gpus == 0 { "" } else { "NVIDIA A10" }, "Memory": format!("{}Gi", gpus.max(1) * 30), "SharedMemory": format!("{}Gi", gpus.max(1) * 15)},
        "UseSpotInstance": spot,
        "SpotSpec": if spot { json!({"SpotStrategy": "SpotWithPriceLimit", "SpotDiscountLimit": 0.4}) } else { Value::Null },
        "AssignNodeSpec": {"EnableAssignNode": rng.gen_ratio(1, 20), "NodeNames": ""},
        "RestartPolicy": "OnFailure",
    })];
    if workers > 1 {
        specs.push(json!({
            "Type": "Worker", "Image": image, "PodCount": workers - 1, "EcsSpec": "ecs.gn7i-c32g1.8xlarge",
            "ResourceConfig": {"CPU": (gpus.max(1) * 8).to_string(), "GPU": gpus.to_string(), "GPUType": "NVIDIA A10", "Memory": format!("{}Gi", gpus.max(1) * 30)},
            "UseSpotInstance": spot, "RestartPolicy": "OnFailure",
        }));
    }
    spec.insert("JobSpecs".into(), Value::Array(specs));
    spec.insert("NodeCount".into(), json!(workers.to_string()));
    spec.insert("RequestCPU".into(), json!(workers * gpus.max(1) * 8));
    spec.insert("RequestGPU".into(), json!((workers * gpus).to_string()));
    spec.insert(
        "RequestMemory".into(),
        json!(format!("{}Gi", workers * gpus.max(1) * 30)),
    );
    spec.insert("Priority".into(), json!(rng.gen_range(1..=9)));
    spec.insert(
        "JobMaxRunningTimeMinutes".into(),
        json!(*[0, 0, 1440, 4320].choose(rng).unwrap_or(&0)),
    );
    spec.insert(
        "Accessibility".into(),
        json!(if rng.gen_ratio(1, 4) {
            "PUBLIC"
        } else {
            "PRIVATE"
        }),
    );
    if on_quota {
        let quota = *["quota-llm-a100", "quota-cv-a10", "Quota_Research"]
            .choose(rng)
            .unwrap_or(&"q");
        spec.insert(
            "ResourceId".into(),
            json!(format!("quota{:012x}", quota.len() * 7919)),
        );
        spec.insert("ResourceName".into(), json!(quota));
        spec.insert("ResourceQuotaName".into(), json!(quota));
        spec.insert("ResourceLevel".into(), json!("L0"));
        spec.insert(
            "ResourceType".into(),
            json!(if rng.gen_ratio(1, 3) {
                "Lingjun"
            } else {
                "ECS"
            }),
        );
        spec.insert("SchedulingStrategy".into(), json!("Balance"));
        let oversold = *[
            "ForbiddenQuotaOverSold",
            "ForceQuotaOverSold",
            "AcceptQuotaOverSold",
        ]
        .choose(rng)
        .unwrap_or(&"ForbiddenQuotaOverSold");
        spec.insert(
            "UseOversoldResource".into(),
            json!(
                oversold == "ForceQuotaOverSold"
                    || (oversold == "AcceptQuotaOverSold" && rng.gen_bool(0.5))
            ),
        );
        if let Some(Value::Object(s)) = spec.get_mut("Settings") {
            s.insert("OversoldType".into(), json!(oversold));
        }
    }
    let mut tags = Map::new();
    if rng.gen_ratio(2, 3) {
        tags.insert(
            "team".into(),
            json!(*["ml platform", "search", "ads", "nlp"]
                .choose(rng)
                .unwrap_or(&"ml")),
        );
    }
    if rng.gen_ratio(1, 2) {
        tags.insert(
            "env".into(),
            json!(if rng.gen_ratio(1, 3) { "prod" } else { "dev" }),
        );
    }
    if let Some(Value::Object(s)) = spec.get_mut("Settings") {
        s.insert("Tags".into(), Value::Object(tags));
        if rng.gen_ratio(1, 5) {
            s.insert(
                "PipelineId".into(),
                json!(format!("flow-{:08x}", rng.gen::<u32>())),
            );
            s.insert("Caller".into(), json!("paiflow"));
        } else {
            s.insert(
                "Caller".into(),
                json!(*["console", "sdk", "local"].choose(rng).unwrap_or(&"sdk")),
            );
        }
        if rng.gen_ratio(1, 10) {
            s.insert("BusinessUserId".into(), json!("1610000"));
        }
        if rng.gen_ratio(1, 10) {
            s.insert("JobReservedMinutes".into(), json!(30));
            s.insert("JobReservedPolicy".into(), json!("Always"));
        }
    }
    if rng.gen_ratio(1, 3) {
        spec.insert(
            "CodeSource".into(),
            json!({"Branch": "main", "CodeSourceId": "code-20240102093011-k2j3h4", "Commit": format!("{:09x}", rng.gen::<u64>() & 0xf_ffff_ffff), "MountPath": "/root/code/"}),
        );
    }
    if rng.gen_ratio(3, 10) {
        spec.insert(
            "UserVpc".into(),
            json!({"VpcId": "vpc-bp1a2b3c", "SwitchId": "vsw-bp1d4e5f", "SecurityGroupId": "sg-bp1g6h7i", "DefaultRoute": "eth0", "ExtendedCidrs": []}),
        );
    }
    if job_type == "ElasticBatchJob" || rng.gen_ratio(1, 20) {
        spec.insert(
            "ElasticSpec".into(),
            json!({"AIMasterType": "", "EnableElasticTraining": true, "MinParallelism": 1, "MaxParallelism": workers.max(2)}),
        );
    }
    if rng.gen_ratio(1, 10) {
        spec.insert("TemplateId".into(), json!("tmlabc123"));
        spec.insert("TemplateName".into(), json!("llm-sft-template"));
    }
    if rng.gen_ratio(1, 8) {
        spec.insert(
            "CredentialConfig".into(),
            json!({"EnableCredentialInject": true, "AliyunEnvRoleKey": "0", "CredentialConfigItems": []}),
        );
    }
    if rng.gen_ratio(1, 5) {
        spec.insert(
            "ThirdpartyLibs".into(),
            json!(["transformers==4.44.0", "datasets"]),
        );
        spec.insert("ThirdpartyLibDir".into(), json!("/root/code/"));
    }
    if spot {
        spec.insert("EnablePreemptibleJob".into(), json!(true));
    }
    spec.insert(
        "RetryCount".into(),
        json!(if rng.gen_ratio(1, 20) { 1 } else { 0 }),
    );
    spec
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::clock::Clock;
    use chrono::{DateTime, Duration};
    use rand::rngs::StdRng;
    use rand::SeedableRng;

    fn world_at(secs: i64) -> (PaiWorld, crate::sim::ManualClock) {
        let (clock, handle) = Clock::manual(DateTime::from_timestamp(secs, 0).unwrap());
        (PaiWorld::new(clock), handle)
    }

    #[test]
    fn create_walks_the_history_and_fills_every_field() {
        let (mut w, clock) = world_at(1_700_000_000);
        let id = w.create("mnist", "Running");
        assert!(id.starts_with("dlc") && id.len() == 18, "{id}");
        let job = w.get(&id).unwrap();
        let statuses: Vec<&str> = job.history.iter().map(|t| t.status.as_str()).collect();
        assert_eq!(statuses, ["Creating", "Queuing", "EnvPreparing", "Running"]);
        assert_eq!(job.running, Some(1_700_000_000));
        clock.advance(Duration::seconds(3600));
        assert!(
            w.set_status(&id.to_uppercase(), "Succeeded"),
            "ids are case-insensitive"
        );
        let job = w.get(&id).unwrap();
        assert_eq!(job.duration, 3600);
        assert_eq!(job.finished, Some(1_700_003_600));
        assert_eq!(job.history.last().unwrap().end, None);
        assert_eq!(job.history[3].end, Some(1_700_003_600));
        let v = w.job_json(job);
        let obj = v.as_object().unwrap();
        assert_eq!(obj.len(), 62, "every documented field");
        assert_eq!(v["GmtCreateTime"], "2023-11-14T22:13:20Z");
        assert_eq!(v["GmtFinishTime"], "2023-11-14T23:13:20Z");
        assert_eq!(v["GmtFailedTime"], Value::Null);
        assert_eq!(v["ReasonCode"], "JobSucceeded");
        assert_eq!(v["Pods"][0]["Status"], "Succeeded");
        assert_eq!(v["RestartTimes"], "0");
        assert_eq!(v["WorkspaceName"], "dlc-workspace");
        assert_eq!(v["Username"], "pai-dlc-role");
    }

    /// A random string: plain, unicode, quotes, backslashes, control characters.
    fn odd_text(rng: &mut StdRng) -> String {
        const PARTS: &[&str] = &[
            "run",
            "训练-任务",
            "é",
            "😀",
            "\"q\"",
            "back\\slash",
            "\n",
            "\t",
            "\u{1}",
            "\u{1f}",
            "\u{7f}",
            "/",
            "</script>",
            " ",
            "",
            "\u{2028}",
            "\r\n",
        ];
        (0..rng.gen_range(0..6))
            .map(|_| *PARTS.choose(rng).unwrap())
            .collect()
    }

    fn odd_time(rng: &mut StdRng) -> Option<i64> {
        match rng.gen_range(0..10) {
            0 => None,
            1 => Some(
                *[
                    0,
                    59,
                    86_399,
                    86_400,
                    951_782_400,
                    4_107_542_399,
                    253_402_300_799,
                ]
                .choose(rng)
                .unwrap(),
            ),
            2 => Some(
                *[
                    -1,
                    -86_401,
                    -62_135_596_800,
                    253_402_300_800,
                    i64::MAX,
                    i64::MIN,
                ]
                .choose(rng)
                .unwrap(),
            ),
            3 => Some(rng.gen_range(-100_000_000_000i64..400_000_000_000)),
            _ => Some(rng.gen_range(0..4_000_000_000i64)),
        }
    }

    #[test]
    fn job_text_is_the_serialised_tree_byte_for_byte() {
        let (mut w, _) = world_at(1_700_000_000);
        let mut rng = StdRng::seed_from_u64(11);
        w.seed(1_500, &mut rng);
        w.create("plain", "Running");
        let mut out = Vec::new();
        let mut checked = 0;
        for (n, job) in w.jobs().enumerate() {
            // As seeded, then varied: every status, odd texts and times,
            // absent, null and odd fixed fields.
            let mut variants = vec![job.clone()];
            if n % 3 == 0 {
                let mut j = job.clone();
                j.status = super::super::status::ALL
                    .choose(&mut rng)
                    .unwrap()
                    .to_string();
                if rng.gen_ratio(1, 4) {
                    j.status = odd_text(&mut rng);
                }
                j.display_name = odd_text(&mut rng);
                j.job_type = odd_text(&mut rng);
                j.sub_status = odd_text(&mut rng);
                j.reason_code = odd_text(&mut rng);
                j.reason_message = odd_text(&mut rng);
                j.user_id = odd_text(&mut rng);
                j.workspace_id = odd_text(&mut rng);
                j.is_deleted = rng.gen();
                j.restart_times = rng.gen();
                j.duration = rng.gen();
                j.created = odd_time(&mut rng).unwrap_or(0);
                j.modified = odd_time(&mut rng).unwrap_or(-5);
                j.submitted = odd_time(&mut rng);
                j.running = odd_time(&mut rng);
                j.finished = odd_time(&mut rng);
                j.succeeded = odd_time(&mut rng);
                j.failed = odd_time(&mut rng);
                j.stopped = odd_time(&mut rng);
                for t in &mut j.history {
                    t.start = odd_time(&mut rng).unwrap_or(1);
                    t.end = odd_time(&mut rng);
                    t.status = odd_text(&mut rng);
                    t.reason_message = odd_text(&mut rng);
                }
                if rng.gen_ratio(1, 5) {
                    j.history.clear();
                }
                let keys: Vec<String> = j.spec.keys().cloned().collect();
                for k in keys {
                    match rng.gen_range(0..8) {
                        0 => {
                            j.spec.remove(&k);
                        }
                        1 => {
                            j.spec.insert(k, Value::Null);
                        }
                        2 => {
                            let v = json!({"Tags": {odd_text(&mut rng): odd_text(&mut rng)},
                                "x": [1.5, -0.0, 1e300, u64::MAX, i64::MIN, null, true]});
                            j.spec.insert(k, v);
                        }
                        3 => {
                            j.spec.insert(k, Value::String(odd_text(&mut rng)));
                        }
                        _ => {}
                    }
                }
                if rng.gen_ratio(1, 3) {
                    let specs = json!([
                        {"Type": odd_text(&mut rng), "PodCount": rng.gen_range(0..4)},
                        {"PodCount": "2"},
                        {"Type": 7, "PodCount": -1},
                        "not an object",
                    ]);
                    j.spec.insert("JobSpecs".into(), specs);
                }
                variants.push(j);
            }
            for j in &variants {
                let (ws, user) = if rng.gen_ratio(1, 4) {
                    (odd_text(&mut rng), odd_text(&mut rng))
                } else {
                    (w.workspace_name(&j.workspace_id), w.username(&j.user_id))
                };
                out.clear();
                j.write_json(&mut out, &ws, &user);
                let want = serde_json::to_string(&j.to_json(&ws, &user)).unwrap();
                assert_eq!(std::str::from_utf8(&out).unwrap(), want, "{}", j.job_id);
                checked += 1;
            }
        }
        assert!(checked > 2_000, "{checked}");
        // The world's own writer agrees with its reference too.
        let job = w.jobs().last().unwrap();
        out.clear();
        w.write_job_json(job, &mut out);
        assert_eq!(out, serde_json::to_vec(&w.job_json(job)).unwrap());
    }

    #[test]
    fn creation_time_never_goes_back() {
        let (mut w, clock) = world_at(1_700_000_000);
        let a = w.create("a", "Creating");
        clock.advance(Duration::seconds(-60));
        let b = w.create("b", "Creating");
        assert_eq!(w.get(&a).unwrap().created, w.get(&b).unwrap().created);
        assert_ne!(a, b);
    }

    #[test]
    fn deletes_soft_and_hard() {
        let (mut w, _) = world_at(1_700_000_000);
        let ids: Vec<String> = (0..3000)
            .map(|i| w.create(format!("j{i}"), "Succeeded"))
            .collect();
        assert!(w.soft_delete(&ids[0]));
        assert!(w.get(&ids[0]).unwrap().is_deleted);
        for id in &ids[..2500] {
            assert!(w.delete(id));
        }
        assert!(!w.delete(&ids[0]));
        assert_eq!(w.len(), 500);
        assert!(w.slots.len() < 3000, "compacted");
        for id in &ids[2500..] {
            assert_eq!(&w.get(id).unwrap().job_id, id);
        }
        assert_eq!(w.created_between(0, i64::MAX).count(), 500);
    }

    #[test]
    fn seed_keeps_invariants_and_a_realistic_mix() {
        let (mut w, _) = world_at(1_700_000_000);
        let mut rng = StdRng::seed_from_u64(7);
        w.seed(5_000, &mut rng);
        assert_eq!(w.len(), 5_000);
        let jobs: Vec<&PaiJob> = w.jobs().collect();
        assert!(jobs.windows(2).all(|p| p[0].created <= p[1].created));
        let same_second = jobs
            .windows(2)
            .filter(|p| p[0].created == p[1].created)
            .count();
        assert!(same_second > 500, "bursts: {same_second}");
        let active = jobs.iter().filter(|j| !is_terminal(&j.status)).count();
        assert!(active > 5 && active < 100, "active {active}");
        let other_ws = jobs
            .iter()
            .filter(|j| j.workspace_id == OTHER_WORKSPACE)
            .count();
        assert!(other_ws > 300 && other_ws < 700, "{other_ws}");
        assert!(jobs.iter().all(|j| j.created <= 1_700_000_000));
        assert!(jobs
            .iter()
            .all(|j| j.history.first().unwrap().start == j.created
                && j.history.last().unwrap().status == j.status));
        let ids: std::collections::HashSet<&str> = jobs.iter().map(|j| j.job_id.as_str()).collect();
        assert_eq!(ids.len(), 5_000);
    }

    #[test]
    fn step_moves_jobs_along_the_lifecycle() {
        let (mut w, clock) = world_at(1_700_000_000);
        let mut rng = StdRng::seed_from_u64(1);
        w.seed(50, &mut rng);
        let mut created = 0;
        for _ in 0..200 {
            clock.advance(Duration::seconds(30));
            for change in w.step(&mut rng) {
                match change {
                    Change::Created { job_id, status } => {
                        created += 1;
                        assert_eq!(w.get(&job_id).unwrap().status, status);
                    }
                    Change::StatusChanged { job_id, from, to } => {
                        assert_ne!(from, to);
                        assert!(!is_terminal(&from));
                        assert_eq!(w.get(&job_id).unwrap().status, to);
                    }
                    Change::Deleted { job_id } => assert!(w.get(&job_id).is_none()),
                }
            }
        }
        assert!(created > 100);
        assert!(w.jobs().filter(|j| is_terminal(&j.status)).count() > 100);
    }
}
