use async_trait::async_trait;
use stigmer_store::PutMode;

use super::{Existing, SharedStore};
use crate::index::{Indexed, record_of};
use crate::{ApiError, RequestContext, Step};

/// Writes the new state. A create never overwrites (an existing id or slug
/// → ALREADY_EXISTS); an update writes only over the revision it read
/// (someone wrote in between → ABORTED), so no update is silently lost.
pub struct Persist {
    store: SharedStore,
}

impl Persist {
    pub fn new(store: SharedStore) -> Self {
        Persist { store }
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
        self.store.put(record_of(&ctx.new_state), mode).await?;
        Ok(())
    }
}
