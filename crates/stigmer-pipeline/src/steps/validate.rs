use std::marker::PhantomData;

use async_trait::async_trait;
use stigmer_api::Resource;

use crate::{ApiError, RequestContext, Step};

/// Runs protovalidate on the new state — for states the server built or
/// changed itself (requests are already validated by the RPC layer).
pub struct ValidateState<R>(PhantomData<fn() -> R>);

impl<R> ValidateState<R> {
    pub fn new() -> Self {
        ValidateState(PhantomData)
    }
}

impl<R> Default for ValidateState<R> {
    fn default() -> Self {
        Self::new()
    }
}

#[async_trait]
impl<I: Send + Sync, R: Resource> Step<I, R> for ValidateState<R> {
    fn name(&self) -> &'static str {
        "validate_state"
    }

    async fn run(&self, ctx: &mut RequestContext<I, R>) -> Result<(), ApiError> {
        stigmer_api::validation::validate(&ctx.new_state)
            .map_err(|e| ApiError::InvalidArgument(e.to_string()))
    }
}
