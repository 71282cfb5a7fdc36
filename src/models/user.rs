//! Back-office users and their roles.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::domain::{AccessLevel, BackofficeRole, RoleGrant};
use crate::schema::{user_roles, users};

#[derive(Queryable, Selectable, Identifiable, Debug, Clone)]
#[diesel(table_name = users)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub password_hash: String,
    pub active: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = users)]
pub struct NewUser<'a> {
    pub username: &'a str,
    pub password_hash: &'a str,
    pub active: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// A user's roles, one level per definition, sorted by definition.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Roles(Vec<(BackofficeRole, AccessLevel)>);

impl Roles {
    pub fn from_grants(grants: &[RoleGrant]) -> Self {
        // The highest level wins when a definition is given twice.
        let mut v: Vec<(BackofficeRole, AccessLevel)> = Vec::new();
        for g in grants {
            match v.iter_mut().find(|(d, _)| *d == g.definition) {
                Some((_, l)) => *l = (*l).max(g.level),
                None => v.push((g.definition, g.level)),
            }
        }
        v.sort();
        Self(v)
    }

    pub fn all_owner() -> Self {
        Self(
            BackofficeRole::ALL
                .iter()
                .map(|d| (*d, AccessLevel::Owner))
                .collect(),
        )
    }

    pub fn level(&self, definition: BackofficeRole) -> Option<AccessLevel> {
        self.0
            .iter()
            .find(|(d, _)| *d == definition)
            .map(|(_, l)| *l)
    }

    pub fn allows(&self, definition: BackofficeRole, needed: AccessLevel) -> bool {
        self.level(definition).is_some_and(|l| l >= needed)
    }

    pub fn iter(&self) -> impl Iterator<Item = &(BackofficeRole, AccessLevel)> {
        self.0.iter()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn from_rows(rows: impl IntoIterator<Item = (String, i16)>) -> Self {
        let mut v: Vec<_> = rows
            .into_iter()
            .filter_map(|(d, l)| Some((BackofficeRole::parse(&d).ok()?, AccessLevel::from_i16(l)?)))
            .collect();
        v.sort();
        Self(v)
    }
}

pub fn count(conn: &mut DbConnection) -> QueryResult<i64> {
    users::table.count().get_result(conn)
}

pub fn find(conn: &mut DbConnection, id: i64) -> QueryResult<Option<User>> {
    users::table
        .find(id)
        .select(User::as_select())
        .first(conn)
        .optional()
}

pub fn find_by_username(conn: &mut DbConnection, username: &str) -> QueryResult<Option<User>> {
    users::table
        .filter(users::username.eq(username))
        .select(User::as_select())
        .first(conn)
        .optional()
}

pub fn roles_of(conn: &mut DbConnection, user_id: i64) -> QueryResult<Roles> {
    let rows = user_roles::table
        .filter(user_roles::user_id.eq(user_id))
        .select((user_roles::definition, user_roles::level))
        .load::<(String, i16)>(conn)?;
    Ok(Roles::from_rows(rows))
}

/// Every user with roles, by username; two queries whatever the count.
pub fn list_with_roles(conn: &mut DbConnection) -> QueryResult<Vec<(User, Roles)>> {
    let all = users::table
        .order(users::username.asc())
        .select(User::as_select())
        .load(conn)?;
    let mut roles = user_roles::table
        .select((
            user_roles::user_id,
            user_roles::definition,
            user_roles::level,
        ))
        .load::<(i64, String, i16)>(conn)?;
    roles.sort_by_key(|r| r.0);
    Ok(all
        .into_iter()
        .map(|u| {
            let start = roles.partition_point(|r| r.0 < u.id);
            let end = roles.partition_point(|r| r.0 <= u.id);
            let mine = roles[start..end].iter().map(|(_, d, l)| (d.clone(), *l));
            (u, Roles::from_rows(mine))
        })
        .collect())
}

/// Inserts the user and its roles; the caller wraps it in a transaction.
pub fn insert(conn: &mut DbConnection, new: &NewUser<'_>, roles: &Roles) -> QueryResult<User> {
    let user: User = diesel::insert_into(users::table)
        .values(new)
        .returning(users::all_columns)
        .get_result(conn)?;
    replace_roles(conn, user.id, roles)?;
    Ok(user)
}

pub fn replace_roles(conn: &mut DbConnection, user_id: i64, roles: &Roles) -> QueryResult<()> {
    diesel::delete(user_roles::table.filter(user_roles::user_id.eq(user_id))).execute(conn)?;
    for (d, l) in roles.iter() {
        diesel::insert_into(user_roles::table)
            .values((
                user_roles::user_id.eq(user_id),
                user_roles::definition.eq(d.code()),
                user_roles::level.eq(l.as_i16()),
            ))
            .execute(conn)?;
    }
    diesel::update(users::table.find(user_id))
        .set(users::updated_at.eq(super::now_utc()))
        .execute(conn)?;
    Ok(())
}

pub fn set_active(conn: &mut DbConnection, user_id: i64, active: bool) -> QueryResult<usize> {
    diesel::update(users::table.find(user_id))
        .set((
            users::active.eq(active),
            users::updated_at.eq(super::now_utc()),
        ))
        .execute(conn)
}

/// Stores a new password hash. Callers that change a password (not those that
/// only upgrade the hash) also end the user's sessions.
pub fn set_password_hash(conn: &mut DbConnection, user_id: i64, hash: &str) -> QueryResult<usize> {
    diesel::update(users::table.find(user_id))
        .set((
            users::password_hash.eq(hash),
            users::updated_at.eq(super::now_utc()),
        ))
        .execute(conn)
}

/// Sets a new password and ends every session of the user, with its audit
/// event, in one transaction: a stolen session dies with the old password.
pub fn change_password(
    conn: &mut DbConnection,
    user: &User,
    hash: &str,
    by: &super::audit::Actor,
) -> QueryResult<usize> {
    use super::audit;
    crate::db::write_transaction(conn, |c| {
        let n = set_password_hash(c, user.id, hash)?;
        let ended = super::session::delete_for_user(c, user.id)?;
        audit::record(
            c,
            super::now_utc(),
            by,
            audit::action::PASSWORD_CHANGED,
            audit::Target::User {
                id: user.id,
                name: &user.username,
            },
            serde_json::json!({ "sessions_ended": ended }),
        )?;
        Ok(n)
    })
}

pub fn delete(conn: &mut DbConnection, user_id: i64) -> QueryResult<usize> {
    diesel::delete(users::table.find(user_id)).execute(conn)
}

pub fn count_active_owners(
    conn: &mut DbConnection,
    definition: BackofficeRole,
) -> QueryResult<i64> {
    users::table
        .inner_join(user_roles::table)
        .filter(users::active.eq(true))
        .filter(user_roles::definition.eq(definition.code()))
        .filter(user_roles::level.eq(AccessLevel::Owner.as_i16()))
        .count()
        .get_result(conn)
}

/// The definitions that would be left without an active Owner. Called inside
/// the transaction after a change, which is rolled back if any is returned.
pub fn definitions_without_owner(conn: &mut DbConnection) -> QueryResult<Vec<BackofficeRole>> {
    let mut missing = Vec::new();
    for d in BackofficeRole::ALL {
        if count_active_owners(conn, d)? == 0 {
            missing.push(d);
        }
    }
    Ok(missing)
}

/// Serialises changes that could remove the last Owner of a definition.
/// SQLite already runs one writer at a time; on PostgreSQL two transactions
/// demoting two different owners would each still see the other as Owner, so
/// they take a transaction-scoped advisory lock first.
pub fn lock_owner_changes(conn: &mut DbConnection) -> QueryResult<()> {
    if let DbConnection::Postgresql(c) = conn {
        diesel::connection::SimpleConnection::batch_execute(
            c,
            "SELECT pg_advisory_xact_lock(7301730174)",
        )?;
    }
    Ok(())
}
