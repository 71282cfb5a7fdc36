//! The black-box suite: one test binary (one link step), one module per
//! feature. Every test starts the real app with its own database; see
//! `helpers.rs`.

mod audit;
mod auth;
mod backup;
mod busy;
mod cli;
mod concurrency;
mod csrf;
mod errors;
mod headers;
mod health;
mod helpers;
mod keys_access;
mod keys_bad_input;
mod keys_create;
mod keys_delete;
mod keys_edit;
mod keys_filters;
mod keys_life;
mod keys_list;
mod keys_refresh;
mod keys_support;
mod limits;
mod migration;
mod names;
mod pages_support;
mod passwords;
mod roles;
mod sessions;
mod setup;
mod stores;
mod throttle;
mod users;
