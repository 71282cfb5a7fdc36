//! The one access decision (DESIGN.md "One access decision"): every check of
//! a presented key or token, whichever face asks, goes through `decide`, a
//! pure function of the key's state, the credential and the request. Around
//! it: the lookup that loads the state (through the per-instance `cache`), the last-use recorder and
//! the log of refused credentials.

pub mod cache;
pub mod call;
mod decision;
pub mod explain;
pub mod lookup;
pub mod privilege;
pub mod refusals;
pub mod usage;
pub mod usage_tally;

pub use cache::KeyCache;
pub use decision::{
    decide, AccessRequest, AllowedMethod, Decision, KeySnapshot, Presented, ReasonCode, SecretUse,
    StoreRef, TokenUse,
};
pub use lookup::{look_up, Checked};
pub use refusals::{RefusalLog, RefusedKey};
pub use usage::UsageRecorder;
