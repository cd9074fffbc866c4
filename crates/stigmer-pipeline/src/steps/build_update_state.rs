use std::marker::PhantomData;
use std::time::SystemTime;

use async_trait::async_trait;
use stigmer_api::Resource;

use super::{Existing, stamp_updated};
use crate::{ApiError, RequestContext, Step};

/// The updated resource: the request's spec and mutable metadata over the
/// stored one, whose id, slug, org and owner scope stay (they are
/// immutable) and whose status stays (it is server-owned).
pub struct BuildUpdateState<R>(PhantomData<fn() -> R>);

impl<R> BuildUpdateState<R> {
    pub fn new() -> Self {
        BuildUpdateState(PhantomData)
    }
}

impl<R> Default for BuildUpdateState<R> {
    fn default() -> Self {
        Self::new()
    }
}

#[async_trait]
impl<R: Resource> Step<R, R> for BuildUpdateState<R> {
    fn name(&self) -> &'static str {
        "build_update_state"
    }

    async fn run(&self, ctx: &mut RequestContext<R, R>) -> Result<(), ApiError> {
        let existing = &ctx.require::<Existing<R>>()?.resource;
        let mut merged = ctx.input.clone();
        let (id, slug, org, scope, envelope) = {
            let old = existing.metadata().cloned().unwrap_or_default();
            (old.id, old.slug, old.org, old.owner_scope, existing.clone())
        };
        let metadata = merged.metadata_mut();
        metadata.id = id;
        metadata.slug = slug;
        metadata.org = org;
        metadata.owner_scope = scope;
        merged.copy_status_from(&envelope);
        let previous = envelope.audit().cloned();
        stamp_updated(
            merged.audit_mut(),
            previous.as_ref(),
            &ctx.actor,
            SystemTime::now(),
        );
        ctx.new_state = merged;
        Ok(())
    }
}
