//! Connecting to the server, picking executions and running them.

use std::collections::{HashMap, HashSet};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use stigmer_api::agentic::agentexecution::v1::agent_execution_query_controller_client::AgentExecutionQueryControllerClient;
use stigmer_api::agentic::agentexecution::v1::{
    AgentExecutionId, ExecutionPhase, ListAgentExecutionsRequest,
};
use stigmer_runner::{
    AgentRunner, GrpcExecutionSource, GrpcStatusReporter, RunOutcome, RunnerConfig, SecretString,
};
use tokio::task::{JoinError, JoinSet};
use tokio_util::sync::CancellationToken;
use tonic::metadata::AsciiMetadataValue;
use tonic::transport::{Channel, Endpoint};

use crate::args::Args;
use crate::signals::{self, Shutdown};

/// Executions asked for per poll (the server's page size limit is larger).
const PENDING_PAGE: i32 = 100;
/// Snapshots from `subscribe` carry whole conversations.
const MAX_MESSAGE_BYTES: usize = 64 * 1024 * 1024;
/// How long cancelled runs get to report CANCELLED before the process exits.
const CANCEL_WAIT: Duration = Duration::from_secs(10);

pub async fn run(args: Args) -> anyhow::Result<ExitCode> {
    let config = RunnerConfig::from_env().context("LLM settings")?;
    let worker = Arc::new(Worker::connect(&args, config).await?);
    let shutdown = signals::listen();
    let mut pool = Pool::new(worker.clone(), usize::from(args.concurrency));
    if args.executions.is_empty() {
        watch(&worker, &mut pool, &args, &shutdown).await;
        Ok(ExitCode::SUCCESS)
    } else {
        run_listed(&worker, &mut pool, &args, &shutdown).await
    }
}

/// Watches for PENDING executions until a signal.
async fn watch(worker: &Worker, pool: &mut Pool, args: &Args, shutdown: &Shutdown) {
    tracing::info!(
        server = %args.server,
        concurrency = args.concurrency,
        "watching for PENDING executions"
    );
    loop {
        if pool.has_room() {
            match worker.pending().await {
                Ok(ids) => {
                    for id in ids {
                        if !pool.has_room() {
                            break;
                        }
                        pool.start(id);
                    }
                }
                Err(status) => tracing::warn!(
                    code = ?status.code(),
                    error = status.message(),
                    "listing PENDING executions failed; retrying"
                ),
            }
        }
        tokio::select! {
            () = shutdown.stop.cancelled() => break,
            Some(joined) = pool.runs.join_next_with_id(), if !pool.runs.is_empty() => {
                // A slot is free: look for more work at once.
                pool.finished(joined);
            }
            () = tokio::time::sleep(args.poll_interval) => {}
        }
    }
    pool.drain(args.grace, &shutdown.force).await;
}

/// Runs the executions named with `--execution`.
async fn run_listed(
    worker: &Worker,
    pool: &mut Pool,
    args: &Args,
    shutdown: &Shutdown,
) -> anyhow::Result<ExitCode> {
    for id in &args.executions {
        let phase = worker
            .phase(id)
            .await
            .with_context(|| format!("reading execution {id}"))?;
        if phase != ExecutionPhase::ExecutionPending && phase != ExecutionPhase::ExecutionInProgress
        {
            bail!(
                "execution {id} is {} already; only PENDING or IN_PROGRESS executions can be run",
                phase_name(phase)
            );
        }
    }
    let mut queue = args.executions.iter().cloned();
    let mut stopped = false;
    loop {
        while !stopped && pool.has_room() {
            let Some(id) = queue.next() else { break };
            pool.start(id);
        }
        if pool.runs.is_empty() {
            break;
        }
        tokio::select! {
            () = shutdown.stop.cancelled(), if !stopped => {
                stopped = true;
                pool.drain(args.grace, &shutdown.force).await;
            }
            Some(joined) = pool.runs.join_next_with_id() => pool.finished(joined),
        }
    }
    let total = args.executions.len();
    if pool.completed == total {
        Ok(ExitCode::SUCCESS)
    } else {
        eprintln!(
            "stigmer-runner: {} of {total} executions did not complete",
            total - pool.completed
        );
        Ok(ExitCode::FAILURE)
    }
}

/// The connection to the server and the agent runner.
struct Worker {
    agent: AgentRunner,
    channel: Channel,
    token: Option<SecretString>,
    authorization: Option<AsciiMetadataValue>,
}

impl Worker {
    async fn connect(args: &Args, config: RunnerConfig) -> anyhow::Result<Worker> {
        let server = &args.server;
        let url = if server.contains("://") {
            server.clone()
        } else {
            format!("http://{server}")
        };
        if !url.starts_with("http://") {
            bail!("--server {server}: only plain http:// addresses are supported");
        }
        let token = args
            .token
            .as_deref()
            .filter(|token| !token.is_empty())
            .map(SecretString::new);
        let authorization = token
            .as_ref()
            .map(|token| format!("Bearer {}", token.expose()).parse())
            .transpose()
            .map_err(|_| anyhow::anyhow!("--token contains characters not allowed in a header"))?;
        let channel = Endpoint::from_shared(url)
            .with_context(|| format!("--server {server:?} is not an address"))?
            .connect_timeout(Duration::from_secs(5))
            .connect()
            .await
            .with_context(|| format!("cannot reach stigmer-server at {server}"))?;
        tracing::info!(
            provider = config.llm.provider.as_str(),
            model = %config.llm.model,
            base_url = %config.llm.base_url,
            "agent runner ready"
        );
        let worker = Worker {
            agent: AgentRunner::new(config),
            channel,
            token,
            authorization,
        };
        // One cheap call, so a wrong token or server fails here, in one line.
        worker.pending().await.map_err(|status| {
            anyhow::anyhow!(
                "stigmer-server at {server} refused to list executions: {:?}: {}",
                status.code(),
                status.message()
            )
        })?;
        Ok(worker)
    }

    fn request<M>(&self, message: M) -> tonic::Request<M> {
        let mut request = tonic::Request::new(message);
        if let Some(value) = &self.authorization {
            request
                .metadata_mut()
                .insert("authorization", value.clone());
        }
        request
    }

    fn queries(&self) -> AgentExecutionQueryControllerClient<Channel> {
        AgentExecutionQueryControllerClient::new(self.channel.clone())
            .max_decoding_message_size(MAX_MESSAGE_BYTES)
    }

    /// Ids of PENDING executions (first page).
    async fn pending(&self) -> Result<Vec<String>, tonic::Status> {
        let list = self
            .queries()
            .list(self.request(ListAgentExecutionsRequest {
                page_size: PENDING_PAGE,
                page_token: String::new(),
                phase: ExecutionPhase::ExecutionPending as i32,
                tags: Vec::new(),
            }))
            .await?
            .into_inner();
        Ok(list
            .entries
            .into_iter()
            .filter_map(|execution| execution.metadata.map(|metadata| metadata.id))
            .collect())
    }

    async fn phase(&self, id: &str) -> Result<ExecutionPhase, tonic::Status> {
        let execution = self
            .queries()
            .get(self.request(AgentExecutionId {
                value: id.to_owned(),
            }))
            .await?
            .into_inner();
        let phase = execution.status.map_or(0, |status| status.phase);
        Ok(ExecutionPhase::try_from(phase).unwrap_or(ExecutionPhase::Unspecified))
    }

    /// Runs one execution to its end; a client's CANCELLED (seen through
    /// `subscribe`) or `cancel` stops it.
    async fn run(self: Arc<Self>, id: String, cancel: CancellationToken) -> RunOutcome {
        let mut source = GrpcExecutionSource::new(self.channel.clone());
        let mut reporter = GrpcStatusReporter::new(self.channel.clone());
        if let Some(token) = &self.token {
            source = source.with_bearer_token(token.clone());
            reporter = reporter.with_bearer_token(token.clone());
        }
        let follower = tokio::spawn(self.clone().follow_cancellation(id.clone(), cancel.clone()));
        let outcome = self
            .agent
            .run(&id, Arc::new(source), Arc::new(reporter), cancel)
            .await;
        follower.abort();
        outcome
    }

    async fn follow_cancellation(self: Arc<Self>, id: String, cancel: CancellationToken) {
        let subscription = self
            .queries()
            .subscribe(self.request(AgentExecutionId { value: id.clone() }))
            .await;
        let mut stream = match subscription {
            Ok(response) => response.into_inner(),
            Err(status) => {
                tracing::warn!(%id, error = status.message(), "cannot follow the execution; cancellation will only be seen in status replies");
                return;
            }
        };
        while let Ok(Some(execution)) = stream.message().await {
            let phase = execution.status.map_or(0, |status| status.phase);
            if phase == ExecutionPhase::ExecutionCancelled as i32 {
                tracing::info!(%id, "cancellation requested");
                cancel.cancel();
                return;
            }
        }
    }
}

/// Running executions, at most `limit` at a time.
struct Pool {
    worker: Arc<Worker>,
    limit: usize,
    runs: JoinSet<RunOutcome>,
    ids: HashMap<tokio::task::Id, String>,
    active: HashSet<String>,
    cancel: CancellationToken,
    completed: usize,
}

impl Pool {
    fn new(worker: Arc<Worker>, limit: usize) -> Pool {
        Pool {
            worker,
            limit: limit.max(1),
            runs: JoinSet::new(),
            ids: HashMap::new(),
            active: HashSet::new(),
            cancel: CancellationToken::new(),
            completed: 0,
        }
    }

    fn has_room(&self) -> bool {
        self.active.len() < self.limit
    }

    /// Starts `id` unless it runs already.
    fn start(&mut self, id: String) {
        if !self.active.insert(id.clone()) {
            return;
        }
        tracing::info!(%id, "execution picked up");
        let run = self
            .worker
            .clone()
            .run(id.clone(), self.cancel.child_token());
        let handle = self.runs.spawn(run);
        self.ids.insert(handle.id(), id);
    }

    fn finished(&mut self, joined: Result<(tokio::task::Id, RunOutcome), JoinError>) {
        let (task, outcome) = match joined {
            Ok((task, outcome)) => (task, Ok(outcome)),
            Err(error) => (error.id(), Err(error)),
        };
        let id = self.ids.remove(&task).unwrap_or_default();
        self.active.remove(&id);
        match outcome {
            Ok(outcome) => {
                if outcome.phase == ExecutionPhase::ExecutionCompleted {
                    self.completed += 1;
                }
                let mut line = format!("{id} {}", phase_name(outcome.phase));
                if let Some(error) = outcome
                    .error
                    .filter(|_| outcome.phase != ExecutionPhase::ExecutionCompleted)
                {
                    line.push_str(": ");
                    line.push_str(&error);
                }
                if !outcome.reported {
                    line.push_str(" (the server did not take the final status)");
                }
                println!("{line}");
            }
            Err(error) => println!("{id} FAILED: the run crashed: {error}"),
        }
    }

    /// After a stop request: lets runs finish for `grace` (or until
    /// `force`), then cancels the rest and waits for them to report.
    async fn drain(&mut self, grace: Duration, force: &CancellationToken) {
        if self.runs.is_empty() {
            return;
        }
        tracing::info!(
            running = self.runs.len(),
            ?grace,
            "waiting for running executions"
        );
        let deadline = tokio::time::sleep(grace);
        tokio::pin!(deadline);
        loop {
            tokio::select! {
                joined = self.runs.join_next_with_id() => match joined {
                    Some(joined) => self.finished(joined),
                    None => return,
                },
                () = &mut deadline => break,
                () = force.cancelled() => break,
            }
        }
        tracing::warn!(running = self.runs.len(), "cancelling running executions");
        self.cancel.cancel();
        let wait = async {
            while let Some(joined) = self.runs.join_next_with_id().await {
                self.finished(joined);
            }
        };
        if tokio::time::timeout(CANCEL_WAIT, wait).await.is_err() {
            tracing::error!("runs did not stop in time; exiting anyway");
        }
    }
}

/// `EXECUTION_COMPLETED` → `COMPLETED`.
fn phase_name(phase: ExecutionPhase) -> &'static str {
    let name = phase.as_str_name();
    name.strip_prefix("EXECUTION_").unwrap_or(name)
}
