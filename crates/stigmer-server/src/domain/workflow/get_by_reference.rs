use stigmer_api::agentic::workflow::v1::Workflow;
use stigmer_api::commons::apiresource::ApiResourceReference;
use tonic::{Request, Response, Status};

use super::WorkflowController;
use crate::domain::standard;

impl WorkflowController {
    pub(super) async fn get_by_reference(
        &self,
        request: Request<ApiResourceReference>,
    ) -> Result<Response<Workflow>, Status> {
        standard::get_by_reference(&self.store, "workflow.get_by_reference", request).await
    }
}
