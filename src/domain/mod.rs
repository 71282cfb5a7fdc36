//! Values parsed at the edge: a handler receives these, never raw strings.

mod key_kind;
mod key_name;
pub mod list_query;
mod password;
mod roles;
pub mod secret;
mod username;

pub use key_kind::KeyKind;
pub use key_name::KeyName;
pub use password::Password;
pub use roles::{AccessLevel, BackofficeRole, KeyRoleDefinition, RoleGrant};
pub use username::Username;

/// True for characters no name or password should carry (newlines, NUL, ESC…).
pub(crate) fn has_control_chars(s: &str) -> bool {
    s.chars().any(char::is_control)
}
