//! Agent executions as people read them: the live view of `stigmer run`
//! (only what is new in each snapshot) and the whole transcript of
//! `stigmer execution show`.

use std::collections::HashMap;
use std::io::{self, Write};

use console::style;
use stigmer_api::agentic::agentexecution::v1::{
    AgentExecution, ExecutionPhase, MessageType, ToolCall, ToolCallStatus,
};

/// Remembers what was printed, so each snapshot adds only its news.
#[derive(Debug, Default)]
pub struct LiveTranscript {
    /// Printed text per message index.
    printed: Vec<String>,
    /// Last printed status per tool call id.
    tools: HashMap<String, ToolCallStatus>,
    /// Whether the cursor is at the start of a line.
    line_open: bool,
    /// Index of the message whose text was printed last.
    last_message: Option<usize>,
}

impl LiveTranscript {
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether text was left without its newline (a spinner would erase it).
    pub fn line_open(&self) -> bool {
        self.line_open
    }

    /// Prints what `execution` adds to what was printed before.
    pub fn update(&mut self, execution: &AgentExecution, out: &mut impl Write) -> io::Result<()> {
        let Some(status) = &execution.status else {
            return Ok(());
        };
        let calls: Vec<&ToolCall> = status
            .messages
            .iter()
            .flat_map(|m| m.tool_calls.iter())
            .chain(status.tool_calls.iter())
            .collect();
        // Within one snapshot: known tools finished before new text was
        // written, and new tools were called after it.
        let known: Vec<&ToolCall> = calls
            .iter()
            .copied()
            .filter(|c| self.tools.contains_key(&tool_id(c)))
            .collect();
        for call in known {
            self.tool_call(call, out)?;
        }
        for (i, message) in status.messages.iter().enumerate() {
            if self.printed.len() <= i {
                self.printed.push(String::new());
            }
            match message.r#type() {
                MessageType::MessageAi => self.ai_text(i, &message.content, out)?,
                MessageType::MessageSystem => {
                    if self.printed[i] != message.content && !message.content.is_empty() {
                        self.end_line(out)?;
                        writeln!(
                            out,
                            "{} {}",
                            style("[system]").yellow(),
                            message.content.trim_end()
                        )?;
                        self.printed[i] = message.content.clone();
                    }
                }
                // The user's own message, and tool results (shown as tool calls).
                MessageType::MessageHuman | MessageType::MessageTool | MessageType::Unspecified => {
                }
            }
        }
        for call in calls {
            self.tool_call(call, out)?;
        }
        out.flush()
    }

    fn ai_text(&mut self, index: usize, content: &str, out: &mut impl Write) -> io::Result<()> {
        let printed = self.printed[index].clone();
        if content == printed {
            return Ok(());
        }
        if self.last_message != Some(index) {
            // A new answer starts on a fresh line, a blank line after others.
            self.end_line(out)?;
            if self.last_message.is_some() {
                writeln!(out)?;
            }
        }
        let new_text = match content.strip_prefix(printed.as_str()) {
            Some(rest) => rest.to_owned(),
            None => {
                // The runner rewrote the message: print it again in full.
                self.end_line(out)?;
                content.to_owned()
            }
        };
        write!(out, "{new_text}")?;
        self.line_open = !content.ends_with('\n') && !content.is_empty();
        self.printed[index] = content.to_owned();
        self.last_message = Some(index);
        Ok(())
    }

    fn tool_call(&mut self, call: &ToolCall, out: &mut impl Write) -> io::Result<()> {
        let id = tool_id(call);
        let status = call.status();
        let before = self.tools.get(&id).copied();
        if before == Some(status) {
            return Ok(());
        }
        let first_sight = before.is_none();
        let finished = matches!(
            status,
            ToolCallStatus::ToolCallCompleted | ToolCallStatus::ToolCallFailed
        );
        if first_sight || finished {
            self.end_line(out)?;
            writeln!(out, "{}", tool_line(call))?;
            // A later answer continues after the tool lines.
            self.last_message = None;
        }
        self.tools.insert(id, status);
        Ok(())
    }

    /// Ends an open line of streamed text.
    pub fn end_line(&mut self, out: &mut impl Write) -> io::Result<()> {
        if self.line_open {
            writeln!(out)?;
            self.line_open = false;
        }
        Ok(())
    }
}

fn tool_id(call: &ToolCall) -> String {
    if call.id.is_empty() {
        call.name.clone()
    } else {
        call.id.clone()
    }
}

/// `⚙ search(query: "x") running`, `✓ search`, `✗ search: timeout`.
fn tool_line(call: &ToolCall) -> String {
    match call.status() {
        ToolCallStatus::ToolCallCompleted => format!("  {} {}", style("✓").green(), call.name),
        ToolCallStatus::ToolCallFailed => {
            let error = if call.error.is_empty() {
                "failed".to_owned()
            } else {
                call.error.clone()
            };
            format!("  {} {}: {error}", style("✗").red(), call.name)
        }
        _ => format!(
            "  {} {}({})",
            style("⚙").cyan(),
            call.name,
            args_summary(call)
        ),
    }
}

fn args_summary(call: &ToolCall) -> String {
    let Some(args) = &call.args else {
        return String::new();
    };
    let parts: Vec<String> = {
        let mut keys: Vec<_> = args.fields.iter().collect();
        keys.sort_by(|a, b| a.0.cmp(b.0));
        keys.into_iter()
            .map(|(k, v)| format!("{k}: {}", value_summary(v)))
            .collect()
    };
    truncate(&parts.join(", "), 80)
}

fn value_summary(value: &prost_types::Value) -> String {
    use prost_types::value::Kind;
    match &value.kind {
        Some(Kind::StringValue(s)) => format!("{s:?}"),
        Some(Kind::NumberValue(n)) => n.to_string(),
        Some(Kind::BoolValue(b)) => b.to_string(),
        Some(Kind::NullValue(_)) | None => "null".to_owned(),
        Some(Kind::ListValue(l)) => format!("[{} items]", l.values.len()),
        Some(Kind::StructValue(_)) => "{…}".to_owned(),
    }
}

fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_owned()
    } else {
        let cut: String = text.chars().take(max - 1).collect();
        format!("{cut}…")
    }
}

/// The phase as a word (`completed`).
pub fn phase_word(phase: ExecutionPhase) -> &'static str {
    match phase {
        ExecutionPhase::Unspecified => "unknown",
        ExecutionPhase::ExecutionPending => "pending",
        ExecutionPhase::ExecutionInProgress => "running",
        ExecutionPhase::ExecutionCompleted => "completed",
        ExecutionPhase::ExecutionFailed => "failed",
        ExecutionPhase::ExecutionCancelled => "cancelled",
    }
}

pub fn is_terminal(phase: ExecutionPhase) -> bool {
    matches!(
        phase,
        ExecutionPhase::ExecutionCompleted
            | ExecutionPhase::ExecutionFailed
            | ExecutionPhase::ExecutionCancelled
    )
}

/// Why an execution failed: its error, else its last system message.
pub fn failure_reason(execution: &AgentExecution) -> String {
    let Some(status) = &execution.status else {
        return "no reason given".to_owned();
    };
    if !status.error.is_empty() {
        return status.error.clone();
    }
    status
        .messages
        .iter()
        .rev()
        .find(|m| m.r#type() == MessageType::MessageSystem && !m.content.is_empty())
        .map_or_else(|| "no reason given".to_owned(), |m| m.content.clone())
}

/// The whole conversation, for `stigmer execution show`.
pub fn write_full(execution: &AgentExecution, out: &mut impl Write) -> io::Result<()> {
    let metadata = execution.metadata.clone().unwrap_or_default();
    let spec = execution.spec.clone().unwrap_or_default();
    let status = execution.status.clone().unwrap_or_default();
    writeln!(out, "execution  {}", metadata.id)?;
    writeln!(out, "phase      {}", phase_word(status.phase()))?;
    if !spec.agent_id.is_empty() {
        writeln!(out, "agent      {}", spec.agent_id)?;
    }
    if !spec.session_id.is_empty() {
        writeln!(out, "session    {}", spec.session_id)?;
    }
    if !status.started_at.is_empty() {
        writeln!(out, "started    {}", status.started_at)?;
    }
    if !status.completed_at.is_empty() {
        writeln!(out, "completed  {}", status.completed_at)?;
    }
    writeln!(out)?;
    let has_human = status
        .messages
        .iter()
        .any(|m| m.r#type() == MessageType::MessageHuman);
    if !has_human && !spec.message.is_empty() {
        write_message(out, "You", &spec.message)?;
    }
    let mut shown_tools = std::collections::HashSet::new();
    for message in &status.messages {
        match message.r#type() {
            MessageType::MessageHuman => write_message(out, "You", &message.content)?,
            MessageType::MessageAi => write_message(out, "Agent", &message.content)?,
            MessageType::MessageSystem => write_message(out, "System", &message.content)?,
            MessageType::MessageTool | MessageType::Unspecified => {}
        }
        write_tools(out, &message.tool_calls, &mut shown_tools)?;
    }
    write_tools(out, &status.tool_calls, &mut shown_tools)?;
    if !status.error.is_empty() {
        writeln!(out, "{} {}", style("error:").red().bold(), status.error)?;
    }
    Ok(())
}

fn write_message(out: &mut impl Write, who: &str, content: &str) -> io::Result<()> {
    if content.trim().is_empty() {
        return Ok(());
    }
    writeln!(out, "{}", style(format!("{who}:")).bold())?;
    writeln!(out, "{}\n", content.trim_end())
}

fn write_tools(
    out: &mut impl Write,
    calls: &[ToolCall],
    shown: &mut std::collections::HashSet<String>,
) -> io::Result<()> {
    for call in calls {
        if shown.insert(tool_id(call)) {
            writeln!(out, "{}", tool_line(call))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use stigmer_api::agentic::agentexecution::v1::{AgentExecutionStatus, AgentMessage};

    use super::*;

    fn ai_message(content: &str) -> AgentMessage {
        AgentMessage {
            r#type: MessageType::MessageAi as i32,
            content: content.to_owned(),
            ..Default::default()
        }
    }

    fn snapshot(messages: Vec<AgentMessage>, tools: Vec<ToolCall>) -> AgentExecution {
        AgentExecution {
            status: Some(AgentExecutionStatus {
                messages,
                tool_calls: tools,
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    fn tool(id: &str, status: ToolCallStatus) -> ToolCall {
        ToolCall {
            id: id.into(),
            name: "search".into(),
            status: status as i32,
            ..Default::default()
        }
    }

    fn render(snapshots: &[AgentExecution]) -> String {
        console::set_colors_enabled(false);
        let mut transcript = LiveTranscript::new();
        let mut out = Vec::new();
        for s in snapshots {
            transcript.update(s, &mut out).unwrap();
        }
        transcript.end_line(&mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn growing_text_is_printed_once() {
        let out = render(&[
            snapshot(vec![ai_message("Hel")], vec![]),
            snapshot(vec![ai_message("Hello, wor")], vec![]),
            snapshot(vec![ai_message("Hello, world.")], vec![]),
            snapshot(vec![ai_message("Hello, world.")], vec![]),
        ]);
        assert_eq!(out, "Hello, world.\n");
    }

    #[test]
    fn tool_calls_show_when_seen_and_when_done() {
        let out = render(&[
            snapshot(
                vec![ai_message("Let me look.")],
                vec![tool("t1", ToolCallStatus::ToolCallPending)],
            ),
            snapshot(
                vec![ai_message("Let me look.")],
                vec![tool("t1", ToolCallStatus::ToolCallRunning)],
            ),
            snapshot(
                vec![ai_message("Let me look."), ai_message("Found it.")],
                vec![tool("t1", ToolCallStatus::ToolCallCompleted)],
            ),
        ]);
        assert_eq!(out, "Let me look.\n  ⚙ search()\n  ✓ search\nFound it.\n");
    }

    #[test]
    fn a_rewritten_message_is_printed_again() {
        let out = render(&[
            snapshot(vec![ai_message("draft")], vec![]),
            snapshot(vec![ai_message("final answer")], vec![]),
        ]);
        assert_eq!(out, "draft\nfinal answer\n");
    }

    #[test]
    fn a_failure_reason_comes_from_the_error_or_the_last_system_message() {
        let mut execution = snapshot(
            vec![AgentMessage {
                r#type: MessageType::MessageSystem as i32,
                content: "model not found".into(),
                ..Default::default()
            }],
            vec![],
        );
        assert_eq!(failure_reason(&execution), "model not found");
        if let Some(s) = execution.status.as_mut() {
            s.error = "boom".into();
        }
        assert_eq!(failure_reason(&execution), "boom");
    }
}
