//! Key secrets and access tokens: a kind prefix (`kd_gql_`, `kd_rest_`,
//! `kd_at_`) so secret scanners can recognise a leaked one, a body of 43
//! base62 characters drawn uniformly from the OS random source (256 bits),
//! and a 6-character base62 CRC32 of prefix and body, so a mistyped or
//! made-up key is refused without touching the database. Only an
//! HMAC-SHA-256 with the server's pepper is stored: fast enough to check on
//! every API call, useless to whoever copies the table.
//!
//! Keys issued before the checksum (prefix + 43 characters of base64url)
//! still verify: `check_format` tells the two apart by length, as the new
//! form is always 49 characters after the prefix.

use std::fmt;

use super::KeyKind;
use crate::crypto::{hmac_sha256_hex, random_bytes, random_token};

/// Characters of the secret kept to identify a key in lists (prefix + 6).
const SHOWN_CHARS: usize = 6;
/// Base62 characters of the random body: 62^43 > 2^256.
pub const BODY_CHARS: usize = 43;
/// Base62 characters of the checksum: 62^6 > 2^32.
pub const CHECKSUM_CHARS: usize = 6;
/// Body length of the secrets issued before the checksum (32 bytes base64url).
const LEGACY_BODY_CHARS: usize = 43;
/// The prefix of OAuth2 access tokens.
pub const TOKEN_PREFIX: &str = "kd_at_";

const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

pub struct NewSecret {
    plain: String,
    pub prefix: String,
    pub hash: String,
}

impl NewSecret {
    pub fn generate(kind: KeyKind, pepper: &[u8]) -> Self {
        Self::with_prefix(kind.secret_prefix(), pepper)
    }

    /// A new OAuth2 access token (same format, its own prefix).
    pub fn access_token(pepper: &[u8]) -> Self {
        Self::with_prefix(TOKEN_PREFIX, pepper)
    }

    fn with_prefix(kind_prefix: &str, pepper: &[u8]) -> Self {
        let body = random_base62(BODY_CHARS);
        let plain = format!("{kind_prefix}{body}{}", checksum(kind_prefix, &body));
        let prefix = plain[..kind_prefix.len() + SHOWN_CHARS].to_owned();
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

/// What a presented credential is, judged from its text alone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// A key's secret (with checksum, or issued before checksums).
    Secret(KeyKind),
    /// An OAuth2 access token.
    AccessToken,
}

/// Why a presented credential is refused before any lookup.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Malformed;

/// Refuses a credential that cannot be one keydesk issued: wrong prefix,
/// length or characters, or a checksum that does not match. No database
/// work, no hash.
pub fn check_format(raw: &str) -> Result<Format, Malformed> {
    let (format, body) = if let Some(b) = raw.strip_prefix(TOKEN_PREFIX) {
        (Format::AccessToken, b)
    } else if let Some(b) = raw.strip_prefix(KeyKind::Graphql.secret_prefix()) {
        (Format::Secret(KeyKind::Graphql), b)
    } else if let Some(b) = raw.strip_prefix(KeyKind::Rest.secret_prefix()) {
        (Format::Secret(KeyKind::Rest), b)
    } else {
        return Err(Malformed);
    };
    let prefix = &raw[..raw.len() - body.len()];
    if body.len() == BODY_CHARS + CHECKSUM_CHARS && body.bytes().all(|b| b.is_ascii_alphanumeric())
    {
        let (random, sum) = body.split_at(BODY_CHARS);
        return if checksum(prefix, random) == sum {
            Ok(format)
        } else {
            Err(Malformed)
        };
    }
    // Issued before checksums: 32 random bytes in base64url; tokens never were.
    let legacy = body.len() == LEGACY_BODY_CHARS
        && body
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if legacy && format != Format::AccessToken {
        Ok(format)
    } else {
        Err(Malformed)
    }
}

/// The CRC32 of prefix and body in 6 base62 characters.
fn checksum(prefix: &str, body: &str) -> String {
    let mut h = crc32fast::Hasher::new();
    h.update(prefix.as_bytes());
    h.update(body.as_bytes());
    let mut n = u64::from(h.finalize());
    let mut out = [b'0'; CHECKSUM_CHARS];
    for c in out.iter_mut().rev() {
        *c = BASE62[(n % 62) as usize];
        n /= 62;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `n` base62 characters, each uniform (bytes of 248 and above are drawn
/// again, so no character is likelier than another).
fn random_base62(n: usize) -> String {
    let mut out = String::with_capacity(n);
    while out.len() < n {
        for b in random_bytes(n) {
            if b < 248 && out.len() < n {
                out.push(BASE62[usize::from(b % 62)] as char);
            }
        }
    }
    out
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

    #[test]
    fn new_secrets_carry_a_checksum() {
        for kind in [KeyKind::Graphql, KeyKind::Rest] {
            let s = NewSecret::generate(kind, b"p");
            let plain = s.expose();
            assert_eq!(plain.len(), kind.secret_prefix().len() + 49);
            assert_eq!(check_format(plain), Ok(Format::Secret(kind)));
            // One character changed anywhere in the body or checksum fails.
            for i in kind.secret_prefix().len()..plain.len() {
                let mut b = plain.as_bytes().to_vec();
                b[i] = if b[i] == b'a' { b'b' } else { b'a' };
                let bad = String::from_utf8(b).unwrap();
                assert_eq!(check_format(&bad), Err(Malformed), "{i}");
            }
        }
        let t = NewSecret::access_token(b"p");
        assert!(t.expose().starts_with("kd_at_"));
        assert_eq!(check_format(t.expose()), Ok(Format::AccessToken));
    }

    #[test]
    fn old_secrets_still_pass_the_format_check() {
        let old = format!("kd_rest_{}", random_token(32));
        assert_eq!(check_format(&old), Ok(Format::Secret(KeyKind::Rest)));
        let old = format!("kd_gql_{}", random_token(32));
        assert_eq!(check_format(&old), Ok(Format::Secret(KeyKind::Graphql)));
        // Tokens always had checksums.
        assert_eq!(
            check_format(&format!("kd_at_{}", random_token(32))),
            Err(Malformed)
        );
    }

    #[test]
    fn malformed_credentials() {
        for bad in [
            "",
            "kd_rest_",
            "kd_rest_short",
            "Bearer kd_rest_x",
            "kd_xyz_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            &format!("kd_rest_{}!", "a".repeat(42)),
            &format!("kd_gql_{}", "a".repeat(50)),
            &format!("kd_gql_{}é", "a".repeat(47)),
        ] {
            assert_eq!(check_format(bad), Err(Malformed), "{bad}");
        }
    }
}
