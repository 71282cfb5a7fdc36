//! The history's hash chain (issue 13, part 7): every event stores the hash
//! of the event before it (by id) and its own, SHA-256 over a canonical
//! serialisation of its fields and that previous hash. `audit::record` is
//! the only writer and always runs inside `db::write_transaction`, whose
//! lock (SQLite `BEGIN IMMEDIATE`, PostgreSQL's advisory lock) makes
//! "read the last hash, then insert" race-free. Events written before the
//! chain existed keep NULL hashes; the first chained one is the genesis.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde_json::json;

use crate::db::DbConnection;
use crate::schema::audit_events;

/// The fields an event's hash covers, as stored.
#[derive(Clone, Debug, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = audit_events)]
pub struct Chained {
    pub id: i64,
    pub occurred_at: NaiveDateTime,
    pub actor_user_id: Option<i64>,
    pub actor_key_id: Option<i64>,
    pub actor_name: String,
    pub action: String,
    pub target_type: Option<String>,
    pub target_id: Option<i64>,
    pub target_name: Option<String>,
    pub details: String,
    pub source_ip: Option<String>,
    pub prev_hash: Option<String>,
    pub hash: Option<String>,
}

/// The fields of an event about to be written (no id yet: the chain links
/// events by their order, the prev_hash, not by id).
pub struct Fields<'a> {
    pub occurred_at: NaiveDateTime,
    pub actor_user_id: Option<i64>,
    pub actor_key_id: Option<i64>,
    pub actor_name: &'a str,
    pub action: &'a str,
    pub target_type: Option<&'a str>,
    pub target_id: Option<i64>,
    pub target_name: Option<&'a str>,
    pub details: &'a str,
    pub source_ip: Option<&'a str>,
}

/// The canonical serialisation: a JSON array in a fixed order, times with
/// microseconds (what both backends keep), then the previous hash.
pub fn hash(f: &Fields<'_>, prev_hash: Option<&str>) -> String {
    let canonical = json!([
        "keydesk-audit-v1",
        f.occurred_at.format("%Y-%m-%dT%H:%M:%S%.6f").to_string(),
        f.actor_user_id,
        f.actor_key_id,
        f.actor_name,
        f.action,
        f.target_type,
        f.target_id,
        f.target_name,
        f.details,
        f.source_ip,
        prev_hash,
    ]);
    crate::crypto::sha256_hex(canonical.to_string().as_bytes())
}

impl Chained {
    fn fields(&self) -> Fields<'_> {
        Fields {
            occurred_at: self.occurred_at,
            actor_user_id: self.actor_user_id,
            actor_key_id: self.actor_key_id,
            actor_name: &self.actor_name,
            action: &self.action,
            target_type: self.target_type.as_deref(),
            target_id: self.target_id,
            target_name: self.target_name.as_deref(),
            details: &self.details,
            source_ip: self.source_ip.as_deref(),
        }
    }
}

/// The hash of the last event written (None: no event yet, or the last one
/// predates the chain). Call it inside the write transaction that inserts.
pub fn last_hash(conn: &mut DbConnection) -> QueryResult<Option<String>> {
    Ok(audit_events::table
        .order(audit_events::id.desc())
        .select(audit_events::hash)
        .first::<Option<String>>(conn)
        .optional()?
        .flatten())
}

/// What `keydesk audit verify` found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Every chained event checks; `unchained` events predate the chain.
    Intact { chained: u64, unchained: u64 },
    /// The first event that does not check, and why.
    Broken { id: i64, reason: &'static str },
}

/// Checks one event against the one before it (`prev`: None for the first).
/// `started`: an earlier event was chained.
fn check(prev: Option<&Chained>, e: &Chained, started: bool) -> Result<(), &'static str> {
    let Some(own) = &e.hash else {
        return if started {
            Err("it has no hash, but events before it are chained (its hash was removed)")
        } else {
            Ok(())
        };
    };
    let expected_prev = prev.and_then(|p| p.hash.as_deref());
    if e.prev_hash.as_deref() != expected_prev {
        return Err("its prev_hash is not the hash of the event before it (an event before it was deleted, or edited along with its hash)");
    }
    if hash(&e.fields(), e.prev_hash.as_deref()) != *own {
        return Err("its fields do not match its hash (the event was edited)");
    }
    Ok(())
}

/// Walks the whole history in id order, a batch at a time.
pub fn verify(conn: &mut DbConnection) -> QueryResult<Verdict> {
    const BATCH: i64 = 1000;
    let (mut chained, mut unchained) = (0u64, 0u64);
    let mut prev: Option<Chained> = None;
    loop {
        let mut q = audit_events::table
            .order(audit_events::id.asc())
            .limit(BATCH)
            .select(Chained::as_select())
            .into_boxed();
        if let Some(p) = &prev {
            q = q.filter(audit_events::id.gt(p.id));
        }
        let rows: Vec<Chained> = q.load(conn)?;
        let n = rows.len();
        for e in rows {
            if let Err(reason) = check(prev.as_ref(), &e, chained > 0) {
                return Ok(Verdict::Broken { id: e.id, reason });
            }
            match e.hash {
                Some(_) => chained += 1,
                None => unchained += 1,
            }
            prev = Some(e);
        }
        if (n as i64) < BATCH {
            return Ok(Verdict::Intact { chained, unchained });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(id: i64, prev: Option<&str>, name: &str) -> Chained {
        let mut e = Chained {
            id,
            occurred_at: chrono::DateTime::from_timestamp(1_764_000_000, 123_456_000)
                .unwrap()
                .naive_utc(),
            actor_user_id: Some(1),
            actor_key_id: None,
            actor_name: name.into(),
            action: "key.created".into(),
            target_type: Some("api_key".into()),
            target_id: Some(4),
            target_name: Some("Partner".into()),
            details: "{}".into(),
            source_ip: None,
            prev_hash: prev.map(str::to_owned),
            hash: None,
        };
        e.hash = Some(hash(&e.fields(), prev));
        e
    }

    #[test]
    fn each_field_and_the_link_change_the_hash() {
        let a = ev(1, None, "admin");
        let b = ev(2, a.hash.as_deref(), "admin");
        assert_ne!(a.hash, b.hash);
        assert_eq!(check(None, &a, false), Ok(()));
        assert_eq!(check(Some(&a), &b, true), Ok(()));
        let mut edited = b.clone();
        edited.actor_name = "mallory".into();
        assert!(check(Some(&a), &edited, true).is_err());
        // b checked after a's predecessor (a deleted): the link breaks.
        let c = ev(3, b.hash.as_deref(), "admin");
        assert!(check(Some(&a), &c, true).is_err());
        // An unchained event after the chain began.
        let mut stripped = b.clone();
        stripped.hash = None;
        assert!(check(Some(&a), &stripped, true).is_err());
        // Before the chain, events have no hash: fine.
        assert_eq!(check(None, &stripped, false), Ok(()));
    }
}
