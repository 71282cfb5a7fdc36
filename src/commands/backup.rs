//! `keydesk backup FILE`: a consistent copy of a live SQLite database,
//! written with `VACUUM INTO` (one read transaction: the server goes on
//! reading and writing meanwhile, and the copy is what was committed when it
//! began). PostgreSQL has its own tools: the message names pg_dump.

use std::process::ExitCode;

use diesel::sql_types::Text;
use diesel::RunQueryDsl;

use crate::cli::BackupArgs;
use crate::db::{DatabaseUrl, DbConnection};

pub fn backup(args: BackupArgs) -> ExitCode {
    if matches!(args.db.database_url, DatabaseUrl::Postgres(_)) {
        return super::usage_error(
            "keydesk backup copies SQLite databases; for PostgreSQL use pg_dump (see the README)",
        );
    }
    if args.file.exists() {
        return super::usage_error(format!(
            "{} exists already; choose a new file name",
            args.file.display()
        ));
    }
    let Some(target) = args.file.to_str().map(str::to_owned) else {
        return super::usage_error("the backup file name must be valid UTF-8");
    };
    let mut conn = match super::open_database(&args.db.database_url) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let result = match &mut *conn {
        DbConnection::Sqlite(c) => diesel::sql_query("VACUUM INTO ?")
            .bind::<Text, _>(&target)
            .execute(c),
        DbConnection::Postgresql(_) => unreachable!("refused above"),
    };
    match result {
        Ok(_) => {
            println!("backup written to {target}");
            ExitCode::SUCCESS
        }
        Err(e) => super::failure(format!("cannot write the backup to {target}: {e}")),
    }
}
