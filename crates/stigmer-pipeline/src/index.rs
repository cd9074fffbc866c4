//! The index values of each kind — slug, org, parents, phase — extracted
//! from the message before it is stored, so the store never decodes
//! protobuf. The same extraction backfills indexes of databases written by
//! an upstream server.

use stigmer_api::agentic::{
    agent, agentexecution, agentinstance, environment, executioncontext, mcpserver, session, skill,
    workflow, workflowexecution, workflowinstance,
};
use stigmer_api::{ApiResourceKind, Resource};
use stigmer_store::IndexEntry;

/// A resource whose index entry can be computed.
pub trait Indexed: Resource {
    /// Whether slugs of this kind are unique per org. Executions may share
    /// names, so their slugs are not indexed.
    const UNIQUE_SLUG: bool = true;

    /// Slug and org from the metadata, plus the kind's parents and phase.
    fn index_entry(&self) -> IndexEntry {
        let mut entry = IndexEntry::new().org(self.org());
        if Self::UNIQUE_SLUG {
            entry = entry.slug(self.slug());
        }
        self.add_relations(entry)
    }

    /// Adds parents and phase; most kinds have none.
    fn add_relations(&self, entry: IndexEntry) -> IndexEntry {
        entry
    }
}

fn add_parent(entry: IndexEntry, kind: ApiResourceKind, id: &str) -> IndexEntry {
    if id.is_empty() {
        entry
    } else {
        entry.parent(kind, id)
    }
}

impl Indexed for agent::v1::Agent {}
impl Indexed for environment::v1::Environment {}
impl Indexed for executioncontext::v1::ExecutionContext {}
impl Indexed for skill::v1::Skill {}
impl Indexed for workflow::v1::Workflow {}
impl Indexed for mcpserver::v1::McpServer {}

impl Indexed for agentinstance::v1::AgentInstance {
    fn add_relations(&self, entry: IndexEntry) -> IndexEntry {
        let agent_id = self.spec.as_ref().map_or("", |s| s.agent_id.as_str());
        add_parent(entry, ApiResourceKind::Agent, agent_id)
    }
}

impl Indexed for session::v1::Session {
    fn add_relations(&self, entry: IndexEntry) -> IndexEntry {
        let instance_id = self
            .spec
            .as_ref()
            .map_or("", |s| s.agent_instance_id.as_str());
        add_parent(entry, ApiResourceKind::AgentInstance, instance_id)
    }
}

impl Indexed for agentexecution::v1::AgentExecution {
    const UNIQUE_SLUG: bool = false;

    fn add_relations(&self, mut entry: IndexEntry) -> IndexEntry {
        if let Some(spec) = &self.spec {
            entry = add_parent(entry, ApiResourceKind::Session, &spec.session_id);
            entry = add_parent(entry, ApiResourceKind::Agent, &spec.agent_id);
        }
        entry.phase(self.status.as_ref().map_or(0, |s| s.phase))
    }
}

impl Indexed for workflowinstance::v1::WorkflowInstance {
    fn add_relations(&self, entry: IndexEntry) -> IndexEntry {
        let workflow_id = self.spec.as_ref().map_or("", |s| s.workflow_id.as_str());
        add_parent(entry, ApiResourceKind::Workflow, workflow_id)
    }
}

impl Indexed for workflowexecution::v1::WorkflowExecution {
    const UNIQUE_SLUG: bool = false;

    fn add_relations(&self, mut entry: IndexEntry) -> IndexEntry {
        if let Some(spec) = &self.spec {
            entry = add_parent(
                entry,
                ApiResourceKind::WorkflowInstance,
                &spec.workflow_instance_id,
            );
            entry = add_parent(entry, ApiResourceKind::Workflow, &spec.workflow_id);
        }
        entry.phase(self.status.as_ref().map_or(0, |s| s.phase))
    }
}

/// Version of what [`index_stored`] extracts. Bump it whenever an
/// `Indexed` impl starts returning something else: the store re-indexes
/// every record on the next open.
pub const INDEX_VERSION: u32 = 1;

/// Computes the index entry of stored bytes; the store calls it while
/// backfilling rows that have none. Undecodable rows get an empty entry
/// (they stay listed by kind and readable by id).
pub fn index_stored(kind: ApiResourceKind, data: &[u8]) -> IndexEntry {
    fn decode<R: Indexed>(data: &[u8]) -> IndexEntry {
        R::decode(data).map(|r| r.index_entry()).unwrap_or_default()
    }
    match kind {
        ApiResourceKind::Agent => decode::<agent::v1::Agent>(data),
        ApiResourceKind::AgentInstance => decode::<agentinstance::v1::AgentInstance>(data),
        ApiResourceKind::Session => decode::<session::v1::Session>(data),
        ApiResourceKind::AgentExecution => decode::<agentexecution::v1::AgentExecution>(data),
        ApiResourceKind::Environment => decode::<environment::v1::Environment>(data),
        ApiResourceKind::ExecutionContext => decode::<executioncontext::v1::ExecutionContext>(data),
        ApiResourceKind::Skill => decode::<skill::v1::Skill>(data),
        ApiResourceKind::Workflow => decode::<workflow::v1::Workflow>(data),
        ApiResourceKind::WorkflowInstance => decode::<workflowinstance::v1::WorkflowInstance>(data),
        ApiResourceKind::WorkflowExecution => {
            decode::<workflowexecution::v1::WorkflowExecution>(data)
        }
        ApiResourceKind::McpServer => decode::<mcpserver::v1::McpServer>(data),
        _ => IndexEntry::default(),
    }
}

/// The record to store for `resource`: its bytes and index entry.
pub fn record_of<R: Indexed>(resource: &R) -> stigmer_store::NewRecord {
    stigmer_store::NewRecord::new(R::KIND, resource.id(), resource.encode_to_vec())
        .with_index(resource.index_entry())
}

#[cfg(test)]
mod tests {
    use stigmer_api::agentic::agentexecution::v1::{
        AgentExecution, AgentExecutionSpec, AgentExecutionStatus,
    };
    use stigmer_api::commons::apiresource::ApiResourceMetadata;

    use prost::Message;

    use super::*;

    #[test]
    fn execution_index_has_session_agent_and_phase() {
        let execution = AgentExecution {
            metadata: Some(ApiResourceMetadata {
                slug: "run".into(),
                org: "local".into(),
                ..Default::default()
            }),
            spec: Some(AgentExecutionSpec {
                session_id: "ses-1".into(),
                agent_id: "agt-1".into(),
                ..Default::default()
            }),
            status: Some(AgentExecutionStatus {
                phase: 2,
                ..Default::default()
            }),
            ..Default::default()
        };
        let entry = index_stored(ApiResourceKind::AgentExecution, &execution.encode_to_vec());
        assert_eq!(entry.org, "local");
        assert_eq!(
            entry.slug, None,
            "execution names may repeat, so their slugs are not unique keys"
        );
        assert_eq!(entry.phase, Some(2));
        assert!(
            entry
                .parents
                .iter()
                .any(|p| p.kind == ApiResourceKind::Session && p.id == "ses-1")
        );
        assert!(
            entry
                .parents
                .iter()
                .any(|p| p.kind == ApiResourceKind::Agent && p.id == "agt-1")
        );
    }

    #[test]
    fn garbage_bytes_get_an_empty_entry() {
        assert_eq!(
            index_stored(ApiResourceKind::Agent, &[0xff, 0xff, 0xff]),
            IndexEntry::default()
        );
    }
}
