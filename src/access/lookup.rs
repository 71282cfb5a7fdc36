//! From a presented credential to what `decide` reads: the format check (no
//! database), the HMAC, and the lookup of the key's state. Callers go
//! through `cache::KeyCache` first (see there how a change is seen by the
//! next request here and within a second on every other instance).

use diesel::prelude::*;

use super::decision::{KeySnapshot, Presented, SecretUse, StoreRef, TokenUse};
use crate::db::DbConnection;
use crate::domain::permission::{Grant, GrantSet};
use crate::domain::secret::{self, check_format, Format};
use crate::domain::KeyKind;
use crate::models::api_key::ApiKey;
use crate::models::{access_token, store};
use crate::models::{key_grant, key_method};
use crate::schema::{api_key_secrets, api_keys};

/// A credential after the checks that need no database.
#[derive(Clone, Debug)]
pub enum Checked {
    Malformed,
    WellFormed { format: Format, hash: String },
}

impl Checked {
    /// Checks the format and, when it passes, computes the HMAC.
    pub fn new(raw: &str, pepper: &[u8]) -> Self {
        match check_format(raw) {
            Ok(format) => Self::WellFormed {
                format,
                hash: secret::hash(pepper, raw),
            },
            Err(_) => Self::Malformed,
        }
    }

    /// The HMAC of a well-formed credential (the cache's key).
    pub fn hash(&self) -> Option<&str> {
        match self {
            Self::WellFormed { hash, .. } => Some(hash),
            Self::Malformed => None,
        }
    }

    pub fn is_token(&self) -> bool {
        matches!(
            self,
            Self::WellFormed {
                format: Format::AccessToken,
                ..
            }
        )
    }

    pub fn kind(&self) -> Option<KeyKind> {
        match self {
            Self::WellFormed {
                format: Format::Secret(k),
                ..
            } => Some(*k),
            _ => None,
        }
    }
}

/// The key a credential belongs to (None when nothing matched) and what was
/// presented. A miss does the same queries as a hit (on a key id that
/// cannot exist), so the answer takes the same time either way.
pub fn look_up(
    conn: &mut DbConnection,
    checked: &Checked,
) -> QueryResult<(Option<KeySnapshot>, Presented)> {
    let Checked::WellFormed { format, hash } = checked else {
        return Ok((None, Presented::Malformed));
    };
    match format {
        Format::Secret(_) => {
            let row = api_key_secrets::table
                .inner_join(api_keys::table)
                .filter(api_key_secrets::hash.eq(hash))
                .select((
                    api_key_secrets::id,
                    api_key_secrets::retires_at,
                    api_key_secrets::retiring_since,
                    ApiKey::as_select(),
                ))
                .first::<(
                    i64,
                    Option<chrono::NaiveDateTime>,
                    Option<chrono::NaiveDateTime>,
                    ApiKey,
                )>(conn)
                .optional()?;
            match row {
                Some((secret_id, retires_at, retiring_since, key)) => {
                    let snap = snapshot(conn, key)?;
                    Ok((
                        Some(snap),
                        Presented::Secret(SecretUse {
                            secret_id,
                            retires_at,
                            retiring_since,
                        }),
                    ))
                }
                None => {
                    dummy_work(conn)?;
                    Ok((None, Presented::Unknown))
                }
            }
        }
        Format::AccessToken => {
            let Some(t) = access_token::find_by_hash(conn, hash)? else {
                dummy_work(conn)?;
                return Ok((None, Presented::Unknown));
            };
            let row = api_key_secrets::table
                .inner_join(api_keys::table)
                .filter(api_key_secrets::id.eq(t.secret_id))
                .filter(api_keys::id.eq(t.api_key_id))
                .select((
                    api_key_secrets::retires_at,
                    api_key_secrets::retiring_since,
                    ApiKey::as_select(),
                ))
                .first::<(
                    Option<chrono::NaiveDateTime>,
                    Option<chrono::NaiveDateTime>,
                    ApiKey,
                )>(conn)
                .optional()?;
            let Some((retires_at, retiring_since, key)) = row else {
                return Ok((None, Presented::Unknown));
            };
            let snap = snapshot(conn, key)?;
            Ok((
                Some(snap),
                Presented::Token(TokenUse {
                    token_id: t.id,
                    secret: SecretUse {
                        secret_id: t.secret_id,
                        retires_at,
                        retiring_since,
                    },
                    issued_at: t.issued_at,
                    expires_at: t.expires_at,
                    scope: parse_scope(&t.scope),
                }),
            ))
        }
    }
}

/// A key's state by its id, with its current secret as if presented (the
/// "Would this be allowed?" page: an admin names a key, never a secret).
/// The current secret is the one not retiring, else the newest.
pub fn by_key_id(
    conn: &mut DbConnection,
    key_id: i64,
) -> QueryResult<Option<(KeySnapshot, Presented)>> {
    let Some(key) = api_keys::table
        .find(key_id)
        .select(ApiKey::as_select())
        .first::<ApiKey>(conn)
        .optional()?
    else {
        return Ok(None);
    };
    let secret = api_key_secrets::table
        .filter(api_key_secrets::api_key_id.eq(key_id))
        .order((
            api_key_secrets::retires_at.is_not_null(),
            api_key_secrets::id.desc(),
        ))
        .select((
            api_key_secrets::id,
            api_key_secrets::retires_at,
            api_key_secrets::retiring_since,
        ))
        .first::<(
            i64,
            Option<chrono::NaiveDateTime>,
            Option<chrono::NaiveDateTime>,
        )>(conn)
        .optional()?;
    let presented = match secret {
        Some((secret_id, retires_at, retiring_since)) => Presented::Secret(SecretUse {
            secret_id,
            retires_at,
            retiring_since,
        }),
        None => Presented::Unknown,
    };
    Ok(Some((snapshot(conn, key)?, presented)))
}

/// A stored scope; items no longer known are dropped (deny by default).
pub fn parse_scope(raw: &str) -> GrantSet {
    raw.split_ascii_whitespace()
        .filter_map(|s| Grant::parse_scope(s).ok())
        .collect()
}

fn snapshot(conn: &mut DbConnection, key: ApiKey) -> QueryResult<KeySnapshot> {
    let grants = key_grant::grants_of(conn, key.id)?;
    let stores = key_grant::store_access_of(conn, key.id, key.all_stores)?;
    Ok(KeySnapshot {
        key_id: key.id,
        kind: KeyKind::parse(&key.kind).unwrap_or(KeyKind::Rest),
        name: key.name,
        client_id: key.client_id,
        active: key.active,
        expires_at: key.expires_at,
        grants,
        stores,
        allowed_methods: key_method::methods_of(conn, key.id, key.all_methods)?.into_inner(),
    })
}

/// The queries of a hit, on a key that cannot exist.
fn dummy_work(conn: &mut DbConnection) -> QueryResult<()> {
    key_grant::grants_of(conn, -1)?;
    key_grant::store_access_of(conn, -1, false)?;
    key_method::methods_of(conn, -1, false)?;
    Ok(())
}

/// A store named by its code; a code no store has reaches no key.
pub fn store_ref(conn: &mut DbConnection, code: &str) -> QueryResult<StoreRef> {
    Ok(match store::find_by_code(conn, code)? {
        Some(s) => StoreRef::Id(s.id),
        None => StoreRef::Unknown,
    })
}

/// The codes of the stores a key reaches, for answers (`"all"` is None).
pub fn store_codes(
    conn: &mut DbConnection,
    access: &crate::domain::StoreAccess,
) -> QueryResult<Option<Vec<String>>> {
    match access {
        crate::domain::StoreAccess::All => Ok(None),
        crate::domain::StoreAccess::Individual(ids) => {
            use crate::schema::stores;
            stores::table
                .filter(stores::id.eq_any(ids))
                .order(stores::code.asc())
                .select(stores::code)
                .load(conn)
                .map(Some)
        }
    }
}
