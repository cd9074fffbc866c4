//! Agent-execution create and subscribe broadcast, measured over TCP against
//! the server running in this process (loopback port, temporary data dir):
//!
//! * create with only an agent id (the session — and once the default
//!   instance — made through the in-process services): sequential p50/p99
//!   and 32-way throughput;
//! * the same create naming an existing session;
//! * broadcast latency to 1 000 subscribers of one execution: from sending
//!   the `updateStatus` that makes it terminal to each subscriber receiving
//!   that snapshot.
//!
//! `cargo run --release -p stigmer-server --example execution-bench`
//!
//! The engine's settings come from the environment and a process cannot
//! safely change its own environment (`set_var` is unsafe; we forbid
//! unsafe), so the bench re-runs itself with the test runner enabled and
//! working for an hour. The warm-up's first runs then hold the engine's
//! workers: later executions stay PENDING, so the engine adds no background
//! work to the measured creates, and the fan-out's execution is still live
//! when its subscribers attach (without a runner it would fail at once).
#![forbid(unsafe_code)]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use stigmer_api::Resource;
use stigmer_api::agentic::agent::v1::agent_command_controller_client::AgentCommandControllerClient;
use stigmer_api::agentic::agent::v1::{Agent, AgentSpec};
use stigmer_api::agentic::agentexecution::v1::agent_execution_command_controller_client::AgentExecutionCommandControllerClient;
use stigmer_api::agentic::agentexecution::v1::agent_execution_query_controller_client::AgentExecutionQueryControllerClient;
use stigmer_api::agentic::agentexecution::v1::{
    AgentExecution, AgentExecutionId, AgentExecutionSpec, AgentExecutionStatus,
    AgentExecutionUpdateStatusInput, ExecutionPhase,
};
use stigmer_api::agentic::session::v1::session_command_controller_client::SessionCommandControllerClient;
use stigmer_api::agentic::session::v1::{Session, SessionSpec};
use stigmer_api::commons::apiresource::ApiResourceMetadata;
use stigmer_grpc::BearerTokens;
use stigmer_pipeline::index::{INDEX_VERSION, index_stored};
use stigmer_pipeline::steps::SharedStore;
use stigmer_server::App;
use stigmer_server::secrets::SecretCipher;
use stigmer_store::{SqliteOptions, SqliteStore};
use tokio::sync::{mpsc, watch};
use tonic::transport::Channel;

/// The server binary's allocator, so the figures are the binary's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const RUNNER_HOOK: &str = "STIGMER_TEST_FAKE_RUNNER";
const SEQUENTIAL: usize = 500;
const PARALLEL: usize = 32;
const PER_TASK: usize = 20;
const SUBSCRIBERS: usize = 1000;
const CONNECTIONS: usize = 8;
const FANOUT_ROUNDS: usize = 3;

fn main() -> anyhow::Result<()> {
    if std::env::var_os(RUNNER_HOOK).is_none() {
        let status = std::process::Command::new(std::env::current_exe()?)
            .env(RUNNER_HOOK, "3600000")
            .status()?;
        std::process::exit(status.code().unwrap_or(1));
    }
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(bench())
}

async fn bench() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let store: SharedStore = Arc::new(
        SqliteStore::open(
            SqliteOptions::new(dir.path().join("stigmer.db")).indexer(INDEX_VERSION, index_stored),
        )
        .await?,
    );
    let app = App::with_store(
        store,
        BearerTokens::new(),
        dir.path().join("storage"),
        SecretCipher::generate()?,
    )?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = format!("http://{}", listener.local_addr()?);
    let (stop, stopped) = watch::channel(false);
    let server = tokio::spawn(async move {
        let mut stopped = stopped;
        app.serve(listener, async move {
            let _ = stopped.wait_for(|stop| *stop).await;
        })
        .await
    });
    let channel = connect(&addr).await?;

    let agent = create_agent(&channel).await?;
    let executions = AgentExecutionCommandControllerClient::new(channel.clone());
    // Warm-up; also makes the agent's default instance, so the measured
    // auto-session creates are the steady state (Agent get + Session create).
    let first = executions
        .clone()
        .create(execution(agent.id(), ""))
        .await?
        .into_inner();
    let instance_id = agent_default_instance(&channel, agent.id()).await?;
    let session_id = create_session(&channel, &instance_id).await?;
    for _ in 0..20 {
        executions
            .clone()
            .create(execution("", &session_id))
            .await?;
    }
    drop(first);

    let (auto, given) = sequential(&executions, agent.id(), &session_id).await?;
    let parallel_rate = parallel(&executions, agent.id()).await?;
    println!(
        "create, agent id only (auto session): p50 {} us, p99 {} us ({SEQUENTIAL} sequential, alternating)",
        percentile(&auto, 50),
        percentile(&auto, 99)
    );
    println!(
        "create, existing session:             p50 {} us, p99 {} us ({SEQUENTIAL} sequential, alternating)",
        percentile(&given, 50),
        percentile(&given, 99)
    );
    println!(
        "create, agent id only, {PARALLEL}-way:          {parallel_rate:.0} creates/s ({} total)",
        PARALLEL * PER_TASK
    );

    let mut latencies = Vec::new();
    for _ in 0..FANOUT_ROUNDS {
        latencies.extend(fanout(&addr, &channel, agent.id()).await?);
    }
    latencies.sort_unstable();
    let to_ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let p50 = to_ms(latencies[latencies.len() / 2]);
    let p99 = to_ms(latencies[latencies.len() * 99 / 100]);
    let max = to_ms(*latencies.last().unwrap());
    println!(
        "broadcast to {SUBSCRIBERS} subscribers ({CONNECTIONS} connections, {FANOUT_ROUNDS} rounds): p50 {p50:.1} ms, p99 {p99:.1} ms, max {max:.1} ms"
    );
    println!(
        "execution-bench: create_auto_session_p50_us={} create_with_session_p50_us={} fanout_1000_p99_ms={}",
        percentile(&auto, 50),
        percentile(&given, 50),
        p99.ceil() as u64
    );

    let _ = stop.send(true);
    server.await??;
    Ok(())
}

async fn connect(addr: &str) -> anyhow::Result<Channel> {
    Ok(Channel::from_shared(addr.to_owned())?.connect().await?)
}

fn metadata(name: &str) -> Option<ApiResourceMetadata> {
    Some(ApiResourceMetadata {
        name: name.into(),
        org: "local".into(),
        owner_scope: 2,
        ..Default::default()
    })
}

async fn create_agent(channel: &Channel) -> anyhow::Result<Agent> {
    Ok(AgentCommandControllerClient::new(channel.clone())
        .create(Agent {
            api_version: "agentic.stigmer.ai/v1".into(),
            kind: "Agent".into(),
            metadata: metadata("Bench Agent"),
            spec: Some(AgentSpec {
                instructions: "You answer briefly.".into(),
                ..Default::default()
            }),
            status: None,
        })
        .await?
        .into_inner())
}

async fn agent_default_instance(channel: &Channel, agent_id: &str) -> anyhow::Result<String> {
    use stigmer_api::agentic::agent::v1::AgentId;
    use stigmer_api::agentic::agent::v1::agent_query_controller_client::AgentQueryControllerClient;
    let agent = AgentQueryControllerClient::new(channel.clone())
        .get(AgentId {
            value: agent_id.into(),
        })
        .await?
        .into_inner();
    Ok(agent
        .status
        .map(|s| s.default_instance_id)
        .unwrap_or_default())
}

async fn create_session(channel: &Channel, instance_id: &str) -> anyhow::Result<String> {
    let session = SessionCommandControllerClient::new(channel.clone())
        .create(Session {
            api_version: "agentic.stigmer.ai/v1".into(),
            kind: "Session".into(),
            metadata: metadata("bench-session"),
            spec: Some(SessionSpec {
                agent_instance_id: instance_id.into(),
                subject: "bench".into(),
                ..Default::default()
            }),
            status: None,
        })
        .await?
        .into_inner();
    Ok(session.id().to_owned())
}

fn execution(agent_id: &str, session_id: &str) -> AgentExecution {
    AgentExecution {
        api_version: "agentic.stigmer.ai/v1".into(),
        kind: "AgentExecution".into(),
        metadata: Some(ApiResourceMetadata {
            name: "bench-execution".into(),
            ..Default::default()
        }),
        spec: Some(AgentExecutionSpec {
            agent_id: agent_id.into(),
            session_id: session_id.into(),
            message: "What is 2+2?".into(),
            ..Default::default()
        }),
        status: None,
    }
}

/// Latencies of sequential creates, sorted: with only the agent id (auto
/// session) and with the session given, alternating, so both see the same
/// machine noise.
async fn sequential(
    client: &AgentExecutionCommandControllerClient<Channel>,
    agent_id: &str,
    session_id: &str,
) -> anyhow::Result<(Vec<Duration>, Vec<Duration>)> {
    let mut auto = Vec::with_capacity(SEQUENTIAL);
    let mut given = Vec::with_capacity(SEQUENTIAL);
    for _ in 0..SEQUENTIAL {
        for (agent_id, session_id, latencies) in
            [(agent_id, "", &mut auto), ("", session_id, &mut given)]
        {
            let started = Instant::now();
            client
                .clone()
                .create(execution(agent_id, session_id))
                .await?;
            latencies.push(started.elapsed());
        }
    }
    auto.sort_unstable();
    given.sort_unstable();
    Ok((auto, given))
}

fn percentile(sorted: &[Duration], p: usize) -> u128 {
    let index = (sorted.len() * p / 100).min(sorted.len() - 1);
    sorted[index].as_micros()
}

/// Auto-session creates per second with `PARALLEL` concurrent clients.
async fn parallel(
    client: &AgentExecutionCommandControllerClient<Channel>,
    agent_id: &str,
) -> anyhow::Result<f64> {
    let started = Instant::now();
    let tasks: Vec<_> = (0..PARALLEL)
        .map(|_| {
            let client = client.clone();
            let agent_id = agent_id.to_owned();
            tokio::spawn(async move {
                for _ in 0..PER_TASK {
                    client.clone().create(execution(&agent_id, "")).await?;
                }
                Ok::<_, tonic::Status>(())
            })
        })
        .collect();
    for task in tasks {
        task.await??;
    }
    Ok((PARALLEL * PER_TASK) as f64 / started.elapsed().as_secs_f64())
}

/// One round: 1 000 subscribers on a running execution, then the terminal
/// update; each subscriber's delay from sending it to receiving it.
async fn fanout(addr: &str, channel: &Channel, agent_id: &str) -> anyhow::Result<Vec<Duration>> {
    let commands = AgentExecutionCommandControllerClient::new(channel.clone());
    let created = commands
        .clone()
        .create(execution(agent_id, ""))
        .await?
        .into_inner();
    let id = created.id().to_owned();

    let mut connections = Vec::with_capacity(CONNECTIONS);
    for _ in 0..CONNECTIONS {
        connections.push(connect(addr).await?);
    }
    let (opened, mut opened_rx) = mpsc::unbounded_channel::<()>();
    let subscribers: Vec<_> = (0..SUBSCRIBERS)
        .map(|n| {
            let connection = connections[n % CONNECTIONS].clone();
            let id = id.clone();
            let opened = opened.clone();
            tokio::spawn(async move {
                let mut stream = AgentExecutionQueryControllerClient::new(connection)
                    .subscribe(AgentExecutionId { value: id })
                    .await?
                    .into_inner();
                let mut first = true;
                while let Some(snapshot) = stream.message().await? {
                    if first {
                        first = false;
                        let _ = opened.send(());
                    }
                    let phase = snapshot.status.as_ref().map_or(0, |s| s.phase);
                    if phase == ExecutionPhase::ExecutionCompleted as i32 {
                        return Ok(Some(Instant::now()));
                    }
                }
                Ok::<_, tonic::Status>(None)
            })
        })
        .collect();
    for _ in 0..SUBSCRIBERS {
        opened_rx.recv().await;
    }

    let sent = Instant::now();
    commands
        .clone()
        .update_status(AgentExecutionUpdateStatusInput {
            execution_id: id.clone(),
            status: Some(AgentExecutionStatus {
                phase: ExecutionPhase::ExecutionCompleted as i32,
                ..Default::default()
            }),
        })
        .await?;
    let mut latencies = Vec::with_capacity(SUBSCRIBERS);
    for subscriber in subscribers {
        let received = subscriber
            .await??
            .ok_or_else(|| anyhow::anyhow!("a stream ended without the final snapshot"))?;
        latencies.push(received.saturating_duration_since(sent));
    }
    Ok(latencies)
}
