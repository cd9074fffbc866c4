//! The Stigmer control plane: domain controllers, downstream (in-process)
//! clients, execution engines, configuration and wiring.
#![forbid(unsafe_code)]
