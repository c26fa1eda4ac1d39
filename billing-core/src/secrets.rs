//! Credentials at rest: gateway secrets (API keys, webhook signing secrets) are sealed with an
//! AEAD (XChaCha20-Poly1305, RustCrypto) under the operator's key before they are stored, and
//! opened only where a gateway is built. A database dump or a read-only SQL grant no longer
//! reveals them. Also the one generator of random secrets (webhook signing secrets).
//!
//! Stored form of a sealed value: `sealed:v1:<hint>:<hex of nonce ‖ ciphertext>`. The hint is
//! the last four characters of a secret of 16 or more characters (what the API shows anyway, so
//! that two keys can be told apart), empty for shorter ones. The JSON key the value is stored
//! under is the AEAD's associated data: a sealed `api_key` cannot be moved into `webhook_secret`.

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::RngCore;

const PREFIX: &str = "sealed:v1:";
const NONCE_LEN: usize = 24;
/// Length of an operator key, in bytes (given as 64 hex digits).
pub const KEY_LEN: usize = 32;

/// Keys of a gateway config whose values are credentials. Anything named like a secret, a key, a
/// password or a token is one.
pub fn is_secret_key(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    k.contains("secret") || k.contains("key") || k.contains("password") || k.contains("token")
}

/// A random secret: `prefix` and 32 random bytes in hex (256 bits, from the OS-seeded CSPRNG).
pub fn random_secret(prefix: &str) -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    format!("{prefix}{}", to_hex(&bytes))
}

fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn from_hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len()).step_by(2).map(|i| text.get(i..i + 2).and_then(|h| u8::from_str_radix(h, 16).ok())).collect()
}

/// The hint kept beside a sealed secret, if its stored form carries one.
pub fn hint(stored: &str) -> Option<&str> {
    let rest = stored.strip_prefix(PREFIX)?;
    let (hint, _) = rest.rsplit_once(':')?;
    Some(hint)
}

pub fn is_sealed(stored: &str) -> bool {
    stored.starts_with(PREFIX)
}

/// Why a secret could not be opened.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SealError {
    #[error("the secrets key must be {KEY_LEN} bytes written as 64 hex digits")]
    BadKey,
    #[error("a stored secret is damaged")]
    Malformed,
    /// Sealed under another key (the operator's key changed), or tampered with.
    #[error("a stored secret cannot be opened with the configured secrets key")]
    WrongKey,
}

/// The operator's key, ready to seal and open. Its `Debug` shows nothing of the key.
#[derive(Clone)]
pub struct SecretBox {
    cipher: XChaCha20Poly1305,
}

impl std::fmt::Debug for SecretBox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretBox([redacted])")
    }
}

impl SecretBox {
    pub fn new(key: &[u8; KEY_LEN]) -> Self {
        Self { cipher: XChaCha20Poly1305::new(key.into()) }
    }

    /// From 64 hex digits (the form of `secrets.key` and of the key file).
    pub fn from_hex(text: &str) -> Result<Self, SealError> {
        let bytes = from_hex(text.trim()).ok_or(SealError::BadKey)?;
        let key: [u8; KEY_LEN] = bytes.try_into().map_err(|_| SealError::BadKey)?;
        Ok(Self::new(&key))
    }

    /// A key that lives as long as the process: for tests and for tools that store nothing.
    pub fn ephemeral() -> Self {
        let mut key = [0u8; KEY_LEN];
        rand::rng().fill_bytes(&mut key);
        Self::new(&key)
    }

    /// A new random key in its hex form, for a key file.
    pub fn generate_hex() -> String {
        let mut key = [0u8; KEY_LEN];
        rand::rng().fill_bytes(&mut key);
        to_hex(&key)
    }

    /// Seals `plaintext`, stored under the config key `field`. A fresh random nonce each time:
    /// XChaCha's 192-bit nonces make random ones safe.
    pub fn seal(&self, field: &str, plaintext: &str) -> String {
        let mut nonce = [0u8; NONCE_LEN];
        rand::rng().fill_bytes(&mut nonce);
        // Encryption in memory of a short string cannot fail (only lengths beyond 2^38 bytes do).
        let sealed = self
            .cipher
            .encrypt(XNonce::from_slice(&nonce), Payload { msg: plaintext.as_bytes(), aad: field.as_bytes() })
            .unwrap_or_default();
        let hint: String = if plaintext.chars().count() >= 16 {
            let tail: Vec<char> = plaintext.chars().rev().take(4).collect();
            tail.into_iter().rev().collect()
        } else {
            String::new()
        };
        format!("{PREFIX}{hint}:{}{}", to_hex(&nonce), to_hex(&sealed))
    }

    /// Opens a stored value of `field`. A value that is not sealed is returned as it is: secrets
    /// stored before sealing existed keep working until they are rotated.
    pub fn open(&self, field: &str, stored: &str) -> Result<String, SealError> {
        let Some(rest) = stored.strip_prefix(PREFIX) else {
            return Ok(stored.to_owned());
        };
        let (_, data) = rest.rsplit_once(':').ok_or(SealError::Malformed)?;
        let bytes = from_hex(data).ok_or(SealError::Malformed)?;
        if bytes.len() < NONCE_LEN {
            return Err(SealError::Malformed);
        }
        let (nonce, sealed) = bytes.split_at(NONCE_LEN);
        let plain = self
            .cipher
            .decrypt(XNonce::from_slice(nonce), Payload { msg: sealed, aad: field.as_bytes() })
            .map_err(|_| SealError::WrongKey)?;
        String::from_utf8(plain).map_err(|_| SealError::Malformed)
    }

    /// `config` with every string under a secret-named key sealed (nested objects included);
    /// values sealed already stay as they are.
    pub fn seal_config(&self, config: &serde_json::Value) -> serde_json::Value {
        self.map_secrets(config, &mut |field, value| {
            Ok(if is_sealed(value) { value.to_owned() } else { self.seal(field, value) })
        })
        .unwrap_or_else(|_: SealError| config.clone())
    }

    /// `config` with every sealed secret opened, for building the gateway.
    pub fn open_config(&self, config: &serde_json::Value) -> Result<serde_json::Value, SealError> {
        self.map_secrets(config, &mut |field, value| self.open(field, value))
    }

    fn map_secrets(
        &self,
        config: &serde_json::Value,
        f: &mut dyn FnMut(&str, &str) -> Result<String, SealError>,
    ) -> Result<serde_json::Value, SealError> {
        Ok(match config {
            serde_json::Value::Object(map) => {
                let mut out = serde_json::Map::new();
                for (k, v) in map {
                    let value = match v {
                        serde_json::Value::String(s) if is_secret_key(k) => serde_json::Value::String(f(k, s)?),
                        other => self.map_secrets(other, f)?,
                    };
                    out.insert(k.clone(), value);
                }
                serde_json::Value::Object(out)
            }
            other => other.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_sealed_secret_opens_with_its_key_and_field_only() {
        let key = SecretBox::ephemeral();
        let sealed = key.seal("webhook_secret", "whsec_0123456789abcdefWXYZ");
        assert!(sealed.starts_with("sealed:v1:WXYZ:"), "{sealed}");
        assert!(!sealed.contains("0123456789abcdef"));
        assert_eq!(key.open("webhook_secret", &sealed).unwrap(), "whsec_0123456789abcdefWXYZ");
        assert_eq!(key.open("api_key", &sealed), Err(SealError::WrongKey));
        assert_eq!(SecretBox::ephemeral().open("webhook_secret", &sealed), Err(SealError::WrongKey));
        // Two seals of one secret differ (fresh nonce) and both open.
        assert_ne!(key.seal("f", "same"), key.seal("f", "same"));
        assert_eq!(hint(&key.seal("f", "short")), Some(""));
    }

    #[test]
    fn configs_are_sealed_by_key_name_and_legacy_plain_values_still_open() {
        let key = SecretBox::ephemeral();
        let config =
            json!({ "secret_key": "sk_test_abcdefghijklmnop", "api_base": "http://x", "nested": { "api_key": "k" } });
        let sealed = key.seal_config(&config);
        assert!(is_sealed(sealed["secret_key"].as_str().unwrap()));
        assert!(is_sealed(sealed["nested"]["api_key"].as_str().unwrap()));
        assert_eq!(sealed["api_base"], "http://x");
        assert_eq!(key.seal_config(&sealed)["secret_key"], sealed["secret_key"], "sealing twice changes nothing");
        assert_eq!(key.open_config(&sealed).unwrap(), config);
        assert_eq!(key.open_config(&config).unwrap(), config, "plain values from before sealing");
    }

    #[test]
    fn keys_are_64_hex_digits() {
        assert!(SecretBox::from_hex(&SecretBox::generate_hex()).is_ok());
        assert_eq!(SecretBox::from_hex("abcd").unwrap_err(), SealError::BadKey);
        assert_eq!(SecretBox::from_hex(&"zz".repeat(32)).unwrap_err(), SealError::BadKey);
        assert!(random_secret("whsec_").len() == 6 + 64);
        assert_ne!(random_secret("x"), random_secret("x"));
    }
}
