//! Server-sent events in the OpenAI chat-completions streaming format.

use serde_json::{Value, json};

use super::reply::{Reply, chunks, halves};

fn sse(data: &Value) -> String {
    format!("data: {data}\n\n")
}

fn delta(delta: Value, finish: Value) -> String {
    sse(
        &json!({"id": "chatcmpl-1", "object": "chat.completion.chunk",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}),
    )
}

/// The events of `reply` (not `Status`/`Delayed`/`Paused`, handled by the
/// server); `call` numbers tool call ids.
pub(super) fn events(reply: &Reply, call: u32) -> Vec<String> {
    let mut events = vec![delta(json!({"role": "assistant"}), Value::Null)];
    match reply {
        Reply::Text(text) => {
            for part in chunks(text) {
                events.push(delta(json!({"content": part}), Value::Null));
            }
            events.push(delta(json!({}), json!("stop")));
            events.push("data: [DONE]\n\n".to_owned());
        }
        Reply::ToolCalls(calls) => {
            for (index, (name, arguments)) in calls.iter().enumerate() {
                let id = if index == 0 {
                    format!("call_{call}")
                } else {
                    format!("call_{call}_{index}")
                };
                let [first, second] = halves(arguments);
                events.push(delta(
                    json!({"tool_calls": [{"index": index, "id": id, "type": "function",
                        "function": {"name": name, "arguments": first}}]}),
                    Value::Null,
                ));
                events.push(delta(
                    json!({"tool_calls": [{"index": index, "function": {"arguments": second}}]}),
                    Value::Null,
                ));
            }
            events.push(delta(json!({}), json!("tool_calls")));
            events.push("data: [DONE]\n\n".to_owned());
        }
        Reply::Hang => events.push(delta(json!({"content": "thinking"}), Value::Null)),
        Reply::Status(_) | Reply::Delayed(..) | Reply::Paused(..) => {}
    }
    events
}
