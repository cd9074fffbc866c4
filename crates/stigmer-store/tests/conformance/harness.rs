//! One suite, two backends: every test is an async fn over a [`Harness`],
//! and `conformance!` instantiates each one for SQLite and for PostgreSQL.

use std::io::Write;
use std::sync::Arc;

use async_trait::async_trait;
use stigmer_api::ApiResourceKind;
use stigmer_store::{
    IndexEntry, NewRecord, PostgresOptions, PostgresStore, SqliteOptions, SqliteStore, Store,
};

/// Opens (and reopens) stores over one database.
/// The server's index extractor, as tests write it.
pub type IndexFn = fn(ApiResourceKind, &[u8]) -> IndexEntry;

#[async_trait]
pub trait Harness: Send + Sync {
    async fn open(&self) -> Arc<dyn Store>;
    /// Opens with an index extractor of the given version.
    async fn open_indexed(&self, version: u32, indexer: IndexFn) -> Arc<dyn Store>;
}

pub struct SqliteHarness {
    dir: tempfile::TempDir,
}

impl SqliteHarness {
    pub fn new() -> Self {
        SqliteHarness {
            dir: tempfile::tempdir().unwrap(),
        }
    }
}

#[async_trait]
impl Harness for SqliteHarness {
    async fn open(&self) -> Arc<dyn Store> {
        let options = SqliteOptions::new(self.dir.path().join("nested/dir/stigmer.db"));
        Arc::new(SqliteStore::open(options).await.unwrap())
    }

    async fn open_indexed(&self, version: u32, indexer: IndexFn) -> Arc<dyn Store> {
        let options = SqliteOptions::new(self.dir.path().join("nested/dir/stigmer.db"))
            .indexer(version, indexer);
        Arc::new(SqliteStore::open(options).await.unwrap())
    }
}

pub const POSTGRES_URL_VAR: &str = "STIGMER_TEST_POSTGRES_URL";

/// Each test gets its own schema in the test database, dropped at the end.
pub struct PostgresHarness {
    url: String,
    schema: String,
}

impl PostgresHarness {
    /// `None` (after saying so loudly) when no PostgreSQL is configured.
    pub fn new(test: &str) -> Option<Self> {
        let Ok(url) = std::env::var(POSTGRES_URL_VAR) else {
            // Straight to the process's stderr: the test harness captures
            // `eprintln!` of passing tests, and a skip must not go unseen.
            let _ = writeln!(
                std::io::stderr(),
                "!!! SKIPPED PostgreSQL conformance test `{test}`: {POSTGRES_URL_VAR} is not set \
                 (export {POSTGRES_URL_VAR}=\"$(scripts/postgres.sh start)\") !!!"
            );
            return None;
        };
        // PostgreSQL identifiers stop at 63 bytes.
        let short: String = test.chars().take(40).collect();
        let schema = format!("t_{short}_{:08x}", rand::random::<u32>());
        Some(PostgresHarness { url, schema })
    }

    pub fn schema(&self) -> &str {
        &self.schema
    }

    pub fn options(&self) -> PostgresOptions {
        PostgresOptions::new(&self.url).schema(&self.schema)
    }

    pub async fn cleanup(&self) {
        let (client, connection) = tokio_postgres::connect(&self.url, tokio_postgres::NoTls)
            .await
            .unwrap();
        tokio::spawn(connection);
        client
            .batch_execute(&format!("DROP SCHEMA IF EXISTS {} CASCADE", self.schema))
            .await
            .unwrap();
    }
}

#[async_trait]
impl Harness for PostgresHarness {
    async fn open(&self) -> Arc<dyn Store> {
        Arc::new(PostgresStore::open(self.options()).await.unwrap())
    }

    async fn open_indexed(&self, version: u32, indexer: IndexFn) -> Arc<dyn Store> {
        Arc::new(
            PostgresStore::open(self.options().indexer(version, indexer))
                .await
                .unwrap(),
        )
    }
}

/// Generates `sqlite::<test>` and `postgres::<test>` for each listed fn.
macro_rules! conformance {
    ($($module:ident :: $test:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $test() {
                    let harness = crate::harness::SqliteHarness::new();
                    crate::$module::$test(&harness).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $test() {
                    let Some(harness) = crate::harness::PostgresHarness::new(stringify!($test)) else {
                        return;
                    };
                    crate::$module::$test(&harness).await;
                    harness.cleanup().await;
                }
            )*
        }
    };
}
pub(crate) use conformance;

/// Test data: the bytes say which record and version they are.
pub fn record(kind: ApiResourceKind, id: &str, version: &str) -> NewRecord {
    NewRecord::new(
        kind,
        id,
        format!("{}/{id}/{version}", kind.as_str_name()).into_bytes(),
    )
}

pub fn data(kind: ApiResourceKind, id: &str, version: &str) -> Vec<u8> {
    record(kind, id, version).data
}

pub fn with_slug(record: NewRecord, org: &str, slug: &str) -> NewRecord {
    let index = IndexEntry {
        org: org.to_owned(),
        slug: Some(slug.to_owned()),
        ..record.index.clone()
    };
    record.with_index(index)
}
