//! `keydesk user create USERNAME --role DEF:LEVEL … --password-stdin` and
//! `keydesk user set-password USERNAME --password-stdin`.

use std::io::Read;
use std::process::ExitCode;

use crate::auth::password;
use crate::cli::{UserCommand, UserCreateArgs, UserSetPasswordArgs};
use crate::db::DbConnection;
use crate::domain::{Password, Username};
use crate::models::now_utc;
use crate::models::user::{self, NewUser, Roles};

pub fn user(cmd: UserCommand) -> ExitCode {
    match cmd {
        UserCommand::Create(args) => create(args),
        UserCommand::SetPassword(args) => set_password(args),
    }
}

/// The password on standard input, without the one trailing newline that
/// `echo` and here-strings add.
fn read_password() -> Result<String, ExitCode> {
    let mut raw = String::new();
    if let Err(e) = std::io::stdin().read_to_string(&mut raw) {
        return Err(super::usage_error(format!(
            "cannot read the password from standard input: {e}"
        )));
    }
    if let Some(s) = raw.strip_suffix('\n') {
        raw = s.strip_suffix('\r').unwrap_or(s).to_owned();
    }
    Ok(raw)
}

fn set_password(args: UserSetPasswordArgs) -> ExitCode {
    let username = match Username::parse(&args.username) {
        Ok(u) => u,
        Err(e) => return super::usage_error(e),
    };
    let raw = match read_password() {
        Ok(r) => r,
        Err(code) => return code,
    };
    let pw = match Password::parse_new(&raw, username.as_str()) {
        Ok(p) => p,
        Err(e) => return super::usage_error(e),
    };
    let mut conn = match super::open_database(&args.db.database_url) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let found = match user::find_by_username(&mut conn, username.as_str()) {
        Ok(Some(u)) => u,
        Ok(None) => return super::usage_error(format!("there is no user named {username}")),
        Err(e) => return super::failure(format!("cannot read the users: {e}")),
    };
    let hash = password::hash(&pw);
    match user::change_password(
        &mut conn,
        &found,
        &hash,
        &crate::models::audit::Actor::system(),
    ) {
        Ok(_) => {
            println!("password of {username} changed; their sessions have ended");
            ExitCode::SUCCESS
        }
        Err(e) => super::failure(format!("cannot change the password: {e}")),
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
    let raw = match read_password() {
        Ok(r) => r,
        Err(code) => return code,
    };
    let pw = match Password::parse_new(&raw, username.as_str()) {
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
