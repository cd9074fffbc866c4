//! protovalidate over the embedded descriptors: every `buf.validate` rule of
//! our protos, CEL included. The gRPC layer validates every request with it;
//! pipelines use it for checks beyond the request.

use std::sync::LazyLock;

pub use prost_protovalidate::{Error as ValidateError, Validator, Violation};
use prost_reflect::ReflectMessage;

static VALIDATOR: LazyLock<Validator> = LazyLock::new(Validator::new);

/// The process-wide validator; compiled rules are cached per message type.
pub fn validator() -> &'static Validator {
    &VALIDATOR
}

/// Validates `message` against its `buf.validate` rules.
pub fn validate<M: ReflectMessage>(message: &M) -> Result<(), ValidateError> {
    VALIDATOR.validate(message)
}
