//! The resource kinds the CLI manages, the names people type for them, and
//! what the wire contract lets us do with each.
//!
//! Names, id prefixes and api versions come from the kind registry of
//! `stigmer-api` (read from the proto options); only the CLI spellings and
//! the apply order live here.

use std::fmt;

use prost_reflect::MessageDescriptor;
use stigmer_api::{ApiResourceKind, DESCRIPTOR_POOL, KindInfo, KindRegistry};

/// A Stigmer resource kind, declared in apply order: a kind is applied after
/// every kind declared before it (environments and skills before agents,
/// agents before their instances, workflows before workflow instances).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ResourceKind {
    Environment,
    Skill,
    McpServer,
    ExecutionContext,
    Agent,
    AgentInstance,
    Session,
    Workflow,
    WorkflowInstance,
    AgentExecution,
    WorkflowExecution,
}

/// A kind name nobody recognises; its message lists the valid ones.
#[derive(Debug, thiserror::Error)]
#[error("unknown kind '{given}'. Valid kinds: {}", ResourceKind::help_list())]
pub struct UnknownKind {
    pub given: String,
}

impl ResourceKind {
    pub const ALL: [ResourceKind; 11] = [
        ResourceKind::Environment,
        ResourceKind::Skill,
        ResourceKind::McpServer,
        ResourceKind::ExecutionContext,
        ResourceKind::Agent,
        ResourceKind::AgentInstance,
        ResourceKind::Session,
        ResourceKind::Workflow,
        ResourceKind::WorkflowInstance,
        ResourceKind::AgentExecution,
        ResourceKind::WorkflowExecution,
    ];

    pub fn api_kind(self) -> ApiResourceKind {
        match self {
            ResourceKind::Environment => ApiResourceKind::Environment,
            ResourceKind::Skill => ApiResourceKind::Skill,
            ResourceKind::McpServer => ApiResourceKind::McpServer,
            ResourceKind::ExecutionContext => ApiResourceKind::ExecutionContext,
            ResourceKind::Agent => ApiResourceKind::Agent,
            ResourceKind::AgentInstance => ApiResourceKind::AgentInstance,
            ResourceKind::Session => ApiResourceKind::Session,
            ResourceKind::Workflow => ApiResourceKind::Workflow,
            ResourceKind::WorkflowInstance => ApiResourceKind::WorkflowInstance,
            ResourceKind::AgentExecution => ApiResourceKind::AgentExecution,
            ResourceKind::WorkflowExecution => ApiResourceKind::WorkflowExecution,
        }
    }

    /// Registry metadata. Every kind above carries `kind_meta` in our protos;
    /// a missing entry is a build defect of `stigmer-api`.
    pub fn info(self) -> &'static KindInfo {
        #[allow(clippy::expect_used)]
        KindRegistry::global()
            .get(self.api_kind())
            .expect("every agentic kind has kind_meta in the embedded descriptors")
    }

    /// The PascalCase name used in the `kind` field of manifests (`AgentInstance`).
    pub fn name(self) -> &'static str {
        &self.info().name
    }

    /// The kebab-case name shown and typed on the command line (`agent-instance`).
    pub fn cli_name(self) -> String {
        self.info().value_name.replace('_', "-")
    }

    pub fn plural(self) -> String {
        format!("{}s", self.cli_name())
    }

    pub fn id_prefix(self) -> &'static str {
        &self.info().id_prefix
    }

    pub fn api_version(self) -> &'static str {
        &self.info().api_version
    }

    /// Short names typed for convenience, besides the id prefix.
    fn short_aliases(self) -> &'static [&'static str] {
        match self {
            ResourceKind::Agent => &["ag"],
            ResourceKind::AgentInstance => &["agi", "instance", "instances"],
            ResourceKind::Session => &["se"],
            ResourceKind::AgentExecution => &["ex", "execution", "executions"],
            ResourceKind::Environment => &["envs"],
            ResourceKind::ExecutionContext => &["ctx"],
            ResourceKind::Skill => &["sk"],
            ResourceKind::Workflow => &["wf"],
            ResourceKind::WorkflowInstance => &["wfi"],
            ResourceKind::WorkflowExecution => &["wfx"],
            ResourceKind::McpServer => &["mcps"],
        }
    }

    /// Every spelling accepted for this kind, lower case.
    pub fn spellings(self) -> Vec<String> {
        let cli = self.cli_name();
        let joined = cli.replace('-', "");
        let mut names = vec![
            cli.clone(),
            format!("{cli}s"),
            self.info().value_name.clone(),
            format!("{}s", self.info().value_name),
            joined.clone(),
            format!("{joined}s"),
            self.id_prefix().to_owned(),
        ];
        names.extend(self.short_aliases().iter().map(|s| (*s).to_owned()));
        names.dedup();
        names
    }

    /// Parses what a person typed: singular or plural, kebab, snake,
    /// PascalCase or joined, the id prefix or a short alias; any case.
    pub fn parse(given: &str) -> Result<Self, UnknownKind> {
        let wanted = given.trim().to_ascii_lowercase();
        Self::ALL
            .into_iter()
            .find(|kind| kind.spellings().contains(&wanted))
            .ok_or_else(|| UnknownKind {
                given: given.to_owned(),
            })
    }

    /// The kind an id such as `agt-01j…` denotes.
    pub fn of_id(id: &str) -> Option<Self> {
        let info = KindRegistry::global().kind_of_id(id)?;
        Self::ALL.into_iter().find(|k| k.api_kind() == info.kind)
    }

    /// Whether `value` is an id of this kind (as opposed to a name or slug).
    pub fn is_id(self, value: &str) -> bool {
        Self::of_id(value) == Some(self)
    }

    /// The protobuf descriptor of the resource message.
    pub fn descriptor(self) -> MessageDescriptor {
        let package = self.info().value_name.replace('_', "");
        let full_name = format!("ai.stigmer.agentic.{package}.v1.{}", self.name());
        // Every kind above is a message of our own protos, embedded at build time.
        #[allow(clippy::expect_used)]
        DESCRIPTOR_POOL
            .get_message_by_name(&full_name)
            .expect("every resource message is in the embedded descriptor pool")
    }

    /// Whether the API has a `getByReference` rpc (lookup by name) for it.
    pub fn has_get_by_reference(self) -> bool {
        !matches!(
            self,
            ResourceKind::Session | ResourceKind::AgentExecution | ResourceKind::WorkflowExecution
        )
    }

    /// Whether `stigmer apply` can write documents of this kind.
    pub fn is_appliable(self) -> bool {
        !matches!(
            self,
            ResourceKind::AgentExecution | ResourceKind::WorkflowExecution
        )
    }

    /// One line per kind with its aliases, for help texts and errors.
    pub fn help_list() -> String {
        Self::ALL
            .iter()
            .map(|k| {
                let mut aliases = vec![k.plural(), k.id_prefix().to_owned()];
                aliases.extend(
                    k.short_aliases()
                        .iter()
                        .filter(|a| a.len() <= 3)
                        .map(|a| (*a).to_owned()),
                );
                aliases.dedup();
                format!("{} ({})", k.cli_name(), aliases.join(", "))
            })
            .collect::<Vec<_>>()
            .join(", ")
    }
}

impl fmt::Display for ResourceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.cli_name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_spelling_people_type_finds_the_kind() {
        for (typed, want) in [
            ("agent", ResourceKind::Agent),
            ("agents", ResourceKind::Agent),
            ("ag", ResourceKind::Agent),
            ("Agent", ResourceKind::Agent),
            ("agt", ResourceKind::Agent),
            ("agent-instance", ResourceKind::AgentInstance),
            ("agent_instances", ResourceKind::AgentInstance),
            ("AgentInstance", ResourceKind::AgentInstance),
            ("ain", ResourceKind::AgentInstance),
            ("agent-executions", ResourceKind::AgentExecution),
            ("aex", ResourceKind::AgentExecution),
            ("workflow-instance", ResourceKind::WorkflowInstance),
            ("wf", ResourceKind::Workflow),
            ("env", ResourceKind::Environment),
            ("environments", ResourceKind::Environment),
            ("execution-context", ResourceKind::ExecutionContext),
            ("mcp-servers", ResourceKind::McpServer),
            ("skills", ResourceKind::Skill),
            ("sessions", ResourceKind::Session),
        ] {
            assert_eq!(ResourceKind::parse(typed).unwrap(), want, "{typed}");
        }
    }

    #[test]
    fn no_spelling_is_claimed_by_two_kinds() {
        let mut seen = std::collections::HashMap::new();
        for kind in ResourceKind::ALL {
            for s in kind.spellings() {
                if let Some(other) = seen.insert(s.clone(), kind) {
                    assert_eq!(other, kind, "'{s}' is claimed by {other} and {kind}");
                }
            }
        }
    }

    #[test]
    fn unknown_kind_lists_the_valid_ones() {
        let err = ResourceKind::parse("agnet").unwrap_err().to_string();
        assert!(err.contains("unknown kind 'agnet'"), "{err}");
        assert!(err.contains("agent (agents, agt, ag)"), "{err}");
        assert!(err.contains("workflow-execution"), "{err}");
    }

    #[test]
    fn ids_name_their_kind() {
        assert_eq!(ResourceKind::of_id("agt-01jabc"), Some(ResourceKind::Agent));
        assert!(ResourceKind::Agent.is_id("agt-01jabc"));
        assert!(!ResourceKind::Agent.is_id("my-agent"));
        assert!(!ResourceKind::Agent.is_id("ain-01jabc"));
    }

    #[test]
    fn every_kind_has_its_message_descriptor() {
        for kind in ResourceKind::ALL {
            assert_eq!(kind.descriptor().name(), kind.name());
        }
    }
}
