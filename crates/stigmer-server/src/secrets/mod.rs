//! Secret values of environments and execution contexts are encrypted at
//! rest (AES-256-GCM) and decrypted only in the answer to the caller, so a
//! copied database file or backup does not leak them.

mod cipher;
mod steps;

pub use cipher::{KeyError, SecretCipher, SecretError};
pub use steps::{HasSecrets, OpenSecrets, SealSecrets, SecretValue};
