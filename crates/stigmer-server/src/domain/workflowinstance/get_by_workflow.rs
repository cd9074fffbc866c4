//! `getByWorkflow`: the instances of one workflow, from the parent index,
//! paginated (`page_info.num` is the 1-based page; the next page's cursor
//! also comes back in the `x-next-page-token` header).

use stigmer_api::ApiResourceKind;
use stigmer_api::agentic::workflowinstance::v1::{
    GetWorkflowInstancesByWorkflowRequest, WorkflowInstance, WorkflowInstanceList,
};
use stigmer_pipeline::steps::{ListRequest, list_page};
use stigmer_store::ParentRef;
use tonic::metadata::MetadataValue;
use tonic::{Request, Response, Status};

use super::WorkflowInstanceController;

impl WorkflowInstanceController {
    pub(super) async fn get_by_workflow(
        &self,
        request: Request<GetWorkflowInstancesByWorkflowRequest>,
    ) -> Result<Response<WorkflowInstanceList>, Status> {
        let request = request.into_inner();
        if request.workflow_id.is_empty() {
            return Err(Status::invalid_argument("workflow_id is required"));
        }
        let page = request.page_info.unwrap_or_default();
        let listed = list_page::<WorkflowInstance>(
            &self.store,
            &ListRequest {
                parent: Some(ParentRef::new(
                    ApiResourceKind::Workflow,
                    request.workflow_id,
                )),
                page_size: page.size,
                page_token: if page.num > 0 {
                    page.num.to_string()
                } else {
                    String::new()
                },
                ..Default::default()
            },
        )
        .await?;
        let mut response = Response::new(WorkflowInstanceList {
            total_pages: i32::try_from(listed.total_pages).unwrap_or(i32::MAX),
            entries: listed.entries,
        });
        if let Some(token) = listed.next_page_token
            && let Ok(value) = MetadataValue::try_from(token.as_str())
        {
            response.metadata_mut().insert("x-next-page-token", value);
        }
        Ok(response)
    }
}
