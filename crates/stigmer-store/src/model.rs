//! The values the store reads and writes. Everything is plain data: the
//! server encodes protobuf and extracts index values, the store never
//! decodes a message.

use std::time::{Duration, SystemTime};

use stigmer_api::ApiResourceKind;

/// The kind as stored in the `kind` column: the `ApiResourceKind` enum value
/// name (`agent_instance`), which is how upstream databases spell it.
pub fn kind_name(kind: ApiResourceKind) -> &'static str {
    kind.as_str_name()
}

/// Parses a stored `kind` column back into a kind; `None` for names this
/// build does not know (rows written by a newer server).
pub fn kind_from_name(name: &str) -> Option<ApiResourceKind> {
    ApiResourceKind::from_str_name(name).filter(|kind| *kind != ApiResourceKind::Unknown)
}

/// A record a child is listed under, e.g. the agent of an agent instance.
///
/// The parent's kind names the relation (`agent` ↔ the child's `agent_id`),
/// so callers never spell field names as strings.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ParentRef {
    pub kind: ApiResourceKind,
    pub id: String,
}

impl ParentRef {
    pub fn new(kind: ApiResourceKind, id: impl Into<String>) -> Self {
        ParentRef {
            kind,
            id: id.into(),
        }
    }
}

/// The index values of one record, extracted by the server from the
/// message it stores (and by the backfill callback from stored bytes).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IndexEntry {
    /// `metadata.org`; empty for records outside any org. Slugs are unique
    /// per (kind, org).
    pub org: String,
    /// `metadata.slug`; `None` (or empty) for records without one.
    pub slug: Option<String>,
    /// Every record this one is listed under (duplicates are ignored).
    pub parents: Vec<ParentRef>,
    /// An execution's phase (the `ExecutionPhase` enum number), filterable
    /// in lists.
    pub phase: Option<i32>,
}

impl IndexEntry {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn org(mut self, org: impl Into<String>) -> Self {
        self.org = org.into();
        self
    }

    pub fn slug(mut self, slug: impl Into<String>) -> Self {
        self.slug = Some(slug.into());
        self
    }

    pub fn parent(mut self, kind: ApiResourceKind, id: impl Into<String>) -> Self {
        self.parents.push(ParentRef::new(kind, id));
        self
    }

    pub fn phase(mut self, phase: i32) -> Self {
        self.phase = Some(phase);
        self
    }

    /// Empty slug → none, parents sorted and deduplicated, so every backend
    /// stores the same rows for the same entry.
    pub(crate) fn normalize(&mut self) {
        if self.slug.as_deref() == Some("") {
            self.slug = None;
        }
        self.parents.sort();
        self.parents.dedup();
    }
}

/// Computes a record's index values from its stored bytes. The SQLite and
/// PostgreSQL backends call it on open for rows that have no index entry
/// yet (an upstream `stigmer.db`, rows written by an upstream server).
pub trait Indexer: Send + Sync + 'static {
    fn index(&self, kind: ApiResourceKind, data: &[u8]) -> IndexEntry;
}

impl<F> Indexer for F
where
    F: Fn(ApiResourceKind, &[u8]) -> IndexEntry + Send + Sync + 'static,
{
    fn index(&self, kind: ApiResourceKind, data: &[u8]) -> IndexEntry {
        self(kind, data)
    }
}

/// An indexer that extracts nothing: every record is listed by kind only.
pub fn no_index(_kind: ApiResourceKind, _data: &[u8]) -> IndexEntry {
    IndexEntry::default()
}

/// A record to write: protobuf bytes plus the index values the server
/// extracted from them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRecord {
    pub kind: ApiResourceKind,
    pub id: String,
    pub data: Vec<u8>,
    pub index: IndexEntry,
}

impl NewRecord {
    pub fn new(kind: ApiResourceKind, id: impl Into<String>, data: impl Into<Vec<u8>>) -> Self {
        NewRecord {
            kind,
            id: id.into(),
            data: data.into(),
            index: IndexEntry::default(),
        }
    }

    pub fn with_index(mut self, index: IndexEntry) -> Self {
        self.index = index;
        self
    }
}

/// A stored record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub kind: ApiResourceKind,
    pub id: String,
    pub data: Vec<u8>,
    /// 1 after creation, +1 on every write; pass it back in
    /// [`PutMode::IfRevision`] to detect concurrent writers.
    pub revision: u64,
}

/// How a put treats an existing record with the same id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PutMode {
    /// Fail with `AlreadyExists` (naming the id) when the id exists.
    CreateOnly,
    /// Create or replace.
    Upsert,
    /// Replace only if the stored revision is this one (`NotFound` when
    /// absent, `RevisionMismatch` when someone wrote in between).
    IfRevision(u64),
}

/// Sort order of lists; both follow creation order (an upsert keeps a
/// record's place).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Order {
    #[default]
    OldestFirst,
    NewestFirst,
}

/// Which page of a list to read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum PagePosition {
    #[default]
    First,
    /// 1-based page number (page-number pagination; `0` reads as `1`).
    /// Skipping to page n costs O(n × page size) index steps; cursors do
    /// not, so prefer them for deep paging.
    Number(u32),
    /// The page after the one that returned this [`Page::next_cursor`].
    /// Cursor paging never skips or repeats a record that existed when
    /// paging began, however many records are added meanwhile.
    After(String),
}

/// A list request: every record of a kind, or the children of one parent,
/// optionally only those in one phase.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListQuery {
    pub kind: ApiResourceKind,
    pub parent: Option<ParentRef>,
    pub phase: Option<i32>,
    /// Only records of this org (`metadata.org`); combines with no parent
    /// or phase filter.
    pub org: Option<String>,
    pub order: Order,
    /// Records per page, 1..=[`ListQuery::MAX_PAGE_SIZE`].
    pub page_size: u32,
    pub position: PagePosition,
}

impl ListQuery {
    /// The largest page a backend hands out in one call.
    pub const MAX_PAGE_SIZE: u32 = 10_000;

    /// The first page of 50 records of `kind`, oldest first.
    pub fn new(kind: ApiResourceKind) -> Self {
        ListQuery {
            kind,
            parent: None,
            phase: None,
            org: None,
            order: Order::OldestFirst,
            page_size: 50,
            position: PagePosition::First,
        }
    }

    pub fn children_of(
        mut self,
        parent_kind: ApiResourceKind,
        parent_id: impl Into<String>,
    ) -> Self {
        self.parent = Some(ParentRef::new(parent_kind, parent_id));
        self
    }

    pub fn phase(mut self, phase: i32) -> Self {
        self.phase = Some(phase);
        self
    }

    pub fn in_org(mut self, org: impl Into<String>) -> Self {
        self.org = Some(org.into());
        self
    }

    pub fn order(mut self, order: Order) -> Self {
        self.order = order;
        self
    }

    pub fn page_size(mut self, page_size: u32) -> Self {
        self.page_size = page_size;
        self
    }

    pub fn page_number(mut self, number: u32) -> Self {
        self.position = PagePosition::Number(number);
        self
    }

    pub fn after(mut self, cursor: impl Into<String>) -> Self {
        self.position = PagePosition::After(cursor.into());
        self
    }
}

/// One page of a list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    pub records: Vec<Record>,
    /// Where the next page starts; `None` on the last page.
    pub next_cursor: Option<String>,
    /// How many records match the query in all (read from counters kept in
    /// the same transactions as the records, not by counting rows).
    pub total: u64,
}

impl Page {
    /// Pages of `page_size` needed for [`Page::total`] records.
    pub fn total_pages(&self, page_size: u32) -> u64 {
        self.total.div_ceil(u64::from(page_size.max(1)))
    }
}

/// A version snapshot to archive (skill versions).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAudit {
    pub kind: ApiResourceKind,
    pub resource_id: String,
    pub data: Vec<u8>,
    /// Content hash of the version; empty when none.
    pub version_hash: String,
    /// Tag of the version; empty when none.
    pub tag: String,
}

/// An archived version snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRecord {
    /// Increasing in insertion order; breaks ties between equal
    /// `archived_at` values.
    pub audit_id: i64,
    pub kind: ApiResourceKind,
    pub resource_id: String,
    pub data: Vec<u8>,
    pub version_hash: String,
    pub tag: String,
    /// When it was archived (SQLite keeps upstream's one-second resolution).
    pub archived_at: SystemTime,
}

/// A unit of background work, enqueued in the same transaction as the
/// records it is about (the outbox).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewJob {
    pub queue: String,
    pub payload: Vec<u8>,
    /// Not claimable before this much time has passed.
    pub delay: Duration,
}

impl NewJob {
    pub fn new(queue: impl Into<String>, payload: impl Into<Vec<u8>>) -> Self {
        NewJob {
            queue: queue.into(),
            payload: payload.into(),
            delay: Duration::ZERO,
        }
    }
}

/// A claimed job. Its lease ends after the duration passed to
/// `claim_jobs`; after that another worker may claim it again (with a
/// higher `attempt`), and this holder's completion fails with `LeaseLost`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    pub id: i64,
    pub queue: String,
    pub payload: Vec<u8>,
    /// 1 on the first claim; fences completions of stale holders.
    pub attempt: u32,
    /// What the previous attempt reported through a retry.
    pub last_error: Option<String>,
}

/// A committed change, published to subscribers after the transaction that
/// made it committed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    Put {
        kind: ApiResourceKind,
        id: String,
    },
    Deleted {
        kind: ApiResourceKind,
        id: String,
    },
    JobEnqueued {
        queue: String,
    },
    /// Changes may have been missed (the connection that carries other
    /// replicas' notifications was lost and re-established): re-read
    /// whatever you watch.
    Resync,
}
