//! The per-source worker: one `step` runs one cycle (choosing incremental or full),
//! records it in `sync_runs`, and reports an outcome. The daemon and `sync` both
//! drive it; tests call `step` directly instead of waiting on timers.

use std::time::Duration;

use tokio_util::sync::CancellationToken;

use super::client::ApiClient;
use super::cycle::Cycle;
use super::retry::Backoff;
use super::CollectError;
use crate::clock;
use crate::config::SourceConfig;
use crate::providers::{self, Kind};
use crate::store::{replica_id, RunMode, RunStats, Store, StoreError, SyncState, TableSpec};

/// What the caller asks of a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModeRequest {
    /// Incremental, unless the initial mirror, a resumed full sweep or `full_every` calls for a full one.
    Auto,
    /// A full reconcile now (`sync --full`).
    Full,
}

/// How a step ended.
#[derive(Debug)]
pub enum StepOutcome {
    Synced {
        run_id: i64,
        mode: RunMode,
        stats: RunStats,
    },
    Failed {
        run_id: i64,
        mode: RunMode,
        stats: RunStats,
        error: CollectError,
    },
    /// Stopped between pages by the cancellation token (or because the
    /// source's lease was lost); committed pages stay.
    Cancelled { run_id: i64, mode: RunMode },
    /// Not run: another replica holds the source's lease (it syncs it).
    Held { holder: String },
}

impl StepOutcome {
    pub fn is_success(&self) -> bool {
        matches!(self, StepOutcome::Synced { .. })
    }
}

/// Syncs one source.
pub struct SourceWorker {
    source: SourceConfig,
    spec: &'static TableSpec,
    store: Store,
    client: ApiClient,
    backoff: Backoff,
}

impl SourceWorker {
    pub fn new(source: SourceConfig, store: Store) -> Result<SourceWorker, CollectError> {
        let spec = providers::table_spec(source.kind);
        let client = ApiClient::new(&source)?;
        let backoff = Backoff {
            base: source.retry_base,
            ..Backoff::default()
        };
        Ok(SourceWorker {
            source,
            spec,
            store,
            client,
            backoff,
        })
    }

    pub fn source(&self) -> &SourceConfig {
        &self.source
    }

    fn choose_mode(&self, request: ModeRequest, state: &SyncState) -> RunMode {
        let full_due = match state.last_full_at.as_deref().and_then(clock::parse) {
            None => true,
            Some(t) => {
                let age = chrono::Utc::now() - t;
                age.to_std().unwrap_or(Duration::ZERO) >= self.source.full_every
            }
        };
        let resuming = state.cursor.get("full").is_some_and(|f| !f.is_null());
        if request == ModeRequest::Full || state.initial_done_at.is_none() || resuming || full_due {
            RunMode::Full
        } else {
            RunMode::Incremental
        }
    }

    /// Runs one cycle while holding the source's lease (the store's lease
    /// period, `database.lease_period`, renewed every third of it; losing it
    /// stops the cycle between pages), or returns
    /// [`StepOutcome::Held`] when another replica holds it. Only a failure to
    /// record the cycle itself is an `Err`.
    pub async fn step(
        &self,
        request: ModeRequest,
        cancel: &CancellationToken,
    ) -> Result<StepOutcome, StoreError> {
        let name = self.source.name.as_str();
        let me = replica_id();
        let period = self.store.lease_period();
        if let Some(holder) = self.store.acquire_lease(name, me, period).await? {
            tracing::info!(source = %name, %holder, "another replica holds the source; skipped");
            return Ok(StepOutcome::Held { holder });
        }
        let lease = cancel.child_token();
        let renew = {
            let (store, name, lease) = (self.store.clone(), name.to_string(), lease.clone());
            tokio::spawn(async move {
                loop {
                    tokio::select! {
                        _ = tokio::time::sleep(period / 3) => {}
                        _ = lease.cancelled() => return,
                    }
                    match store.acquire_lease(&name, me, period).await {
                        Ok(None) => {}
                        Ok(Some(holder)) => {
                            tracing::warn!(source = %name, %holder, "lease lost; stopping the cycle");
                            lease.cancel();
                        }
                        Err(e) => {
                            tracing::warn!(source = %name, error = %e, "cannot renew the lease; stopping the cycle");
                            lease.cancel();
                        }
                    }
                }
            })
        };
        let outcome = self.step_leased(request, &lease).await;
        lease.cancel();
        let _ = renew.await;
        if let Err(e) = self.store.release_lease(name, me).await {
            tracing::warn!(source = %name, error = %e, "cannot release the lease (it expires)");
        }
        outcome
    }

    async fn step_leased(
        &self,
        request: ModeRequest,
        cancel: &CancellationToken,
    ) -> Result<StepOutcome, StoreError> {
        let state = self.store.sync_state(&self.source.name).await?;
        let mode = self.choose_mode(request, &state);
        let run_id = self
            .store
            .start_run(&self.source.name, self.source.kind.as_str(), mode)
            .await?;
        let started = std::time::Instant::now();
        tracing::info!(source = %self.source.name, run_id, mode = mode.as_str(), "cycle started");
        let mut cycle = Cycle::new(
            &self.source,
            self.spec,
            &self.store,
            run_id,
            mode,
            state,
            &self.client,
            self.backoff,
            cancel,
        );
        let result = run_strategy(&mut cycle).await;
        let stats = cycle.stats;
        let outcome_label = match &result {
            Ok(()) => "ok",
            Err(CollectError::Cancelled) => "cancelled",
            Err(_) => "error",
        };
        crate::metrics::global().cycle(
            &self.source.name,
            mode.as_str(),
            outcome_label,
            stats,
            started.elapsed(),
        );
        let outcome = match result {
            Ok(()) => {
                self.store
                    .record_success(&self.source.name, self.source.kind, mode == RunMode::Full)
                    .await?;
                self.store.finish_run(run_id, stats, None).await?;
                tracing::info!(
                    source = %self.source.name, run_id, mode = mode.as_str(),
                    requests = stats.requests, rows_seen = stats.rows_seen,
                    rows_changed = stats.rows_changed,
                    ms = started.elapsed().as_millis() as u64,
                    "cycle finished"
                );
                StepOutcome::Synced {
                    run_id,
                    mode,
                    stats,
                }
            }
            Err(CollectError::Cancelled) => {
                self.store
                    .finish_run(run_id, stats, Some("cancelled"))
                    .await?;
                tracing::info!(source = %self.source.name, run_id, "cycle cancelled");
                StepOutcome::Cancelled { run_id, mode }
            }
            Err(error) => {
                let text = error.to_string();
                self.store.finish_run(run_id, stats, Some(&text)).await?;
                tracing::error!(source = %self.source.name, run_id, error = %text, "cycle failed");
                StepOutcome::Failed {
                    run_id,
                    mode,
                    stats,
                    error,
                }
            }
        };
        Ok(outcome)
    }
}

async fn run_strategy(cycle: &mut Cycle<'_>) -> Result<(), CollectError> {
    match cycle.spec.kind {
        Kind::ModelartsTrainingJobs => providers::modelarts_training_jobs::run_cycle(cycle).await,
        Kind::ModelartsAlgorithms => providers::modelarts_algorithms::run_cycle(cycle).await,
        Kind::SwrInstanceJobs => providers::swr_instance_jobs::run_cycle(cycle).await,
        Kind::PaiDlcJobs => providers::pai_dlc_jobs::run_cycle(cycle).await,
        Kind::ModzyJobs => providers::modzy_jobs::run_cycle(cycle).await,
    }
}
