use std::marker::PhantomData;

use async_trait::async_trait;
use stigmer_api::Resource;

use super::load::not_found;
use super::{SharedStore, decode_record};
use crate::inputs::IdInput;
use crate::{ApiError, RequestContext, Step};

/// Deletes the resource an id request names; the deleted resource becomes
/// the response.
pub struct DeleteResource<R> {
    store: SharedStore,
    kind: PhantomData<fn() -> R>,
}

impl<R> DeleteResource<R> {
    pub fn new(store: SharedStore) -> Self {
        DeleteResource {
            store,
            kind: PhantomData,
        }
    }
}

#[async_trait]
impl<I: IdInput, R: Resource> Step<I, R> for DeleteResource<R> {
    fn name(&self) -> &'static str {
        "delete_resource"
    }

    async fn run(&self, ctx: &mut RequestContext<I, R>) -> Result<(), ApiError> {
        let id = ctx.input.resource_id().to_owned();
        if id.is_empty() {
            return Err(ApiError::InvalidArgument("resource id is required".into()));
        }
        let record = self
            .store
            .get(R::KIND, &id)
            .await?
            .ok_or_else(|| not_found::<R>(&id))?;
        ctx.new_state = decode_record(&record)?;
        if !self.store.delete(R::KIND, &id).await? {
            return Err(not_found::<R>(&id));
        }
        Ok(())
    }
}
