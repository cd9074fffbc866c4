//! The agent runner: assembles an execution's context, drives the LLM tool
//! loop and reports progress through `updateStatus`. Filled in by the runner
//! work.
#![forbid(unsafe_code)]
