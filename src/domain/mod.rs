//! Values parsed at the edge: a handler receives these, never raw strings.

pub mod audit_query;
pub mod expiry;
mod key_kind;
mod key_name;
pub mod list_query;
mod password;
pub mod permission;
mod roles;
pub mod secret;
pub mod store;
mod username;
pub mod visible;

pub use expiry::{ExpiryChoice, Grace, IdleStop};
pub use key_kind::KeyKind;
pub use key_name::KeyName;
pub use password::Password;
pub use permission::{Action, Function, Grant, GrantSet};
pub use roles::{AccessLevel, BackofficeRole, KeyRoleDefinition, RoleGrant};
pub use store::{AccessType, StoreAccess, StoreCode};
pub use username::Username;

/// True for characters no name or password should carry (newlines, NUL, ESC…).
pub(crate) fn has_control_chars(s: &str) -> bool {
    s.chars().any(char::is_control)
}
