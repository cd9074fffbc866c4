//! `listByAgent`: the sessions of one agent instance (upstream compares the
//! request's `agent_id` with the session's instance id), or — when
//! `agent_id` is an agent's id (`agt-…`) — of every instance of that agent,
//! found through the index.

use stigmer_api::agentic::session::v1::{ListSessionsByAgentRequest, Session, SessionList};
use stigmer_api::{ApiResourceKind, KindRegistry};
use stigmer_pipeline::steps::{ListRequest, list_page};
use stigmer_store::ParentRef;
use tonic::{Request, Response, Status};

use super::SessionController;
use super::paging::{child_ids, gather_sessions, page_in_memory, session_list};

impl SessionController {
    pub(super) async fn list_by_agent(
        &self,
        request: Request<ListSessionsByAgentRequest>,
    ) -> Result<Response<SessionList>, Status> {
        let request = request.into_inner();
        if request.agent_id.is_empty() {
            return Err(Status::invalid_argument("agent_id is required"));
        }
        let names_agent = KindRegistry::global()
            .kind_of_id(&request.agent_id)
            .is_some_and(|info| info.kind == ApiResourceKind::Agent);
        if !names_agent {
            let listed = list_page::<Session>(
                &self.store,
                &ListRequest {
                    parent: Some(ParentRef::new(
                        ApiResourceKind::AgentInstance,
                        request.agent_id,
                    )),
                    page_size: request.page_size,
                    page_token: request.page_token,
                    ..Default::default()
                },
            )
            .await?;
            return Ok(session_list(listed));
        }
        let instance_ids = child_ids(
            &self.store,
            ApiResourceKind::AgentInstance,
            ParentRef::new(ApiResourceKind::Agent, request.agent_id),
        )
        .await?;
        let mut sessions: Vec<Session> = Vec::new();
        for instance_id in instance_ids {
            let parent = ParentRef::new(ApiResourceKind::AgentInstance, instance_id);
            sessions.extend(gather_sessions(&self.store, Some(parent)).await?);
        }
        let listed = page_in_memory(sessions, request.page_size, &request.page_token)?;
        Ok(session_list(listed))
    }
}
