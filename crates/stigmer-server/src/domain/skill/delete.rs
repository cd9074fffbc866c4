//! `delete`: the skill and its whole version history go in one batch; then
//! the artifact files of those versions that no remaining skill (current or
//! archived version) references are removed. Upstream never removed them.

use std::collections::BTreeSet;

use async_trait::async_trait;
use stigmer_api::Resource;
use stigmer_api::agentic::skill::v1::{Skill, SkillId};
use stigmer_pipeline::steps::{SharedStore, decode_record};
use stigmer_pipeline::{ApiError, Pipeline, RequestContext, Step};
use stigmer_store::{ListQuery, WriteBatch};
use tonic::{Request, Response, Status};

use super::SkillController;
use super::artifacts::ArtifactStore;
use crate::domain::standard;

type DeleteContext = RequestContext<SkillId, Skill>;

impl SkillController {
    pub(super) async fn delete(
        &self,
        request: Request<SkillId>,
    ) -> Result<Response<Skill>, Status> {
        let pipeline = Pipeline::new("skill.delete")
            .step(LoadSkillVersions {
                store: self.store.clone(),
            })
            .step(DeleteSkillAndVersions {
                store: self.store.clone(),
            })
            .step(CollectUnreferencedArtifacts {
                store: self.store.clone(),
                artifacts: self.artifacts.clone(),
            });
        standard::run_for(pipeline, request).await
    }
}

/// The hashes of every version of the skill being deleted.
#[derive(Debug, Clone, Default)]
struct VersionHashes(BTreeSet<String>);

/// Loads the skill (the response) and the hashes of all its versions.
struct LoadSkillVersions {
    store: SharedStore,
}

#[async_trait]
impl Step<SkillId, Skill> for LoadSkillVersions {
    fn name(&self) -> &'static str {
        "load_skill_versions"
    }

    async fn run(&self, ctx: &mut DeleteContext) -> Result<(), ApiError> {
        let id = ctx.input.value.clone();
        if id.is_empty() {
            return Err(ApiError::InvalidArgument("resource id is required".into()));
        }
        let record = self
            .store
            .get(Skill::KIND, &id)
            .await?
            .ok_or_else(|| ApiError::NotFound(format!("Skill not found: {id}")))?;
        ctx.new_state = decode_record(&record)?;
        let mut hashes: BTreeSet<String> = self
            .store
            .list_audit_history(Skill::KIND, &id)
            .await?
            .into_iter()
            .map(|audit| audit.version_hash)
            .collect();
        if let Some(status) = &ctx.new_state.status {
            hashes.insert(status.version_hash.clone());
        }
        hashes.retain(|hash| !hash.is_empty());
        ctx.put(VersionHashes(hashes));
        Ok(())
    }
}

/// Removes the skill and its audit rows together.
struct DeleteSkillAndVersions {
    store: SharedStore,
}

#[async_trait]
impl Step<SkillId, Skill> for DeleteSkillAndVersions {
    fn name(&self) -> &'static str {
        "delete_skill_and_versions"
    }

    async fn run(&self, ctx: &mut DeleteContext) -> Result<(), ApiError> {
        let id = ctx.new_state.id().to_owned();
        let mut batch = WriteBatch::new();
        batch
            .delete(Skill::KIND, &id)
            .delete_audit(Skill::KIND, &id);
        self.store.write(batch).await?;
        Ok(())
    }
}

/// Removes the files of the deleted versions nobody references any more.
/// The skill is already gone, so a failure here is logged, not returned: a
/// leftover file wastes space but breaks nothing.
struct CollectUnreferencedArtifacts {
    store: SharedStore,
    artifacts: ArtifactStore,
}

#[async_trait]
impl Step<SkillId, Skill> for CollectUnreferencedArtifacts {
    fn name(&self) -> &'static str {
        "collect_unreferenced_artifacts"
    }

    async fn run(&self, ctx: &mut DeleteContext) -> Result<(), ApiError> {
        let candidates = ctx.take::<VersionHashes>().unwrap_or_default().0;
        if candidates.is_empty() {
            return Ok(());
        }
        let _collecting = self.artifacts.collecting().await;
        let unreferenced = match unreferenced(&self.store, candidates).await {
            Ok(hashes) => hashes,
            Err(error) => {
                tracing::warn!(%error, "skill artifacts not collected: references unknown");
                return Ok(());
            }
        };
        for hash in unreferenced {
            match self.artifacts.remove(&hash).await {
                Ok(_) => {
                    tracing::info!(version_hash = %hash, "removed unreferenced skill artifact")
                }
                Err(error) => {
                    tracing::warn!(version_hash = %hash, %error, "skill artifact not removed")
                }
            }
        }
        Ok(())
    }
}

/// The candidates no remaining skill references, as its current version or
/// in its version history. Walks the skills by index in pages (one hash
/// lookup per skill and remaining candidate, each an index seek); skills are
/// few compared to other kinds and deletes are rare.
async fn unreferenced(
    store: &SharedStore,
    mut candidates: BTreeSet<String>,
) -> Result<BTreeSet<String>, ApiError> {
    let mut query = ListQuery::new(Skill::KIND).page_size(500);
    loop {
        let page = store.list(&query).await?;
        for record in &page.records {
            let skill: Skill = decode_record(record)?;
            if let Some(status) = &skill.status {
                candidates.remove(&status.version_hash);
            }
            let mut referenced = Vec::new();
            for hash in &candidates {
                if store
                    .get_audit_by_hash(Skill::KIND, &record.id, hash)
                    .await?
                    .is_some()
                {
                    referenced.push(hash.clone());
                }
            }
            for hash in referenced {
                candidates.remove(&hash);
            }
            if candidates.is_empty() {
                return Ok(candidates);
            }
        }
        match page.next_cursor {
            Some(cursor) => query = query.after(cursor),
            None => return Ok(candidates),
        }
    }
}
