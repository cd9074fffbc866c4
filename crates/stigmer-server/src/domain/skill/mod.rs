//! Skill: versioned, content-addressed capability bundles, written only by
//! `push` (a ZIP with SKILL.md at its root). Artifacts live as files under
//! the storage directory; version history lives in the store's audit table.

mod archive;
mod artifacts;
mod delete;
mod get;
mod get_artifact;
mod get_by_reference;
mod push;

use std::path::Path;

use stigmer_api::agentic::skill::v1::skill_command_controller_server::{
    SkillCommandController, SkillCommandControllerServer,
};
use stigmer_api::agentic::skill::v1::skill_query_controller_server::{
    SkillQueryController, SkillQueryControllerServer,
};
use stigmer_api::agentic::skill::v1::{
    GetArtifactRequest, GetArtifactResponse, PushSkillRequest, Skill, SkillId,
};
use stigmer_api::commons::apiresource::ApiResourceReference;
use stigmer_grpc::RuntimeBuilder;
use stigmer_pipeline::steps::SharedStore;
use tonic::{Request, Response, Status};

pub use archive::{ArchiveError, SkillArchive, ZipLimits};
use artifacts::ArtifactStore;

#[derive(Clone)]
pub struct SkillController {
    store: SharedStore,
    artifacts: ArtifactStore,
    limits: ZipLimits,
    push_locks: push::PushLocks,
}

impl SkillController {
    /// A controller keeping artifacts under `storage_root/skills/`.
    pub fn new(store: SharedStore, storage_root: impl AsRef<Path>) -> Self {
        SkillController {
            store,
            artifacts: ArtifactStore::new(storage_root),
            limits: ZipLimits::default(),
            push_locks: push::PushLocks::default(),
        }
    }

    /// Adds the command and query services to the runtime.
    pub fn register(self, builder: RuntimeBuilder) -> RuntimeBuilder {
        builder
            .add_service(stigmer_grpc::message_limits!(
                SkillCommandControllerServer::new(self.clone())
            ))
            .add_service(stigmer_grpc::message_limits!(
                SkillQueryControllerServer::new(self)
            ))
    }
}

#[tonic::async_trait]
impl SkillCommandController for SkillController {
    async fn push(&self, request: Request<PushSkillRequest>) -> Result<Response<Skill>, Status> {
        self.push(request).await
    }
    async fn delete(&self, request: Request<SkillId>) -> Result<Response<Skill>, Status> {
        self.delete(request).await
    }
}

#[tonic::async_trait]
impl SkillQueryController for SkillController {
    async fn get(&self, request: Request<SkillId>) -> Result<Response<Skill>, Status> {
        self.get(request).await
    }
    async fn get_by_reference(
        &self,
        request: Request<ApiResourceReference>,
    ) -> Result<Response<Skill>, Status> {
        self.get_by_reference(request).await
    }
    async fn get_artifact(
        &self,
        request: Request<GetArtifactRequest>,
    ) -> Result<Response<GetArtifactResponse>, Status> {
        self.get_artifact(request).await
    }
}
