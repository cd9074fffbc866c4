use async_trait::async_trait;
use stigmer_store::PutMode;

use super::{Existing, SharedStore};
use crate::index::{Indexed, record_of};
use crate::{ApiError, RequestContext, Step};

/// Writes the new state. A create never overwrites (an existing id or slug
/// → ALREADY_EXISTS); an update writes only over the revision it read
/// (someone wrote in between → ABORTED), so no update is silently lost.
/// Afterwards the written state and revision are the [`Existing`] one, so a
/// later Persist in the same pipeline updates what this one wrote.
pub struct Persist {
    store: SharedStore,
    undo_create: bool,
}

impl Persist {
    pub fn new(store: SharedStore) -> Self {
        Persist {
            store,
            undo_create: false,
        }
    }

    /// Deletes a record this step created if a later step fails — for
    /// pipelines that persist before a nested call.
    #[must_use]
    pub fn undo_on_failure(mut self) -> Self {
        self.undo_create = true;
        self
    }
}

#[async_trait]
impl<I: Send + Sync, R: Indexed> Step<I, R> for Persist {
    fn name(&self) -> &'static str {
        "persist"
    }

    async fn run(&self, ctx: &mut RequestContext<I, R>) -> Result<(), ApiError> {
        if ctx.new_state.id().is_empty() {
            return Err(ApiError::Internal(
                "pipeline wiring: persisting a resource without an id".into(),
            ));
        }
        let mode = match ctx.get::<Existing<R>>() {
            Some(existing) => PutMode::IfRevision(existing.revision),
            None => PutMode::CreateOnly,
        };
        let revision = self
            .store
            .put_with(record_of(&ctx.new_state), mode, ctx.durability)
            .await?;
        if mode == PutMode::CreateOnly && self.undo_create {
            let (store, id) = (self.store.clone(), ctx.new_state.id().to_owned());
            ctx.on_failure("delete_created_record", move || async move {
                store.delete(R::KIND, &id).await?;
                Ok(())
            });
        }
        ctx.put(Existing {
            resource: ctx.new_state.clone(),
            revision,
        });
        Ok(())
    }
}
