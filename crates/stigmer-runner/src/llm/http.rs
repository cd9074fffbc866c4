//! HTTP plumbing shared by the providers: one pooled client, retries with
//! backoff on 429/5xx, readable error bodies, and SSE reading with an idle
//! timeout.

use std::pin::Pin;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use futures::{Stream, StreamExt};
use serde_json::Value;
use sse_stream::{Sse, SseStream};

use super::LlmError;
use crate::config::LlmConfig;

/// Longest backoff between two attempts, whatever `Retry-After` says.
const MAX_BACKOFF: Duration = Duration::from_secs(30);
/// How much of an error body ends up in `status.error`.
const MAX_ERROR_TEXT: usize = 600;

/// The HTTP client and the patience settings of one provider.
#[derive(Clone)]
pub(crate) struct HttpSettings {
    client: Result<reqwest::Client, String>,
    response_timeout: Duration,
    pub(crate) idle_timeout: Duration,
    max_retries: u32,
    retry_base_delay: Duration,
}

impl HttpSettings {
    pub(crate) fn from_config(config: &LlmConfig) -> Self {
        // reqwest is built with `rustls-no-provider`: it takes the process-wide
        // rustls provider, so make sure there is one (ring; no system OpenSSL).
        // An `Err` only means another provider was installed first, which is fine.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = reqwest::Client::builder()
            .connect_timeout(config.connect_timeout)
            .build()
            .map_err(|error| error.to_string());
        Self {
            client,
            response_timeout: config.response_timeout,
            idle_timeout: config.idle_timeout,
            max_retries: config.max_retries,
            retry_base_delay: config.retry_base_delay,
        }
    }

    pub(crate) fn client(&self) -> Result<&reqwest::Client, LlmError> {
        self.client
            .as_ref()
            .map_err(|message| LlmError::HttpClient(message.clone()))
    }

    /// Sends the request built by `build` until it succeeds, fails for good,
    /// or runs out of retries. Connection failures are not retried: an
    /// endpoint that is down should fail the execution at once, with `hint`.
    pub(crate) async fn send(
        &self,
        provider: &'static str,
        url: &str,
        unreachable_hint: &str,
        build: impl Fn(&reqwest::Client) -> reqwest::RequestBuilder,
    ) -> Result<reqwest::Response, LlmError> {
        let client = self.client()?;
        let mut attempt: u32 = 0;
        loop {
            let mut retry_after = None;
            let error =
                match tokio::time::timeout(self.response_timeout, build(client).send()).await {
                    Err(_) => LlmError::Timeout {
                        provider,
                        seconds: self.response_timeout.as_secs(),
                        stage: "waiting for the response to start",
                    },
                    Ok(Err(error)) if error.is_connect() => {
                        return Err(LlmError::Unreachable {
                            provider,
                            url: url.to_owned(),
                            reason: root_cause(&error),
                            hint: unreachable_hint.to_owned(),
                        });
                    }
                    Ok(Err(error)) if error.is_timeout() => LlmError::Timeout {
                        provider,
                        seconds: self.response_timeout.as_secs(),
                        stage: "waiting for the response to start",
                    },
                    Ok(Err(error)) => LlmError::Stream {
                        provider,
                        message: root_cause(&error),
                    },
                    Ok(Ok(response)) if response.status().is_success() => return Ok(response),
                    Ok(Ok(response)) => {
                        retry_after = retry_after_header(&response);
                        let status = response.status().as_u16();
                        let body = response.text().await.unwrap_or_default();
                        LlmError::Rejected {
                            provider,
                            status,
                            message: error_message_from_body(&body),
                            hint: String::new(),
                        }
                    }
                };
            if !error.is_retryable() || attempt >= self.max_retries {
                return Err(error);
            }
            let delay = retry_after.unwrap_or_else(|| self.backoff(attempt));
            tracing::warn!(
                provider,
                attempt = attempt + 1,
                delay_ms = delay.as_millis() as u64,
                %error,
                "LLM request failed; retrying"
            );
            tokio::time::sleep(delay.min(MAX_BACKOFF)).await;
            attempt += 1;
        }
    }

    /// Exponential backoff with up to 25 % jitter so parallel executions do
    /// not retry in lockstep.
    fn backoff(&self, attempt: u32) -> Duration {
        let base = self
            .retry_base_delay
            .saturating_mul(1u32 << attempt.min(16))
            .min(MAX_BACKOFF);
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|elapsed| elapsed.subsec_nanos())
            .unwrap_or_default();
        let jitter = base.mul_f64(f64::from(nanos % 1000) / 4000.0);
        base + jitter
    }
}

fn retry_after_header(response: &reqwest::Response) -> Option<Duration> {
    let seconds: u64 = response
        .headers()
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()?;
    Some(Duration::from_secs(seconds))
}

/// The innermost error text (e.g. "Connection refused (os error 111)").
fn root_cause(error: &(dyn std::error::Error + 'static)) -> String {
    let mut current = error;
    while let Some(source) = current.source() {
        current = source;
    }
    current.to_string()
}

/// Pulls the human-readable part out of an error body in the usual shapes
/// (`{"error":{"message":…}}`, `{"error":"…"}`, `{"message":…}`).
pub(crate) fn error_message_from_body(body: &str) -> String {
    let from_json = serde_json::from_str::<Value>(body).ok().and_then(|json| {
        let error = json.get("error");
        error
            .and_then(|e| e.get("message"))
            .or(error.filter(|e| e.is_string()))
            .or_else(|| json.get("message"))
            .and_then(Value::as_str)
            .map(str::to_owned)
    });
    let text = from_json.unwrap_or_else(|| body.trim().to_owned());
    if text.is_empty() {
        return "no error message".to_owned();
    }
    truncate(&text, MAX_ERROR_TEXT)
}

pub(crate) fn truncate(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_owned();
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &text[..end])
}

/// Server-sent events of a streaming response.
pub(crate) type SseEvents = Pin<Box<dyn Stream<Item = Result<Sse, sse_stream::Error>> + Send>>;

pub(crate) fn sse_events(response: reqwest::Response) -> SseEvents {
    Box::pin(SseStream::from_bytes_stream(response.bytes_stream()))
}

/// The next event, or `None` at the end of the stream; a silence longer than
/// `idle` is an error so a hung provider cannot hold an execution forever.
pub(crate) async fn next_event(
    events: &mut SseEvents,
    idle: Duration,
    provider: &'static str,
) -> Result<Option<Sse>, LlmError> {
    match tokio::time::timeout(idle, events.next()).await {
        Err(_) => Err(LlmError::Timeout {
            provider,
            seconds: idle.as_secs(),
            stage: "waiting for the next part of the reply",
        }),
        Ok(None) => Ok(None),
        Ok(Some(Ok(event))) => Ok(Some(event)),
        Ok(Some(Err(error))) => Err(LlmError::Stream {
            provider,
            message: error.to_string(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_messages_are_extracted_from_common_shapes() {
        assert_eq!(
            error_message_from_body(r#"{"error":{"message":"model not found","type":"x"}}"#),
            "model not found"
        );
        assert_eq!(
            error_message_from_body(r#"{"error":"model 'x' not found"}"#),
            "model 'x' not found"
        );
        assert_eq!(error_message_from_body("  plain text "), "plain text");
        assert_eq!(error_message_from_body(""), "no error message");
    }

    #[test]
    fn truncation_respects_char_boundaries() {
        assert_eq!(truncate("ééé", 3), "é…");
    }
}
