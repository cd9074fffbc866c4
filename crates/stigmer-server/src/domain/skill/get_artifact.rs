//! `getArtifact`: the ZIP bytes under a storage key. Only keys of the form
//! `skills/<sha256 hex>.zip` are accepted (INVALID_ARGUMENT otherwise), so a
//! key can never reach a file outside the storage directory.

use async_trait::async_trait;
use stigmer_api::agentic::skill::v1::{GetArtifactRequest, GetArtifactResponse};
use stigmer_pipeline::{ApiError, Pipeline, RequestContext, Step};
use tonic::{Request, Response, Status};

use super::SkillController;
use super::artifacts::{ArtifactError, ArtifactStore};
use crate::domain::{actor_of, respond};

impl SkillController {
    pub(super) async fn get_artifact(
        &self,
        request: Request<GetArtifactRequest>,
    ) -> Result<Response<GetArtifactResponse>, Status> {
        let pipeline = Pipeline::new("skill.get_artifact").step(LoadArtifact {
            artifacts: self.artifacts.clone(),
        });
        let actor = actor_of(&request);
        let mut ctx =
            RequestContext::with_state(request.into_inner(), GetArtifactResponse::default(), actor);
        let outcome = pipeline.run(&mut ctx).await;
        respond(outcome, ctx.new_state)
    }
}

struct LoadArtifact {
    artifacts: ArtifactStore,
}

#[async_trait]
impl Step<GetArtifactRequest, GetArtifactResponse> for LoadArtifact {
    fn name(&self) -> &'static str {
        "load_artifact"
    }

    async fn run(
        &self,
        ctx: &mut RequestContext<GetArtifactRequest, GetArtifactResponse>,
    ) -> Result<(), ApiError> {
        let key = ctx.input.artifact_storage_key.as_str();
        if key.is_empty() {
            return Err(ApiError::InvalidArgument(
                "artifact_storage_key is required".into(),
            ));
        }
        ctx.new_state.artifact = self.artifacts.read(key).await.map_err(|e| match e {
            ArtifactError::InvalidKey(_) => ApiError::InvalidArgument(e.to_string()),
            ArtifactError::NotFound(_) => ApiError::NotFound(e.to_string()),
            other => ApiError::Internal(format!("failed to load skill artifact: {other}")),
        })?;
        Ok(())
    }
}
