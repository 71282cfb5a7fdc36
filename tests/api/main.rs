//! The black-box suite: one test binary (one link step), one module per
//! feature. Every test starts the real app with its own database; see
//! `helpers.rs`.

mod auth;
mod cli;
mod concurrency;
mod csrf;
mod errors;
mod headers;
mod health;
mod helpers;
mod roles;
mod sessions;
mod setup;
mod users;
