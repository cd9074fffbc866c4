//! Loop observers that write progress into the execution status: the main
//! agent's messages and tool calls, and a sub-agent's delegation record.

use std::sync::{Arc, Mutex};

use prost_types::value::Kind;
use serde_json::{Map, Value};
use stigmer_api::agentic::agentexecution::v1::{
    AgentMessage, ComponentMetadata, MessageType, ToolCall, ToolCallStatus,
};

use super::tool_loop::LoopObserver;
use crate::llm::ToolInvocation;
use crate::status::StatusTracker;
use crate::time::now_iso8601;
use crate::tools::ToolError;

/// Converts JSON to the protobuf `Struct` used for tool arguments.
pub(crate) fn json_to_struct(map: &Map<String, Value>) -> prost_types::Struct {
    prost_types::Struct {
        fields: map
            .iter()
            .map(|(key, value)| (key.clone(), json_to_value(value)))
            .collect(),
    }
}

fn json_to_value(value: &Value) -> prost_types::Value {
    let kind = match value {
        Value::Null => Kind::NullValue(0),
        Value::Bool(flag) => Kind::BoolValue(*flag),
        Value::Number(number) => Kind::NumberValue(number.as_f64().unwrap_or_default()),
        Value::String(text) => Kind::StringValue(text.clone()),
        Value::Array(items) => Kind::ListValue(prost_types::ListValue {
            values: items.iter().map(json_to_value).collect(),
        }),
        Value::Object(map) => Kind::StructValue(json_to_struct(map)),
    };
    prost_types::Value { kind: Some(kind) }
}

fn requested_call(call: &ToolInvocation) -> ToolCall {
    ToolCall {
        id: call.id.clone(),
        name: call.name.clone(),
        args: Some(json_to_struct(&call.arguments)),
        status: ToolCallStatus::ToolCallPending as i32,
        ..Default::default()
    }
}

/// Records tool calls in `status.tool_calls` under a component group.
struct ToolCallRecorder {
    tracker: Arc<StatusTracker>,
    group: String,
}

impl ToolCallRecorder {
    fn started(&self, call: &ToolInvocation, component_type: &'static str) {
        self.tracker.add_tool_call(ToolCall {
            status: ToolCallStatus::ToolCallRunning as i32,
            component_metadata: Some(ComponentMetadata {
                component_type: component_type.to_owned(),
                component_group: self.group.clone(),
                ..Default::default()
            }),
            started_at: now_iso8601(),
            ..requested_call(call)
        });
    }

    /// Marks the call finished and returns the final record.
    fn finished(&self, call: &ToolInvocation, outcome: &Result<String, ToolError>) -> ToolCall {
        let now = now_iso8601();
        let mut record = None;
        self.tracker.edit_tool_call(&call.id, |stored| {
            stored.completed_at = now.clone();
            match outcome {
                Ok(result) => {
                    stored.status = ToolCallStatus::ToolCallCompleted as i32;
                    stored.result = result.clone();
                }
                Err(ToolError(message)) => {
                    stored.status = ToolCallStatus::ToolCallFailed as i32;
                    stored.error = message.clone();
                }
            }
            record = Some(stored.clone());
        });
        record.unwrap_or_else(|| requested_call(call))
    }
}

/// The main agent: its replies become AI messages, its tool results TOOL
/// messages, its calls `status.tool_calls` entries.
pub(crate) struct MainObserver {
    tracker: Arc<StatusTracker>,
    calls: ToolCallRecorder,
    current_reply: Mutex<Option<usize>>,
}

impl MainObserver {
    pub(crate) fn new(tracker: Arc<StatusTracker>) -> Self {
        Self {
            calls: ToolCallRecorder {
                tracker: tracker.clone(),
                group: "main-agent-tools".to_owned(),
            },
            tracker,
            current_reply: Mutex::new(None),
        }
    }

    fn reply_index(&self) -> Option<usize> {
        *self
            .current_reply
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Removes the placeholder of a reply that was interrupted before any
    /// text arrived, so a failed run does not end with an empty AI message.
    pub(crate) fn discard_empty_reply(&self) {
        if let Some(index) = self.reply_index() {
            let snapshot = self
                .tracker
                .snapshot(stigmer_api::agentic::agentexecution::v1::ExecutionPhase::Unspecified);
            if snapshot
                .messages
                .get(index)
                .is_some_and(|m| m.content.is_empty() && m.tool_calls.is_empty())
            {
                self.tracker.remove_last_message_if(index);
            }
        }
    }
}

impl LoopObserver for MainObserver {
    fn reply_started(&self) {
        let index = self.tracker.push_message(AgentMessage {
            r#type: MessageType::MessageAi as i32,
            timestamp: now_iso8601(),
            ..Default::default()
        });
        *self
            .current_reply
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(index);
    }

    fn reply_text(&self, text: &str) {
        if let Some(index) = self.reply_index() {
            self.tracker
                .edit_message(index, |message| message.content.push_str(text));
        }
    }

    fn reply_finished(&self, text: &str, tool_calls: &[ToolInvocation]) {
        if let Some(index) = self.reply_index() {
            self.tracker.edit_message(index, |message| {
                text.clone_into(&mut message.content);
                message.tool_calls = tool_calls.iter().map(requested_call).collect();
            });
        }
    }

    fn tool_started(&self, call: &ToolInvocation, component_type: &'static str) {
        self.calls.started(call, component_type);
    }

    fn tool_finished(&self, call: &ToolInvocation, outcome: &Result<String, ToolError>) {
        let record = self.calls.finished(call, outcome);
        let content = match outcome {
            Ok(result) => result.clone(),
            Err(ToolError(message)) => format!("Error: {message}"),
        };
        self.tracker.push_message(AgentMessage {
            r#type: MessageType::MessageTool as i32,
            content,
            timestamp: now_iso8601(),
            tool_calls: vec![record],
            metadata: None,
        });
    }
}

/// A sub-agent: its text streams into `SubAgentExecution.output`, its tool
/// calls join `status.tool_calls` in the group `sub-agent:<name>`.
pub(crate) struct SubAgentObserver {
    tracker: Arc<StatusTracker>,
    execution_id: String,
    calls: ToolCallRecorder,
    steps: Mutex<u32>,
}

impl SubAgentObserver {
    pub(crate) fn new(tracker: Arc<StatusTracker>, execution_id: &str, name: &str) -> Self {
        Self {
            calls: ToolCallRecorder {
                tracker: tracker.clone(),
                group: format!("sub-agent:{name}"),
            },
            tracker,
            execution_id: execution_id.to_owned(),
            steps: Mutex::new(0),
        }
    }

    fn set_metadata(&self, key: &str, value: Value) {
        self.tracker
            .edit_sub_agent_execution(&self.execution_id, |execution| {
                execution
                    .metadata
                    .get_or_insert_default()
                    .fields
                    .insert(key.to_owned(), json_to_value(&value));
            });
    }
}

impl LoopObserver for SubAgentObserver {
    fn reply_started(&self) {
        let steps = {
            let mut steps = self
                .steps
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            *steps += 1;
            *steps
        };
        self.tracker
            .edit_sub_agent_execution(&self.execution_id, |execution| execution.output.clear());
        self.set_metadata("steps", Value::from(steps));
    }

    fn reply_text(&self, text: &str) {
        self.tracker
            .edit_sub_agent_execution(&self.execution_id, |execution| {
                execution.output.push_str(text);
            });
    }

    fn reply_finished(&self, text: &str, _tool_calls: &[ToolInvocation]) {
        self.tracker
            .edit_sub_agent_execution(&self.execution_id, |execution| {
                text.clone_into(&mut execution.output);
            });
    }

    fn tool_started(&self, call: &ToolInvocation, component_type: &'static str) {
        self.calls.started(call, component_type);
        self.set_metadata("current_tool", Value::from(call.name.clone()));
    }

    fn tool_finished(&self, call: &ToolInvocation, outcome: &Result<String, ToolError>) {
        self.calls.finished(call, outcome);
        self.set_metadata("current_tool", Value::Null);
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn nested_json_arguments_become_a_struct() {
        let value = json!({"a": 1, "b": [true, null, "x"], "c": {"d": 2.5}});
        let Value::Object(map) = value else { panic!() };
        let converted = json_to_struct(&map);
        assert_eq!(converted.fields["a"].kind, Some(Kind::NumberValue(1.0)));
        let Some(Kind::ListValue(list)) = &converted.fields["b"].kind else {
            panic!()
        };
        assert_eq!(list.values[2].kind, Some(Kind::StringValue("x".into())));
    }
}
