//! Storage benchmark: `cargo run --release -p stigmer-store --example store-bench`.
//!
//! For 1 000 and 100 000 stored agent executions (each with a slug, a
//! session parent with 100 children, a phase and ~600 bytes of data) it
//! measures, one operation at a time: a durable put (create, committed and
//! synced), get by id, get by slug, one list page of 50 (after a cursor in
//! the middle of the kind), one child-list page of 50 (a random session's
//! children), and — as the floor, interleaved with the store's gets — get
//! by id on a bare rusqlite connection to the same file. SQLite always; PostgreSQL too when
//! `STIGMER_TEST_POSTGRES_URL` is set.
//!
//! The last line compares medians (the machine may be shared; medians are
//! less noisy than means): `slug_lookup_growth` and `list_page_growth` are
//! t(100k)/t(1k) on SQLite (index seeks stay flat, scans would grow 100×),
//! `get_vs_floor` is the store's get by id over bare rusqlite's, at 100k.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use rand::Rng;
use stigmer_api::ApiResourceKind::{AgentExecution, Session};
use stigmer_store::{
    IndexEntry, ListQuery, NewRecord, PostgresOptions, PostgresStore, SqliteOptions, SqliteStore,
    Store, WriteBatch,
};

const SIZES: [usize; 2] = [1_000, 100_000];
const CHILDREN_PER_SESSION: usize = 100;
const PAGE: u32 = 50;
const ORG: &str = "bench";

struct Stats {
    backend: &'static str,
    records: usize,
    operation: &'static str,
    samples: Vec<Duration>,
}

impl Stats {
    fn median_us(&self) -> f64 {
        percentile(&self.samples, 0.5)
    }
    fn row(&self) -> String {
        let mean =
            self.samples.iter().sum::<Duration>().as_secs_f64() * 1e6 / self.samples.len() as f64;
        format!(
            "| {:<8} | {:>7} | {:<34} | {:>9.1} | {:>9.1} | {:>9.1} | {:>6} |",
            self.backend,
            self.records,
            self.operation,
            mean,
            self.median_us(),
            percentile(&self.samples, 0.99),
            self.samples.len()
        )
    }
}

fn percentile(samples: &[Duration], p: f64) -> f64 {
    let mut sorted: Vec<Duration> = samples.to_vec();
    sorted.sort();
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index].as_secs_f64() * 1e6
}

fn execution(n: usize) -> NewRecord {
    let id = format!("aex-{n:08}");
    let mut data = format!("agent execution {id} ").into_bytes();
    data.resize(600, b'x');
    NewRecord::new(AgentExecution, &id, data).with_index(
        IndexEntry::new()
            .org(ORG)
            .slug(format!("exec-{n:08}"))
            .parent(Session, format!("ses-{:06}", n / CHILDREN_PER_SESSION))
            .phase((n % 5) as i32 + 1),
    )
}

async fn load(store: &dyn Store, count: usize) {
    for start in (0..count).step_by(1_000) {
        let mut batch = WriteBatch::new();
        for n in start..(start + 1_000).min(count) {
            batch.create(execution(n));
        }
        store.write(batch).await.unwrap();
    }
}

async fn time<F, Fut>(samples: usize, mut op: F) -> Vec<Duration>
where
    F: FnMut(usize) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let mut times = Vec::with_capacity(samples);
    for i in 0..samples {
        let start = Instant::now();
        op(i).await;
        times.push(start.elapsed());
    }
    times
}

/// Every measured operation against one store holding `count` records.
async fn measure(
    backend: &'static str,
    store: Arc<dyn Store>,
    count: usize,
    floor_path: Option<&std::path::Path>,
) -> Vec<Stats> {
    let mut rng = rand::rng();
    let ids: Vec<usize> = (0..20_000).map(|_| rng.random_range(0..count)).collect();
    let sessions: Vec<usize> = (0..2_000)
        .map(|_| rng.random_range(0..count / CHILDREN_PER_SESSION))
        .collect();
    let mut stats = Vec::new();
    let mut stat = |operation, samples| {
        stats.push(Stats {
            backend,
            records: count,
            operation,
            samples,
        })
    };

    let puts = if backend == "sqlite" { 300 } else { 200 };
    let next = count;
    let samples = time(puts, |i| {
        let store = store.clone();
        async move {
            store.create(execution(next + 1_000_000 + i)).await.unwrap();
        }
    })
    .await;
    stat("durable put (create)", samples);

    // Get by id through the store and on a bare connection to the same
    // file, interleaved in small rounds so machine noise hits both alike.
    let bare = floor_path.map(bare_connection);
    let (mut gets, mut floor_gets) = (Vec::new(), Vec::new());
    for round in ids.chunks(200) {
        for &n in round {
            let id = format!("aex-{n:08}");
            let start = Instant::now();
            assert!(store.get(AgentExecution, &id).await.unwrap().is_some());
            gets.push(start.elapsed());
        }
        if let Some(conn) = &bare {
            for &n in round {
                let id = format!("aex-{n:08}");
                let start = Instant::now();
                let data: Vec<u8> = conn
                    .prepare_cached(FLOOR_GET)
                    .unwrap()
                    .query_row(rusqlite::params!["agent_execution", id], |row| row.get(0))
                    .unwrap();
                floor_gets.push(start.elapsed());
                assert!(!data.is_empty());
            }
        }
    }
    stat("get by id", gets);

    let samples = time(ids.len(), |i| {
        let store = store.clone();
        let slug = format!("exec-{:08}", ids[i]);
        async move {
            assert!(
                store
                    .get_by_slug(AgentExecution, ORG, &slug)
                    .await
                    .unwrap()
                    .is_some()
            );
        }
    })
    .await;
    stat("get by slug", samples);

    // A cursor in the middle of the kind, reached by walking big pages.
    let mut query =
        ListQuery::new(AgentExecution).page_size((count as u32 / 2).min(ListQuery::MAX_PAGE_SIZE));
    let mut walked = 0;
    let cursor = loop {
        let page = store.list(&query).await.unwrap();
        walked += page.records.len();
        let cursor = page.next_cursor.unwrap();
        if walked >= count / 2 {
            break cursor;
        }
        query = query.after(cursor);
    };
    let samples = time(2_000, |_| {
        let store = store.clone();
        let query = ListQuery::new(AgentExecution)
            .page_size(PAGE)
            .after(cursor.clone());
        async move {
            let page = store.list(&query).await.unwrap();
            assert_eq!(page.records.len(), PAGE as usize);
        }
    })
    .await;
    stat("list page (50, mid-list cursor)", samples);

    let samples = time(sessions.len(), |i| {
        let store = store.clone();
        let query = ListQuery::new(AgentExecution)
            .children_of(Session, format!("ses-{:06}", sessions[i]))
            .page_size(PAGE);
        async move {
            let page = store.list(&query).await.unwrap();
            assert_eq!(page.records.len(), PAGE as usize);
            assert_eq!(page.total, CHILDREN_PER_SESSION as u64);
        }
    })
    .await;
    stat("child-list page (50 of a session)", samples);

    // Throughput view: 8 gets in flight at once, time per get.
    let concurrent = 8;
    let rounds = 2_000;
    let start = Instant::now();
    let mut tasks = Vec::new();
    for worker in 0..concurrent {
        let store = store.clone();
        let ids: Vec<usize> = ids
            .iter()
            .skip(worker)
            .step_by(concurrent)
            .take(rounds)
            .copied()
            .collect();
        tasks.push(tokio::spawn(async move {
            for id in ids {
                store
                    .get(AgentExecution, &format!("aex-{id:08}"))
                    .await
                    .unwrap();
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let per_get = start.elapsed() / (concurrent * rounds) as u32;
    stat("get by id, 8 in flight (time/get)", vec![per_get; 1]);
    if bare.is_some() {
        stats.push(Stats {
            backend: "rusqlite",
            records: count,
            operation: "get by id (bare rusqlite, floor)",
            samples: floor_gets,
        });
    }
    stats
}

/// The floor's query: get by id on a bare rusqlite connection.
const FLOOR_GET: &str = "SELECT data FROM resources WHERE kind = ?1 AND id = ?2";

/// A bare connection with the cache pragmas of the store's connections.
fn bare_connection(path: &std::path::Path) -> rusqlite::Connection {
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.pragma_update(None, "cache_size", -64_000).unwrap();
    conn.pragma_update(None, "mmap_size", 256 * 1024 * 1024)
        .unwrap();
    conn
}

/// For context: a durable insert and the store's own get SQL (with the
/// revision join) on a bare connection, to tell SQL cost from the cost of
/// the store's plumbing.
fn floor(path: &std::path::Path, count: usize) -> Vec<Stats> {
    let conn = bare_connection(path);
    let mut rng = rand::rng();
    let mut run = |sql: &str, operation: &'static str| {
        let mut samples = Vec::with_capacity(20_000);
        for _ in 0..20_000 {
            let id = format!("aex-{:08}", rng.random_range(0..count));
            let start = Instant::now();
            let data: Vec<u8> = conn
                .prepare_cached(sql)
                .unwrap()
                .query_row(rusqlite::params!["agent_execution", id], |row| row.get(0))
                .unwrap();
            samples.push(start.elapsed());
            assert!(!data.is_empty());
        }
        Stats {
            backend: "rusqlite",
            records: count,
            operation,
            samples,
        }
    };
    // A durable one-row insert, for the put numbers' context.
    conn.pragma_update(None, "synchronous", "FULL").unwrap();
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS bench_floor (id INTEGER PRIMARY KEY, data BLOB)",
    )
    .unwrap();
    let mut puts = Vec::with_capacity(300);
    for _ in 0..300 {
        let start = Instant::now();
        conn.execute(
            "INSERT INTO bench_floor (data) VALUES (?1)",
            [vec![b'x'; 600]],
        )
        .unwrap();
        puts.push(start.elapsed());
    }
    let put_floor = Stats {
        backend: "rusqlite",
        records: count,
        operation: "durable insert (bare rusqlite)",
        samples: puts,
    };
    vec![
        put_floor,
        run(
            "SELECT CAST(r.data AS BLOB), i.revision FROM resources r
             LEFT JOIN resource_index i ON i.kind = r.kind AND i.id = r.id
             WHERE r.kind = ?1 AND r.id = ?2",
            "get by id (the store's SQL, bare)",
        ),
    ]
}

#[tokio::main]
async fn main() {
    let mut all = Vec::new();
    for count in SIZES {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bench.db");
        let store: Arc<dyn Store> =
            Arc::new(SqliteStore::open(SqliteOptions::new(&path)).await.unwrap());
        let start = Instant::now();
        load(store.as_ref(), count).await;
        eprintln!("sqlite: loaded {count} records in {:.1?}", start.elapsed());
        all.extend(measure("sqlite", store.clone(), count, Some(&path)).await);
        all.extend(floor(&path, count));
        store.close().await.unwrap();
    }

    if let Ok(url) = std::env::var("STIGMER_TEST_POSTGRES_URL") {
        for count in SIZES {
            let schema = format!("bench_{:08x}", rand::random::<u32>());
            let store: Arc<dyn Store> = Arc::new(
                PostgresStore::open(PostgresOptions::new(&url).schema(&schema))
                    .await
                    .unwrap(),
            );
            let start = Instant::now();
            load(store.as_ref(), count).await;
            eprintln!(
                "postgres: loaded {count} records in {:.1?}",
                start.elapsed()
            );
            all.extend(measure("postgres", store.clone(), count, None).await);
            store.close().await.unwrap();
            let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
                .await
                .unwrap();
            tokio::spawn(connection);
            client
                .batch_execute(&format!("DROP SCHEMA {schema} CASCADE"))
                .await
                .unwrap();
        }
    } else {
        eprintln!("store-bench: STIGMER_TEST_POSTGRES_URL is not set; PostgreSQL not measured");
    }

    println!(
        "| backend  | records | operation                          |   mean µs |    p50 µs |    p99 µs |      n |"
    );
    println!(
        "|----------|--------:|------------------------------------|----------:|----------:|----------:|-------:|"
    );
    for stats in &all {
        println!("{}", stats.row());
    }
    let median = |backend: &str, records: usize, operation: &str| {
        all.iter()
            .find(|s| s.backend == backend && s.records == records && s.operation == operation)
            .map(Stats::median_us)
            .unwrap()
    };
    let (small, large) = (SIZES[0], SIZES[1]);
    let slug_growth =
        median("sqlite", large, "get by slug") / median("sqlite", small, "get by slug");
    let list_growth = median("sqlite", large, "list page (50, mid-list cursor)")
        / median("sqlite", small, "list page (50, mid-list cursor)");
    let get_vs_floor = median("sqlite", large, "get by id")
        / median("rusqlite", large, "get by id (bare rusqlite, floor)");
    println!(
        "store-bench: slug_lookup_growth={slug_growth:.2} list_page_growth={list_growth:.2} get_vs_floor={get_vs_floor:.2}"
    );
}
