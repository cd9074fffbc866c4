//! The local server: where its files live, how it is started, stopped and
//! asked about its health.

pub mod address;
pub mod health;
pub mod lifecycle;
pub mod logs;
pub mod paths;
pub mod pidfile;
pub mod process;
