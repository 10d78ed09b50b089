//! The simulated ModelArts algorithms: storage, mutation (create, validity flips,
//! edits, delete), bulk seeding and the demo's steps.

use crate::sim::clock::Clock;
use rand::seq::SliceRandom;
use rand::Rng;
use serde_json::{json, Value};

/// One algorithm, as the simulator stores it (times in epoch milliseconds).
#[derive(Clone, Debug, PartialEq)]
pub struct Algorithm {
    /// UUID-shaped id.
    pub id: String,
    /// Name (1–64 of `[A-Za-z0-9_-]`).
    pub name: String,
    /// Description.
    pub description: String,
    /// Workspace (`"0"` is the default one).
    pub workspace_id: String,
    /// AI project (offline feature; always `default-ai-project`).
    pub ai_project: String,
    /// User name.
    pub user_name: String,
    /// Domain (account) id.
    pub domain_id: String,
    /// Source type (`custom`, ...).
    pub source: String,
    /// API version.
    pub api_version: String,
    /// Availability.
    pub is_valid: bool,
    /// Free-form state (empty in the vendor's sample).
    pub state: String,
    /// Tags (`None` is sent as `null`).
    pub tags: Option<Vec<Value>>,
    /// Attributes (`None` is sent as `null`).
    pub attr_list: Option<Vec<String>>,
    /// Number of versions.
    pub version_num: i64,
    /// Size in bytes.
    pub size: i64,
    /// Creation time (strictly increasing with creation).
    pub create_time: i64,
    /// Last update; 0 until the first one.
    pub update_time: i64,
    /// `job_config` object.
    pub job_config: Value,
    /// `resource_requirements` (`Value::Null` when none).
    pub resource_requirements: Value,
    /// `advanced_config` object.
    pub advanced_config: Value,
}

impl Algorithm {
    /// The algorithm as an `AlgorithmResponse` (list item and detail answer),
    /// with `metadata` keys in the documented sample's order.
    pub fn to_json(&self) -> Value {
        json!({
            "metadata": {
                "id": self.id,
                "name": self.name,
                "description": self.description,
                "create_time": self.create_time,
                "workspace_id": self.workspace_id,
                "ai_project": self.ai_project,
                "user_name": self.user_name,
                "domain_id": self.domain_id,
                "source": self.source,
                "api_version": self.api_version,
                "is_valid": self.is_valid,
                "state": self.state,
                "size": self.size,
                "tags": self.tags,
                "attr_list": self.attr_list,
                "version_num": self.version_num,
                "update_time": self.update_time,
            },
            "job_config": self.job_config,
            "resource_requirements": self.resource_requirements,
            "advanced_config": self.advanced_config,
        })
    }
}

/// One change made by [`AlgorithmsWorld::step`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Change {
    /// An algorithm was created.
    Created {
        /// Its id.
        id: String,
    },
    /// `is_valid` flipped.
    ValidityChanged {
        /// The algorithm.
        id: String,
        /// The new value.
        is_valid: bool,
    },
    /// Edited without a validity change.
    Edited {
        /// The algorithm.
        id: String,
    },
    /// Deleted.
    Deleted {
        /// Its id.
        id: String,
    },
}

/// The algorithms of one simulated project, in creation order.
#[derive(Debug)]
pub struct AlgorithmsWorld {
    algorithms: Vec<Algorithm>,
    next_seq: u64,
    last_create: i64,
    last_update: i64,
    clock: Clock,
    /// Whether `sort_by=update_time` is accepted (undocumented; on by default).
    /// Off, it gets the 400 of any unknown sort field.
    pub update_time_sort: bool,
}

impl Default for AlgorithmsWorld {
    fn default() -> Self {
        AlgorithmsWorld::new(Clock::System)
    }
}

const ENGINES: &[(&str, &str, &str)] = &[
    ("pytorch-cp36-1.3.0", "PyTorch", "PyTorch-1.3.0-python3.6"),
    ("tensorflow-cp37-2.1.0", "TensorFlow", "TF-2.1.0-python3.7"),
    (
        "mindspore-cp37-1.8.0",
        "MindSpore",
        "MindSpore-1.8.0-python3.7",
    ),
];
const NAMES: &[&str] = &[
    "resnet50",
    "bert-base",
    "yolov5",
    "TestModelArtsalgorithm",
    "unet",
    "xgboost-churn",
    "gpt2-small",
    "mobilenet_v3",
    "lstm-forecast",
];

/// A bijection on u64, so ids made from a counter are unique but look random.
fn mix64(mut x: u64) -> u64 {
    x ^= x >> 30;
    x = x.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x ^= x >> 27;
    x = x.wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

fn uuid_like(seq: u64) -> String {
    let a = mix64(seq);
    let b = mix64(seq ^ 0x5555_5555_5555_5555);
    format!(
        "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
        (a >> 32) as u32,
        (a >> 16) as u16,
        a as u16 & 0x0fff,
        (b >> 48) as u16 & 0x3fff | 0x8000,
        b & 0xffff_ffff_ffff
    )
}

fn job_config(seq: u64, engine: (&str, &str, &str)) -> Value {
    json!({
        "code_dir": format!("/algo-{seq}/code/"),
        "boot_file": format!("/algo-{seq}/code/train.py"),
        "command": "",
        "parameters": [{
            "name": "learning_rate",
            "description": "",
            "i18n_description": null,
            "value": "0.01",
            "constraint": {"type": "Float", "editable": true, "required": false, "sensitive": false,
                           "valid_type": "None", "valid_range": []}
        }],
        "parameters_customization": true,
        "inputs": [{"name": "data_url", "description": "name to translate"}],
        "outputs": [{"name": "train_url", "description": "name to translate"}],
        "engine": {"engine_id": engine.0, "engine_name": engine.1, "engine_version": engine.2},
        "code_tree": {"name": "code/", "children": [{"name": "train.py"}]},
    })
}

impl AlgorithmsWorld {
    /// An empty world reading time from `clock`.
    pub fn new(clock: Clock) -> Self {
        AlgorithmsWorld {
            algorithms: Vec::new(),
            next_seq: 1,
            last_create: i64::MIN,
            last_update: i64::MIN,
            clock,
            update_time_sort: true,
        }
    }

    /// The clock the world reads "now" from.
    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    /// Number of algorithms (all workspaces).
    pub fn len(&self) -> usize {
        self.algorithms.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.algorithms.is_empty()
    }

    /// The algorithms in creation order.
    pub fn algorithms(&self) -> impl DoubleEndedIterator<Item = &Algorithm> + '_ {
        self.algorithms.iter()
    }

    /// The algorithm with this id.
    pub fn get(&self, id: &str) -> Option<&Algorithm> {
        self.algorithms.iter().find(|a| a.id == id)
    }

    fn insert(&mut self, name: String, workspace_id: &str, at: i64, rich: bool) -> String {
        let seq = self.next_seq;
        self.next_seq += 1;
        let create_time = at.max(self.last_create.saturating_add(1));
        self.last_create = create_time;
        let engine = ENGINES[seq as usize % ENGINES.len()];
        let id = uuid_like(seq);
        self.algorithms.push(Algorithm {
            id: id.clone(),
            name,
            description: if seq.is_multiple_of(3) {
                "This is a ModelArts algorithm".into()
            } else {
                String::new()
            },
            workspace_id: workspace_id.to_string(),
            ai_project: "default-ai-project".into(),
            user_name: String::new(),
            domain_id: "0a1b2c3d4e5f60718293a4b5c6d7e8f9".into(),
            source: "custom".into(),
            api_version: String::new(),
            is_valid: true,
            state: String::new(),
            tags: rich.then(|| vec![json!({"key": "team", "value": "cv"})]),
            attr_list: rich.then(|| vec!["distributed".to_string()]),
            version_num: 0,
            size: 1000 + (mix64(seq) % 100_000) as i64,
            create_time,
            update_time: 0,
            job_config: job_config(seq, engine),
            resource_requirements: if rich {
                json!([{"key": "flavor_type", "value": ["CPU", "GPU"], "operator": "in"}])
            } else {
                Value::Null
            },
            advanced_config: json!({}),
        });
        id
    }

    /// Creates a valid algorithm in workspace `"0"` now and returns its id.
    pub fn create(&mut self, name: impl Into<String>) -> String {
        self.create_in_workspace("0", name)
    }

    /// Like [`create`](Self::create), in `workspace_id`.
    pub fn create_in_workspace(&mut self, workspace_id: &str, name: impl Into<String>) -> String {
        let now = self.clock.now_ms();
        let seq = self.next_seq;
        self.insert(name.into(), workspace_id, now, seq.is_multiple_of(4))
    }

    fn update_now(&mut self) -> i64 {
        let t = self.clock.now_ms().max(self.last_update.saturating_add(1));
        self.last_update = t;
        t
    }

    fn modify(&mut self, id: &str, f: impl FnOnce(&mut Algorithm)) -> bool {
        let t = self.update_now();
        match self.algorithms.iter_mut().find(|a| a.id == id) {
            Some(a) => {
                f(a);
                a.update_time = t.max(a.create_time + 1);
                true
            }
            None => false,
        }
    }

    /// Sets `is_valid` (and `update_time`); `false` if there is no such algorithm.
    pub fn set_valid(&mut self, id: &str, is_valid: bool) -> bool {
        self.modify(id, |a| a.is_valid = is_valid)
    }

    /// Sets the free-form `state` (and `update_time`).
    pub fn set_state(&mut self, id: &str, state: &str) -> bool {
        self.modify(id, |a| a.state = state.to_string())
    }

    /// Edits the description (and `update_time`) without touching validity.
    pub fn edit(&mut self, id: &str, description: &str) -> bool {
        self.modify(id, |a| {
            a.description = description.to_string();
            a.version_num += 1;
        })
    }

    /// Deletes an algorithm; `false` if there is no such algorithm.
    pub fn delete(&mut self, id: &str) -> bool {
        match self.algorithms.iter().position(|a| a.id == id) {
            Some(i) => {
                self.algorithms.remove(i);
                true
            }
            None => false,
        }
    }

    pub(super) fn delete_ids(&mut self, ids: &[String]) {
        self.algorithms.retain(|a| !ids.contains(&a.id));
    }

    /// Adds `n` algorithms created over the 365 days before now; about one in
    /// five has been updated since, one in twelve is invalid.
    pub fn seed(&mut self, n: usize, rng: &mut impl Rng) {
        let now = self.clock.now_ms();
        let span: i64 = 365 * 24 * 3600 * 1000;
        let step = (span / n.max(1) as i64).max(1);
        let start = now - step * n as i64;
        for i in 0..n {
            let at = start + step * i as i64 + rng.gen_range(0..step);
            let base = NAMES.choose(rng).copied().unwrap_or("algo");
            let name = format!("{base}-{}", self.next_seq);
            let rich = rng.gen_bool(0.3);
            let id = self.insert(name, "0", at, rich);
            if rng.gen_bool(0.2) {
                let invalid = rng.gen_bool(0.4);
                let updated = at + rng.gen_range(1_000..(now - at).max(2_000));
                if let Some(a) = self.algorithms.last_mut().filter(|a| a.id == id) {
                    a.update_time = updated;
                    a.is_valid = !invalid;
                    a.version_num = 1;
                }
                self.last_update = self.last_update.max(updated);
            }
        }
    }

    /// One step of the demo: 0–1 new algorithms, now and then a validity flip
    /// or an edit, and rarely a deletion.
    pub fn step(&mut self, rng: &mut impl Rng) -> Vec<Change> {
        let mut changes = Vec::new();
        if rng.gen_bool(0.5) {
            let base = NAMES.choose(rng).copied().unwrap_or("algo");
            let id = self.create(format!("{base}-{}", self.next_seq));
            changes.push(Change::Created { id });
        }
        if !self.algorithms.is_empty() && rng.gen_bool(0.3) {
            let i = rng.gen_range(0..self.algorithms.len());
            let id = self.algorithms[i].id.clone();
            let is_valid = !self.algorithms[i].is_valid;
            self.set_valid(&id, is_valid);
            changes.push(Change::ValidityChanged { id, is_valid });
        }
        if !self.algorithms.is_empty() && rng.gen_bool(0.2) {
            let i = rng.gen_range(0..self.algorithms.len());
            let id = self.algorithms[i].id.clone();
            self.edit(&id, "tuned defaults");
            changes.push(Change::Edited { id });
        }
        if self.algorithms.len() > 10 && rng.gen_bool(0.05) {
            let i = rng.gen_range(0..self.algorithms.len() / 2);
            let id = self.algorithms.remove(i).id;
            changes.push(Change::Deleted { id });
        }
        changes
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::ManualClock;
    use chrono::DateTime;
    use rand::rngs::StdRng;
    use rand::SeedableRng;

    fn world() -> (AlgorithmsWorld, ManualClock) {
        let (clock, handle) =
            Clock::manual(DateTime::from_timestamp_millis(1_636_600_721_742).unwrap());
        (AlgorithmsWorld::new(clock), handle)
    }

    #[test]
    fn create_update_delete() {
        let (mut w, clock) = world();
        let a = w.create("TestModelArtsalgorithm");
        let b = w.create("other");
        let ja = w.get(&a).unwrap().clone();
        assert_eq!(ja.create_time, 1_636_600_721_742);
        assert_eq!(w.get(&b).unwrap().create_time, ja.create_time + 1);
        assert_eq!(ja.update_time, 0, "never updated");
        assert!(ja.is_valid);
        assert_eq!(a.len(), 36);
        let json = ja.to_json();
        let keys: Vec<&str> = json["metadata"]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(keys.len(), 17);
        assert_eq!(keys[0], "id");
        clock.advance(chrono::Duration::seconds(5));
        assert!(w.set_valid(&a, false));
        let ja = w.get(&a).unwrap().clone();
        assert!(!ja.is_valid && ja.update_time == 1_636_600_726_742);
        assert!(w.edit(&b, "d"));
        assert!(
            w.get(&b).unwrap().update_time > ja.update_time,
            "updates strictly increase"
        );
        assert!(w.delete(&a) && !w.delete(&a) && !w.set_valid(&a, true));
        assert_eq!(w.len(), 1);
    }

    #[test]
    fn seed_and_step() {
        let (mut w, clock) = world();
        let mut rng = StdRng::seed_from_u64(5);
        w.seed(2_000, &mut rng);
        assert_eq!(w.len(), 2_000);
        let ids: std::collections::HashSet<&str> = w.algorithms().map(|a| a.id.as_str()).collect();
        assert_eq!(ids.len(), 2_000);
        let updated = w.algorithms().filter(|a| a.update_time > 0).count();
        let invalid = w.algorithms().filter(|a| !a.is_valid).count();
        assert!(updated > 250 && updated < 600, "{updated}");
        assert!(invalid > 60 && invalid < 300, "{invalid}");
        assert!(
            w.algorithms().any(|a| a.tags.is_none()) && w.algorithms().any(|a| a.tags.is_some())
        );
        assert!(w
            .algorithms()
            .all(|a| a.update_time == 0 || a.update_time > a.create_time));
        for _ in 0..100 {
            clock.advance(chrono::Duration::seconds(30));
            for c in w.step(&mut rng) {
                if let Change::ValidityChanged { id, is_valid } = c {
                    assert_eq!(w.get(&id).unwrap().is_valid, is_valid);
                }
            }
        }
    }
}
