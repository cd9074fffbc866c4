//! `getByReference`: the skill with the slug in the reference's org, at the
//! requested version — empty or `latest` is the current one, a 64-hex value
//! a content hash, anything else a tag (the newest version carrying it).

use async_trait::async_trait;
use stigmer_api::Resource;
use stigmer_api::agentic::skill::v1::Skill;
use stigmer_api::commons::apiresource::ApiResourceReference;
use stigmer_pipeline::steps::{LoadByReference, SharedStore};
use stigmer_pipeline::{ApiError, Pipeline, RequestContext, Step};
use tonic::{Request, Response, Status};

use super::SkillController;
use super::artifacts::is_version_hash;
use crate::domain::standard;

impl SkillController {
    pub(super) async fn get_by_reference(
        &self,
        request: Request<ApiResourceReference>,
    ) -> Result<Response<Skill>, Status> {
        let pipeline = Pipeline::new("skill.get_by_reference")
            .step(LoadByReference::<Skill>::new(self.store.clone()))
            .step(ResolveSkillVersion {
                store: self.store.clone(),
            });
        standard::run_for(pipeline, request).await
    }
}

/// Replaces the current skill with the archived snapshot the reference's
/// version names, unless it names the current version.
struct ResolveSkillVersion {
    store: SharedStore,
}

#[async_trait]
impl Step<ApiResourceReference, Skill> for ResolveSkillVersion {
    fn name(&self) -> &'static str {
        "resolve_skill_version"
    }

    async fn run(
        &self,
        ctx: &mut RequestContext<ApiResourceReference, Skill>,
    ) -> Result<(), ApiError> {
        let version = ctx.input.version.trim();
        if version.is_empty() || version == "latest" {
            return Ok(());
        }
        let current = &ctx.new_state;
        let by_hash = is_version_hash(version);
        let is_current = if by_hash {
            current
                .status
                .as_ref()
                .is_some_and(|s| s.version_hash == version)
        } else {
            current.spec.as_ref().is_some_and(|s| s.tag == version)
        };
        if is_current {
            return Ok(());
        }
        let id = current.id().to_owned();
        let archived = if by_hash {
            self.store
                .get_audit_by_hash(Skill::KIND, &id, version)
                .await?
        } else {
            self.store
                .get_audit_by_tag(Skill::KIND, &id, version)
                .await?
        };
        let archived = archived.ok_or_else(|| {
            ApiError::NotFound(format!(
                "skill version not found: {}:{version}",
                ctx.input.slug
            ))
        })?;
        ctx.new_state =
            <Skill as prost::Message>::decode(archived.data.as_slice()).map_err(|e| {
                ApiError::Internal(format!(
                    "archived skill version {} cannot be decoded: {e}",
                    archived.audit_id
                ))
            })?;
        Ok(())
    }
}
