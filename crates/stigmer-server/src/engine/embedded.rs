//! The embedded engine: for each execution kind (agent, workflow) a pool of
//! workers claiming that kind's dispatch jobs from the store's job table
//! with leases.
//!
//! * Leases are renewed by a heartbeat while a run is active (every third
//!   of the lease). A heartbeat that finds the lease lost (another worker
//!   took the job over) stops the run without recording its end.
//! * At most one active run per execution: a worker that claims a job whose
//!   execution already runs here (its heartbeat fell behind) adopts the
//!   newer claim instead of starting a second run.
//! * Recovery: a job claimed again (attempt > 1) that no worker here runs
//!   was leased by a server that died. It is retried once, or marked FAILED
//!   with a readable `status.error`, by [`RecoveryPolicy`].
//! * A graceful shutdown cancels active runs and hands their jobs back, so
//!   the next start runs them again without counting a recovery.
//! * When an execution with a callback token ends, the [`CallbackCompleter`]
//!   gets the final execution (or the error).

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use async_trait::async_trait;
use stigmer_api::agentic::agentexecution::v1::ExecutionPhase;
use stigmer_pipeline::steps::SharedStore;
use stigmer_store::{Change, Job, StoreError};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use tonic::Code;

use super::callback::callback_result;
use super::kinds::{AgentExecutions, ExecutionKind, WorkflowExecutions};
use super::{CallbackCompleter, ExecutionEngine, is_terminal};

/// What to do with a run whose server died (its lease expired).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecoveryPolicy {
    RetryOnce,
    Fail,
}

#[derive(Debug, Clone)]
pub struct EngineSettings {
    /// Concurrent runs of each kind (agent, workflow).
    pub workers: usize,
    /// How long a claim lasts before another worker may take the job over.
    pub lease: Duration,
    /// How often idle workers look for due jobs (new jobs wake them at once).
    pub poll_interval: Duration,
    pub recovery: RecoveryPolicy,
    /// False when an external runner (`stigmer-runner --server`) takes the
    /// agent executions: no agent worker claims their jobs, so they stay
    /// PENDING for it.
    pub claim_agent_jobs: bool,
}

impl Default for EngineSettings {
    fn default() -> Self {
        EngineSettings {
            workers: 4,
            lease: Duration::from_secs(60),
            poll_interval: Duration::from_secs(1),
            recovery: RecoveryPolicy::RetryOnce,
            claim_agent_jobs: true,
        }
    }
}

/// `last_error` of a job handed back by a graceful shutdown.
const INTERRUPTED_BY_SHUTDOWN: &str = "interrupted by server shutdown";
/// `last_error` of a job handed back for its one recovery retry.
const RECOVERY_RETRY: &str = "recovered after its server stopped; retrying once";

struct ActiveRun {
    job: Job,
    cancel: CancellationToken,
    /// Another worker took the job over: this run's end is not recorded.
    lease_lost: bool,
}

pub struct EmbeddedEngine {
    store: SharedStore,
    agents: Arc<AgentExecutions>,
    workflows: Arc<WorkflowExecutions>,
    completer: Arc<dyn CallbackCompleter>,
    settings: EngineSettings,
    worker_name: String,
    active: Mutex<HashMap<String, ActiveRun>>,
    /// Jobs this process handed back for their recovery retry.
    retrying: Mutex<HashSet<i64>>,
    stop: CancellationToken,
    workers: Mutex<Vec<JoinHandle<()>>>,
}

impl EmbeddedEngine {
    pub fn new(
        store: SharedStore,
        agents: AgentExecutions,
        workflows: WorkflowExecutions,
        completer: Arc<dyn CallbackCompleter>,
        settings: EngineSettings,
    ) -> Arc<Self> {
        Arc::new(EmbeddedEngine {
            store,
            agents: Arc::new(agents),
            workflows: Arc::new(workflows),
            completer,
            settings,
            worker_name: format!("embedded-{}", std::process::id()),
            active: Mutex::new(HashMap::new()),
            retrying: Mutex::new(HashSet::new()),
            stop: CancellationToken::new(),
            workers: Mutex::new(Vec::new()),
        })
    }

    /// Starts the worker pool (needs a tokio runtime).
    pub fn start(self: &Arc<Self>) {
        let mut workers = self.workers.lock().unwrap_or_else(PoisonError::into_inner);
        for n in 0..self.settings.workers.max(1) {
            if self.settings.claim_agent_jobs {
                let engine = Arc::clone(self);
                let kind = Arc::clone(&self.agents);
                let name = format!("{}-agent-{n}", self.worker_name);
                workers.push(tokio::spawn(async move { engine.work(kind, name).await }));
            }
            let engine = Arc::clone(self);
            let kind = Arc::clone(&self.workflows);
            let name = format!("{}-workflow-{n}", self.worker_name);
            workers.push(tokio::spawn(async move { engine.work(kind, name).await }));
        }
    }

    async fn work<K: ExecutionKind>(self: Arc<Self>, kind: Arc<K>, worker: String) {
        let mut changes = self.store.subscribe();
        while !self.stop.is_cancelled() {
            match self
                .store
                .claim_jobs(kind.queue(), &worker, self.settings.lease, 1)
                .await
            {
                Ok(jobs) if !jobs.is_empty() => {
                    for job in jobs {
                        self.handle(kind.as_ref(), job).await;
                    }
                    continue;
                }
                Ok(_) => {}
                Err(StoreError::Closed) => return,
                Err(error) => tracing::warn!(%error, "claiming execution jobs failed"),
            }
            tokio::select! {
                () = self.stop.cancelled() => return,
                () = tokio::time::sleep(self.settings.poll_interval) => {}
                () = job_enqueued(&mut changes, kind.queue()) => {}
            }
        }
    }

    async fn handle<K: ExecutionKind>(&self, kind: &K, job: Job) {
        let Ok(id) = String::from_utf8(job.payload.clone()) else {
            tracing::error!(
                job = job.id,
                "dispatch job without a utf-8 execution id; dropped"
            );
            self.complete(&job).await;
            return;
        };
        if let Some(run) = self.lock_active().get_mut(&id) {
            tracing::debug!(%id, attempt = job.attempt, "lease renewed by re-claim");
            run.job = job;
            return;
        }
        let execution = match kind.load(&id).await {
            Ok(execution) => execution,
            Err(status) if status.code() == Code::NotFound => {
                self.complete(&job).await;
                return;
            }
            Err(status) => {
                tracing::warn!(%id, error = %status.message(), "cannot load execution; retrying later");
                self.hand_back(&job, Duration::from_secs(5), status.message())
                    .await;
                return;
            }
        };
        if is_terminal(K::phase(&execution)) {
            self.complete(&job).await;
            self.call_back(kind, &id).await;
            return;
        }
        if let Some(reason) = self.recovery_failure(&job) {
            match reason {
                Recovery::Retry => {
                    tracing::info!(%id, "execution recovered after its server stopped; retrying once");
                    self.lock_retrying().insert(job.id);
                    self.hand_back(&job, Duration::ZERO, RECOVERY_RETRY).await;
                }
                Recovery::Fail(error) => {
                    self.fail(kind, &id, error).await;
                    self.complete(&job).await;
                    self.call_back(kind, &id).await;
                }
            }
            return;
        }
        if let Some(error) = kind.missing_runner() {
            self.fail(kind, &id, error.to_owned()).await;
            self.complete(&job).await;
            self.call_back(kind, &id).await;
            return;
        }
        let cancel = self.stop.child_token();
        self.lock_active().insert(
            id.clone(),
            ActiveRun {
                job,
                cancel: cancel.clone(),
                lease_lost: false,
            },
        );
        tracing::info!(%id, "execution run started");
        let outcome = self
            .with_heartbeat(&id, kind.run(execution, cancel.clone()))
            .await;
        let Some(run) = self.lock_active().remove(&id) else {
            return;
        };
        if run.lease_lost {
            tracing::warn!(%id, "execution run stopped: its job was taken over elsewhere");
            return;
        }
        if self.stop.is_cancelled() {
            self.hand_back(&run.job, Duration::ZERO, INTERRUPTED_BY_SHUTDOWN)
                .await;
            return;
        }
        let end = if cancel.is_cancelled() {
            ExecutionPhase::ExecutionCancelled
        } else {
            outcome.phase
        };
        tracing::info!(%id, phase = end.as_str_name(), "execution run ended");
        self.report_end(kind, &id, end, outcome.error).await;
        self.complete(&run.job).await;
        self.call_back(kind, &id).await;
    }

    /// Drives a run while renewing its job's lease every third of the
    /// lease, so a run may last longer than one lease.
    async fn with_heartbeat<T>(&self, id: &str, run: impl Future<Output = T>) -> T {
        let period = (self.settings.lease / 3).max(Duration::from_millis(10));
        let mut beat = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
        beat.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        tokio::pin!(run);
        loop {
            tokio::select! {
                outcome = &mut run => return outcome,
                _ = beat.tick() => self.renew(id).await,
            }
        }
    }

    /// Extends the lease of the run of `id`; a lost lease cancels the run.
    async fn renew(&self, id: &str) {
        let Some(job) = self.lock_active().get(id).map(|run| run.job.clone()) else {
            return;
        };
        match self.store.renew_job(&job, self.settings.lease).await {
            Ok(()) => {}
            Err(StoreError::LeaseLost { .. }) => {
                if let Some(run) = self.lock_active().get_mut(id)
                    && run.job == job
                {
                    run.lease_lost = true;
                    run.cancel.cancel();
                }
            }
            Err(error) => tracing::warn!(%id, %error, "cannot renew an execution job's lease"),
        }
    }

    /// Whether a job is a recovery (its previous holder died) and what to
    /// do with it; `None` for a normal first run.
    fn recovery_failure(&self, job: &Job) -> Option<Recovery> {
        if job.attempt <= 1 || job.last_error.as_deref() == Some(INTERRUPTED_BY_SHUTDOWN) {
            return None;
        }
        if self.lock_retrying().remove(&job.id) {
            return None;
        }
        let already_retried = job.last_error.as_deref() == Some(RECOVERY_RETRY);
        match (self.settings.recovery, already_retried) {
            (RecoveryPolicy::RetryOnce, false) => Some(Recovery::Retry),
            (RecoveryPolicy::RetryOnce, true) => Some(Recovery::Fail(
                "the server stopped twice while this execution was running; it was retried once and is not retried again".into(),
            )),
            (RecoveryPolicy::Fail, _) => Some(Recovery::Fail(
                "the server stopped while this execution was running (its job lease expired); \
                 not retried because STIGMER_EXECUTION_RECOVERY=fail"
                    .into(),
            )),
        }
    }

    /// Writes the end of a run unless the runner already did (a terminal
    /// execution rejects it with FAILED_PRECONDITION, which is fine).
    async fn report_end<K: ExecutionKind>(
        &self,
        kind: &K,
        id: &str,
        phase: ExecutionPhase,
        error: Option<String>,
    ) {
        if let Ok(current) = kind.load(id).await
            && is_terminal(K::phase(&current))
        {
            return;
        }
        match kind
            .write_end(id, phase as i32, error.unwrap_or_default())
            .await
        {
            Ok(()) => {}
            Err(status) if status.code() == Code::FailedPrecondition => {}
            Err(status) => {
                tracing::warn!(%id, error = %status.message(), "cannot record the end of a run")
            }
        }
    }

    async fn fail<K: ExecutionKind>(&self, kind: &K, id: &str, error: String) {
        tracing::warn!(%id, %error, "execution failed before running");
        self.report_end(kind, id, ExecutionPhase::ExecutionFailed, Some(error))
            .await;
    }

    /// Hands the final execution to the completer when a caller waits on
    /// it (a callback token is stored).
    async fn call_back<K: ExecutionKind>(&self, kind: &K, id: &str) {
        let execution = match kind.load(id).await {
            Ok(execution) => execution,
            Err(status) => {
                // Gone (deleted) or unreadable: its token is unknown, so
                // nobody can be told; the caller's own timeout applies.
                tracing::debug!(%id, error = %status.message(), "no callback: execution unreadable");
                return;
            }
        };
        let token = K::callback_token(&execution);
        if token.is_empty() || !is_terminal(K::phase(&execution)) {
            return;
        }
        let result = callback_result(K::into_final(execution));
        self.completer.complete(token, result).await;
    }

    async fn complete(&self, job: &Job) {
        if let Err(error) = self.store.complete_job(job).await {
            tracing::warn!(job = job.id, %error, "cannot complete execution job");
        }
    }

    async fn hand_back(&self, job: &Job, delay: Duration, reason: &str) {
        if let Err(error) = self.store.retry_job(job, delay, reason).await {
            tracing::warn!(job = job.id, %error, "cannot hand an execution job back");
        }
    }

    fn lock_active(&self) -> std::sync::MutexGuard<'_, HashMap<String, ActiveRun>> {
        self.active.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn lock_retrying(&self) -> std::sync::MutexGuard<'_, HashSet<i64>> {
        self.retrying.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

enum Recovery {
    Retry,
    Fail(String),
}

/// Resolves when a job is enqueued on `queue` (or the feed lagged: maybe
/// one was).
async fn job_enqueued(changes: &mut tokio::sync::broadcast::Receiver<Change>, queue: &str) {
    use tokio::sync::broadcast::error::RecvError;
    loop {
        match changes.recv().await {
            Ok(Change::JobEnqueued { queue: enqueued }) if enqueued == queue => return,
            Ok(Change::Resync) | Err(RecvError::Lagged(_)) => return,
            Ok(_) => {}
            Err(RecvError::Closed) => std::future::pending::<()>().await,
        }
    }
}

#[async_trait]
impl ExecutionEngine for EmbeddedEngine {
    fn request_cancel(&self, execution_id: &str) {
        if let Some(run) = self.lock_active().get(execution_id) {
            tracing::info!(id = %execution_id, "cancelling execution run");
            run.cancel.cancel();
        }
    }

    async fn shutdown(&self) {
        self.stop.cancel();
        let workers =
            std::mem::take(&mut *self.workers.lock().unwrap_or_else(PoisonError::into_inner));
        for worker in workers {
            let _ = worker.await;
        }
    }
}
