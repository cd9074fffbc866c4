use async_trait::async_trait;

use super::SharedStore;
use crate::index::Indexed;
use crate::store_error::kind_label;
use crate::{ApiError, RequestContext, Step};

/// Fails with ALREADY_EXISTS when the slug (per kind and org) or a
/// client-chosen id is taken — before any nested create runs. The store's
/// unique keys enforce the same at commit time, against races.
pub struct CheckDuplicate {
    store: SharedStore,
}

impl CheckDuplicate {
    pub fn new(store: SharedStore) -> Self {
        CheckDuplicate { store }
    }
}

#[async_trait]
impl<I: Send + Sync, R: Indexed> Step<I, R> for CheckDuplicate {
    fn name(&self) -> &'static str {
        "check_duplicate"
    }

    async fn run(&self, ctx: &mut RequestContext<I, R>) -> Result<(), ApiError> {
        let state = &ctx.new_state;
        if R::UNIQUE_SLUG
            && !state.slug().is_empty()
            && let Some(found) = self
                .store
                .get_by_slug(R::KIND, state.org(), state.slug())
                .await?
        {
            return Err(ApiError::AlreadyExists(format!(
                "{} with slug '{}' already exists (id: {})",
                kind_label(R::KIND),
                state.slug(),
                found.id
            )));
        }
        if !state.id().is_empty() && self.store.exists(R::KIND, state.id()).await? {
            return Err(ApiError::AlreadyExists(format!(
                "{} with id '{}' already exists",
                kind_label(R::KIND),
                state.id()
            )));
        }
        Ok(())
    }
}
