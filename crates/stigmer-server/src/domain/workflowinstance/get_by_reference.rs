use stigmer_api::agentic::workflowinstance::v1::WorkflowInstance;
use stigmer_api::commons::apiresource::ApiResourceReference;
use tonic::{Request, Response, Status};

use super::WorkflowInstanceController;
use crate::domain::standard;

impl WorkflowInstanceController {
    pub(super) async fn get_by_reference(
        &self,
        request: Request<ApiResourceReference>,
    ) -> Result<Response<WorkflowInstance>, Status> {
        standard::get_by_reference(&self.store, "workflow_instance.get_by_reference", request).await
    }
}
