//! The daemon's scheduling: one tokio-cron-scheduler job per source that wakes
//! that source's worker task. A worker runs one cycle at a time, so cycles of a
//! source never overlap (a tick that finds its worker busy is skipped), and every
//! loop stops on the shared cancellation token.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use tokio::sync::Notify;
use tokio_cron_scheduler::{Job, JobScheduler};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::worker::{ModeRequest, SourceWorker};

/// Why the scheduler could not start.
#[derive(Debug, thiserror::Error)]
pub enum SchedulerError {
    #[error("source {name}: schedule {schedule:?}: {reason}")]
    Schedule {
        name: String,
        schedule: String,
        reason: String,
    },
    #[error("scheduler: {0}")]
    Scheduler(String),
}

struct Slot {
    wake: Notify,
    busy: AtomicBool,
}

/// Running schedule of every source.
pub struct Schedule {
    scheduler: JobScheduler,
    tracker: TaskTracker,
}

impl Schedule {
    /// Starts one worker task per source (each runs a first cycle at once) and the
    /// cron jobs that wake them.
    pub async fn start(
        workers: Vec<SourceWorker>,
        cancel: CancellationToken,
    ) -> Result<Schedule, SchedulerError> {
        let scheduler = JobScheduler::new()
            .await
            .map_err(|e| SchedulerError::Scheduler(e.to_string()))?;
        let tracker = TaskTracker::new();
        for worker in workers {
            let slot = Arc::new(Slot {
                wake: Notify::new(),
                busy: AtomicBool::new(false),
            });
            let name = worker.source().name.clone();
            let schedule = worker.source().schedule.clone();
            let tick_slot = slot.clone();
            let tick_name = name.clone();
            let job = Job::new_async(schedule.as_str(), move |_, _| {
                let slot = tick_slot.clone();
                let name = tick_name.clone();
                Box::pin(async move {
                    if slot.busy.load(Ordering::SeqCst) {
                        tracing::info!(source = %name, "previous cycle still running; tick skipped");
                    } else {
                        slot.wake.notify_one();
                    }
                })
            })
            .map_err(|e| SchedulerError::Schedule {
                name: name.clone(),
                schedule: schedule.clone(),
                reason: e.to_string(),
            })?;
            scheduler
                .add(job)
                .await
                .map_err(|e| SchedulerError::Scheduler(e.to_string()))?;
            let cancel = cancel.clone();
            tracker.spawn(async move {
                worker_loop(worker, slot, cancel).await;
            });
        }
        tracker.close();
        scheduler
            .start()
            .await
            .map_err(|e| SchedulerError::Scheduler(e.to_string()))?;
        Ok(Schedule { scheduler, tracker })
    }

    /// Stops the cron jobs and waits for every worker to finish its page in hand.
    pub async fn shutdown(mut self) {
        if let Err(e) = self.scheduler.shutdown().await {
            tracing::warn!(error = %e, "scheduler shutdown");
        }
        self.tracker.wait().await;
    }
}

async fn worker_loop(worker: SourceWorker, slot: Arc<Slot>, cancel: CancellationToken) {
    let name = worker.source().name.clone();
    // The first cycle runs at start; later ones on the schedule.
    slot.wake.notify_one();
    loop {
        tokio::select! {
            _ = slot.wake.notified() => {}
            _ = cancel.cancelled() => break,
        }
        slot.busy.store(true, Ordering::SeqCst);
        match worker.step(ModeRequest::Auto, &cancel).await {
            Ok(_) => {}
            Err(e) => tracing::error!(source = %name, error = %e, "cannot record the cycle"),
        }
        slot.busy.store(false, Ordering::SeqCst);
        if cancel.is_cancelled() {
            break;
        }
    }
}
