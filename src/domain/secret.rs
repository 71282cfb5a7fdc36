//! Key secrets: 256 bits from the OS random source behind a recognisable
//! prefix (`kd_gql_…`, `kd_rest_…`) so secret scanners can find a leaked key.
//! Only an HMAC-SHA-256 with the server's pepper is stored: fast enough to
//! check on every API call, useless to whoever copies the table.

use std::fmt;

use super::KeyKind;
use crate::crypto::{hmac_sha256_hex, random_token};

/// Characters of the secret kept to identify a key in lists (prefix + 6).
const SHOWN_CHARS: usize = 6;

pub struct NewSecret {
    plain: String,
    pub prefix: String,
    pub hash: String,
}

impl NewSecret {
    pub fn generate(kind: KeyKind, pepper: &[u8]) -> Self {
        let plain = format!("{}{}", kind.secret_prefix(), random_token(32));
        let prefix = plain[..kind.secret_prefix().len() + SHOWN_CHARS].to_owned();
        let hash = hash(pepper, &plain);
        Self {
            plain,
            prefix,
            hash,
        }
    }

    /// The secret itself: shown once, in the response to its creation.
    pub fn expose(&self) -> &str {
        &self.plain
    }

    /// What is stored of it: the part the database and the core see.
    pub fn stored(&self) -> StoredSecret {
        StoredSecret {
            prefix: self.prefix.clone(),
            hash: self.hash.clone(),
        }
    }
}

/// A secret as keydesk keeps it: its recognisable prefix and its HMAC,
/// never the secret itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredSecret {
    pub prefix: String,
    pub hash: String,
}

impl fmt::Debug for NewSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "NewSecret({}…)", self.prefix)
    }
}

/// What is stored for `secret`, and what verification compares against.
pub fn hash(pepper: &[u8], secret: &str) -> String {
    hmac_sha256_hex(pepper, secret.as_bytes())
}

/// A REST key's public Client Id (128 random bits).
pub fn new_client_id() -> String {
    format!("kd_cid_{}", random_token(16))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_long_prefixed_and_hashed() {
        let s = NewSecret::generate(KeyKind::Graphql, b"pepper");
        assert!(s.expose().starts_with("kd_gql_"));
        assert!(s.expose().len() >= 32 + 7);
        assert!(s.expose().starts_with(&s.prefix));
        assert_eq!(s.hash, hash(b"pepper", s.expose()));
        assert_ne!(s.hash, hash(b"other pepper", s.expose()));
        assert!(!format!("{s:?}").contains(s.expose()));
        let r = NewSecret::generate(KeyKind::Rest, b"pepper");
        assert!(r.expose().starts_with("kd_rest_"));
        assert!(new_client_id().starts_with("kd_cid_"));
    }
}
