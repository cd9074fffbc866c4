//! Server-sent events in the Anthropic Messages streaming format.

use serde_json::{Value, json};

use super::reply::{Reply, chunks, halves};

fn event(name: &str, data: &Value) -> String {
    format!("event: {name}\ndata: {data}\n\n")
}

fn block_stop(index: usize) -> String {
    event(
        "content_block_stop",
        &json!({"type": "content_block_stop", "index": index}),
    )
}

fn message_end(stop_reason: &str) -> [String; 2] {
    [
        event(
            "message_delta",
            &json!({"type": "message_delta", "delta": {"stop_reason": stop_reason}}),
        ),
        event("message_stop", &json!({"type": "message_stop"})),
    ]
}

fn text_start() -> String {
    event(
        "content_block_start",
        &json!({"type": "content_block_start", "index": 0,
            "content_block": {"type": "text", "text": ""}}),
    )
}

fn text_delta(text: &str) -> String {
    event(
        "content_block_delta",
        &json!({"type": "content_block_delta", "index": 0,
            "delta": {"type": "text_delta", "text": text}}),
    )
}

/// The events of `reply` (not `Status`/`Delayed`/`Paused`, handled by the
/// server); `call` numbers tool use ids.
pub(super) fn events(reply: &Reply, call: u32) -> Vec<String> {
    let mut events = vec![event(
        "message_start",
        &json!({"type": "message_start", "message": {"id": "msg_1", "type": "message",
            "role": "assistant", "content": []}}),
    )];
    match reply {
        Reply::Text(text) => {
            events.push(text_start());
            events.extend(chunks(text).iter().map(|part| text_delta(part)));
            events.push(block_stop(0));
            events.extend(message_end("end_turn"));
        }
        Reply::ToolCalls(calls) => {
            for (index, (name, arguments)) in calls.iter().enumerate() {
                let id = if index == 0 {
                    format!("toolu_{call}")
                } else {
                    format!("toolu_{call}_{index}")
                };
                events.push(event(
                    "content_block_start",
                    &json!({"type": "content_block_start", "index": index,
                        "content_block": {"type": "tool_use", "id": id, "name": name, "input": {}}}),
                ));
                events.push(event("ping", &json!({"type": "ping"})));
                for part in halves(arguments) {
                    events.push(event(
                        "content_block_delta",
                        &json!({"type": "content_block_delta", "index": index,
                            "delta": {"type": "input_json_delta", "partial_json": part}}),
                    ));
                }
                events.push(block_stop(index));
            }
            events.extend(message_end("tool_use"));
        }
        Reply::Hang => {
            events.push(text_start());
            events.push(text_delta("thinking"));
        }
        Reply::Status(_) | Reply::Delayed(..) | Reply::Paused(..) => {}
    }
    events
}
