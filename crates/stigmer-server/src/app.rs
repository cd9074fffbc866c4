//! Wiring: the store, every controller on one runtime, downstream clients on
//! that runtime's in-process channel, and the network server.

use std::future::Future;
use std::sync::Arc;

use stigmer_grpc::{BearerTokens, Listener, NetworkServer, Runtime};
use stigmer_pipeline::index::{INDEX_VERSION, index_stored};
use stigmer_pipeline::steps::SharedStore;
use stigmer_store::{PostgresOptions, PostgresStore, SqliteOptions, SqliteStore};

use crate::config::{Config, ConfigError};
use crate::domain::agent::AgentController;
use crate::domain::agentinstance::AgentInstanceController;
use crate::domain::environment::EnvironmentController;
use crate::domain::executioncontext::ExecutionContextController;
use crate::domain::mcpserver::McpServerController;
use crate::domain::resources::ResourceController;
use crate::domain::session::SessionController;
use crate::domain::skill::SkillController;
use crate::domain::workflow::WorkflowController;
use crate::domain::workflowinstance::WorkflowInstanceController;
use crate::downstream::{AgentClient, AgentInstanceClient};
use crate::downstream::{WorkflowClient, WorkflowInstanceClient};
use crate::engine::{ExecutionSettingError, ExecutionSettings, Executions};
use crate::secrets::{KeyError, SecretCipher};

/// How long in-flight calls may run on after a stop was requested.
pub const SHUTDOWN_GRACE: std::time::Duration = std::time::Duration::from_secs(8);

/// Why the server could not start or stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("cannot open the database: {0}")]
    Store(#[from] stigmer_store::StoreError),
    #[error(transparent)]
    Rpc(#[from] stigmer_grpc::Error),
    #[error(transparent)]
    Executions(#[from] ExecutionSettingError),
    #[error(transparent)]
    EncryptionKey(#[from] KeyError),
}

/// A built server: every service registered, not yet listening.
pub struct App {
    runtime: Runtime,
    store: SharedStore,
    executions: Executions,
}

impl App {
    /// Opens the configured store and builds the runtime.
    pub async fn open(config: &Config) -> Result<App, AppError> {
        let store: SharedStore = match &config.database_url {
            Some(url) => Arc::new(
                PostgresStore::open(PostgresOptions::new(url).indexer(INDEX_VERSION, index_stored))
                    .await?,
            ),
            None => Arc::new(
                SqliteStore::open(
                    SqliteOptions::new(config.db_path()?).indexer(INDEX_VERSION, index_stored),
                )
                .await?,
            ),
        };
        let mut tokens = BearerTokens::new();
        for (principal, token) in config.token_pairs()? {
            tokens = tokens.with_token(token, principal)?;
        }
        let secrets = match &config.encryption_key {
            Some(key) => SecretCipher::from_base64(key)?,
            None => SecretCipher::load_or_create(&config.encryption_key_path()?)?,
        };
        let app = App::build(
            store,
            tokens,
            config.storage_path()?,
            secrets,
            Some(&config.data_dir()?),
        )?;
        Ok(app)
    }

    /// Builds the runtime over an open store; skill artifacts go under
    /// `storage_path`.
    pub fn with_store(
        store: SharedStore,
        tokens: BearerTokens,
        storage_path: std::path::PathBuf,
        secrets: SecretCipher,
    ) -> Result<App, AppError> {
        App::build(store, tokens, storage_path, secrets, None)
    }

    /// [`App::with_store`], with the data dir the health service reports.
    fn build(
        store: SharedStore,
        tokens: BearerTokens,
        storage_path: std::path::PathBuf,
        secrets: SecretCipher,
        data_dir: Option<&std::path::Path>,
    ) -> Result<App, AppError> {
        let builder = Runtime::builder()
            .descriptors(
                stigmer_api::DESCRIPTOR_POOL.clone(),
                stigmer_api::FILE_DESCRIPTOR_SET,
            )
            .bearer_tokens(tokens);
        let builder = crate::facts::health_headers(builder, data_dir);
        let channel = builder.in_process_channel();
        let executions = Executions::new(&store, &channel, ExecutionSettings::from_env()?);
        let workflows = WorkflowClient::new(channel.clone());
        let workflow_instances = WorkflowInstanceClient::new(channel.clone());
        let agents = AgentClient::new(channel.clone());
        let instances = AgentInstanceClient::new(channel);

        let builder = SessionController::new(store.clone(), instances.clone()).register(builder);
        let builder = AgentController::new(store.clone(), instances).register(builder);
        let builder = AgentInstanceController::new(store.clone(), agents).register(builder);
        let builder = EnvironmentController::new(store.clone(), secrets.clone()).register(builder);
        let builder =
            ExecutionContextController::new(store.clone(), secrets.clone()).register(builder);
        let builder = ResourceController::new(store.clone(), secrets.clone()).register(builder);
        let builder = McpServerController::new(store.clone(), secrets).register(builder);
        let builder = WorkflowController::new(store.clone(), workflow_instances).register(builder);
        let builder = WorkflowInstanceController::new(store.clone(), workflows).register(builder);
        let builder = executions.register(builder);
        let builder = SkillController::new(store.clone(), storage_path).register(builder);
        Ok(App {
            runtime: builder.build()?,
            store,
            executions,
        })
    }

    pub fn runtime(&self) -> &Runtime {
        &self.runtime
    }

    /// Serves until `shutdown` resolves, then gives in-flight calls
    /// [`SHUTDOWN_GRACE`] to finish and closes the store, so every
    /// acknowledged write is durable and a stop takes under ten seconds.
    pub async fn serve(
        self,
        listener: impl Into<Listener>,
        shutdown: impl Future<Output = ()>,
    ) -> Result<(), AppError> {
        self.executions.start();
        let streams = self.executions.end_streams();
        let shutdown = async move {
            shutdown.await;
            streams.shutdown();
        };
        let served = NetworkServer::new(self.runtime.clone())
            .shutdown_grace(SHUTDOWN_GRACE)
            .serve(listener, shutdown)
            .await;
        self.executions.shutdown().await;
        self.store.close().await?;
        served?;
        Ok(())
    }
}
