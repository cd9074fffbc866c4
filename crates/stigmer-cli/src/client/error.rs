//! Errors of talking to the server, turned into sentences that say what to
//! do next. This is the one place where gRPC status codes become messages.

use std::error::Error as _;

use tonic::Code;

use crate::server::address::ServerAddress;

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("{}", unreachable_message(.address, .reason))]
    Unreachable {
        address: ServerAddress,
        reason: String,
    },
    #[error("the token is not a valid header value")]
    BadToken,
    #[error("{message}")]
    NotFound { message: String },
    #[error("the server rejected the request: {0}")]
    InvalidArgument(String),
    #[error("{0} already exists")]
    AlreadyExists(String),
    #[error(
        "the server refused the credentials ({0}); pass a valid token with --token or STIGMER_TOKEN"
    )]
    Unauthenticated(String),
    #[error("not allowed: {0}")]
    PermissionDenied(String),
    #[error("the server does not offer {0}; is it an older or different server?")]
    Unimplemented(String),
    #[error("{operation} is not offered by the Stigmer API for {kind}s{hint}")]
    Unsupported {
        operation: &'static str,
        kind: String,
        hint: String,
    },
    #[error("server error ({code:?}): {message}")]
    Server { code: Code, message: String },
    #[error("{0}")]
    Invalid(String),
}

fn unreachable_message(address: &ServerAddress, reason: &str) -> String {
    let hint = if address.is_local() {
        "Start it with `stigmer server start` (or check `stigmer server status`), \
         or point --server / STIGMER_SERVER_ADDR at a running server."
    } else {
        "Check the address (--server / STIGMER_SERVER_ADDR) and that the server is up."
    };
    format!("cannot reach the stigmer server at {address} ({reason}).\n{hint}")
}

impl ClientError {
    pub fn unreachable(address: &ServerAddress, error: &dyn std::error::Error) -> Self {
        Self::Unreachable {
            address: address.clone(),
            reason: root_cause(error),
        }
    }

    /// Maps a status returned by the server. `UNAVAILABLE` raised by the
    /// transport (the connection dropped) is a reachability problem.
    pub fn from_status(status: tonic::Status, address: &ServerAddress) -> Self {
        let message = status.message().to_owned();
        match status.code() {
            Code::NotFound => Self::NotFound { message },
            Code::InvalidArgument => Self::InvalidArgument(message),
            Code::AlreadyExists => Self::AlreadyExists(message),
            Code::Unauthenticated => Self::Unauthenticated(message),
            Code::PermissionDenied => Self::PermissionDenied(message),
            Code::Unimplemented => Self::Unimplemented(message),
            Code::Unavailable if status.source().is_some() || message.contains("connect") => {
                Self::Unreachable {
                    address: address.clone(),
                    reason: if message.is_empty() {
                        "connection lost".to_owned()
                    } else {
                        message
                    },
                }
            }
            code => Self::Server { code, message },
        }
    }

    pub fn is_not_found(&self) -> bool {
        matches!(self, Self::NotFound { .. })
    }

    #[cfg(test)]
    pub fn is_unreachable(&self) -> bool {
        matches!(self, Self::Unreachable { .. })
    }
}

/// The innermost cause, which is what says "Connection refused".
fn root_cause(error: &dyn std::error::Error) -> String {
    let mut current = error;
    while let Some(next) = current.source() {
        current = next;
    }
    let text = current.to_string();
    // std's io::Error text carries "(os error 111)"; people need the words.
    match text.find(" (os error") {
        Some(i) => text[..i].to_lowercase(),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unreachable_local_server_says_how_to_start_it() {
        let address = ServerAddress::parse("127.0.0.1:7234").unwrap();
        let err = ClientError::Unreachable {
            address,
            reason: "connection refused".into(),
        };
        let text = err.to_string();
        assert!(text.contains("cannot reach the stigmer server at 127.0.0.1:7234"));
        assert!(text.contains("stigmer server start"));
    }

    #[test]
    fn status_codes_become_their_variant() {
        let address = ServerAddress::parse("127.0.0.1:7234").unwrap();
        let err =
            ClientError::from_status(tonic::Status::not_found("Agent not found: x"), &address);
        assert!(err.is_not_found());
        let err = ClientError::from_status(tonic::Status::unavailable("temporal down"), &address);
        assert!(
            !err.is_unreachable(),
            "a server-side UNAVAILABLE is a server error"
        );
    }
}
