//! Context assembly: everything an execution needs before the first model
//! call — the agent, its instance and session, the conversation so far, the
//! merged environment, the skills and the workspace directory.

mod environment;
mod skills;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use stigmer_api::agentic::agent::v1::{Agent, AgentSpec};
use stigmer_api::agentic::agentexecution::v1::{AgentExecution, ExecutionPhase, MessageType};
use stigmer_api::commons::apiresource::ApiResourceReference;

pub use environment::{MissingVariables, ResolvedEnvironment};
pub(crate) use skills::safe_component;

use crate::llm::ChatMessage;
use crate::source::{ExecutionSource, SourceError, describe_reference};
use skills::LoadedSkill;

/// Context assembly failed; the message is meant for `status.error`.
#[derive(Debug, thiserror::Error)]
pub enum ContextError {
    /// A read failed.
    #[error(transparent)]
    Source(#[from] SourceError),
    /// The execution names neither a session nor an agent.
    #[error("execution {0} names neither a session nor an agent")]
    NoAgent(String),
    /// A skill could not be installed.
    #[error("skill {skill}: {reason}")]
    Skill {
        /// Which skill.
        skill: String,
        /// What went wrong.
        reason: String,
    },
}

/// What the runner knows about an execution before it starts the loop.
#[derive(Debug, Clone)]
pub struct ExecutionContext {
    /// Id of the execution.
    pub execution_id: String,
    /// The execution as read at start.
    pub execution: AgentExecution,
    /// The agent template that runs.
    pub agent: Agent,
    /// The user's message of this execution.
    pub user_message: String,
    /// Earlier exchanges of the session, oldest first.
    pub history: Vec<ChatMessage>,
    /// Instructions plus skills and workspace notes.
    pub system_prompt: String,
    /// System prompts of the declared sub-agents, by sub-agent name.
    pub sub_agent_prompts: HashMap<String, String>,
    /// Merged variables.
    pub environment: ResolvedEnvironment,
    /// The session's working directory (created on first use).
    pub workspace: PathBuf,
    /// `execution_config.model_name`, when set.
    pub model_override: Option<String>,
}

impl ExecutionContext {
    /// The agent spec (empty when the agent has none).
    pub fn agent_spec(&self) -> AgentSpec {
        self.agent.spec.clone().unwrap_or_default()
    }
}

/// Limits of assembly.
#[derive(Debug, Clone)]
pub(crate) struct AssemblyOptions<'a> {
    pub workspace_root: &'a Path,
    pub history_limit: usize,
}

/// Reads and prepares everything for `execution`.
pub(crate) async fn assemble_for(
    source: &dyn ExecutionSource,
    execution: AgentExecution,
    options: &AssemblyOptions<'_>,
) -> Result<ExecutionContext, ContextError> {
    let execution_id = execution
        .metadata
        .as_ref()
        .map(|metadata| metadata.id.clone())
        .unwrap_or_default();
    let spec = execution.spec.clone().unwrap_or_default();

    // Session → instance → agent; without a session, the agent and its
    // default instance (if it has one) directly.
    let (session, instance, agent) = if spec.session_id.is_empty() {
        if spec.agent_id.is_empty() {
            return Err(ContextError::NoAgent(execution_id));
        }
        let agent = source.agent(&spec.agent_id).await?;
        let default_instance = agent
            .status
            .as_ref()
            .map(|status| status.default_instance_id.clone())
            .unwrap_or_default();
        let instance = if default_instance.is_empty() {
            None
        } else {
            Some(source.agent_instance(&default_instance).await?)
        };
        (None, instance, agent)
    } else {
        let session = source.session(&spec.session_id).await?;
        let instance_id = session
            .spec
            .as_ref()
            .map(|s| s.agent_instance_id.clone())
            .unwrap_or_default();
        let instance = source.agent_instance(&instance_id).await?;
        let agent_id = instance
            .spec
            .as_ref()
            .map(|s| s.agent_id.clone())
            .filter(|id| !id.is_empty())
            .unwrap_or_else(|| spec.agent_id.clone());
        let agent = source.agent(&agent_id).await?;
        (Some(session), Some(instance), agent)
    };
    let agent_spec = agent.spec.clone().unwrap_or_default();

    let history = match &session {
        Some(_) => {
            let executions = source.session_executions(&spec.session_id).await?;
            conversation_history(&executions, &execution_id, options.history_limit)
        }
        None => Vec::new(),
    };

    let mut environment = ResolvedEnvironment::default();
    if let Some(env_spec) = &agent_spec.env_spec {
        environment.apply_spec(env_spec);
    }
    if let Some(instance) = &instance {
        let refs = instance
            .spec
            .as_ref()
            .map(|s| s.environment_refs.clone())
            .unwrap_or_default();
        for reference in &refs {
            let found = source.environment(reference).await?;
            if let Some(env_spec) = &found.spec {
                environment.apply_spec(env_spec);
            }
        }
    }
    environment.apply_runtime(&spec.runtime_env);
    tracing::debug!(
        execution_id,
        variables = ?environment.names().collect::<Vec<_>>(),
        "environment resolved"
    );

    let workspace_name = if spec.session_id.is_empty() {
        execution_id.clone()
    } else {
        spec.session_id.clone()
    };
    // Created on first use (a skill, an MCP server, a file tool), so chats
    // that never touch files leave no empty directories behind.
    let workspace = options.workspace_root.join(safe_component(&workspace_name));

    let mut skill_cache: HashMap<String, LoadedSkill> = HashMap::new();
    let skills = load_skills(source, &agent_spec.skill_refs, &workspace, &mut skill_cache).await?;
    let org = agent
        .metadata
        .as_ref()
        .map(|m| m.org.clone())
        .unwrap_or_default();
    let system_prompt = build_system_prompt(&agent_spec.instructions, &skills, &org);
    let mut sub_agent_prompts = HashMap::new();
    for sub_agent in &agent_spec.sub_agents {
        let skills =
            load_skills(source, &sub_agent.skill_refs, &workspace, &mut skill_cache).await?;
        sub_agent_prompts.insert(
            sub_agent.name.clone(),
            build_system_prompt(&sub_agent.instructions, &skills, &org),
        );
    }

    let model_override = spec
        .execution_config
        .as_ref()
        .map(|config| config.model_name.trim().to_owned())
        .filter(|name| !name.is_empty());

    Ok(ExecutionContext {
        execution_id,
        user_message: spec.message.clone(),
        execution,
        agent,
        history,
        system_prompt,
        sub_agent_prompts,
        environment,
        workspace,
        model_override,
    })
}

/// Earlier exchanges of the session: each finished execution before this
/// one contributes its user message and the agent's final answer.
/// Executions that produced no answer are left out, so roles keep alternating.
fn conversation_history(
    executions: &[AgentExecution],
    current_id: &str,
    limit: usize,
) -> Vec<ChatMessage> {
    let id_of = |execution: &AgentExecution| {
        execution
            .metadata
            .as_ref()
            .map(|m| m.id.clone())
            .unwrap_or_default()
    };
    let earlier = match executions.iter().position(|e| id_of(e) == current_id) {
        Some(position) => &executions[..position],
        None => executions,
    };
    let mut exchanges: Vec<(String, String)> = earlier
        .iter()
        .filter(|execution| id_of(execution) != current_id)
        .filter_map(|execution| {
            let status = execution.status.as_ref()?;
            if status.phase == ExecutionPhase::ExecutionPending as i32
                || status.phase == ExecutionPhase::ExecutionInProgress as i32
            {
                return None;
            }
            let question = execution.spec.as_ref()?.message.clone();
            let answer = status
                .messages
                .iter()
                .rev()
                .find(|m| m.r#type == MessageType::MessageAi as i32 && !m.content.is_empty())?
                .content
                .clone();
            Some((question, answer))
        })
        .collect();
    if exchanges.len() > limit {
        exchanges.drain(..exchanges.len() - limit);
    }
    exchanges
        .into_iter()
        .flat_map(|(question, answer)| {
            [
                ChatMessage::User(question),
                ChatMessage::Assistant {
                    text: answer,
                    tool_calls: Vec::new(),
                },
            ]
        })
        .collect()
}

async fn load_skills(
    source: &dyn ExecutionSource,
    references: &[ApiResourceReference],
    workspace: &Path,
    cache: &mut HashMap<String, LoadedSkill>,
) -> Result<Vec<LoadedSkill>, ContextError> {
    let mut loaded = Vec::with_capacity(references.len());
    for reference in references {
        let key = describe_reference(reference);
        if let Some(skill) = cache.get(&key) {
            loaded.push(skill.clone());
            continue;
        }
        let skill = source.skill(reference).await?;
        let (name, slug, version) = skills::skill_identity(&skill);
        let storage_key = skill
            .status
            .as_ref()
            .map(|s| s.artifact_storage_key.clone())
            .unwrap_or_default();
        let directory = if storage_key.is_empty() {
            None
        } else {
            let archive = source.skill_artifact(&storage_key).await?;
            let workspace = workspace.to_path_buf();
            let slug = if slug.is_empty() {
                reference.slug.clone()
            } else {
                slug
            };
            let version_for_marker = version.clone();
            let installed = tokio::task::spawn_blocking(move || {
                skills::install_archive(&archive, &workspace, &slug, &version_for_marker)
            })
            .await
            .map_err(|error| ContextError::Skill {
                skill: key.clone(),
                reason: error.to_string(),
            })?
            .map_err(|error| ContextError::Skill {
                skill: key.clone(),
                reason: error.to_string(),
            })?;
            Some(installed)
        };
        let skill = LoadedSkill {
            name,
            version,
            skill_md: skill.spec.map(|s| s.skill_md).unwrap_or_default(),
            directory,
        };
        cache.insert(key, skill.clone());
        loaded.push(skill);
    }
    Ok(loaded)
}

fn build_system_prompt(instructions: &str, skills: &[LoadedSkill], org: &str) -> String {
    let mut prompt = instructions.trim().to_owned();
    prompt.push_str(
        "\n\n## Workspace\nYou have a workspace directory of your own. The file tools \
         (read_file, write_file, list_files, search_files) take paths relative to it.",
    );
    if !skills.is_empty() {
        prompt.push_str("\n\n## Skills\nFollow these skills when they apply.");
        for skill in skills {
            prompt.push_str("\n\n### Skill: ");
            prompt.push_str(&skill.name);
            if !skill.version.is_empty() {
                let short = skill.version.get(..12).unwrap_or(&skill.version);
                prompt.push_str(&format!(" (version {short})"));
            }
            if let Some(directory) = &skill.directory {
                prompt.push_str(&format!(
                    "\nLocation: {directory}/ in your workspace (its files are there)."
                ));
            }
            prompt.push_str("\n\n");
            prompt.push_str(skill.skill_md.trim());
        }
    }
    if !org.is_empty() {
        prompt.push_str(&format!("\n\nContext: Organization: {org}"));
    }
    prompt
}

#[cfg(test)]
mod tests {
    use stigmer_api::agentic::agentexecution::v1::{
        AgentExecutionSpec, AgentExecutionStatus, AgentMessage,
    };
    use stigmer_api::commons::apiresource::ApiResourceMetadata;

    use super::*;

    fn execution(
        id: &str,
        message: &str,
        answer: Option<&str>,
        phase: ExecutionPhase,
    ) -> AgentExecution {
        AgentExecution {
            metadata: Some(ApiResourceMetadata {
                id: id.into(),
                ..Default::default()
            }),
            spec: Some(AgentExecutionSpec {
                message: message.into(),
                ..Default::default()
            }),
            status: Some(AgentExecutionStatus {
                phase: phase as i32,
                messages: answer
                    .map(|text| {
                        vec![AgentMessage {
                            r#type: MessageType::MessageAi as i32,
                            content: text.into(),
                            ..Default::default()
                        }]
                    })
                    .unwrap_or_default(),
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    #[test]
    fn history_keeps_answered_exchanges_before_the_current_execution() {
        let executions = vec![
            execution(
                "aex-1",
                "first",
                Some("one"),
                ExecutionPhase::ExecutionCompleted,
            ),
            execution("aex-2", "failed", None, ExecutionPhase::ExecutionFailed),
            execution(
                "aex-3",
                "second",
                Some("two"),
                ExecutionPhase::ExecutionCompleted,
            ),
            execution("aex-4", "now", None, ExecutionPhase::ExecutionPending),
            execution(
                "aex-5",
                "later",
                Some("x"),
                ExecutionPhase::ExecutionCompleted,
            ),
        ];
        let history = conversation_history(&executions, "aex-4", 10);
        assert_eq!(
            history,
            vec![
                ChatMessage::User("first".into()),
                ChatMessage::Assistant {
                    text: "one".into(),
                    tool_calls: vec![]
                },
                ChatMessage::User("second".into()),
                ChatMessage::Assistant {
                    text: "two".into(),
                    tool_calls: vec![]
                },
            ]
        );
        assert_eq!(conversation_history(&executions, "aex-4", 1).len(), 2);
    }
}
