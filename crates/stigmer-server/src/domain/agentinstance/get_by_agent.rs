//! `getByAgent`: the instances of one agent, from the parent index (upstream
//! decoded with the wrong decoder and always answered empty).

use stigmer_api::ApiResourceKind;
use stigmer_api::agentic::agentinstance::v1::{
    AgentInstance, AgentInstanceList, GetAgentInstancesByAgentRequest,
};
use stigmer_pipeline::steps::{ListRequest, list_page};
use stigmer_store::ParentRef;
use tonic::{Request, Response, Status};

use super::AgentInstanceController;

impl AgentInstanceController {
    pub(super) async fn get_by_agent(
        &self,
        request: Request<GetAgentInstancesByAgentRequest>,
    ) -> Result<Response<AgentInstanceList>, Status> {
        let request = request.into_inner();
        if request.agent_id.is_empty() {
            return Err(Status::invalid_argument("agent_id is required"));
        }
        let page = request.page_info.unwrap_or_default();
        let listed = list_page::<AgentInstance>(
            &self.store,
            &ListRequest {
                parent: Some(ParentRef::new(ApiResourceKind::Agent, request.agent_id)),
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
        Ok(Response::new(AgentInstanceList {
            total_count: i32::try_from(listed.total).unwrap_or(i32::MAX),
            items: listed.entries,
        }))
    }
}
