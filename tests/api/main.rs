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
mod keys_access;
mod keys_bad_input;
mod keys_bounded_count;
mod keys_create;
mod keys_delete;
mod keys_edit;
mod keys_filters;
mod keys_life;
mod keys_list;
mod keys_refresh;
mod keys_support;
mod migration;
mod roles;
mod sessions;
mod setup;
mod users;
