//! `write_todos`: the agent's plan, kept in `status.todos` (the tool name
//! and shape follow the upstream deepagents tool: the whole list each time).

use std::collections::HashMap;
use std::sync::Arc;

use serde::Deserialize;
use serde_json::{Map, Value, json};
use stigmer_api::agentic::agentexecution::v1::{TodoItem, TodoStatus};

use super::{Tool, ToolCallContext, ToolError};
use crate::llm::ToolSpec;
use crate::status::StatusTracker;
use crate::time::now_iso8601;

/// Replaces the execution's todo list.
pub(crate) struct TodoTool {
    tracker: Arc<StatusTracker>,
}

impl TodoTool {
    pub(crate) fn new(tracker: Arc<StatusTracker>) -> Self {
        Self { tracker }
    }
}

#[derive(Deserialize)]
struct Arguments {
    todos: Vec<TodoArgument>,
}

#[derive(Deserialize)]
struct TodoArgument {
    #[serde(default)]
    id: Option<String>,
    content: String,
    #[serde(default)]
    status: Option<String>,
}

fn parse_status(text: Option<&str>) -> Result<TodoStatus, ToolError> {
    match text.map(str::trim).unwrap_or("pending") {
        "" | "pending" => Ok(TodoStatus::TodoPending),
        "in_progress" | "in-progress" => Ok(TodoStatus::TodoInProgress),
        "completed" | "done" => Ok(TodoStatus::TodoCompleted),
        "cancelled" | "canceled" => Ok(TodoStatus::TodoCancelled),
        other => Err(ToolError(format!(
            "unknown todo status {other:?}; use pending, in_progress, completed or cancelled"
        ))),
    }
}

#[async_trait::async_trait]
impl Tool for TodoTool {
    fn spec(&self) -> ToolSpec {
        ToolSpec {
            name: "write_todos".to_owned(),
            description: "Maintain your todo list for this task. Send the complete list every \
                          time; items you leave out are removed."
                .to_owned(),
            parameters: json!({"type": "object", "properties": {
                "todos": {"type": "array", "items": {"type": "object", "properties": {
                    "id": {"type": "string", "description": "Stable id; keep it when updating an item"},
                    "content": {"type": "string"},
                    "status": {"type": "string", "enum": ["pending", "in_progress", "completed", "cancelled"]}
                }, "required": ["content", "status"]}}
            }, "required": ["todos"]}),
        }
    }

    fn component_type(&self) -> &'static str {
        "todo"
    }

    async fn call(
        &self,
        arguments: &Map<String, Value>,
        _context: &ToolCallContext<'_>,
    ) -> Result<String, ToolError> {
        let arguments: Arguments = serde_json::from_value(Value::Object(arguments.clone()))
            .map_err(|error| ToolError(format!("invalid todo list: {error}")))?;
        let previous = self.tracker.todos();
        let now = now_iso8601();
        let mut todos = HashMap::new();
        let mut counts = [0usize; 4];
        for (position, item) in arguments.todos.into_iter().enumerate() {
            let status = parse_status(item.status.as_deref())?;
            let id = item
                .id
                .filter(|id| !id.trim().is_empty())
                .or_else(|| {
                    // Without an id, an unchanged text is the same item.
                    previous
                        .values()
                        .find(|old| old.content == item.content)
                        .map(|old| old.id.clone())
                })
                .unwrap_or_else(|| format!("todo-{}", position + 1));
            let old = previous.get(&id);
            let changed =
                old.is_none_or(|old| old.content != item.content || old.status != status as i32);
            counts[match status {
                TodoStatus::TodoCompleted => 0,
                TodoStatus::TodoInProgress => 1,
                TodoStatus::TodoCancelled => 3,
                _ => 2,
            }] += 1;
            todos.insert(
                id.clone(),
                TodoItem {
                    id,
                    content: item.content,
                    status: status as i32,
                    created_at: old.map_or_else(|| now.clone(), |old| old.created_at.clone()),
                    updated_at: if changed {
                        now.clone()
                    } else {
                        old.map(|old| old.updated_at.clone()).unwrap_or_default()
                    },
                },
            );
        }
        let total = todos.len();
        self.tracker.set_todos(todos);
        Ok(format!(
            "todo list updated: {total} items ({} completed, {} in progress, {} pending, {} cancelled)",
            counts[0], counts[1], counts[2], counts[3]
        ))
    }
}
