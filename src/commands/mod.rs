//! What each subcommand does; `main.rs` only parses and dispatches.

mod audit;
mod backup;
mod seed;
mod serve;
mod user;

pub use audit::audit;
pub use backup::backup;
pub use seed::seed;
pub use serve::serve;
pub use user::user;

use std::process::ExitCode;

/// Opens the database a command works on and applies pending migrations, as
/// the server does at start; a failure is exit code 1 with the reason.
pub(crate) fn open_database(
    url: &crate::db::DatabaseUrl,
) -> Result<crate::db::PooledConnection, ExitCode> {
    let pool = crate::db::build_pool(url, 1).map_err(failure)?;
    let mut conn = pool.get().map_err(failure)?;
    crate::db::run_migrations(&mut conn).map_err(failure)?;
    Ok(conn)
}

/// Exit code 2 with a one-line message: bad input, nothing written.
pub(crate) fn usage_error(msg: impl std::fmt::Display) -> ExitCode {
    eprintln!("keydesk: {msg}");
    ExitCode::from(2)
}

/// Exit code 1: the environment failed (database unreachable, port taken).
pub(crate) fn failure(msg: impl std::fmt::Display) -> ExitCode {
    eprintln!("keydesk: {msg}");
    ExitCode::FAILURE
}
