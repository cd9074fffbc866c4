//! Audit records: one per completed call, handed to a pluggable sink.

use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use stigmer_api::ApiResourceKind;
use tonic::Code;

use crate::context::{Identity, Transport};
use crate::observe::code_name;

/// Who did what to which resource, and how it ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRecord {
    pub request_id: String,
    /// `None` when the caller could not be identified: the call was
    /// refused with `UNAUTHENTICATED`.
    pub identity: Option<Identity>,
    pub transport: Transport,
    /// The full method path, `/package.Service/rpc`.
    pub method: String,
    pub kind: Option<ApiResourceKind>,
    /// The resource the call read or wrote, where known (see
    /// [`crate::ResourceId`]).
    pub resource_id: Option<String>,
    pub code: Code,
    /// The status message of a failed call.
    pub message: Option<String>,
    pub duration: Duration,
}

/// Where audit records go. Called on the response path of every call, so
/// it must not block: hand records to a channel if the destination is slow.
pub trait AuditSink: Send + Sync + 'static {
    fn record(&self, record: AuditRecord);
}

/// The default sink: one structured `tracing` event per record, target
/// `stigmer::audit`, level INFO.
#[derive(Debug, Default, Clone, Copy)]
pub struct TracingAuditSink;

impl AuditSink for TracingAuditSink {
    fn record(&self, record: AuditRecord) {
        tracing::info!(
            target: "stigmer::audit",
            request_id = %record.request_id,
            identity = record.identity.as_ref().map(tracing::field::display),
            transport = %record.transport,
            method = %record.method,
            kind = record.kind.map(|kind| tracing::field::display(kind.as_str_name())),
            resource_id = record.resource_id.as_deref(),
            code = %code_name(record.code),
            message = record.message.as_deref(),
            duration_us = u64::try_from(record.duration.as_micros()).unwrap_or(u64::MAX),
            "audit"
        );
    }
}

/// Keeps records in memory, for tests.
#[derive(Debug, Default)]
pub struct MemoryAuditSink {
    records: Mutex<Vec<AuditRecord>>,
}

impl MemoryAuditSink {
    pub fn new() -> Self {
        Self::default()
    }

    /// Every record so far, oldest first.
    pub fn records(&self) -> Vec<AuditRecord> {
        self.lock().clone()
    }

    /// Removes and returns every record so far.
    pub fn take(&self) -> Vec<AuditRecord> {
        std::mem::take(&mut *self.lock())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<AuditRecord>> {
        // A panic while pushing cannot leave the vector inconsistent.
        self.records.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl AuditSink for MemoryAuditSink {
    fn record(&self, record: AuditRecord) {
        self.lock().push(record);
    }
}
