//! The RPC runtime shared by every Stigmer service.
//!
//! One function builds the tower layer stack (request id and tracing, panic
//! recovery, identity, resource-kind injection, protovalidate, audit); the
//! network server and the in-process channel both wrap that same stack, so a
//! nested call made from inside the server passes every layer a network call
//! does. Filled in by the RPC-runtime work; this crate knows no domain code.
#![forbid(unsafe_code)]
