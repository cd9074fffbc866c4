//! One trait over the eleven resource envelopes (`api_version`, `kind`,
//! `metadata`, `spec`, `status` with its audit block), so pipeline steps can
//! be written once for every kind.

use prost_reflect::ReflectMessage;

use crate::ApiResourceKind;
use crate::agentic::{
    agent, agentexecution, agentinstance, environment, executioncontext, mcpserver, session, skill,
    workflow, workflowexecution, workflowinstance,
};
use crate::commons::apiresource::{ApiResourceAudit, ApiResourceAuditStatus, ApiResourceMetadata};

/// A top-level Stigmer resource.
pub trait Resource:
    prost::Message + ReflectMessage + Default + Clone + Send + Sync + 'static
{
    /// The kind every value of this type is.
    const KIND: ApiResourceKind;

    fn metadata(&self) -> Option<&ApiResourceMetadata>;
    /// The metadata, created empty when absent.
    fn metadata_mut(&mut self) -> &mut ApiResourceMetadata;
    /// The audit block inside the status, if any.
    fn audit(&self) -> Option<&ApiResourceAudit>;
    /// The audit block, creating the status and audit when absent.
    fn audit_mut(&mut self) -> &mut ApiResourceAudit;
    /// Drops the whole status (it is server-owned).
    fn clear_status(&mut self);
    /// Replaces this resource's status with a copy of `other`'s.
    fn copy_status_from(&mut self, other: &Self);
    /// Sets `api_version` and `kind` to their only valid values.
    fn set_envelope(&mut self, api_version: &str, kind_name: &str);

    /// `metadata.id`, empty when unset.
    fn id(&self) -> &str {
        self.metadata().map_or("", |m| m.id.as_str())
    }
    /// `metadata.slug`, empty when unset.
    fn slug(&self) -> &str {
        self.metadata().map_or("", |m| m.slug.as_str())
    }
    /// `metadata.org`, empty when unset.
    fn org(&self) -> &str {
        self.metadata().map_or("", |m| m.org.as_str())
    }
}

macro_rules! resource {
    ($ty:ty, $status:ty, $kind:ident) => {
        impl Resource for $ty {
            const KIND: ApiResourceKind = ApiResourceKind::$kind;

            fn metadata(&self) -> Option<&ApiResourceMetadata> {
                self.metadata.as_ref()
            }
            fn metadata_mut(&mut self) -> &mut ApiResourceMetadata {
                self.metadata.get_or_insert_with(Default::default)
            }
            fn audit(&self) -> Option<&ApiResourceAudit> {
                self.status.as_ref().and_then(|s| s.audit.as_ref())
            }
            fn audit_mut(&mut self) -> &mut ApiResourceAudit {
                self.status
                    .get_or_insert_with(<$status>::default)
                    .audit
                    .get_or_insert_with(Default::default)
            }
            fn clear_status(&mut self) {
                self.status = None;
            }
            fn copy_status_from(&mut self, other: &Self) {
                self.status = other.status.clone();
            }
            fn set_envelope(&mut self, api_version: &str, kind_name: &str) {
                api_version.clone_into(&mut self.api_version);
                kind_name.clone_into(&mut self.kind);
            }
        }
    };
}

resource!(agent::v1::Agent, agent::v1::AgentStatus, Agent);
resource!(
    agentinstance::v1::AgentInstance,
    ApiResourceAuditStatus,
    AgentInstance
);
resource!(session::v1::Session, ApiResourceAuditStatus, Session);
resource!(
    agentexecution::v1::AgentExecution,
    agentexecution::v1::AgentExecutionStatus,
    AgentExecution
);
resource!(
    environment::v1::Environment,
    ApiResourceAuditStatus,
    Environment
);
resource!(
    executioncontext::v1::ExecutionContext,
    ApiResourceAuditStatus,
    ExecutionContext
);
resource!(skill::v1::Skill, skill::v1::SkillStatus, Skill);
resource!(
    workflow::v1::Workflow,
    workflow::v1::WorkflowStatus,
    Workflow
);
resource!(
    workflowinstance::v1::WorkflowInstance,
    ApiResourceAuditStatus,
    WorkflowInstance
);
resource!(
    workflowexecution::v1::WorkflowExecution,
    workflowexecution::v1::WorkflowExecutionStatus,
    WorkflowExecution
);
resource!(
    mcpserver::v1::McpServer,
    mcpserver::v1::McpServerStatus,
    McpServer
);
