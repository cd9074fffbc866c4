//! `apply` creates, never updates: execution contexts are immutable once
//! made, so an existing one is ALREADY_EXISTS (as upstream).

use stigmer_api::Resource;
use stigmer_api::agentic::executioncontext::v1::ExecutionContext;
use tonic::{Request, Response, Status};

use super::ExecutionContextController;
use crate::domain::standard;

impl ExecutionContextController {
    pub(super) async fn apply(
        &self,
        request: Request<ExecutionContext>,
    ) -> Result<Response<ExecutionContext>, Status> {
        if standard::apply_creates(&self.store, "execution_context.apply", &request).await? {
            self.create(request).await
        } else {
            let name = request.get_ref().metadata().map_or("", |m| m.name.as_str());
            Err(Status::already_exists(format!(
                "ExecutionContext already exists: {name}"
            )))
        }
    }
}
