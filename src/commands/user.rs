//! `keydesk user create USERNAME --role DEF:LEVEL … --password-stdin`.

use std::io::Read;
use std::process::ExitCode;

use crate::auth::password;
use crate::cli::{UserCommand, UserCreateArgs};
use crate::db::DbConnection;
use crate::domain::{Password, Username};
use crate::models::now_utc;
use crate::models::user::{self, NewUser, Roles};

pub fn user(cmd: UserCommand) -> ExitCode {
    match cmd {
        UserCommand::Create(args) => create(args),
    }
}

fn create(args: UserCreateArgs) -> ExitCode {
    let username = match Username::parse(&args.username) {
        Ok(u) => u,
        Err(e) => return super::usage_error(e),
    };
    if args.roles.is_empty() {
        return super::usage_error(
            "give at least one --role DEFINITION:LEVEL, e.g. --role api-key:viewer",
        );
    }
    let mut raw = String::new();
    if let Err(e) = std::io::stdin().read_to_string(&mut raw) {
        return super::usage_error(format!("cannot read the password from standard input: {e}"));
    }
    // One trailing newline is what `echo` and here-strings add.
    let raw = raw
        .strip_suffix('\n')
        .map(|s| s.strip_suffix('\r').unwrap_or(s))
        .unwrap_or(&raw);
    let pw = match Password::parse_new(raw) {
        Ok(p) => p,
        Err(e) => return super::usage_error(e),
    };
    let roles = Roles::from_grants(&args.roles);

    let mut conn = match super::open_database(&args.db.database_url) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let hash = password::hash(&pw);
    match insert(&mut conn, &username, &hash, &roles) {
        Ok(id) => {
            println!("created user {username} (id {id})");
            ExitCode::SUCCESS
        }
        Err(diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        )) => super::usage_error(format!("a user named {username} already exists")),
        Err(e) => super::failure(format!("cannot create the user: {e}")),
    }
}

fn insert(
    conn: &mut DbConnection,
    username: &Username,
    hash: &str,
    roles: &Roles,
) -> diesel::QueryResult<i64> {
    crate::db::write_transaction(conn, |c| {
        let now = now_utc();
        let new = NewUser {
            username: username.as_str(),
            password_hash: hash,
            active: true,
            created_at: now,
            updated_at: now,
        };
        Ok(user::insert(c, &new, roles)?.id)
    })
}
