//! `push`: a ZIP becomes a new version of the skill named in the request.
//! The first push of a name (per org) creates the skill; later pushes update
//! the same id and keep its creation audit (upstream lost `created_at`).
//! Every version, the current one included, is archived in the audit table
//! under its hash and tag, in the same batch as the skill itself.

use std::collections::HashMap;
use std::sync::{Arc, Weak};
use std::time::SystemTime;

use async_trait::async_trait;
use stigmer_api::agentic::skill::v1::{
    PushSkillRequest, Skill, SkillSpec, SkillState, SkillStatus,
};
use stigmer_api::commons::apiresource::ApiResourceMetadata;
use stigmer_api::{KindRegistry, Resource};
use stigmer_pipeline::index::record_of;
use stigmer_pipeline::slug::slugify;
use stigmer_pipeline::steps::{
    Existing, SharedStore, ValidateState, decode_record, stamp_created, stamp_updated,
};
use stigmer_pipeline::{ApiError, Pipeline, RequestContext, Step, ids};
use stigmer_store::{NewAudit, PutMode, WriteBatch};
use tonic::{Request, Response, Status};

use super::SkillController;
use super::archive::{ZipLimits, inspect};
use super::artifacts::ArtifactStore;
use crate::domain::{actor_of, respond};

type PushContext = RequestContext<PushSkillRequest, Skill>;

impl SkillController {
    fn push_pipeline(&self) -> Pipeline<PushSkillRequest, Skill> {
        Pipeline::new("skill.push")
            .step(BuildInitialSkill)
            .step(ResolveSkillSlug)
            .step(InspectArtifact {
                limits: self.limits,
            })
            .step(ValidateState::<Skill>::new())
            .step(FindExistingSkill {
                store: self.store.clone(),
            })
            .step(StoreArtifact {
                artifacts: self.artifacts.clone(),
            })
            .step(SaveSkillVersion {
                store: self.store.clone(),
            })
    }

    pub(super) async fn push(
        &self,
        request: Request<PushSkillRequest>,
    ) -> Result<Response<Skill>, Status> {
        // Shared with other pushes, exclusive against artifact collection.
        let _pushing = self.artifacts.pushing().await;
        let pipeline = self.push_pipeline();
        let actor = actor_of(&request);
        let mut input = request.into_inner();
        // Pushes of one skill take turns in this process; the retries
        // below cover other server replicas.
        let _same_skill = self
            .push_locks
            .lock(&input.org, &slugify(&input.name))
            .await;
        let mut attempt = 1;
        loop {
            let mut ctx = RequestContext::with_state(input, Skill::default(), actor.clone());
            let outcome = pipeline.run(&mut ctx).await;
            // A concurrent push of the same name won the race (it created
            // the skill, or wrote a version in between): push again on top.
            let lost_race = outcome.as_ref().is_err_and(|e| {
                matches!(e.error, ApiError::AlreadyExists(_) | ApiError::Aborted(_))
                    && e.step == SAVE_STEP
            });
            if !lost_race || attempt == PUSH_ATTEMPTS {
                return respond(outcome, ctx.new_state);
            }
            attempt += 1;
            let bytes = ctx.take::<ArtifactBytes>();
            input = ctx.input;
            if let Some(ArtifactBytes(bytes)) = bytes {
                input.artifact = Arc::try_unwrap(bytes).unwrap_or_else(|shared| (*shared).clone());
            }
        }
    }
}

/// How often a push that lost a race with a concurrent push of the same
/// skill is tried in all.
const PUSH_ATTEMPTS: u32 = 3;
const SAVE_STEP: &str = "save_skill_version";

/// The skill as the request describes it (scope, org, name, tag).
struct BuildInitialSkill;

#[async_trait]
impl Step<PushSkillRequest, Skill> for BuildInitialSkill {
    fn name(&self) -> &'static str {
        "build_initial_skill"
    }

    async fn run(&self, ctx: &mut PushContext) -> Result<(), ApiError> {
        let request = &ctx.input;
        let mut skill = Skill {
            metadata: Some(ApiResourceMetadata {
                name: request.name.clone(),
                owner_scope: request.scope,
                org: request.org.clone(),
                ..Default::default()
            }),
            spec: Some(SkillSpec {
                tag: request.tag.clone(),
                ..Default::default()
            }),
            status: Some(SkillStatus {
                state: SkillState::Ready as i32,
                ..Default::default()
            }),
            ..Default::default()
        };
        if let Some(info) = KindRegistry::global().get(Skill::KIND) {
            skill.set_envelope(&info.api_version, &info.name);
        }
        ctx.new_state = skill;
        Ok(())
    }
}

/// The slug always comes from the name; a name without any slug character
/// cannot name a skill.
struct ResolveSkillSlug;

#[async_trait]
impl Step<PushSkillRequest, Skill> for ResolveSkillSlug {
    fn name(&self) -> &'static str {
        "resolve_skill_slug"
    }

    async fn run(&self, ctx: &mut PushContext) -> Result<(), ApiError> {
        let slug = slugify(&ctx.input.name);
        if slug.is_empty() {
            return Err(ApiError::InvalidArgument(format!(
                "invalid skill name: {}",
                ctx.input.name
            )));
        }
        ctx.new_state.metadata_mut().slug = slug;
        Ok(())
    }
}

/// The ZIP bytes, moved out of the request once and shared from then on.
#[derive(Clone)]
struct ArtifactBytes(Arc<Vec<u8>>);

/// Applies the ZIP rules, hashes the archive and fills `skill_md`,
/// `version_hash` and the storage key.
struct InspectArtifact {
    limits: ZipLimits,
}

#[async_trait]
impl Step<PushSkillRequest, Skill> for InspectArtifact {
    fn name(&self) -> &'static str {
        "inspect_artifact"
    }

    async fn run(&self, ctx: &mut PushContext) -> Result<(), ApiError> {
        let bytes = Arc::new(std::mem::take(&mut ctx.input.artifact));
        let limits = self.limits;
        let shared = bytes.clone();
        let archive = tokio::task::spawn_blocking(move || inspect(&shared, &limits))
            .await
            .map_err(|e| ApiError::Internal(format!("artifact inspection failed: {e}")))?
            .map_err(|e| ApiError::InvalidArgument(format!("failed to extract SKILL.md: {e}")))?;
        ctx.put(ArtifactBytes(bytes));
        ctx.new_state
            .spec
            .get_or_insert_with(Default::default)
            .skill_md = archive.skill_md;
        let status = ctx.new_state.status.get_or_insert_with(Default::default);
        status.artifact_storage_key = super::artifacts::key_of(&archive.version_hash);
        status.version_hash = archive.version_hash;
        Ok(())
    }
}

/// The skill with this slug in the request's org, if any: its id, owner
/// scope and creation audit are kept (owner scope is immutable, as on
/// update); otherwise a new id and a fresh audit.
struct FindExistingSkill {
    store: SharedStore,
}

#[async_trait]
impl Step<PushSkillRequest, Skill> for FindExistingSkill {
    fn name(&self) -> &'static str {
        "find_existing_skill"
    }

    async fn run(&self, ctx: &mut PushContext) -> Result<(), ApiError> {
        let (org, slug) = (
            ctx.new_state.org().to_owned(),
            ctx.new_state.slug().to_owned(),
        );
        let now = SystemTime::now();
        match self.store.get_by_slug(Skill::KIND, &org, &slug).await? {
            Some(record) => {
                let existing: Skill = decode_record(&record)?;
                let metadata = ctx.new_state.metadata_mut();
                metadata.id = record.id.clone();
                if let Some(old) = existing.metadata() {
                    metadata.owner_scope = old.owner_scope;
                }
                stamp_updated(ctx.new_state.audit_mut(), existing.audit(), &ctx.actor, now);
                ctx.put(Existing {
                    resource: existing,
                    revision: record.revision,
                });
            }
            None => {
                ctx.new_state.metadata_mut().id = ids::new_id(Skill::KIND)?;
                stamp_created(ctx.new_state.audit_mut(), &ctx.actor, now);
            }
        }
        Ok(())
    }
}

/// Writes the artifact file unless a file with the same hash exists.
struct StoreArtifact {
    artifacts: ArtifactStore,
}

#[async_trait]
impl Step<PushSkillRequest, Skill> for StoreArtifact {
    fn name(&self) -> &'static str {
        "store_artifact"
    }

    async fn run(&self, ctx: &mut PushContext) -> Result<(), ApiError> {
        let bytes = ctx.require::<ArtifactBytes>()?.0.clone();
        let hash = ctx
            .new_state
            .status
            .as_ref()
            .map(|s| s.version_hash.clone())
            .unwrap_or_default();
        self.artifacts
            .store(&hash, bytes)
            .await
            .map_err(|e| ApiError::Internal(format!("failed to store skill artifact: {e}")))?;
        Ok(())
    }
}

/// The skill and its version snapshot, in one batch: a version is archived
/// exactly when the skill points at it.
struct SaveSkillVersion {
    store: SharedStore,
}

#[async_trait]
impl Step<PushSkillRequest, Skill> for SaveSkillVersion {
    fn name(&self) -> &'static str {
        SAVE_STEP
    }

    async fn run(&self, ctx: &mut PushContext) -> Result<(), ApiError> {
        let skill = &ctx.new_state;
        let mode = match ctx.get::<Existing<Skill>>() {
            Some(existing) => PutMode::IfRevision(existing.revision),
            None => PutMode::CreateOnly,
        };
        let (version_hash, tag) = (
            skill
                .status
                .as_ref()
                .map(|s| s.version_hash.clone())
                .unwrap_or_default(),
            skill
                .spec
                .as_ref()
                .map(|s| s.tag.clone())
                .unwrap_or_default(),
        );
        let mut batch = WriteBatch::new();
        batch.put(record_of(skill), mode);
        batch.save_audit(NewAudit {
            kind: Skill::KIND,
            resource_id: skill.id().to_owned(),
            data: prost::Message::encode_to_vec(skill),
            version_hash,
            tag,
        });
        self.store.write(batch).await?;
        Ok(())
    }
}

/// One lock per (org, slug), so concurrent pushes of the same skill in this
/// process run one after the other instead of failing on each other's
/// writes. Entries of skills nobody is pushing are dropped as new ones come.
#[derive(Debug, Clone, Default)]
pub(super) struct PushLocks {
    locks: Arc<std::sync::Mutex<HashMap<SkillKey, Weak<tokio::sync::Mutex<()>>>>>,
}

/// (org, slug): what names one skill.
type SkillKey = (String, String);

impl PushLocks {
    async fn lock(&self, org: &str, slug: &str) -> tokio::sync::OwnedMutexGuard<()> {
        let lock = {
            let mut locks = self
                .locks
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            locks.retain(|_, lock| lock.strong_count() > 0);
            let key = (org.to_owned(), slug.to_owned());
            match locks.get(&key).and_then(Weak::upgrade) {
                Some(lock) => lock,
                None => {
                    let lock = Arc::new(tokio::sync::Mutex::new(()));
                    locks.insert(key, Arc::downgrade(&lock));
                    lock
                }
            }
        };
        lock.lock_owned().await
    }
}
