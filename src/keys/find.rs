//! Finding the key a pasted secret belongs to (issue 12): an admin who finds
//! a leaked secret in a log pastes it and lands on its key. The secret is
//! looked up by its HMAC with the server's pepper, exactly as verification
//! does; it is never stored, logged, put in the history or shown again.
//! Whatever is pasted is hashed and looked up the same way, so "no key has
//! this secret" says nothing about whether the text was well-formed.

use diesel::prelude::*;
use serde_json::json;

use crate::db::DbConnection;
use crate::domain::{secret, KeyKind};
use crate::error::AppError;
use crate::models::audit::{self, Actor, Target};
use crate::schema::{api_key_secrets, api_keys};

/// Longer than any secret keydesk issues (prefix + 49): longer text cannot
/// be one, and is not hashed.
pub const MAX_SECRET_CHARS: usize = 200;

/// The key a secret belongs to, and the shown prefix of that secret (which
/// the list shows anyway, so it may go in a URL).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub kind: KeyKind,
    pub id: i64,
    pub prefix: String,
}

/// Looks the pasted text up (current, retiring or retired secrets alike:
/// a leaked old secret is worth finding too) and records the lookup in the
/// history, with the key found if any and never the text. Runs inside the
/// caller's transaction.
pub fn find_by_secret(
    conn: &mut DbConnection,
    actor: &Actor,
    now: chrono::NaiveDateTime,
    pasted: &str,
    pepper: &[u8],
) -> Result<Option<Found>, AppError> {
    let text = pasted.trim();
    let row = if text.is_empty() || text.chars().count() > MAX_SECRET_CHARS {
        None
    } else {
        let hash = secret::hash(pepper, text);
        api_key_secrets::table
            .inner_join(api_keys::table)
            .filter(api_key_secrets::hash.eq(hash))
            .select((
                api_keys::id,
                api_keys::kind,
                api_keys::name,
                api_key_secrets::prefix,
            ))
            .first::<(i64, String, String, String)>(conn)
            .optional()?
    };
    let found = row.and_then(|(id, kind, name, prefix)| {
        KeyKind::parse(&kind).map(|kind| (Found { kind, id, prefix }, name))
    });
    let target = match &found {
        Some((f, name)) => Target::Key { id: f.id, name },
        None => Target::None,
    };
    audit::record(
        conn,
        now,
        actor,
        audit::action::KEY_FOUND_BY_SECRET,
        target,
        json!({ "found": found.is_some() }),
    )?;
    Ok(found.map(|(f, _)| f))
}
