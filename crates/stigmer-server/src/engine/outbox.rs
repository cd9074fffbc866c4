//! The outbox step of both execution creates: the new execution and the
//! job that runs it are committed in one store batch, so an execution is
//! never stored without its work nor work queued for a missing execution.

use std::marker::PhantomData;
use std::sync::Arc;

use async_trait::async_trait;
use stigmer_pipeline::index::{Indexed, record_of};
use stigmer_pipeline::steps::SharedStore;
use stigmer_pipeline::{ApiError, RequestContext, Step};
use stigmer_store::WriteBatch;

use super::ExecutionEngine;

pub struct PersistWithDispatch<R> {
    store: SharedStore,
    engine: Arc<dyn ExecutionEngine>,
    kind: PhantomData<fn() -> R>,
}

impl<R> PersistWithDispatch<R> {
    pub fn new(store: SharedStore, engine: Arc<dyn ExecutionEngine>) -> Self {
        PersistWithDispatch {
            store,
            engine,
            kind: PhantomData,
        }
    }
}

#[async_trait]
impl<R: Indexed> Step<R, R> for PersistWithDispatch<R> {
    fn name(&self) -> &'static str {
        "persist_with_dispatch"
    }

    async fn run(&self, ctx: &mut RequestContext<R, R>) -> Result<(), ApiError> {
        let mut batch = WriteBatch::new();
        batch.create(record_of(&ctx.new_state));
        batch.enqueue_job(self.engine.dispatch_job(R::KIND, ctx.new_state.id()));
        self.store.write(batch).await?;
        Ok(())
    }
}
