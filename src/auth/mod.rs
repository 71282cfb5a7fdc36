//! Who is signed in and what they may do: password hashing, the server-side
//! session store, CSRF protection and the role guard.

pub mod csrf;
pub mod guard;
pub mod password;
pub mod session;
pub mod session_store;

pub use guard::{CurrentUser, Require};
pub use session::UserSession;
