use std::marker::PhantomData;
use std::time::SystemTime;

use async_trait::async_trait;
use stigmer_api::{KindRegistry, Resource};

use super::stamp_created;
use crate::ids::new_id;
use crate::{ApiError, RequestContext, Step};

/// Prepares a resource for creation: the client's status is dropped (it is
/// server-owned), an id is assigned unless the client chose one, the
/// envelope is completed and the audit stamped with the caller.
pub struct BuildNewState<R>(PhantomData<fn() -> R>);

impl<R> BuildNewState<R> {
    pub fn new() -> Self {
        BuildNewState(PhantomData)
    }
}

impl<R> Default for BuildNewState<R> {
    fn default() -> Self {
        Self::new()
    }
}

#[async_trait]
impl<I: Send + Sync, R: Resource> Step<I, R> for BuildNewState<R> {
    fn name(&self) -> &'static str {
        "build_new_state"
    }

    async fn run(&self, ctx: &mut RequestContext<I, R>) -> Result<(), ApiError> {
        let state = &mut ctx.new_state;
        state.clear_status();
        if state.id().is_empty() {
            state.metadata_mut().id = new_id(R::KIND)?;
        }
        if let Some(info) = KindRegistry::global().get(R::KIND) {
            state.set_envelope(&info.api_version, &info.name);
        }
        stamp_created(state.audit_mut(), &ctx.actor, SystemTime::now());
        Ok(())
    }
}
