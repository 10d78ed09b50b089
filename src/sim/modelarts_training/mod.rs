//! Simulated Huawei ModelArts v1 training-job API (`modelarts-training-jobs`):
//! `GET /v1/{project_id}/training-jobs` (list) and
//! `GET /v1/{project_id}/training-jobs/{job_id}/versions/{version_id}` (detail).
//!
//! - [`world`]: the jobs ([`TrainingJob`], [`ModelArtsWorld`]), seeding and the demo's
//!   lifecycle steps.
//! - [`list`](mod@list): the list and detail semantics as pure functions ([`list::list`],
//!   [`list::detail`]), usable without HTTP; the shared sort/filter rules are documented
//!   there and must be reproduced by the query module.
//! - [`routes`]: the axum routes (auth, project check, faults, shift mode).

pub mod list;
pub mod routes;
pub mod world;

#[cfg(test)]
mod http_tests;

pub use list::{detail, list, ListQuery, Order, SortBy};
pub use routes::router;
pub use world::{Change, ModelArtsWorld, TrainingJob};

/// The config `kind` of this API, used as the route label in [`Stats`](super::Stats).
pub const KIND: &str = "modelarts-training-jobs";

/// Project and credentials the simulated ModelArts endpoint accepts.
#[derive(Clone)]
pub struct ModelArtsSimConfig {
    /// The only project id with a published API; any other gets `APIGW.0101`.
    pub project_id: String,
    /// Access key id for `SDK-HMAC-SHA256` signatures.
    pub access_key: String,
    /// Secret key for `SDK-HMAC-SHA256` signatures.
    pub secret_key: String,
    /// IAM token accepted in `X-Auth-Token`; `None` disables token authentication.
    pub token: Option<String>,
}

impl ModelArtsSimConfig {
    /// AK/SK authentication only.
    pub fn new(
        project_id: impl Into<String>,
        access_key: impl Into<String>,
        secret_key: impl Into<String>,
    ) -> Self {
        ModelArtsSimConfig {
            project_id: project_id.into(),
            access_key: access_key.into(),
            secret_key: secret_key.into(),
            token: None,
        }
    }

    /// Also accept `X-Auth-Token: <token>`.
    pub fn with_token(mut self, token: impl Into<String>) -> Self {
        self.token = Some(token.into());
        self
    }
}

impl std::fmt::Debug for ModelArtsSimConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ModelArtsSimConfig")
            .field("project_id", &self.project_id)
            .field("access_key", &self.access_key)
            .field("secret_key", &"<redacted>")
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

/// The v1 job status codes (`JOBSTAT_*`), as documented.
pub mod status {
    /// `JOBSTAT_UNKNOWN`
    pub const UNKNOWN: i32 = 0;
    /// `JOBSTAT_INIT`
    pub const INIT: i32 = 1;
    /// `JOBSTAT_IMAGE_CREATING`
    pub const IMAGE_CREATING: i32 = 2;
    /// `JOBSTAT_IMAGE_FAILED`
    pub const IMAGE_FAILED: i32 = 3;
    /// `JOBSTAT_SUBMIT_TRYING`
    pub const SUBMIT_TRYING: i32 = 4;
    /// `JOBSTAT_SUBMIT_FAILED`
    pub const SUBMIT_FAILED: i32 = 5;
    /// `JOBSTAT_DELETE_FAILED`
    pub const DELETE_FAILED: i32 = 6;
    /// `JOBSTAT_WAITING` (queued)
    pub const WAITING: i32 = 7;
    /// `JOBSTAT_RUNNING`
    pub const RUNNING: i32 = 8;
    /// `JOBSTAT_KILLING`
    pub const KILLING: i32 = 9;
    /// `JOBSTAT_COMPLETED`
    pub const COMPLETED: i32 = 10;
    /// `JOBSTAT_FAILED`
    pub const FAILED: i32 = 11;
    /// `JOBSTAT_KILLED`
    pub const KILLED: i32 = 12;
    /// `JOBSTAT_CANCELED`
    pub const CANCELED: i32 = 13;
    /// `JOBSTAT_LOST`
    pub const LOST: i32 = 14;
    /// `JOBSTAT_SCALING`
    pub const SCALING: i32 = 15;
    /// `JOBSTAT_SUBMIT_MODEL_FAILED`
    pub const SUBMIT_MODEL_FAILED: i32 = 16;
    /// `JOBSTAT_DEPLOY_SERVICE_FAILED`
    pub const DEPLOY_SERVICE_FAILED: i32 = 17;
    /// `JOBSTAT_CHECK_INIT`
    pub const CHECK_INIT: i32 = 18;
    /// `JOBSTAT_CHECK_RUNNING`
    pub const CHECK_RUNNING: i32 = 19;
    /// `JOBSTAT_CHECK_RUNNING_COMPLETED`
    pub const CHECK_RUNNING_COMPLETED: i32 = 20;
    /// `JOBSTAT_CHECK_FAILED`
    pub const CHECK_FAILED: i32 = 21;

    /// Every documented code, 0..=21.
    pub const ALL: std::ops::RangeInclusive<i32> = UNKNOWN..=CHECK_FAILED;

    /// Whether the simulator treats `code` as final (it never leaves it on its own):
    /// 3, 5, 10–14, 16, 17 and 21, as in providers.md §1.
    pub fn is_terminal(code: i32) -> bool {
        matches!(code, 3 | 5 | 10..=14 | 16 | 17 | 21)
    }

    /// Whether a job that reaches terminal `code` has run (and so has a duration),
    /// as opposed to failing or being cancelled before it started.
    pub fn implies_ran(code: i32) -> bool {
        matches!(code, COMPLETED | FAILED | KILLED | LOST | 16 | 17 | 21)
    }
}
