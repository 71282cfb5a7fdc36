//! What each subcommand does; `main.rs` only parses and dispatches.

mod seed;
mod serve;
mod user;

pub use seed::seed;
pub use serve::serve;
pub use user::user;

use std::process::ExitCode;

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
