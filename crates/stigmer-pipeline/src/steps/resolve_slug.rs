use std::marker::PhantomData;

use async_trait::async_trait;
use stigmer_api::Resource;

use crate::slug::slugify;
use crate::store_error::kind_label;
use crate::{ApiError, RequestContext, Step};

/// Derives `metadata.slug` from `metadata.name` when the client sent none.
/// A client-supplied slug is kept as sent (upstream behaviour).
pub struct ResolveSlug<R>(PhantomData<fn() -> R>);

impl<R> ResolveSlug<R> {
    pub fn new() -> Self {
        ResolveSlug(PhantomData)
    }
}

impl<R> Default for ResolveSlug<R> {
    fn default() -> Self {
        Self::new()
    }
}

#[async_trait]
impl<I: Send + Sync, R: Resource> Step<I, R> for ResolveSlug<R> {
    fn name(&self) -> &'static str {
        "resolve_slug"
    }

    async fn run(&self, ctx: &mut RequestContext<I, R>) -> Result<(), ApiError> {
        let metadata = ctx.new_state.metadata_mut();
        if !metadata.slug.is_empty() {
            return Ok(());
        }
        if metadata.name.trim().is_empty() {
            return Err(ApiError::InvalidArgument(format!(
                "metadata.name is required: the {} slug is derived from it",
                kind_label(R::KIND)
            )));
        }
        let slug = slugify(&metadata.name);
        if slug.is_empty() {
            return Err(ApiError::InvalidArgument(format!(
                "metadata.name {:?} has no letters or digits to derive a slug from; rename it or set metadata.slug",
                metadata.name
            )));
        }
        metadata.slug = slug;
        Ok(())
    }
}
