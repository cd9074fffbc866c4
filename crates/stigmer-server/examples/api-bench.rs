//! What the API costs over TCP loopback, next to what the transport alone
//! costs.
//!
//! `cargo run --release -p stigmer-server --example api-bench`
//!
//! Starts, in this process, three servers over fresh SQLite data dirs —
//! `small` (100 agents), `large` (10 000 agents and 10 000 sessions) and
//! `scratch` (takes the measured creates) — and a bare tonic server whose
//! `AgentQueryController.get` returns a constant agent (the transport
//! ceiling: HTTP/2, protobuf, no layers, no store). Every client talks gRPC
//! over 127.0.0.1 with its own connection.
//!
//! Measured with 1 and 32 concurrent clients: agent `create` (with its
//! default instance, through the AgentInstance service), `get`,
//! `getByReference`, and one page (50) of `SessionQueryController.list`
//! over 10 000 sessions — agents have no list rpc, sessions are the kind
//! with a plain list. The machine is shared and noisy, so the measurements
//! run in interleaved rounds (every row once per round) and each row
//! reports its median round.
//!
//! `get_vs_ceiling` = 32-client get throughput of the server at 10 000
//! agents / that of the constant handler; `create_per_s` = 32-client create
//! throughput; `get_by_ref_growth` = 1-client p50 of getByReference at
//! 10 000 agents / at 100 agents (the lookup is an index seek, so this
//! stays near 1).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use stigmer_api::agentic::agent::v1::agent_command_controller_client::AgentCommandControllerClient;
use stigmer_api::agentic::agent::v1::agent_query_controller_client::AgentQueryControllerClient;
use stigmer_api::agentic::agent::v1::agent_query_controller_server::{
    AgentQueryController, AgentQueryControllerServer,
};
use stigmer_api::agentic::agent::v1::{Agent, AgentId, AgentSpec};
use stigmer_api::agentic::session::v1::session_command_controller_client::SessionCommandControllerClient;
use stigmer_api::agentic::session::v1::session_query_controller_client::SessionQueryControllerClient;
use stigmer_api::agentic::session::v1::{ListSessionsRequest, Session, SessionSpec};
use stigmer_api::commons::apiresource::{
    ApiResourceMetadata, ApiResourceOwnerScope, ApiResourceReference,
};
use stigmer_api::{ApiResourceKind, Resource};
use stigmer_grpc::BearerTokens;
use stigmer_pipeline::index::{INDEX_VERSION, index_stored};
use stigmer_pipeline::steps::SharedStore;
use stigmer_server::App;
use stigmer_server::secrets::SecretCipher;
use stigmer_store::{SqliteOptions, SqliteStore};
use tonic::transport::{Channel, Endpoint};
use tonic::{Request, Response, Status};

/// The server binary's allocator, so the figures are the binary's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const SMALL: usize = 100;
const LARGE: usize = 10_000;
const ROUNDS: usize = 5;
const CONCURRENCY: usize = 32;
/// Calls per round and row for reads; creates do durable writes, so fewer.
const READ_CALLS: usize = 1_500;
const CREATE_CALLS: usize = 160;
const PAGE_SIZE: i32 = 50;

fn agent(name: &str) -> Agent {
    Agent {
        api_version: "agentic.stigmer.ai/v1".into(),
        kind: "Agent".into(),
        metadata: Some(ApiResourceMetadata {
            name: name.into(),
            org: "local".into(),
            owner_scope: ApiResourceOwnerScope::Organization as i32,
            ..Default::default()
        }),
        spec: Some(AgentSpec {
            instructions: "You review pull requests and explain every finding.".into(),
            description: "A benchmark agent".into(),
            ..Default::default()
        }),
        status: None,
    }
}

fn session(name: &str, instance_id: &str) -> Session {
    Session {
        api_version: "agentic.stigmer.ai/v1".into(),
        kind: "Session".into(),
        metadata: Some(ApiResourceMetadata {
            name: name.into(),
            org: "local".into(),
            owner_scope: ApiResourceOwnerScope::Organization as i32,
            ..Default::default()
        }),
        spec: Some(SessionSpec {
            agent_instance_id: instance_id.into(),
            subject: format!("about {name}"),
            ..Default::default()
        }),
        status: None,
    }
}

fn reference(slug: &str) -> ApiResourceReference {
    ApiResourceReference {
        scope: ApiResourceOwnerScope::Organization as i32,
        org: "local".into(),
        kind: ApiResourceKind::Agent as i32,
        slug: slug.into(),
        version: String::new(),
    }
}

/// The transport ceiling: a handler that does nothing but answer.
struct ConstantAgent(Agent);

#[tonic::async_trait]
impl AgentQueryController for ConstantAgent {
    async fn get(&self, _: Request<AgentId>) -> Result<Response<Agent>, Status> {
        Ok(Response::new(self.0.clone()))
    }
    async fn get_by_reference(
        &self,
        _: Request<ApiResourceReference>,
    ) -> Result<Response<Agent>, Status> {
        Ok(Response::new(self.0.clone()))
    }
}

async fn start_ceiling(agent: Agent) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let incoming = tonic::transport::server::TcpIncoming::from(listener).with_nodelay(Some(true));
    tokio::spawn(
        tonic::transport::Server::builder()
            .add_service(AgentQueryControllerServer::new(ConstantAgent(agent)))
            .serve_with_incoming(incoming),
    );
    addr
}

/// A stigmer server over a fresh SQLite database under `dir`, as the binary
/// builds it.
async fn start_server(dir: &Path) -> SocketAddr {
    let store: SharedStore = Arc::new(
        SqliteStore::open(
            SqliteOptions::new(dir.join("stigmer.db")).indexer(INDEX_VERSION, index_stored),
        )
        .await
        .unwrap(),
    );
    let app = App::with_store(
        store,
        BearerTokens::new(),
        dir.join("storage"),
        SecretCipher::generate().unwrap(),
    )
    .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(app.serve(listener, std::future::pending()));
    addr
}

async fn connect(addr: SocketAddr) -> Channel {
    Endpoint::from_shared(format!("http://{addr}"))
        .unwrap()
        .tcp_nodelay(true)
        .connect()
        .await
        .unwrap()
}

/// `count` agents named `<prefix>-<n>` made by 32 clients; answers the
/// default instance ids and the creates per second.
async fn fill_agents(addr: SocketAddr, prefix: &str, count: usize) -> (Vec<String>, f64) {
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let tasks: Vec<_> = (0..CONCURRENCY)
        .map(|_| {
            let next = next.clone();
            let prefix = prefix.to_owned();
            tokio::spawn(async move {
                let mut client = AgentCommandControllerClient::new(connect(addr).await);
                let mut instances = Vec::new();
                loop {
                    let n = next.fetch_add(1, Ordering::Relaxed);
                    if n >= count {
                        return instances;
                    }
                    let created = client
                        .create(agent(&format!("{prefix} {n}")))
                        .await
                        .unwrap()
                        .into_inner();
                    instances.push(created.status.unwrap().default_instance_id);
                }
            })
        })
        .collect();
    let mut instances = Vec::with_capacity(count);
    for task in tasks {
        instances.extend(task.await.unwrap());
    }
    (instances, count as f64 / started.elapsed().as_secs_f64())
}

async fn fill_sessions(addr: SocketAddr, instances: Arc<Vec<String>>) {
    let next = Arc::new(AtomicUsize::new(0));
    let tasks: Vec<_> = (0..CONCURRENCY)
        .map(|_| {
            let next = next.clone();
            let instances = instances.clone();
            tokio::spawn(async move {
                let mut client = SessionCommandControllerClient::new(connect(addr).await);
                loop {
                    let n = next.fetch_add(1, Ordering::Relaxed);
                    let Some(instance) = instances.get(n) else {
                        return;
                    };
                    client
                        .create(session(&format!("chat {n}"), instance))
                        .await
                        .unwrap();
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
}

/// One measured operation against one server.
#[derive(Clone)]
enum Op {
    Create { prefix: String },
    Get { id: String },
    GetByReference { slugs: Arc<Vec<String>> },
    ListPage,
}

/// A client's connection, with the stubs an operation needs.
#[derive(Clone)]
struct Client {
    agents: AgentQueryControllerClient<Channel>,
    commands: AgentCommandControllerClient<Channel>,
    sessions: SessionQueryControllerClient<Channel>,
}

impl Client {
    async fn new(addr: SocketAddr) -> Client {
        let channel = connect(addr).await;
        Client {
            agents: AgentQueryControllerClient::new(channel.clone()),
            commands: AgentCommandControllerClient::new(channel.clone()),
            sessions: SessionQueryControllerClient::new(channel),
        }
    }

    async fn call(&mut self, op: &Op, n: usize) {
        match op {
            Op::Create { prefix } => {
                let created = self
                    .commands
                    .create(agent(&format!("{prefix} {n}")))
                    .await
                    .unwrap()
                    .into_inner();
                assert!(!created.status.unwrap().default_instance_id.is_empty());
            }
            Op::Get { id } => {
                let got = self
                    .agents
                    .get(AgentId { value: id.clone() })
                    .await
                    .unwrap()
                    .into_inner();
                assert_eq!(got.id(), id);
            }
            Op::GetByReference { slugs } => {
                let slug = &slugs[n % slugs.len()];
                let got = self
                    .agents
                    .get_by_reference(reference(slug))
                    .await
                    .unwrap()
                    .into_inner();
                assert_eq!(got.slug(), slug);
            }
            Op::ListPage => {
                let page = self
                    .sessions
                    .list(ListSessionsRequest {
                        page_size: PAGE_SIZE,
                        ..Default::default()
                    })
                    .await
                    .unwrap()
                    .into_inner();
                assert_eq!(page.entries.len(), PAGE_SIZE as usize);
                assert_eq!(page.total_pages, LARGE as i32 / PAGE_SIZE);
            }
        }
    }
}

/// A row of the table: an operation, a server, a number of clients.
struct Row {
    op_name: &'static str,
    target: &'static str,
    op: Op,
    clients: Vec<Client>,
    calls: usize,
    /// Per round: (calls per second, p50, p99).
    rounds: Vec<(f64, Duration, Duration)>,
}

impl Row {
    async fn new(
        op_name: &'static str,
        target: &'static str,
        addr: SocketAddr,
        op: Op,
        clients: usize,
        calls: usize,
    ) -> Row {
        let mut connected = Vec::with_capacity(clients);
        for _ in 0..clients {
            connected.push(Client::new(addr).await);
        }
        Row {
            op_name,
            target,
            op,
            clients: connected,
            calls,
            rounds: Vec::new(),
        }
    }

    /// `calls` calls split over the row's clients, all at once.
    async fn round(&mut self, seq: &AtomicUsize) {
        let per_client = self.calls / self.clients.len();
        let started = Instant::now();
        let tasks: Vec<_> = self
            .clients
            .iter()
            .map(|client| {
                let mut client = client.clone();
                let op = self.op.clone();
                let first = seq.fetch_add(per_client, Ordering::Relaxed);
                tokio::spawn(async move {
                    let mut latencies = Vec::with_capacity(per_client);
                    for n in first..first + per_client {
                        let call = Instant::now();
                        client.call(&op, n).await;
                        latencies.push(call.elapsed());
                    }
                    latencies
                })
            })
            .collect();
        let mut latencies = Vec::with_capacity(self.calls);
        for task in tasks {
            latencies.extend(task.await.unwrap());
        }
        let elapsed = started.elapsed();
        latencies.sort_unstable();
        self.rounds.push((
            latencies.len() as f64 / elapsed.as_secs_f64(),
            latencies[latencies.len() / 2],
            latencies[latencies.len() * 99 / 100],
        ));
    }

    /// The median round by throughput.
    fn median(&self) -> (f64, Duration, Duration) {
        let mut rounds = self.rounds.clone();
        rounds.sort_by(|a, b| a.0.total_cmp(&b.0));
        rounds[rounds.len() / 2]
    }

    fn throughput(&self) -> f64 {
        self.median().0
    }

    /// Median over rounds of the per-round p50.
    fn p50(&self) -> Duration {
        let mut p50s: Vec<Duration> = self.rounds.iter().map(|r| r.1).collect();
        p50s.sort_unstable();
        p50s[p50s.len() / 2]
    }
}

fn us(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1e6
}

fn main() {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(bench());
}

async fn bench() {
    let small_dir = tempfile::tempdir().unwrap();
    let large_dir = tempfile::tempdir().unwrap();
    let scratch_dir = tempfile::tempdir().unwrap();
    let small = start_server(small_dir.path()).await;
    let large = start_server(large_dir.path()).await;
    let scratch = start_server(scratch_dir.path()).await;

    let fill_started = Instant::now();
    fill_agents(small, "Agent", SMALL).await;
    let (instances, fill_rate) = fill_agents(large, "Agent", LARGE).await;
    println!(
        "api-bench: filled {LARGE} agents (each with its default instance) at {fill_rate:.0} creates/s with {CONCURRENCY} clients"
    );
    fill_sessions(large, Arc::new(instances)).await;
    println!(
        "api-bench: filled {LARGE} sessions; fill took {:.1} s",
        fill_started.elapsed().as_secs_f64()
    );

    // The agent every get reads, and its twin for the ceiling (same bytes).
    let mut probe = AgentQueryControllerClient::new(connect(large).await);
    let target = probe
        .get_by_reference(reference("agent-5000"))
        .await
        .unwrap()
        .into_inner();
    let ceiling = start_ceiling(target.clone()).await;
    let get = Op::Get {
        id: target.id().to_owned(),
    };
    // Spread over the whole key range so a cache cannot hold one hot row.
    let slugs = |count: usize| {
        Arc::new(
            (0..count)
                .step_by((count / 100).max(1))
                .map(|n| format!("agent-{n}"))
                .collect::<Vec<_>>(),
        )
    };
    let by_ref_large = Op::GetByReference {
        slugs: slugs(LARGE),
    };
    let by_ref_small = Op::GetByReference {
        slugs: slugs(SMALL),
    };
    let create = Op::Create {
        prefix: "Created".into(),
    };

    let mut rows = Vec::new();
    for clients in [1, CONCURRENCY] {
        let create_calls = if clients == 1 {
            CREATE_CALLS / 4
        } else {
            CREATE_CALLS
        };
        rows.push(
            Row::new(
                "create",
                "scratch",
                scratch,
                create.clone(),
                clients,
                create_calls,
            )
            .await,
        );
        rows.push(Row::new("get", "ceiling", ceiling, get.clone(), clients, READ_CALLS).await);
        rows.push(Row::new("get", "10k", large, get.clone(), clients, READ_CALLS).await);
        rows.push(
            Row::new(
                "getByReference",
                "10k",
                large,
                by_ref_large.clone(),
                clients,
                READ_CALLS,
            )
            .await,
        );
        rows.push(
            Row::new(
                "getByReference",
                "100",
                small,
                by_ref_small.clone(),
                clients,
                READ_CALLS,
            )
            .await,
        );
        rows.push(
            Row::new(
                "sessions.list p1",
                "10k",
                large,
                Op::ListPage,
                clients,
                READ_CALLS / 5,
            )
            .await,
        );
    }

    // Warm every connection and cache once, unmeasured.
    let seq = AtomicUsize::new(0);
    for row in &mut rows {
        row.round(&seq).await;
        row.rounds.clear();
    }
    for _ in 0..ROUNDS {
        for row in &mut rows {
            row.round(&seq).await;
        }
    }

    println!(
        "api-bench: {ROUNDS} interleaved rounds, median round per row; {} worker threads; load {}",
        std::thread::available_parallelism().map_or(0, usize::from),
        std::fs::read_to_string("/proc/loadavg")
            .unwrap_or_default()
            .trim()
    );
    println!(
        "{:<17} {:<8} {:>7} {:>7} {:>10} {:>9} {:>9}",
        "rpc", "server", "clients", "calls", "calls/s", "p50 us", "p99 us"
    );
    for row in &rows {
        let (throughput, p50, p99) = row.median();
        println!(
            "{:<17} {:<8} {:>7} {:>7} {:>10.0} {:>9.1} {:>9.1}",
            row.op_name,
            row.target,
            row.clients.len(),
            row.calls,
            throughput,
            us(p50),
            us(p99)
        );
    }

    let find = |op: &str, target: &str, clients: usize| {
        rows.iter()
            .find(|r| r.op_name == op && r.target == target && r.clients.len() == clients)
            .unwrap()
    };
    let get_ratio_1 = find("get", "10k", 1).throughput() / find("get", "ceiling", 1).throughput();
    let get_vs_ceiling = find("get", "10k", CONCURRENCY).throughput()
        / find("get", "ceiling", CONCURRENCY).throughput();
    let create_per_s = find("create", "scratch", CONCURRENCY).throughput();
    let growth =
        us(find("getByReference", "10k", 1).p50()) / us(find("getByReference", "100", 1).p50());
    let growth_32 = find("getByReference", "100", CONCURRENCY).throughput()
        / find("getByReference", "10k", CONCURRENCY).throughput();
    println!(
        "api-bench: get vs ceiling with 1 client {get_ratio_1:.2}, with {CONCURRENCY} {get_vs_ceiling:.2}; getByReference 10k/100 time ratio: 1 client (p50) {growth:.2}, {CONCURRENCY} clients (1/throughput) {growth_32:.2}"
    );
    println!(
        "api-bench: get_vs_ceiling={get_vs_ceiling:.2} create_per_s={create_per_s:.0} get_by_ref_growth={growth:.2}"
    );
}
