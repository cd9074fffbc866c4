//! Provider failures, worded for the person reading `status.error`.

/// Why a model request failed. The `Display` text is what lands in
/// `status.error`, so each variant says what to do about it.
#[derive(Debug, thiserror::Error)]
pub enum LlmError {
    /// Nothing listens at the configured endpoint.
    #[error("cannot reach {provider} at {url}: {reason}. {hint}")]
    Unreachable {
        /// Provider name.
        provider: &'static str,
        /// The endpoint tried.
        url: String,
        /// Low-level cause (connection refused, DNS…).
        reason: String,
        /// How to fix it.
        hint: String,
    },
    /// The provider needs a key and none is configured.
    #[error(
        "STIGMER_LLM_PROVIDER={provider} needs an API key: set {variable} (or STIGMER_LLM_API_KEY)"
    )]
    MissingApiKey {
        /// Provider name.
        provider: &'static str,
        /// The variable to set.
        variable: &'static str,
    },
    /// The HTTP client could not be built (TLS setup).
    #[error("could not set up the HTTP client for the LLM provider: {0}")]
    HttpClient(String),
    /// The configured base URL is not a URL.
    #[error("STIGMER_LLM_BASE_URL={url:?} is not a valid URL: {reason}")]
    InvalidBaseUrl {
        /// The rejected text.
        url: String,
        /// Parser message.
        reason: String,
    },
    /// The provider answered with an error status.
    #[error("{provider} refused the request (HTTP {status}): {message}{hint}")]
    Rejected {
        /// Provider name.
        provider: &'static str,
        /// HTTP status code.
        status: u16,
        /// The provider's error message.
        message: String,
        /// Extra advice, empty or starting with a separator.
        hint: String,
    },
    /// No answer in time.
    #[error("{provider} did not answer within {seconds} s ({stage})")]
    Timeout {
        /// Provider name.
        provider: &'static str,
        /// The timeout that expired.
        seconds: u64,
        /// What we were waiting for.
        stage: &'static str,
    },
    /// The reply stream broke or contained something we cannot read.
    #[error("{provider} sent a broken reply stream: {message}")]
    Stream {
        /// Provider name.
        provider: &'static str,
        /// What went wrong.
        message: String,
    },
}

impl LlmError {
    /// Whether trying the same request again may help.
    pub(crate) fn is_retryable(&self) -> bool {
        match self {
            Self::Rejected { status, .. } => *status == 429 || *status == 408 || *status >= 500,
            Self::Timeout { .. } => true,
            _ => false,
        }
    }
}
