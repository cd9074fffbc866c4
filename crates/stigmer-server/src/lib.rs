//! The Stigmer control plane: one controller per resource kind
//! (`domain/<kind>/`, a file per rpc, each rpc a pipeline of steps),
//! downstream clients through which a kind calls another kind
//! (`downstream/`, over the in-process channel so every layer runs), and the
//! wiring that serves them (`app`).
#![forbid(unsafe_code)]

pub mod app;
pub mod config;
pub mod domain;
pub mod downstream;
pub mod engine;
mod facts;
pub mod secrets;
pub mod streams;

pub use app::App;
pub use config::Config;
