//! The key and the sealed-value format: `enc:v1:` + base64(nonce ‖
//! ciphertext ‖ tag). The associated data binds a value to its resource and
//! entry, so ciphertexts cannot be moved between entries unnoticed.

use std::fmt;
use std::io::Write;
use std::path::Path;
use std::sync::Arc;

use aes_gcm::aead::{Aead, Generate, Key, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;

const SEALED_PREFIX: &str = "enc:v1:";
const NONCE_LEN: usize = 12;
const KEY_LEN: usize = 32;

/// Why no key could be had.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("STIGMER_ENCRYPTION_KEY must be base64 of exactly 32 bytes")]
    Malformed,
    #[error("cannot read or create the encryption key file {path}: {source}")]
    File {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("the operating system random generator failed: {0}")]
    Random(String),
}

/// Why a value could not be sealed or opened. Never carries the value.
#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error("encryption failed")]
    Encrypt,
    #[error(
        "stored secret cannot be decrypted (was the database written with another encryption key?)"
    )]
    Decrypt,
}

/// AES-256-GCM over secret values. Cheap to clone.
#[derive(Clone)]
pub struct SecretCipher {
    cipher: Arc<Aes256Gcm>,
}

impl fmt::Debug for SecretCipher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretCipher(..)")
    }
}

impl SecretCipher {
    /// A cipher over a base64-encoded 32-byte key (`STIGMER_ENCRYPTION_KEY`).
    pub fn from_base64(encoded: &str) -> Result<Self, KeyError> {
        let bytes = STANDARD
            .decode(encoded.trim())
            .map_err(|_| KeyError::Malformed)?;
        Self::from_bytes(&bytes)
    }

    fn from_bytes(bytes: &[u8]) -> Result<Self, KeyError> {
        if bytes.len() != KEY_LEN {
            return Err(KeyError::Malformed);
        }
        let cipher = Aes256Gcm::new_from_slice(bytes).map_err(|_| KeyError::Malformed)?;
        Ok(SecretCipher {
            cipher: Arc::new(cipher),
        })
    }

    /// A cipher over a fresh random key (tests, throwaway servers).
    pub fn generate() -> Result<Self, KeyError> {
        let key = Key::<Aes256Gcm>::try_generate().map_err(|e| KeyError::Random(e.to_string()))?;
        Self::from_bytes(key.as_slice())
    }

    /// The key in `path` (base64), created with mode 0600 on first use so
    /// a laptop install needs no configuration.
    pub fn load_or_create(path: &Path) -> Result<Self, KeyError> {
        let file_error = |source| KeyError::File {
            path: path.display().to_string(),
            source,
        };
        match std::fs::read_to_string(path) {
            Ok(encoded) => return Self::from_base64(&encoded),
            Err(error) if error.kind() != std::io::ErrorKind::NotFound => {
                return Err(file_error(error));
            }
            Err(_) => {}
        }
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(file_error)?;
        }
        let key = Key::<Aes256Gcm>::try_generate().map_err(|e| KeyError::Random(e.to_string()))?;
        let encoded = STANDARD.encode(key.as_slice());
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        match options.open(path) {
            Ok(mut file) => {
                file.write_all(encoded.as_bytes()).map_err(file_error)?;
                file.sync_all().map_err(file_error)?;
                tracing::info!(path = %path.display(), "generated a new encryption key for secrets");
                Self::from_bytes(key.as_slice())
            }
            // Another process created it first: use theirs.
            Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => {
                let encoded = std::fs::read_to_string(path).map_err(file_error)?;
                Self::from_base64(&encoded)
            }
            Err(error) => Err(file_error(error)),
        }
    }

    /// Encrypts `plaintext` bound to `context` (resource id and entry key).
    pub fn seal(&self, plaintext: &str, context: &str) -> Result<String, SecretError> {
        let nonce = Nonce::try_generate().map_err(|_| SecretError::Encrypt)?;
        let ciphertext = self
            .cipher
            .encrypt(
                &nonce,
                Payload {
                    msg: plaintext.as_bytes(),
                    aad: context.as_bytes(),
                },
            )
            .map_err(|_| SecretError::Encrypt)?;
        let mut sealed = nonce.to_vec();
        sealed.extend_from_slice(&ciphertext);
        Ok(format!("{SEALED_PREFIX}{}", STANDARD.encode(sealed)))
    }

    /// Decrypts a value [`seal`](Self::seal) made with the same context.
    /// A value without the sealed prefix was stored in plain text (by an
    /// upstream server) and is returned as it is.
    pub fn open(&self, stored: &str, context: &str) -> Result<String, SecretError> {
        let Some(encoded) = stored.strip_prefix(SEALED_PREFIX) else {
            return Ok(stored.to_owned());
        };
        let sealed = STANDARD.decode(encoded).map_err(|_| SecretError::Decrypt)?;
        if sealed.len() < NONCE_LEN {
            return Err(SecretError::Decrypt);
        }
        let (nonce, ciphertext) = sealed.split_at(NONCE_LEN);
        let nonce = Nonce::try_from(nonce).map_err(|_| SecretError::Decrypt)?;
        let plaintext = self
            .cipher
            .decrypt(
                &nonce,
                Payload {
                    msg: ciphertext,
                    aad: context.as_bytes(),
                },
            )
            .map_err(|_| SecretError::Decrypt)?;
        String::from_utf8(plaintext).map_err(|_| SecretError::Decrypt)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn sealed_value_hides_the_plaintext_and_opens_again() {
        let cipher = SecretCipher::generate().unwrap();
        let sealed = cipher.seal("hunter2", "env-1/DB_PASSWORD").unwrap();
        assert!(sealed.starts_with(SEALED_PREFIX));
        assert!(!sealed.contains("hunter2"));
        assert_eq!(
            cipher.open(&sealed, "env-1/DB_PASSWORD").unwrap(),
            "hunter2"
        );
    }

    #[test]
    fn a_value_moved_to_another_entry_or_key_does_not_open() {
        let cipher = SecretCipher::generate().unwrap();
        let sealed = cipher.seal("hunter2", "env-1/DB_PASSWORD").unwrap();
        assert!(cipher.open(&sealed, "env-2/DB_PASSWORD").is_err());
        let other = SecretCipher::generate().unwrap();
        assert!(other.open(&sealed, "env-1/DB_PASSWORD").is_err());
    }

    #[test]
    fn plain_values_from_upstream_databases_pass_through() {
        let cipher = SecretCipher::generate().unwrap();
        assert_eq!(cipher.open("legacy", "env-1/K").unwrap(), "legacy");
    }

    #[test]
    fn key_file_is_created_private_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nested/encryption.key");
        let first = SecretCipher::load_or_create(&path).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let sealed = first.seal("s3cret", "ctx").unwrap();
        let second = SecretCipher::load_or_create(&path).unwrap();
        assert_eq!(second.open(&sealed, "ctx").unwrap(), "s3cret");
    }

    #[test]
    fn malformed_keys_are_rejected() {
        assert!(SecretCipher::from_base64("not base64!").is_err());
        assert!(SecretCipher::from_base64(&STANDARD.encode([0u8; 16])).is_err());
        assert!(SecretCipher::from_base64(&STANDARD.encode([7u8; 32])).is_ok());
    }
}
