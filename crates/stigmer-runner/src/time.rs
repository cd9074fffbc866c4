//! Timestamps as the status fields want them: ISO-8601 strings.

use std::time::SystemTime;

/// The current time as an RFC 3339 (ISO-8601) UTC string with milliseconds,
/// e.g. `2026-01-21T10:04:05.123Z`.
pub(crate) fn now_iso8601() -> String {
    humantime::format_rfc3339_millis(SystemTime::now()).to_string()
}
