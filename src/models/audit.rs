//! The history (issue 8): append-only audit events, written in the same
//! transaction as the change they record. No event ever holds a secret: the
//! details are built by the callers from names, ids, codes and dates only.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde_json::Value;

use super::audit_chain;
use crate::db::{DbConnection, MultiBackend};
use crate::schema::audit_events;

/// Who acted, and from where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Actor {
    pub user_id: Option<i64>,
    pub key_id: Option<i64>,
    /// Username, key name, or "anonymous" / "keydesk" for the system.
    pub name: String,
    pub ip: Option<String>,
}

impl Actor {
    pub fn user(id: i64, username: &str, ip: Option<String>) -> Self {
        Self {
            user_id: Some(id),
            key_id: None,
            name: username.to_owned(),
            ip,
        }
    }

    pub fn key(id: i64, name: &str, ip: Option<String>) -> Self {
        Self {
            user_id: None,
            key_id: Some(id),
            name: name.to_owned(),
            ip,
        }
    }

    pub fn anonymous(ip: Option<String>) -> Self {
        Self {
            user_id: None,
            key_id: None,
            name: "anonymous".into(),
            ip,
        }
    }

    /// keydesk itself (the command line, a background job).
    pub fn system() -> Self {
        Self {
            user_id: None,
            key_id: None,
            name: "keydesk".into(),
            ip: None,
        }
    }
}

/// What an event is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target<'a> {
    Key { id: i64, name: &'a str },
    Store { id: i64, name: &'a str },
    User { id: i64, name: &'a str },
    None,
}

impl Target<'_> {
    fn parts(&self) -> (Option<&'static str>, Option<i64>, Option<&str>) {
        match *self {
            Self::Key { id, name } => (Some(TARGET_KEY), Some(id), Some(name)),
            Self::Store { id, name } => (Some(TARGET_STORE), Some(id), Some(name)),
            Self::User { id, name } => (Some(TARGET_USER), Some(id), Some(name)),
            Self::None => (None, None, None),
        }
    }
}

pub const TARGET_KEY: &str = "api_key";
pub const TARGET_STORE: &str = "store";
pub const TARGET_USER: &str = "user";

/// The actions the history records; the audit page filters by these codes.
pub mod action {
    pub const KEY_CREATED: &str = "key.created";
    pub const KEY_EDITED: &str = "key.edited";
    pub const KEY_REFRESHED: &str = "key.refreshed";
    pub const KEY_OLD_SECRET_STOPPED: &str = "key.old_secret_stopped";
    pub const KEY_DELETED: &str = "key.deleted";
    /// A grace period extended, or set to stop the old secret once idle.
    pub const KEY_GRACE_CHANGED: &str = "key.grace_changed";
    pub const STORE_CREATED: &str = "store.created";
    pub const STORE_RENAMED: &str = "store.renamed";
    pub const STORE_DELETED: &str = "store.deleted";
    pub const USER_CREATED: &str = "user.created";
    pub const USER_CHANGED: &str = "user.changed";
    pub const USER_DELETED: &str = "user.deleted";
    pub const SIGN_IN_SUCCEEDED: &str = "sign_in.succeeded";
    pub const SIGN_IN_FAILED: &str = "sign_in.failed";
    /// Refused unseen because of too many failures (the throttle).
    pub const SIGN_IN_THROTTLED: &str = "sign_in.throttled";
    pub const PASSWORD_CHANGED: &str = "user.password_changed";
    /// A key, secret or access token refused at the Key API (code in details).
    pub const CREDENTIAL_REFUSED: &str = "credential.refused";
    /// A Key API client authentication refused unseen (the throttle).
    pub const CLIENT_THROTTLED: &str = "client.throttled";
    /// An access token issued at `/oauth/token` (key, scope, address).
    pub const TOKEN_ISSUED: &str = "token.issued";
    /// An access token revoked by its client at `/oauth/revoke`.
    pub const TOKEN_REVOKED: &str = "token.revoked";
    /// An admin pasted a secret to find its key (the secret is not kept).
    pub const KEY_FOUND_BY_SECRET: &str = "key.found_by_secret";
    /// One batch of a bulk action over a filter (bulk id, change, count).
    pub const KEYS_BULK_CHANGED: &str = "keys.bulk_changed";
    pub const KEYS_BULK_UNDONE: &str = "keys.bulk_undone";

    /// Every action with its label, in the order the filter offers them.
    pub const ALL: [(&str, &str); 23] = [
        (KEY_CREATED, "Key created"),
        (KEY_EDITED, "Key edited"),
        (KEY_REFRESHED, "Key refreshed"),
        (KEY_OLD_SECRET_STOPPED, "Old secret stopped"),
        (KEY_DELETED, "Key deleted"),
        (STORE_CREATED, "Store created"),
        (STORE_RENAMED, "Store renamed"),
        (STORE_DELETED, "Store deleted"),
        (USER_CREATED, "User created"),
        (USER_CHANGED, "User changed"),
        (USER_DELETED, "User deleted"),
        (SIGN_IN_SUCCEEDED, "Sign-in succeeded"),
        (SIGN_IN_FAILED, "Sign-in failed"),
        (SIGN_IN_THROTTLED, "Sign-in throttled"),
        (PASSWORD_CHANGED, "Password changed"),
        (CREDENTIAL_REFUSED, "Credential refused"),
        (CLIENT_THROTTLED, "Client throttled"),
        (TOKEN_ISSUED, "Token issued"),
        (TOKEN_REVOKED, "Token revoked"),
        (KEY_FOUND_BY_SECRET, "Key looked up by secret"),
        (KEYS_BULK_CHANGED, "Keys changed in bulk"),
        (KEYS_BULK_UNDONE, "Bulk change undone"),
        (KEY_GRACE_CHANGED, "Grace period changed"),
    ];

    pub fn label(code: &str) -> &str {
        ALL.iter()
            .find(|(c, _)| *c == code)
            .map(|(_, l)| *l)
            .unwrap_or(code)
    }
}

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = audit_events)]
pub struct AuditEvent {
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

impl AuditEvent {
    pub fn details_json(&self) -> Value {
        serde_json::from_str(&self.details).unwrap_or(Value::Null)
    }
}

/// Records one event. `details` is a JSON object of names, ids and dates:
/// never pass a secret, a hash or a password here. The only writer of the
/// history: it links the event into the hash chain (`audit_chain`), inside
/// the caller's write transaction, or in one of its own when there is none.
pub fn record(
    conn: &mut DbConnection,
    at: NaiveDateTime,
    actor: &Actor,
    action: &str,
    target: Target<'_>,
    details: Value,
) -> QueryResult<()> {
    if !crate::db::in_write_transaction() {
        return crate::db::write_transaction(conn, |c| {
            record(c, at, actor, action, target, details)
        });
    }
    use chrono::SubsecRound;
    // What both backends keep, so the hash checks on either.
    let at = at.trunc_subsecs(6);
    let (target_type, target_id, target_name) = target.parts();
    let details = details.to_string();
    let prev_hash = audit_chain::last_hash(conn)?;
    let hash = audit_chain::hash(
        &audit_chain::Fields {
            occurred_at: at,
            actor_user_id: actor.user_id,
            actor_key_id: actor.key_id,
            actor_name: &actor.name,
            action,
            target_type,
            target_id,
            target_name,
            details: &details,
            source_ip: actor.ip.as_deref(),
        },
        prev_hash.as_deref(),
    );
    diesel::insert_into(audit_events::table)
        .values((
            audit_events::occurred_at.eq(at),
            audit_events::actor_user_id.eq(actor.user_id),
            audit_events::actor_key_id.eq(actor.key_id),
            audit_events::actor_name.eq(&actor.name),
            audit_events::action.eq(action),
            audit_events::target_type.eq(target_type),
            audit_events::target_id.eq(target_id),
            audit_events::target_name.eq(target_name),
            audit_events::details.eq(&details),
            audit_events::source_ip.eq(actor.ip.as_deref()),
            audit_events::prev_hash.eq(prev_hash.as_deref()),
            audit_events::hash.eq(&hash),
        ))
        .execute(conn)?;
    Ok(())
}

/// Filters of the audit page; every field optional.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AuditFilter {
    pub key_id: Option<i64>,
    pub actor: Option<String>,
    pub action: Option<String>,
    /// `[from, to)`.
    pub from: Option<NaiveDateTime>,
    pub to: Option<NaiveDateTime>,
}

fn filtered(f: &AuditFilter) -> audit_events::BoxedQuery<'_, MultiBackend> {
    let mut q = audit_events::table.into_boxed();
    if let Some(id) = f.key_id {
        q = q
            .filter(audit_events::target_type.eq(TARGET_KEY))
            .filter(audit_events::target_id.eq(id));
    }
    if let Some(a) = &f.actor {
        q = q.filter(audit_events::actor_name.eq(a));
    }
    if let Some(a) = &f.action {
        q = q.filter(audit_events::action.eq(a));
    }
    if let Some(t) = f.from {
        q = q.filter(audit_events::occurred_at.ge(t));
    }
    if let Some(t) = f.to {
        q = q.filter(audit_events::occurred_at.lt(t));
    }
    q
}

/// One page of events, newest first, and how many match.
pub fn list(
    conn: &mut DbConnection,
    f: &AuditFilter,
    limit: i64,
    offset: i64,
) -> QueryResult<(Vec<AuditEvent>, i64)> {
    let total = filtered(f).count().get_result(conn)?;
    let rows = filtered(f)
        .order((audit_events::occurred_at.desc(), audit_events::id.desc()))
        .limit(limit)
        .offset(offset)
        .select(AuditEvent::as_select())
        .load(conn)?;
    Ok((rows, total))
}

/// `list` as a key with the store access `seer` sees it (all stores: all
/// events): events about the keys it may see (`api_key::within_stores`)
/// and about its stores, nothing else (users, sign-ins, other stores).
pub fn list_seen_by(
    conn: &mut DbConnection,
    f: &AuditFilter,
    limit: i64,
    offset: i64,
    seer: &crate::domain::StoreAccess,
) -> QueryResult<(Vec<AuditEvent>, i64)> {
    let Some(ids) = super::api_key::store_limit(seer) else {
        return list(conn, f, limit, offset);
    };
    let scoped = || {
        use crate::schema::api_keys;
        let keys = api_keys::table
            .filter(super::api_key::within_stores_expr(ids.clone()))
            .select(api_keys::id.nullable());
        let stores: Vec<Option<i64>> = ids.iter().map(|id| Some(*id)).collect();
        filtered(f).filter(
            audit_events::target_type
                .eq(TARGET_KEY)
                .and(audit_events::target_id.eq_any(keys))
                .or(audit_events::target_type
                    .eq(TARGET_STORE)
                    .and(audit_events::target_id.eq_any(stores))),
        )
    };
    let total = scoped().count().get_result(conn)?;
    let rows = scoped()
        .order((audit_events::occurred_at.desc(), audit_events::id.desc()))
        .limit(limit)
        .offset(offset)
        .select(AuditEvent::as_select())
        .load(conn)?;
    Ok((rows, total))
}

/// The last `n` events of one key, newest first (for its dialog).
pub fn latest_of_key(conn: &mut DbConnection, key_id: i64, n: i64) -> QueryResult<Vec<AuditEvent>> {
    filtered(&AuditFilter {
        key_id: Some(key_id),
        ..AuditFilter::default()
    })
    .order((audit_events::occurred_at.desc(), audit_events::id.desc()))
    .limit(n)
    .select(AuditEvent::as_select())
    .load(conn)
}

/// Up to `n` events matching `f` with ids above `after`, oldest first (the
/// CSV export walks the history this way, in chain order).
pub fn batch_after(
    conn: &mut DbConnection,
    f: &AuditFilter,
    after: i64,
    n: i64,
) -> QueryResult<Vec<AuditEvent>> {
    filtered(f)
        .filter(audit_events::id.gt(after))
        .order(audit_events::id.asc())
        .limit(n)
        .select(AuditEvent::as_select())
        .load(conn)
}
