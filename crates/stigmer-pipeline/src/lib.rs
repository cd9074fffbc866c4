//! Request pipelines: every rpc handler is a named, ordered list of steps over
//! a typed request context, with compensations that undo nested side effects
//! when a later step fails. Filled in by the controller work.
#![forbid(unsafe_code)]
