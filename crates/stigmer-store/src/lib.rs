//! Storage for Stigmer resources.
//!
//! A `Store` trait over (kind, id) → protobuf bytes plus index rows, with an
//! embedded SQLite backend (the default) and a PostgreSQL backend for shared
//! deployments. Filled in by the storage work.
#![forbid(unsafe_code)]
