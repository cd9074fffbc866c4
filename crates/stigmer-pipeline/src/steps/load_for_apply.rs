use async_trait::async_trait;
use stigmer_api::Resource;

use super::SharedStore;
use crate::{ApiError, RequestContext, Step};

/// Whether an apply creates (nothing with this slug in the org yet) or
/// updates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShouldCreate(pub bool);

/// Decides create-or-update for `apply` by slug; runs after ResolveSlug.
pub struct LoadForApply {
    store: SharedStore,
}

impl LoadForApply {
    pub fn new(store: SharedStore) -> Self {
        LoadForApply { store }
    }
}

#[async_trait]
impl<R: Resource> Step<R, R> for LoadForApply {
    fn name(&self) -> &'static str {
        "load_for_apply"
    }

    async fn run(&self, ctx: &mut RequestContext<R, R>) -> Result<(), ApiError> {
        let state = &ctx.new_state;
        let found = if state.slug().is_empty() {
            None
        } else {
            self.store
                .get_by_slug(R::KIND, state.org(), state.slug())
                .await?
        };
        ctx.put(ShouldCreate(found.is_none()));
        Ok(())
    }
}
