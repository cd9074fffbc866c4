//! What the fake answers, one [`Reply`] per request.

use std::time::Duration;

use serde_json::Value;

/// One scripted answer. When the script runs out the fake answers
/// `Reply::text("(script exhausted)")`.
#[derive(Clone, Debug)]
pub enum Reply {
    /// Stream this text (in two chunks) and stop.
    Text(String),
    /// Ask for these tool calls (`(name, arguments)`, in order) and stop.
    ToolCalls(Vec<(String, Value)>),
    /// Answer with this HTTP error status and a JSON error body.
    Status(u16),
    /// Stream one chunk of text ("thinking"), then never finish. See
    /// [`FakeLlm::wait_until_hanging`](crate::FakeLlm::wait_until_hanging).
    Hang,
    /// Wait this long before answering with the inner reply (a slow model:
    /// nothing, not even the response headers, arrives meanwhile).
    Delayed(Duration, Box<Reply>),
    /// Send the response headers and the first event of the inner reply at
    /// once, then pause this long mid-stream before the rest.
    Paused(Duration, Box<Reply>),
}

impl Reply {
    /// [`Reply::Text`].
    pub fn text(text: &str) -> Self {
        Self::Text(text.to_owned())
    }

    /// [`Reply::ToolCalls`] with one call.
    pub fn tool(name: &str, arguments: Value) -> Self {
        Self::ToolCalls(vec![(name.to_owned(), arguments)])
    }

    /// [`Reply::ToolCalls`] with several calls in one turn.
    pub fn tools<'a>(calls: impl IntoIterator<Item = (&'a str, Value)>) -> Self {
        Self::ToolCalls(
            calls
                .into_iter()
                .map(|(name, arguments)| (name.to_owned(), arguments))
                .collect(),
        )
    }

    /// [`Reply::Delayed`].
    pub fn delayed(delay: Duration, reply: Reply) -> Self {
        Self::Delayed(delay, Box::new(reply))
    }

    /// [`Reply::Paused`].
    pub fn paused(pause: Duration, reply: Reply) -> Self {
        Self::Paused(pause, Box::new(reply))
    }
}

/// Splits text in two halves (on a char boundary) to exercise streaming.
pub(super) fn chunks(text: &str) -> Vec<String> {
    let middle = text
        .char_indices()
        .nth(text.chars().count() / 2)
        .map_or(0, |(i, _)| i);
    [&text[..middle], &text[middle..]]
        .into_iter()
        .filter(|part| !part.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Splits a tool call's JSON arguments in two, to exercise partial JSON.
pub(super) fn halves(arguments: &Value) -> [String; 2] {
    let arguments = arguments.to_string();
    let middle = arguments.len() / 2;
    // The JSON text is ASCII except inside strings; move to a char boundary.
    let middle = (middle..=arguments.len())
        .find(|&i| arguments.is_char_boundary(i))
        .unwrap_or(arguments.len());
    let (first, second) = arguments.split_at(middle);
    [first.to_owned(), second.to_owned()]
}
