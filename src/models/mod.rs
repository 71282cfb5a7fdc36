//! Rows and the queries on them. Every query function takes `&mut DbConnection`
//! so callers can compose several inside one transaction.

pub mod access_token;
pub mod api_key;
pub mod audit;
pub mod audit_chain;
pub mod bulk_action;
pub mod channel;
pub mod idempotency;
pub mod key_bulk;
pub mod key_grant;
pub mod key_method;
pub mod key_search;
pub mod key_secret;
pub mod key_usage;
pub mod session;
pub mod setting;
pub mod store;
pub mod user;

/// Now, in UTC, truncated to microseconds so a value read back compares equal
/// on SQLite (nanosecond text) and PostgreSQL (microseconds).
pub fn now_utc() -> chrono::NaiveDateTime {
    use chrono::SubsecRound;
    chrono::Utc::now().naive_utc().trunc_subsecs(6)
}
