//! The simulated SWR instance jobs: storage, mutation (create, status, delete),
//! bulk seeding and the demo's lifecycle steps.

use crate::sim::clock::Clock;
use chrono::DateTime;
use rand::seq::SliceRandom;
use rand::Rng;
use serde_json::{json, Value};

/// The documented job statuses.
pub mod status {
    /// `Creating`: accepted, not started.
    pub const CREATING: &str = "Creating";
    /// `Initializing`: preparing.
    pub const INITIALIZING: &str = "Initializing";
    /// `Running`: executing.
    pub const RUNNING: &str = "Running";
    /// `Failed` (final).
    pub const FAILED: &str = "Failed";
    /// `Success` (final).
    pub const SUCCESS: &str = "Success";
    /// Every documented value, in lifecycle order.
    pub const ALL: [&str; 5] = [CREATING, INITIALIZING, RUNNING, FAILED, SUCCESS];

    /// Whether the simulator treats `s` as final (it never leaves it on its own).
    pub fn is_terminal(s: &str) -> bool {
        s == FAILED || s == SUCCESS
    }
}

/// Job types the simulator creates (SWR Enterprise Edition operations).
pub const JOB_TYPES: &[&str] = &[
    "CreateInstance",
    "DeleteInstance",
    "UpgradeInstance",
    "ExpandInstanceStorage",
    "CreateNamespace",
    "SyncRepository",
];

const FAILURE_REASONS: &[&str] = &[
    "failed to select cce cluster",
    "quota of the instance is insufficient",
    "timeout waiting for the OBS bucket",
    "the VPC endpoint could not be created",
];

/// One job, as the simulator stores it (times in epoch microseconds).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SwrJob {
    /// Job id (a UUID-shaped string).
    pub id: String,
    /// The enterprise instance the job belongs to.
    pub instance_id: String,
    /// The resource the job acts on.
    pub resource_id: String,
    /// The resource's name.
    pub resource_name: String,
    /// The job type (`CreateInstance`, ...).
    pub job_type: String,
    /// The status (see [`status`](mod@status)).
    pub status: String,
    /// Failure reason (empty unless failed).
    pub reason: String,
    /// Creation time, epoch µs (strictly increasing with creation).
    pub created_at: i64,
    /// Last change, epoch µs.
    pub updated_at: i64,
}

/// Formats epoch microseconds as SWR does: `2021-05-12T03:50:38.305978Z`.
pub fn format_micros(us: i64) -> String {
    DateTime::from_timestamp_micros(us)
        .unwrap_or_default()
        .format("%Y-%m-%dT%H:%M:%S%.6fZ")
        .to_string()
}

impl SwrJob {
    /// The job as an element of the list response's `jobs`: exactly the
    /// documented fields, in the documented order.
    pub fn list_json(&self) -> Value {
        json!({
            "id": self.id,
            "instance_id": self.instance_id,
            "resource_id": self.resource_id,
            "resource_name": self.resource_name,
            "type": self.job_type,
            "status": self.status,
            "reason": self.reason,
            "created_at": format_micros(self.created_at),
            "updated_at": format_micros(self.updated_at),
        })
    }
}

/// One change made by [`SwrWorld::step`].
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
        /// The deleted job.
        id: String,
    },
}

/// All instance jobs of one simulated project, in creation order (= `created_at` order).
#[derive(Debug)]
pub struct SwrWorld {
    jobs: Vec<SwrJob>,
    next_seq: u64,
    last_micros: i64,
    clock: Clock,
}

impl Default for SwrWorld {
    fn default() -> Self {
        SwrWorld::new(Clock::System)
    }
}

/// A bijection on u32, so ids made from a counter are unique but look random.
fn mix32(n: u32) -> u32 {
    let mut x = n.wrapping_mul(0x9E37_79B1);
    x ^= x >> 15;
    x = x.wrapping_mul(0x85EB_CA77);
    x ^ (x >> 13)
}

/// A UUID-v1-shaped id for sequence number `n` of `salt`.
fn uuid_like(n: u64, salt: u32) -> String {
    format!(
        "{:08x}-{:04x}-11eb-b044-0255ac{:06x}",
        mix32(n as u32 ^ salt),
        (n >> 32) as u16 ^ (salt as u16),
        n & 0xff_ffff
    )
}

impl SwrWorld {
    /// An empty world reading time from `clock`.
    pub fn new(clock: Clock) -> Self {
        SwrWorld {
            jobs: Vec::new(),
            next_seq: 1,
            last_micros: i64::MIN,
            clock,
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

    /// The jobs in creation order (oldest first).
    pub fn jobs(&self) -> impl DoubleEndedIterator<Item = &SwrJob> + ExactSizeIterator + '_ {
        self.jobs.iter()
    }

    /// The job with this id.
    pub fn get(&self, id: &str) -> Option<&SwrJob> {
        self.jobs.iter().find(|j| j.id == id)
    }

    /// A fresh timestamp: `max(now, previous + 1 µs)`, so times strictly increase.
    fn tick(&mut self, at_ms: i64) -> i64 {
        let t = at_ms
            .saturating_mul(1000)
            .max(self.last_micros.saturating_add(1));
        self.last_micros = t;
        t
    }

    fn push(&mut self, job_type: &str, resource_name: String, status: &str, at_ms: i64) -> String {
        let seq = self.next_seq;
        self.next_seq += 1;
        let t = self.tick(at_ms);
        let instance = uuid_like(seq % 23, 0x5eed_0001);
        let id = uuid_like(seq, 0);
        let resource_id = if job_type.ends_with("Instance") || job_type.ends_with("Storage") {
            instance.clone()
        } else {
            uuid_like(seq, 0x0bad_cafe)
        };
        self.jobs.push(SwrJob {
            id: id.clone(),
            instance_id: instance,
            resource_id,
            resource_name,
            job_type: job_type.to_string(),
            status: status.to_string(),
            reason: if status == status::FAILED {
                FAILURE_REASONS[seq as usize % FAILURE_REASONS.len()].to_string()
            } else {
                String::new()
            },
            created_at: t,
            updated_at: t,
        });
        id
    }

    /// Creates a job now and returns its id.
    pub fn create(
        &mut self,
        job_type: &str,
        resource_name: impl Into<String>,
        status: &str,
    ) -> String {
        let now = self.clock.now_ms();
        self.push(job_type, resource_name.into(), status, now)
    }

    /// Sets a job's status (and `updated_at`; a failure gets a reason);
    /// `false` if there is no such job.
    pub fn set_status(&mut self, id: &str, new_status: &str) -> bool {
        let now = self.clock.now_ms();
        let t = self.tick(now);
        let Some(job) = self.jobs.iter_mut().find(|j| j.id == id) else {
            return false;
        };
        job.status = new_status.to_string();
        job.updated_at = t;
        job.reason = if new_status == status::FAILED {
            FAILURE_REASONS[0].to_string()
        } else {
            String::new()
        };
        true
    }

    /// Deletes a job; `false` if there is no such job.
    pub fn delete(&mut self, id: &str) -> bool {
        match self.jobs.iter().position(|j| j.id == id) {
            Some(i) => {
                self.jobs.remove(i);
                true
            }
            None => false,
        }
    }

    /// Deletes the jobs at these list positions (newest first), for shift mode.
    pub(super) fn delete_ids(&mut self, ids: &[String]) {
        self.jobs.retain(|j| !ids.contains(&j.id));
    }

    /// Adds `n` finished-or-running jobs with creation times spread over the
    /// 180 days before now; the newest 2% are partly still active.
    pub fn seed(&mut self, n: usize, rng: &mut impl Rng) {
        let now = self.clock.now_ms();
        let span: i64 = 180 * 24 * 3600 * 1000;
        let step = (span / n.max(1) as i64).max(1);
        let start = now - step * n as i64;
        for i in 0..n {
            let at = start + step * i as i64 + rng.gen_range(0..step);
            let job_type = JOB_TYPES.choose(rng).copied().unwrap_or("CreateInstance");
            let recent = i * 50 >= n * 49;
            let st = if recent && rng.gen_bool(0.5) {
                *[status::CREATING, status::INITIALIZING, status::RUNNING]
                    .choose(rng)
                    .unwrap_or(&status::RUNNING)
            } else if rng.gen_bool(0.85) {
                status::SUCCESS
            } else {
                status::FAILED
            };
            let name = format!("swr-ee-{}", self.next_seq % 97);
            let id = self.push(job_type, name, st, at);
            if status::is_terminal(st) {
                let finished = rng.gen_range(1_000_000..600_000_000);
                if let Some(job) = self.jobs.last_mut().filter(|j| j.id == id) {
                    job.updated_at = job.created_at + finished;
                }
            }
        }
        self.last_micros = self.last_micros.max(
            self.jobs
                .iter()
                .map(|j| j.updated_at)
                .max()
                .unwrap_or(i64::MIN),
        );
    }

    /// One step of the demo's lifecycle: active jobs move on, 0–2 jobs are
    /// created, and now and then an old finished job is deleted.
    pub fn step(&mut self, rng: &mut impl Rng) -> Vec<Change> {
        let mut changes = Vec::new();
        let active: Vec<(String, String)> = self
            .jobs
            .iter()
            .filter(|j| !status::is_terminal(&j.status))
            .map(|j| (j.id.clone(), j.status.clone()))
            .collect();
        for (id, from) in active {
            if !rng.gen_bool(0.4) {
                continue;
            }
            let to = match from.as_str() {
                status::CREATING => status::INITIALIZING,
                status::INITIALIZING => status::RUNNING,
                _ if rng.gen_bool(0.85) => status::SUCCESS,
                _ => status::FAILED,
            };
            self.set_status(&id, to);
            changes.push(Change::StatusChanged {
                id,
                from,
                to: to.to_string(),
            });
        }
        for _ in 0..rng.gen_range(0..=2) {
            let job_type = JOB_TYPES.choose(rng).copied().unwrap_or("CreateInstance");
            let name = format!("swr-ee-{}", self.next_seq % 97);
            let id = self.create(job_type, name, status::CREATING);
            changes.push(Change::Created {
                id,
                status: status::CREATING.to_string(),
            });
        }
        if self.jobs.len() > 10 && rng.gen_bool(0.05) {
            let i = rng.gen_range(0..self.jobs.len() / 2);
            if status::is_terminal(&self.jobs[i].status) {
                let id = self.jobs.remove(i).id;
                changes.push(Change::Deleted { id });
            }
        }
        changes
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::ManualClock;
    use rand::rngs::StdRng;
    use rand::SeedableRng;

    fn world() -> (SwrWorld, ManualClock) {
        let (clock, handle) =
            Clock::manual(DateTime::from_timestamp_millis(1_620_791_438_305).unwrap());
        (SwrWorld::new(clock), handle)
    }

    #[test]
    fn times_strictly_increase_and_render_like_the_sample() {
        let (mut w, clock) = world();
        let a = w.create("CreateInstance", "test-public", status::CREATING);
        let b = w.create("CreateInstance", "other", status::CREATING);
        clock.advance(chrono::Duration::seconds(-10));
        let c = w.create("CreateInstance", "third", status::CREATING);
        let (ja, jb, jc) = (
            w.get(&a).unwrap().clone(),
            w.get(&b).unwrap().clone(),
            w.get(&c).unwrap().clone(),
        );
        assert!(ja.created_at < jb.created_at && jb.created_at < jc.created_at);
        assert_eq!(ja.list_json()["created_at"], "2021-05-12T03:50:38.305000Z");
        assert_ne!(a, b);
        assert_eq!(a.len(), 36);
        clock.advance(chrono::Duration::seconds(15));
        assert!(w.set_status(&a, status::FAILED));
        let ja = w.get(&a).unwrap();
        assert!(ja.updated_at > jc.created_at);
        assert!(!ja.reason.is_empty());
        assert!(w.delete(&b) && !w.delete(&b));
        assert!(!w.set_status(&b, status::RUNNING));
        assert_eq!(w.len(), 2);
    }

    #[test]
    fn seed_and_step_keep_a_realistic_mix() {
        let (mut w, clock) = world();
        let mut rng = StdRng::seed_from_u64(3);
        w.seed(5_000, &mut rng);
        assert_eq!(w.len(), 5_000);
        let ids: std::collections::HashSet<&str> = w.jobs().map(|j| j.id.as_str()).collect();
        assert_eq!(ids.len(), 5_000, "ids are unique");
        let active = w.jobs().filter(|j| !status::is_terminal(&j.status)).count();
        assert!(active > 10 && active < 100, "active {active}");
        for pair in w.jobs.windows(2) {
            assert!(pair[0].created_at < pair[1].created_at);
        }
        assert!(w.jobs().all(|j| j.updated_at >= j.created_at));
        let mut created = 0;
        for _ in 0..100 {
            clock.advance(chrono::Duration::seconds(30));
            for change in w.step(&mut rng) {
                match change {
                    Change::Created { id, .. } => {
                        created += 1;
                        assert!(w.get(&id).is_some());
                    }
                    Change::StatusChanged { id, from, to } => {
                        assert!(!status::is_terminal(&from));
                        assert_eq!(w.get(&id).unwrap().status, to);
                    }
                    Change::Deleted { id } => assert!(w.get(&id).is_none()),
                }
            }
        }
        assert!(created > 50);
    }
}
