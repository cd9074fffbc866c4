//! `list`: every session, paginated from the index (upstream decoded with
//! the wrong decoder and always answered empty). With `tags`, only sessions
//! carrying all of them.

use stigmer_api::Resource;
use stigmer_api::agentic::session::v1::{ListSessionsRequest, Session, SessionList};
use stigmer_pipeline::steps::{ListRequest, list_page};
use tonic::{Request, Response, Status};

use super::SessionController;
use super::paging::{gather_sessions, page_in_memory, session_list};

impl SessionController {
    pub(super) async fn list(
        &self,
        request: Request<ListSessionsRequest>,
    ) -> Result<Response<SessionList>, Status> {
        let request = request.into_inner();
        if request.tags.is_empty() {
            let listed = list_page::<Session>(
                &self.store,
                &ListRequest {
                    page_size: request.page_size,
                    page_token: request.page_token,
                    ..Default::default()
                },
            )
            .await?;
            return Ok(session_list(listed));
        }
        // Tags have no index: gather, filter, then page.
        let tagged: Vec<Session> = gather_sessions(&self.store, None)
            .await?
            .into_iter()
            .filter(|session| {
                let tags = session
                    .metadata()
                    .map(|m| m.tags.as_slice())
                    .unwrap_or_default();
                request.tags.iter().all(|wanted| tags.contains(wanted))
            })
            .collect();
        let listed = page_in_memory(tagged, request.page_size, &request.page_token)?;
        Ok(session_list(listed))
    }
}
