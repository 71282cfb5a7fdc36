//! Signing in and out, and the first-run setup page.

pub mod login;
pub mod logout;
pub mod setup;
